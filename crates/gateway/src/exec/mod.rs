//! Shell commands for agents: what a command would run (`analyze`), whether the policy lets it
//! (`policy`), and running it (`run`).

pub mod analyze;
pub mod pattern;
pub mod policy;
pub mod run;
mod wrappers;
