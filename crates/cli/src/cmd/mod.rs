//! Subcommands.

pub mod agent;
pub mod config;
pub mod import;
pub mod logs;
pub mod providers;
pub mod rpc;
pub mod run;
pub mod secrets;
