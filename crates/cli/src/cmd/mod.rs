//! Subcommands.

pub mod agent;
pub mod config;
pub mod import;
pub mod logs;
pub mod providers;
pub mod rpc;
pub mod run;
pub mod secrets;
pub mod service;
pub mod update;

/// The async runtime a command runs on (one thread: a CLI command does one thing), or the exit
/// code when it cannot start.
pub fn runtime() -> Result<tokio::runtime::Runtime, std::process::ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("tidepool: cannot start the async runtime: {e}");
            std::process::ExitCode::from(71)
        })
}
