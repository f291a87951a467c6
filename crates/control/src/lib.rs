//! Control-center services with no Tauri dependency: the gateway sidecar supervisor, the log
//! follower, and the one helper every child process is spawned through.

pub mod approvals;
pub mod chat;
pub mod cli;
pub mod config;
pub mod fsutil;
pub mod hosts;
pub mod jobs;
pub mod links;
pub mod logs;
pub mod onboarding;
pub mod remote;
pub mod remote_logs;
pub mod sessions;
/// The spawn helper lives in `tidepool-process`, shared with the gateway.
pub use tidepool_process as process;
pub mod supervisor;
pub mod usage;

pub use logs::{LogBuffer, LogFollower, LogLine};
pub use supervisor::{GatewayState, SidecarConfig, Status, Supervisor, SupervisorError};
