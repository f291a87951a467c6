//! Servers reached over SSH (the control center's `hosts`): what a user types for one
//! ([`HostSpec`]), their keys, strictly ([`KnownHostsFile`]), one pooled master per host
//! ([`HostPool`]), and what a host is ([`probe`]). Everything runs through the system `ssh`, so
//! `~/.ssh/config` (aliases, `HostName`, `User`, `Port`, `IdentityFile`, `ProxyJump`) and the
//! user's agent work as in a terminal.

mod address;
mod askpass;
mod bootstrap;
mod install;
mod known_hosts;
mod manage;
mod pool;
mod probe;
mod ssh_config;
mod store;
mod tunnel;

pub use address::{AddressError, HostSpec};
pub use askpass::{Askpass, SOCKET_ENV as ASKPASS_SOCKET_ENV};
pub use bootstrap::install_key_with_password;
pub use install::{INSTALL_STEPS, InstallRequest, Installed, install};
pub use known_hosts::{HostKey, KnownHostsError, KnownHostsFile, Trust};
pub use manage::{GatewayAction, HostCheck, Hosts, HostsError};
pub use pool::{Auth, HostPool, Lease, Pin, PoolConfig, RemoteOutput};
pub use probe::{HostFacts, ServiceManager, probe, target_for};
pub use ssh_config::{ConfigHost, config_hosts, user_config};
pub use store::{HostEntry, HostStore, InstallPlace, StoreError};
pub use tunnel::{HostGateway, TokenSink, Tunnel, open_tunnel};

/// Why a host could not be reached or used. Each says what happened in words and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The host as typed cannot be used.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// No key is recorded for the host: it must be trusted first.
    #[error("{host}'s host key is not trusted yet: check its fingerprint and trust it first")]
    UnknownHostKey {
        /// The host.
        host: String,
    },
    /// The host offers another key than the one recorded.
    #[error(
        "{host} offered a different host key than the one you trusted. Someone may be intercepting the connection, or the server was reinstalled. Tidepool will not connect; if you know the server was rebuilt, remove the host and add it again"
    )]
    HostKeyChanged {
        /// The host.
        host: String,
    },
    /// The host refused every key.
    #[error(
        "{host} refused the login for {user}: {detail}. Check the user name, and that your key (or agent) is allowed there"
    )]
    AuthRefused {
        /// The host.
        host: String,
        /// The user as ssh saw it.
        user: String,
        /// What ssh said.
        detail: String,
    },
    /// The name does not resolve.
    #[error(
        "cannot find {host}: the name does not resolve. Check the spelling, or use its IP address"
    )]
    NotFound {
        /// The host.
        host: String,
    },
    /// Nothing answered, or the connection was refused or dropped.
    #[error("cannot reach {host}: {detail}")]
    Unreachable {
        /// The host.
        host: String,
        /// What ssh said.
        detail: String,
    },
    /// A remote command failed to run (the host was reached).
    #[error("the command on the host failed: {0}")]
    Remote(String),
    /// Something on this computer (a missing `ssh`, an unwritable dir).
    #[error("{0}")]
    Local(String),
    /// The pool was shut down.
    #[error("the connection pool has shut down")]
    Closed,
}

impl HostError {
    /// Worth trying again (a refused, dropped or timed-out connection); not a key or auth
    /// problem, which only the user can fix.
    pub fn is_transient(&self) -> bool {
        matches!(self, HostError::Unreachable { .. })
    }

    /// Classifies what `ssh` said when the master could not start.
    pub(crate) fn from_connect(spec: &HostSpec, e: &openssh::Error) -> HostError {
        let text = match e {
            openssh::Error::Connect(io) | openssh::Error::Master(io) => io.to_string(),
            other => other.to_string(),
        };
        let said = Self::from_ssh_text(spec, &text);
        let no_ssh =
            matches!(e, openssh::Error::Connect(io) if io.kind() == std::io::ErrorKind::NotFound);
        match said {
            HostError::Unreachable { .. }
                if no_ssh
                    && !text.contains("Connection refused")
                    && !text.contains("timed out") =>
            {
                HostError::Local("the `ssh` program is not installed on this computer".into())
            }
            other => other,
        }
    }

    /// Classifies what `ssh` printed when it could not log in or connect.
    pub(crate) fn from_ssh_text(spec: &HostSpec, text: &str) -> HostError {
        let host = spec.to_string();
        let line = text
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or("it gave no reason")
            .to_owned();
        if text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
            || text.contains("Host key for") && text.contains("has changed")
        {
            HostError::HostKeyChanged { host }
        } else if text.contains("No ED25519 host key is known")
            || text.contains("host key is known for")
            || text.contains("Host key verification failed")
        {
            HostError::UnknownHostKey { host }
        } else if let Some(at) = text.find("Permission denied (") {
            let user = text
                .get(..at)
                .and_then(|s| s.rsplit(['\n', ' ']).next())
                .and_then(|s| s.split('@').next())
                .filter(|s| !s.is_empty())
                .map_or_else(|| spec.user.clone().unwrap_or_default(), str::to_owned);
            HostError::AuthRefused {
                host,
                user,
                detail: text
                    .get(at..)
                    .and_then(|s| s.lines().next())
                    .unwrap_or("permission denied")
                    .trim_end_matches('.')
                    .to_owned(),
            }
        } else if text.contains("Could not resolve hostname") {
            HostError::NotFound { host }
        } else if text.contains("Connection refused") {
            HostError::Unreachable {
                host,
                detail: "the connection was refused (no SSH server on that port?)".into(),
            }
        } else if text.contains("timed out") {
            HostError::Unreachable {
                host,
                detail: "no answer (a firewall, or the host is down)".into(),
            }
        } else {
            HostError::Unreachable { host, detail: line }
        }
    }
}
