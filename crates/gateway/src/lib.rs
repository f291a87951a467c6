//! The Tidepool gateway daemon as a library: config, auth, the WebSocket server and its
//! methods, logging and the process lifecycle. The `tidepool` binary wraps it.

pub mod agents;
pub mod approvals;
pub mod auth;
pub mod auth_limit;
pub mod chat;
pub mod config;
pub mod exec;
pub mod fsutil;
pub mod import;
pub mod json;
pub mod lifecycle;
pub mod lock;
pub mod logs;
pub mod metrics;
pub mod paths;
pub mod presence;
pub mod providers;
pub mod redact;
pub mod rpc;
pub mod secrets;
pub mod server;
pub mod service;
pub mod sessions;
pub mod state;
pub mod status;
pub mod sysinfo;
pub mod tools;
pub mod update;
pub mod version;

pub use paths::StatePaths;
pub use server::{Gateway, Overrides, Prepared, StartError, prepare};

pub use version::version;

#[cfg(test)]
mod layout_tests;
