//! Subcommands.

pub mod config;
pub mod logs;
pub mod rpc;
pub mod run;
