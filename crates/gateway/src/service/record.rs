//! What an install writes (`Spec`) and what `<state>/service.json` records (`Record`).

use super::{Manager, Scope, ServiceError};
use crate::StatePaths;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What an install writes: everything the rendered files need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The `tidepool` binary the service runs.
    pub binary: PathBuf,
    /// The gateway's state dir.
    pub state_dir: PathBuf,
    /// `--port`, when the install set one (else the config's).
    pub port: Option<u16>,
    /// User or system.
    pub scope: Scope,
}

impl Spec {
    /// The arguments after the binary: `gateway run --state-dir DIR --no-stdin-watch [--port N]`.
    pub fn run_args(&self) -> Vec<String> {
        let mut args = vec![
            "gateway".to_owned(),
            "run".to_owned(),
            "--state-dir".to_owned(),
            self.state_dir.display().to_string(),
            "--no-stdin-watch".to_owned(),
        ];
        if let Some(port) = self.port {
            args.push("--port".to_owned());
            args.push(port.to_string());
        }
        args
    }

    /// The 0600 environment file systemd and the plain backend read.
    pub fn env_file(&self) -> PathBuf {
        self.state_dir.join("service.env")
    }

    /// Where the gateway's stderr goes when a manager (not a terminal) runs it.
    pub fn stderr_log(&self) -> PathBuf {
        self.state_dir.join("logs").join("gateway-stderr.log")
    }
}

/// What `<state>/service.json` records about the installed service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The manager in use.
    pub manager: Manager,
    /// User or system.
    pub scope: Scope,
    /// Unit, label or task name.
    pub label: String,
    /// The unit file, plist or task XML written (none for plain).
    pub file: Option<PathBuf>,
    /// The binary the service runs.
    pub binary: PathBuf,
    /// The state dir.
    pub state_dir: PathBuf,
    /// `--port`, when set at install.
    pub port: Option<u16>,
    /// The environment file (systemd, plain).
    pub env_file: Option<PathBuf>,
    /// The version that installed it.
    pub version: String,
    /// When (Unix ms).
    pub installed_at_ms: u64,
}

impl Record {
    /// The spec this record was installed from.
    pub fn spec(&self) -> Spec {
        Spec {
            binary: self.binary.clone(),
            state_dir: self.state_dir.clone(),
            port: self.port,
            scope: self.scope,
        }
    }
}

/// The record's file in a state dir.
pub fn record_file(paths: &StatePaths) -> PathBuf {
    paths.root().join("service.json")
}

/// The plain backend's pid file.
pub fn pid_file(paths: &StatePaths) -> PathBuf {
    paths.root().join("gateway.pid")
}

/// Reads the install record; `Ok(None)` when nothing is installed.
pub fn read_record(paths: &StatePaths) -> Result<Option<Record>, ServiceError> {
    let path = record_file(paths);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ServiceError::BadRecord {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ServiceError::Io {
            what: "read",
            path: path.display().to_string(),
            source: e,
        }),
    }
}
