//! The error every command returns: a kind the UI can branch on and a message it shows.

use serde::Serialize;

/// What went wrong, as the webview sees it: `{kind, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "camelCase")]
pub enum AppError {
    /// The gateway could not be started or stopped, or failed a request in a way not named below.
    #[error("{0}")]
    Gateway(String),
    /// No gateway to talk to (not running, unreachable, the connection dropped): start or
    /// reconnect it.
    #[error("{0}")]
    NotConnected(String),
    /// The gateway refused the credentials (wrong token, untrusted certificate).
    #[error("{0}")]
    Unauthorized(String),
    /// The connection lacks the permission (scope) this action needs.
    #[error("{0}")]
    Forbidden(String),
    /// What was edited changed meanwhile (e.g. the config file): reload, then try again.
    #[error("{0}")]
    Conflict(String),
    /// What was named no longer exists (an answered approval, a deleted session).
    #[error("{0}")]
    NotFound(String),
    /// The gateway cannot do this right now (starting, stopping, busy): try again shortly.
    #[error("{0}")]
    Unavailable(String),
    /// A setting was invalid.
    #[error("{0}")]
    InvalidInput(String),
    /// The OS keychain refused or is missing.
    #[error("{0}")]
    Keychain(String),
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// The user cancelled a dialog.
    #[error("cancelled")]
    Cancelled,
}

impl From<tidepool_control::SupervisorError> for AppError {
    fn from(e: tidepool_control::SupervisorError) -> Self {
        AppError::Gateway(e.to_string())
    }
}

impl From<tidepool_client::ClientError> for AppError {
    /// The kind comes from the gateway's error code and detail code (`ClientError::kind`).
    fn from(e: tidepool_client::ClientError) -> Self {
        use tidepool_client::ErrorKind;
        let message = e.to_string();
        match e.kind() {
            ErrorKind::NotConnected => AppError::NotConnected(message),
            ErrorKind::Unauthorized => AppError::Unauthorized(message),
            ErrorKind::Forbidden => AppError::Forbidden(message),
            ErrorKind::Conflict => AppError::Conflict(message),
            ErrorKind::NotFound => AppError::NotFound(message),
            ErrorKind::Unavailable => AppError::Unavailable(message),
            ErrorKind::Invalid => AppError::InvalidInput(message),
            ErrorKind::Other => AppError::Gateway(message),
        }
    }
}

impl From<tidepool_control::config::ConfigAccessError> for AppError {
    fn from(e: tidepool_control::config::ConfigAccessError) -> Self {
        use tidepool_control::config::ConfigAccessError;
        match e {
            ConfigAccessError::Io(m) => AppError::Io(m),
            ConfigAccessError::Gateway(e) => AppError::from(e),
            e @ ConfigAccessError::Cli(_) => AppError::Gateway(e.to_string()),
        }
    }
}

impl From<tidepool_control::hosts::HostsError> for AppError {
    fn from(e: tidepool_control::hosts::HostsError) -> Self {
        use tidepool_control::hosts::{HostError, HostsError, StoreError};
        let message = e.to_string();
        match e {
            HostsError::Host(HostError::Address(_)) | HostsError::NoKeyFile(_) => {
                AppError::InvalidInput(message)
            }
            HostsError::NotInstalled(_) => AppError::NotFound(message),
            HostsError::Service { .. } => AppError::Gateway(message),
            HostsError::Host(
                HostError::AuthRefused { .. }
                | HostError::HostKeyChanged { .. }
                | HostError::UnknownHostKey { .. },
            ) => AppError::Unauthorized(message),
            HostsError::Host(HostError::Unreachable { .. } | HostError::NotFound { .. }) => {
                AppError::NotConnected(message)
            }
            HostsError::KeyMoved { .. } | HostsError::Store(StoreError::Duplicate(_)) => {
                AppError::Conflict(message)
            }
            HostsError::Store(StoreError::NotFound(_)) => AppError::NotFound(message),
            HostsError::Store(StoreError::File { .. }) => AppError::Io(message),
            HostsError::Keys(_) => AppError::NotConnected(message),
            HostsError::Host(_) => AppError::Gateway(message),
        }
    }
}

/// Result of a command.
pub type AppResult<T> = Result<T, AppError>;
