//! Wire types of the OpenClaw-compatible gateway protocol: frames, the error shape, method and
//! event names, and the params/results of the methods Tidepool implements. No I/O lives here.

pub mod agents;
pub mod chat;
pub mod config;
pub mod contract;
pub mod decode;
pub mod error;
pub mod exec;
pub mod frames;
pub mod jsonrpc;
pub mod methods;
pub mod runs;
pub mod scopes;
mod serde_util;
pub mod service;
pub mod sessions;
pub mod update;
pub mod usage;

pub use decode::{DecodeError, Inbound, decode_inbound};
pub use error::{ErrorCode, ErrorShape};
pub use frames::{EventFrame, Frame, RequestFrame, ResponseFrame, StateVersion};
pub use scopes::{Role, Scope};

/// Protocol version this gateway speaks natively.
pub const PROTOCOL_VERSION: u32 = 4;
/// Oldest protocol version still accepted in `connect`.
pub const MIN_PROTOCOL_VERSION: u32 = 3;
/// Frames received before a successful `connect` are capped at this many bytes.
pub const PRE_AUTH_MAX_FRAME_BYTES: usize = 64 * 1024;
/// Default port of the gateway (same as OpenClaw).
pub const DEFAULT_PORT: u16 = 18789;

/// WebSocket close codes the gateway uses, with OpenClaw's meanings.
pub mod close_codes {
    /// Normal closure (client asked, or the gateway is stopping for good).
    pub const NORMAL: u16 = 1000;
    /// The gateway is going away (stopping, no restart expected).
    pub const GOING_AWAY: u16 = 1001;
    /// The peer broke the protocol (frame before `connect`, second `connect`).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// Authentication failed or a policy was violated (wrong token, slow consumer).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame exceeded the size limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The gateway restarts; reconnect after `restartExpectedMs`.
    pub const SERVICE_RESTART: u16 = 1012;
    /// Temporarily unavailable (during start-up); retry.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// No `connect` or no traffic within the tick timeout.
    pub const TICK_TIMEOUT: u16 = 4000;
}
