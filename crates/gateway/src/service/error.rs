//! Why a service command failed, with the exit code and the kind the CLI reports.

use super::Manager;
use std::path::Path;

/// Why a service command failed. Each names what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Nothing installed for this state dir.
    #[error(
        "the gateway is not installed as a service for {state_dir}: run `tidepool gateway install` first"
    )]
    NotInstalled {
        /// State dir.
        state_dir: String,
    },
    /// Installed already, with other settings, and `--force` was not given.
    #[error(
        "the gateway is already installed for {state_dir} with other settings ({differs}); pass --force to rewrite it"
    )]
    InstalledDifferently {
        /// State dir.
        state_dir: String,
        /// What differs, in words.
        differs: String,
    },
    /// The manager asked for does not run on this host.
    #[error("{manager} is not available on this host: {detail}; use --manager plain (or {hint})")]
    ManagerUnavailable {
        /// The manager.
        manager: Manager,
        /// Why.
        detail: String,
        /// What else to try.
        hint: &'static str,
    },
    /// A systemd user unit on a host without a user session.
    #[error(
        "there is no systemd user session for {user} here (a headless host or root over SSH), so a user unit would never start: run `loginctl enable-linger {user}` and retry, or install with --system"
    )]
    NoUserSession {
        /// The user.
        user: String,
    },
    /// `--system` without the rights for it.
    #[error(
        "installing a system service needs root (administrator on Windows): re-run with sudo, or install a user service (without --system)"
    )]
    NeedsRoot,
    /// The state dir belongs to another user.
    #[error(
        "the state dir {path} belongs to another user (uid {owner}, you are {me}): run as that user or choose your own --state-dir"
    )]
    ForeignStateDir {
        /// State dir.
        path: String,
        /// Its owner.
        owner: u32,
        /// Our uid.
        me: u32,
    },
    /// The port is taken by something that is not this state dir's gateway.
    #[error(
        "port {port} is in use by another program: stop it, or install with --port <free port>"
    )]
    PortInUse {
        /// Port.
        port: u16,
    },
    /// The config does not load.
    #[error("{0}")]
    Config(String),
    /// The gateway did not start.
    #[error("the gateway did not start{code}: {reason}")]
    StartFailed {
        /// ` (exit N)` or empty.
        code: String,
        /// Its last words (stderr) or what was seen.
        reason: String,
    },
    /// The gateway did not become ready in time.
    #[error(
        "the gateway was started but did not answer /readyz within {secs} s; see {log} and `tidepool gateway status`"
    )]
    NotReady {
        /// Seconds waited.
        secs: u64,
        /// Its log.
        log: String,
    },
    /// A manager command failed.
    #[error("`{command}` failed: {detail}")]
    Command {
        /// The command, for the message.
        command: String,
        /// Its stderr or exit status.
        detail: String,
    },
    /// The record file is not ours or was damaged.
    #[error("{path} is not a valid service record ({message}); remove it and install again")]
    BadRecord {
        /// File.
        path: String,
        /// Parser message.
        message: String,
    },
    /// A file could not be read or written.
    #[error("cannot {what} {path}: {source}")]
    Io {
        /// `read`, `write`, `remove`.
        what: &'static str,
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

impl ServiceError {
    /// The exit code (sysexits, as `gateway run`'s).
    pub fn exit_code(&self) -> u8 {
        match self {
            ServiceError::NotInstalled { .. } => 3,
            ServiceError::InstalledDifferently { .. } => 73,
            ServiceError::ManagerUnavailable { .. } | ServiceError::NoUserSession { .. } => 69,
            ServiceError::NeedsRoot | ServiceError::ForeignStateDir { .. } => 77,
            ServiceError::PortInUse { .. } => 69,
            ServiceError::Config(_) | ServiceError::BadRecord { .. } => 78,
            ServiceError::StartFailed { .. } | ServiceError::NotReady { .. } => 1,
            ServiceError::Command { .. } => 71,
            ServiceError::Io { .. } => 74,
        }
    }

    /// A stable name for scripts (`--json`'s `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            ServiceError::NotInstalled { .. } => "not_installed",
            ServiceError::InstalledDifferently { .. } => "installed_differently",
            ServiceError::ManagerUnavailable { .. } => "manager_unavailable",
            ServiceError::NoUserSession { .. } => "no_user_session",
            ServiceError::NeedsRoot => "needs_root",
            ServiceError::ForeignStateDir { .. } => "foreign_state_dir",
            ServiceError::PortInUse { .. } => "port_in_use",
            ServiceError::Config(_) => "config_invalid",
            ServiceError::StartFailed { .. } => "start_failed",
            ServiceError::NotReady { .. } => "not_ready",
            ServiceError::Command { .. } => "command_failed",
            ServiceError::BadRecord { .. } => "bad_record",
            ServiceError::Io { .. } => "io",
        }
    }

    pub(crate) fn io(
        what: &'static str,
        path: &Path,
    ) -> impl FnOnce(std::io::Error) -> ServiceError {
        let path = path.display().to_string();
        move |source| ServiceError::Io { what, path, source }
    }
}
