//! The protocol error shape `{code, message, details?, retryable?, retryAfterMs?}` and its codes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stable error codes (OpenClaw's `ErrorCodes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request failed validation or a precondition (bad params, unknown method, bad auth).
    InvalidRequest,
    /// The caller is authenticated but lacks permission (missing scope).
    Forbidden,
    /// The gateway cannot serve this now (starting, stopping, overloaded); see `retryable`.
    Unavailable,
    /// The device still needs pairing approval.
    NotPaired,
    /// The agent did not answer in time.
    AgentTimeout,
    /// An approval id is unknown or expired.
    ApprovalNotFound,
}

impl ErrorCode {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::NotPaired => "NOT_PAIRED",
            ErrorCode::AgentTimeout => "AGENT_TIMEOUT",
            ErrorCode::ApprovalNotFound => "APPROVAL_NOT_FOUND",
        }
    }
}

/// Codes carried in `details.code` that say more precisely what went wrong.
pub mod detail_codes {
    /// No token was given but the gateway requires one.
    pub const AUTH_TOKEN_MISSING: &str = "AUTH_TOKEN_MISSING";
    /// The token given does not match.
    pub const AUTH_TOKEN_MISMATCH: &str = "AUTH_TOKEN_MISMATCH";
    /// No password was given but the gateway requires one.
    pub const AUTH_PASSWORD_MISSING: &str = "AUTH_PASSWORD_MISSING";
    /// The password given does not match.
    pub const AUTH_PASSWORD_MISMATCH: &str = "AUTH_PASSWORD_MISMATCH";
    /// Too many failed attempts from this address.
    pub const AUTH_RATE_LIMITED: &str = "AUTH_RATE_LIMITED";
    /// No protocol version in common.
    pub const PROTOCOL_MISMATCH: &str = "PROTOCOL_MISMATCH";
    /// The caller lacks a scope the method needs.
    pub const MISSING_SCOPE: &str = "MISSING_SCOPE";
    /// The method does not exist on this gateway.
    pub const UNKNOWN_METHOD: &str = "UNKNOWN_METHOD";
    /// The params did not match the method's schema.
    pub const INVALID_PARAMS: &str = "INVALID_PARAMS";
    /// The frame was not valid JSON.
    pub const INVALID_JSON: &str = "INVALID_JSON";
    /// The frame was valid JSON but not a valid frame.
    pub const INVALID_FRAME: &str = "INVALID_FRAME";
    /// The first request on a connection must be `connect`.
    pub const CONNECT_REQUIRED: &str = "CONNECT_REQUIRED";
    /// `connect` was sent on a connection that is already connected.
    pub const ALREADY_CONNECTED: &str = "ALREADY_CONNECTED";
    /// The role is not served by this gateway.
    pub const ROLE_UNSUPPORTED: &str = "ROLE_UNSUPPORTED";
    /// The gateway is shutting down.
    pub const SHUTTING_DOWN: &str = "SHUTTING_DOWN";
    /// Too many requests are in flight on this connection.
    pub const TOO_MANY_IN_FLIGHT: &str = "TOO_MANY_IN_FLIGHT";
}

/// The error payload of a failed response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErrorShape {
    /// One of [`ErrorCode`]'s wire strings (kept as a string so newer codes still parse).
    pub code: String,
    /// A human sentence: what went wrong and what to do.
    pub message: String,
    /// Structured detail, usually `{code: <detail code>, ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Whether retrying the same request may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
    /// How long to wait before retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl ErrorShape {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.is_empty() {
            // The schema requires a non-empty message.
            message = code.as_str().to_owned();
        }
        ErrorShape {
            code: code.as_str().to_owned(),
            message,
            details: None,
            retryable: None,
            retry_after_ms: None,
        }
    }

    /// Adds `details: {code: detail}`.
    pub fn with_detail_code(mut self, detail: &str) -> Self {
        self.details = Some(serde_json::json!({ "code": detail }));
        self
    }

    /// Replaces `details` with a full value.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Marks the error retryable, optionally after a delay.
    pub fn retry_after(mut self, ms: Option<u64>) -> Self {
        self.retryable = Some(true);
        self.retry_after_ms = ms;
        self
    }

    /// `details.code`, when present.
    pub fn detail_code(&self) -> Option<&str> {
        self.details.as_ref()?.get("code")?.as_str()
    }
}

impl std::fmt::Display for ErrorShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}
