//! Subcommands.

pub mod agent;
pub mod config;
pub mod logs;
pub mod rpc;
pub mod run;
pub mod secrets;
