//! Where the gateway keeps its files inside the state directory.

use std::path::{Path, PathBuf};

/// Environment variable that overrides the state directory.
pub const STATE_DIR_ENV: &str = "TIDEPOOL_STATE_DIR";
/// Environment variable that overrides the config file path.
pub const CONFIG_PATH_ENV: &str = "TIDEPOOL_CONFIG_PATH";

/// The files of one gateway state directory.
#[derive(Debug, Clone)]
pub struct StatePaths {
    root: PathBuf,
    config: PathBuf,
}

impl StatePaths {
    /// Paths under `root`, with the config at `root/tidepool.json` unless `config` is given.
    pub fn new(root: PathBuf, config: Option<PathBuf>) -> Self {
        let config = config.unwrap_or_else(|| root.join("tidepool.json"));
        StatePaths { root, config }
    }

    /// Resolves from an explicit dir, else `TIDEPOOL_STATE_DIR`, else `~/.tidepool`; the config
    /// path from `TIDEPOOL_CONFIG_PATH` when set.
    pub fn resolve(explicit: Option<PathBuf>) -> Self {
        let root = explicit.unwrap_or_else(tidepool_platform::state_dir);
        let config = std::env::var_os(CONFIG_PATH_ENV).map(PathBuf::from);
        StatePaths::new(root, config)
    }

    /// The state directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The config file (`tidepool.json`, JSON5).
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// The generated gateway token (0600).
    pub fn token(&self) -> PathBuf {
        self.root.join("gateway.token")
    }

    /// The lock file that holds one gateway per state dir.
    pub fn lock(&self) -> PathBuf {
        self.root.join("gateway.lock")
    }

    /// The log directory.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// The session database.
    pub fn sessions_db(&self) -> PathBuf {
        self.root.join("sessions.sqlite")
    }

    /// The default agent workspace.
    pub fn workspace(&self) -> PathBuf {
        self.root.join("workspace")
    }
}

/// The user's home directory (one home: `tidepool-platform`).
pub use tidepool_platform::home_dir;
