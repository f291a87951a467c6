//! The error every command returns: a kind the UI can branch on and a message it shows.

use serde::Serialize;

/// What went wrong, as the webview sees it: `{kind, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "camelCase")]
pub enum AppError {
    /// The gateway could not be started, stopped or reached.
    #[error("{0}")]
    Gateway(String),
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
    fn from(e: tidepool_client::ClientError) -> Self {
        AppError::Gateway(e.to_string())
    }
}

/// Result of a command.
pub type AppResult<T> = Result<T, AppError>;
