//! Sessions: OpenClaw-style keys (`agent:<agentId>:<name>`), the SQLite transcript store, and
//! exports.

mod decode;
pub mod export;
pub mod methods;
pub mod store;
pub mod usage;
pub mod usage_methods;

pub use store::{Entry, EntryKind, ListFilter, NewEntry, SessionRow, SessionStore, StoreError};

/// The name of an agent's main session.
pub const MAIN: &str = "main";

/// Why a session key is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Empty or longer than 512 characters.
    #[error("a session key must be 1 to 512 characters")]
    Length,
    /// Has control characters.
    #[error("a session key cannot contain control characters")]
    Control,
    /// `agent:` without an agent id or a name.
    #[error("session key \"{0}\" must look like agent:<agentId>:<name>")]
    Shape(String),
}

/// Normalizes a session key: `agent:<id>:<rest>` stays; a bare name becomes
/// `agent:<default_agent>:<name>`. Returns (key, agent id).
pub fn normalize_key(key: &str, default_agent: &str) -> Result<(String, String), KeyError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 512 {
        return Err(KeyError::Length);
    }
    if key.chars().any(char::is_control) {
        return Err(KeyError::Control);
    }
    if let Some(rest) = key.strip_prefix("agent:") {
        let (agent, _) = rest
            .split_once(':')
            .filter(|(a, n)| !a.is_empty() && !n.is_empty())
            .ok_or_else(|| KeyError::Shape(key.to_owned()))?;
        return Ok((key.to_owned(), agent.to_owned()));
    }
    Ok((
        format!("agent:{default_agent}:{key}"),
        default_agent.to_owned(),
    ))
}

#[cfg(test)]
mod tests;
