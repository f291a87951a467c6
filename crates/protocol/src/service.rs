//! `tidepool gateway status --json`: one document about the gateway of a state dir, whether it
//! runs or not. Shaped like OpenClaw's `openclaw gateway status --json` (`service`, `config`,
//! `gateway`, `port`, `rpc`) so tools written for it read ours; read over SSH by the control
//! center. Fields are only ever added.

use serde::{Deserialize, Serialize};

/// The whole document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    /// The binary that answered.
    pub cli: CliInfo,
    /// The service manager's view.
    pub service: ServiceInfo,
    /// The config file.
    pub config: ConfigInfo,
    /// Where the gateway listens (or would).
    pub gateway: ListenInfo,
    /// Whether the port is taken.
    pub port: PortInfo,
    /// A real `status` call over the WebSocket.
    pub rpc: RpcInfo,
    /// The binary on disk against the one running.
    pub version: VersionInfo,
    /// The most useful reason it is not running or not answering.
    pub last_error: Option<String>,
    /// The log directory.
    pub log_dir: String,
    /// The state dir.
    pub state_dir: String,
}

/// `cli`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CliInfo {
    /// Version of this binary.
    pub version: String,
    /// Its path.
    pub entrypoint: Option<String>,
}

/// `service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ServiceInfo {
    /// `systemd`, `launchd`, `task`, `plain` (the installed one, else this host's).
    pub manager: String,
    /// Unit, label or task name.
    pub label: String,
    /// `user` or `system`.
    pub scope: String,
    /// Installed for this state dir.
    pub installed: bool,
    /// The unit file, plist or task XML.
    pub file: Option<String>,
    /// Running now.
    pub active: bool,
    /// The gateway's pid.
    pub pid: Option<u32>,
    /// `running`, `stopped`, `failed`.
    pub runtime: RuntimeInfo,
    /// The binary the service runs.
    pub binary: Option<String>,
}

/// `service.runtime`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RuntimeInfo {
    /// `running`, `stopped`, `failed`.
    pub status: String,
    /// The manager's own words.
    pub detail: Option<String>,
}

/// `config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConfigInfo {
    /// File.
    pub path: String,
    /// It exists (a missing file means defaults).
    pub exists: bool,
    /// It loads.
    pub valid: bool,
    /// Why not (the first errors, each naming the key or line).
    pub errors: Vec<String>,
}

/// `gateway`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ListenInfo {
    /// `loopback`, `lan` or an address.
    pub bind_mode: String,
    /// Port (the running one when it answers).
    pub port: u16,
    /// The URL clients use.
    pub probe_url: String,
    /// Version of the running gateway.
    pub version: Option<String>,
}

/// `port`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PortInfo {
    /// Port.
    pub port: u16,
    /// `free` or `busy`.
    pub status: String,
}

/// `rpc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RpcInfo {
    /// `status` answered.
    pub ok: bool,
    /// URL tried.
    pub url: String,
    /// Round trip, connect included.
    pub latency_ms: Option<u64>,
    /// Why not.
    pub error: Option<String>,
    /// What the gateway said of itself.
    pub server: Option<RpcServer>,
}

/// `rpc.server`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RpcServer {
    /// Version.
    pub version: String,
    /// Pid.
    pub pid: u32,
    /// Port.
    pub port: u16,
    /// Uptime.
    pub uptime_ms: u64,
}

/// `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// This binary's.
    pub binary: String,
    /// The running gateway's.
    pub running: Option<String>,
    /// Both known and equal.
    pub r#match: Option<bool>,
}
