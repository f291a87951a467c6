//! Roles and operator scopes, and how one scope satisfies another.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The role a client declares in `connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A control-plane client: CLI, desktop app, web UI, automation.
    Operator,
    /// A capability host (camera, screen, system.run). Not served by Tidepool yet.
    Node,
}

impl Role {
    /// The wire name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Node => "node",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "operator" => Some(Role::Operator),
            "node" => Some(Role::Node),
            _ => None,
        }
    }
}

/// An operator scope. `admin` satisfies every scope; `write` satisfies `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `operator.read`: read-only methods (health, status, logs).
    Read,
    /// `operator.write`: methods that act (chat, sessions).
    Write,
    /// `operator.admin`: configuration, approvals policy, updates.
    Admin,
    /// `operator.approvals`: resolve exec approvals.
    Approvals,
    /// `operator.pairing`: pair devices and nodes.
    Pairing,
}

impl Scope {
    /// Every operator scope, in wire order.
    pub const ALL: [Scope; 5] = [
        Scope::Read,
        Scope::Write,
        Scope::Admin,
        Scope::Approvals,
        Scope::Pairing,
    ];

    /// The wire name, e.g. `operator.read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "operator.read",
            Scope::Write => "operator.write",
            Scope::Admin => "operator.admin",
            Scope::Approvals => "operator.approvals",
            Scope::Pairing => "operator.pairing",
        }
    }

    /// Parses a wire name; unknown scopes are `None` (and ignored by the gateway).
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }

    /// Whether holding `self` is enough for a method that requires `required`.
    pub fn satisfies(self, required: Scope) -> bool {
        self == required
            || self == Scope::Admin
            || (self == Scope::Write && required == Scope::Read)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_satisfies_everything_and_write_implies_read() {
        for s in Scope::ALL {
            assert!(Scope::Admin.satisfies(s));
        }
        assert!(Scope::Write.satisfies(Scope::Read));
        assert!(!Scope::Read.satisfies(Scope::Write));
        assert!(!Scope::Write.satisfies(Scope::Admin));
        assert!(!Scope::Approvals.satisfies(Scope::Read));
    }

    #[test]
    fn wire_names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("operator.root"), None);
    }
}
