//! Client errors. `Display` is a sentence a user can act on.

use std::time::Duration;
use tidepool_protocol::error::detail_codes;
use tidepool_protocol::{ErrorCode, ErrorShape};

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

    /// What kind of failure this is, from the gateway's error code and detail code, so a caller
    /// (the desktop's `AppError`) can act on it without reading the message.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ClientError::InvalidUrl { .. } => ErrorKind::Invalid,
            ClientError::Unreachable { .. }
            | ClientError::NotConnected
            | ClientError::Closed(_)
            | ClientError::Timeout { .. } => ErrorKind::NotConnected,
            ClientError::Tls { .. } => ErrorKind::Unauthorized,
            ClientError::Protocol(_) => ErrorKind::Other,
            ClientError::Rejected(e) => match e.detail_code() {
                Some(detail_codes::SHUTTING_DOWN) => ErrorKind::Unavailable,
                _ if e.code == ErrorCode::Unavailable.as_str() => ErrorKind::Unavailable,
                _ => ErrorKind::Unauthorized,
            },
            ClientError::Request(e) => ErrorKind::of_shape(e),
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

/// What kind of failure a [`ClientError`] is, for callers that act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No gateway to talk to: not running, unreachable, the connection closed or timed out.
    NotConnected,
    /// The gateway refused the credentials (or the TLS certificate is not trusted).
    Unauthorized,
    /// Authenticated, but the connection lacks the scope the method needs.
    Forbidden,
    /// The thing changed since it was read (a stale `baseHash`): read again, then retry.
    Conflict,
    /// The thing named does not exist (an unknown approval, session, agent or method).
    NotFound,
    /// The gateway cannot serve this now (starting, stopping, busy); retrying later may work.
    Unavailable,
    /// The request itself was wrong (bad params, invalid config).
    Invalid,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The kind of a failed request's error shape: its code, refined by its detail code.
    pub fn of_shape(e: &ErrorShape) -> ErrorKind {
        let detail = e.detail_code().unwrap_or("");
        if detail.ends_with("_CONFLICT") || detail == "BASE_HASH_REQUIRED" {
            return ErrorKind::Conflict;
        }
        if detail == detail_codes::UNKNOWN_METHOD
            || detail.ends_with("_NOT_FOUND")
            || detail.starts_with("UNKNOWN_")
        {
            return ErrorKind::NotFound;
        }
        if detail.starts_with("AUTH_") {
            return ErrorKind::Unauthorized;
        }
        match e.code.as_str() {
            c if c == ErrorCode::Forbidden.as_str() => ErrorKind::Forbidden,
            c if c == ErrorCode::Unavailable.as_str() || c == ErrorCode::AgentTimeout.as_str() => {
                ErrorKind::Unavailable
            }
            c if c == ErrorCode::ApprovalNotFound.as_str() => ErrorKind::NotFound,
            c if c == ErrorCode::InvalidRequest.as_str() => ErrorKind::Invalid,
            c if c == ErrorCode::NotPaired.as_str() => ErrorKind::Unauthorized,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(code: ErrorCode, detail: Option<&str>) -> ErrorShape {
        let e = ErrorShape::new(code, "x");
        match detail {
            Some(d) => e.with_detail_code(d),
            None => e,
        }
    }

    #[test]
    fn every_gateway_code_has_the_kind_the_desktop_acts_on() {
        use ErrorCode::*;
        let table: &[(ErrorShape, ErrorKind)] = &[
            (
                shape(InvalidRequest, Some("CONFIG_CONFLICT")),
                ErrorKind::Conflict,
            ),
            (
                shape(InvalidRequest, Some("AGENT_FILE_CONFLICT")),
                ErrorKind::Conflict,
            ),
            (
                shape(InvalidRequest, Some("BASE_HASH_REQUIRED")),
                ErrorKind::Conflict,
            ),
            (
                shape(InvalidRequest, Some(detail_codes::UNKNOWN_METHOD)),
                ErrorKind::NotFound,
            ),
            (
                shape(InvalidRequest, Some("UNKNOWN_AGENT_ID")),
                ErrorKind::NotFound,
            ),
            (shape(ApprovalNotFound, None), ErrorKind::NotFound),
            (
                shape(InvalidRequest, Some(detail_codes::INVALID_PARAMS)),
                ErrorKind::Invalid,
            ),
            (
                shape(InvalidRequest, Some("CONFIG_INVALID")),
                ErrorKind::Invalid,
            ),
            (
                shape(InvalidRequest, Some(detail_codes::AUTH_TOKEN_MISMATCH)),
                ErrorKind::Unauthorized,
            ),
            (
                shape(Forbidden, Some(detail_codes::MISSING_SCOPE)),
                ErrorKind::Forbidden,
            ),
            (shape(Unavailable, None), ErrorKind::Unavailable),
            (shape(AgentTimeout, None), ErrorKind::Unavailable),
            (shape(NotPaired, None), ErrorKind::Unauthorized),
        ];
        for (e, want) in table {
            assert_eq!(ClientError::Request(e.clone()).kind(), *want, "{e:?}");
        }
        let mut unknown = shape(InvalidRequest, None);
        unknown.code = "SOMETHING_NEW".into();
        assert_eq!(ErrorKind::of_shape(&unknown), ErrorKind::Other);
    }

    #[test]
    fn connection_failures_are_not_connected_or_unauthorized() {
        assert_eq!(ClientError::NotConnected.kind(), ErrorKind::NotConnected);
        assert_eq!(
            ClientError::Closed("eof".into()).kind(),
            ErrorKind::NotConnected
        );
        assert_eq!(
            ClientError::Unreachable {
                url: "ws://x".into(),
                reason: "refused".into()
            }
            .kind(),
            ErrorKind::NotConnected
        );
        assert_eq!(
            ClientError::Rejected(shape(
                ErrorCode::InvalidRequest,
                Some(detail_codes::AUTH_TOKEN_MISMATCH)
            ))
            .kind(),
            ErrorKind::Unauthorized
        );
        assert_eq!(
            ClientError::Rejected(shape(
                ErrorCode::Unavailable,
                Some(detail_codes::SHUTTING_DOWN)
            ))
            .kind(),
            ErrorKind::Unavailable
        );
    }
}
