//! What every method module shares and nothing else: the method registry (scopes, typed
//! handlers, params parsing), the error helpers and where events go.
//! It imports no domain and no server code, so domains build on it without circles.

pub mod registry;

pub use registry::{
    CallCtx, HandlerFuture, Interim, Refusal, Registry, invalid_params, parse_params,
};
use serde_json::Value;
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Where events go (the server's broadcast, or a test's collector).
pub trait Emit: Send + Sync {
    /// Sends an event.
    fn emit(&self, event: &str, payload: Value);
}

/// An `unavailable` error carrying `e`'s text.
pub fn unavailable(e: impl std::fmt::Display) -> ErrorShape {
    ErrorShape::new(ErrorCode::Unavailable, e.to_string())
}
