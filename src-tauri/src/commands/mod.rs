//! Tauri commands, one file per feature. Each is a thin adapter over `tidepool-control`.

pub mod app;
pub mod approvals;
pub mod chat;
pub mod config;
pub mod gateway;
pub mod hosts;
pub mod logs;
pub mod onboarding;
pub mod remote;
pub mod sessions;
pub mod settings;
pub mod usage;
