//! The Tidepool gateway daemon as a library: config, auth, the WebSocket server and its
//! methods, logging and the process lifecycle. The `tidepool` binary wraps it.

pub mod agents;
pub mod approvals;
pub mod auth;
pub mod auth_limit;
pub mod chat;
pub mod config;
pub mod config_methods;
mod config_watch;
pub mod exec;
pub mod fsutil;
pub mod handlers;
pub mod import;
pub mod lifecycle;
pub mod lock;
pub mod logging;
pub mod logs_tail;
pub mod paths;
pub mod presence;
pub mod providers;
pub mod redact;
pub mod secrets;
pub mod server;
pub mod sessions;
pub mod sysinfo;
pub mod tools;

pub use paths::StatePaths;
pub use server::{Gateway, Overrides, Prepared, StartError, prepare};

/// The gateway version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
