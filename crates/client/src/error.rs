//! Client errors. `Display` is a sentence a user can act on.

use std::time::Duration;
use tidepool_protocol::ErrorShape;
use tidepool_protocol::error::detail_codes;

/// What went wrong talking to a gateway.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL is not a `ws://` URL.
    #[error("invalid gateway URL {url}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Nothing answered at the address.
    #[error(
        "cannot reach the gateway at {url}: {reason} (is it running? try `tidepool gateway run`)"
    )]
    Unreachable {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A `wss://` gateway whose certificate this computer does not trust (or TLS failed).
    #[error(
        "cannot trust the gateway at {url}: {reason}. A self-signed certificate must be added to \
         this computer's trusted certificates, or reach the gateway through an SSH tunnel"
    )]
    Tls {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The gateway refused `connect` (auth, protocol, role).
    #[error("the gateway refused the connection: {0}")]
    Rejected(ErrorShape),
    /// A request failed on the gateway.
    #[error("{0}")]
    Request(ErrorShape),
    /// No answer in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// How long we waited.
        after: Duration,
        /// What for.
        what: String,
    },
    /// There is no open connection right now.
    #[error("not connected to the gateway")]
    NotConnected,
    /// The connection closed.
    #[error("connection closed: {0}")]
    Closed(String),
    /// The gateway sent something we do not understand.
    #[error("protocol error: {0}")]
    Protocol(String),
}

impl ClientError {
    /// Whether retrying the connection cannot help (wrong credentials, incompatible protocol).
    pub fn is_fatal(&self) -> bool {
        match self {
            ClientError::InvalidUrl { .. } | ClientError::Tls { .. } => true,
            ClientError::Rejected(e) => {
                !matches!(e.detail_code(), Some(detail_codes::SHUTTING_DOWN))
                    && e.code != "UNAVAILABLE"
            }
            _ => false,
        }
    }

    /// The gateway's error shape, if the gateway sent one.
    pub fn shape(&self) -> Option<&ErrorShape> {
        match self {
            ClientError::Rejected(e) | ClientError::Request(e) => Some(e),
            _ => None,
        }
    }
}
