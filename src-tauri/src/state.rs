//! What the commands share: the supervisor, recent logs and metrics, settings, paths.

use crate::events::GatewayMetrics;
use crate::keychain::TokenHome;
use crate::settings::Settings;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;
use tidepool_control::{LogBuffer, LogFollower, Supervisor};

/// Lines of log history kept in the app (the UI keeps its own, larger window).
pub const LOG_HISTORY: usize = 20_000;
/// Metric samples kept (one every 2 s: 4 minutes).
pub const METRIC_SAMPLES: usize = 120;

/// Paths the app uses.
#[derive(Debug, Clone)]
pub struct AppPaths {
    /// The gateway's state dir.
    pub state_dir: PathBuf,
    /// Its log dir.
    pub log_dir: PathBuf,
    /// The sidecar binary.
    pub sidecar: PathBuf,
}

/// Shared app state (managed by Tauri, passed to commands as `State<AppState>`).
pub struct AppState {
    /// The gateway supervisor.
    pub supervisor: Supervisor,
    /// Recent log lines.
    pub logs: Mutex<LogBuffer>,
    /// Recent metric samples.
    pub metrics: Mutex<VecDeque<GatewayMetrics>>,
    /// Current settings.
    pub settings: Mutex<Settings>,
    /// Paths.
    pub paths: AppPaths,
    /// Where the gateway token lives.
    pub token_home: TokenHome,
    /// Why the keychain could not be used, if it could not.
    pub token_problem: Option<String>,
    /// Keeps the log follower running.
    pub follower: Mutex<Option<LogFollower>>,
    /// Servers reached over SSH.
    pub hosts: tidepool_control::hosts::Hosts,
    /// Long work (installs on hosts).
    pub jobs: tidepool_control::jobs::Jobs,
}

impl AppState {
    /// The running gateway's connection, or why there is none.
    pub fn client(&self) -> crate::error::AppResult<tidepool_client::Client> {
        self.supervisor.client().ok_or_else(|| {
            crate::error::AppError::NotConnected(
                "the gateway is not running; start it from the Dashboard".into(),
            )
        })
    }

    /// The connection config edits go through: the running gateway's, or `None` to edit this
    /// computer's file directly. A remote gateway's config is only reachable through it.
    pub fn config_client(&self) -> crate::error::AppResult<Option<tidepool_client::Client>> {
        let client = self.supervisor.client();
        match (self.supervisor.status().remote, client) {
            (Some(url), None) => Err(crate::error::AppError::NotConnected(format!(
                "not connected to the gateway at {url}; connect to it (Dashboard) to see and \
                 edit its config"
            ))),
            (_, client) => Ok(client),
        }
    }

    /// A snapshot of the settings.
    pub fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }
}
