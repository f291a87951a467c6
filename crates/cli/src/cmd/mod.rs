//! Subcommands.

pub mod logs;
pub mod rpc;
pub mod run;
