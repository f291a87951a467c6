//! Method and event names, and the params/results of the methods Tidepool implements.
//! Field names follow OpenClaw's `protocol.schema.json`.

use crate::frames::StateVersion;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Method names.
pub mod names {
    /// Handshake (first request on every connection).
    pub const CONNECT: &str = "connect";
    /// Health summary.
    pub const HEALTH: &str = "health";
    /// Process and listener status.
    pub const STATUS: &str = "status";
    /// Cursor-based tail of the JSONL log.
    pub const LOGS_TAIL: &str = "logs.tail";
    /// Presence list (the gateway and its connected clients).
    pub const SYSTEM_PRESENCE: &str = "system-presence";
}

/// Event names.
pub mod events {
    /// Sent by the gateway right after the socket opens.
    pub const CONNECT_CHALLENGE: &str = "connect.challenge";
    /// Keepalive, every `policy.tickIntervalMs`.
    pub const TICK: &str = "tick";
    /// The gateway is stopping or restarting.
    pub const SHUTDOWN: &str = "shutdown";
    /// The presence list changed.
    pub const PRESENCE: &str = "presence";
}

crate::method! {
    /// Health summary.
    Health = "health", Read, crate::contract::NoParams => HealthSummary;
    /// Who is connected, this gateway first.
    SystemPresence = "system-presence", Read, crate::contract::NoParams => Vec<PresenceEntry>;
    /// Process and listener status (OpenClaw's summary fields beside, not decoded here).
    Status = "status", Read, crate::contract::NoParams => StatusResult;
    /// Cursor-based tail of the JSONL log.
    LogsTail = "logs.tail", Read, LogsTailParams => LogsTailResult;
}

/// Payload of `connect.challenge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectChallenge {
    /// Random nonce a device signs (device auth); token clients may ignore it.
    pub nonce: String,
    /// Server time, ms since the epoch.
    pub ts: u64,
}

/// `connect.params.client`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientInfo {
    /// Client kind, e.g. `cli`, `openclaw-control-ui`, `test`.
    pub id: String,
    /// Client version.
    pub version: String,
    /// OS / platform, e.g. `linux`.
    pub platform: String,
    /// Client mode, e.g. `cli`, `ui`, `backend`, `probe`.
    pub mode: String,
    /// Human name to show in presence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Stable id of this client instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Device family, e.g. `desktop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_family: Option<String>,
}

/// `connect.params.auth`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectAuth {
    /// Shared gateway token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Gateway password (auth mode `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// Params of `connect`. Unknown fields are ignored so newer OpenClaw clients still connect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectParams {
    /// Lowest protocol version the client speaks.
    pub min_protocol: u32,
    /// Highest protocol version the client speaks.
    pub max_protocol: u32,
    /// Who is connecting.
    pub client: ClientInfo,
    /// `operator` (default) or `node`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Requested scopes; defaults to `operator.read` + `operator.write`... see the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Client capabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<String>,
    /// Credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<ConnectAuth>,
    /// Client locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Client user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// `hello-ok.server`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// Gateway version.
    pub version: String,
    /// Id of this connection (appears in logs as `conn_id`).
    pub conn_id: String,
    /// Id of this gateway process run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
}

/// `hello-ok.features`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Methods this gateway implements.
    pub methods: Vec<String>,
    /// Events this gateway emits.
    pub events: Vec<String>,
}

/// `hello-ok.auth`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelloAuth {
    /// Granted role.
    pub role: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

/// `hello-ok.policy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Largest frame the gateway accepts after `connect`.
    pub max_payload: u64,
    /// Outbound bytes the gateway buffers for a slow client before dropping it.
    pub max_buffered_bytes: u64,
    /// Interval of `tick` events.
    pub tick_interval_ms: u64,
}

/// One entry of the presence list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceEntry {
    /// Host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Remote address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Version of the gateway or client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Mode: `gateway` for the gateway itself, else the client's mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Why the entry exists (`self`, `connect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When the entry was last updated, ms since the epoch.
    pub ts: u64,
    /// When the peer came online, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_since: Option<u64>,
    /// Client instance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Granted roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

/// `health.plugins`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PluginHealth {
    /// Loaded plugin ids.
    pub loaded: Vec<String>,
    /// Plugins that failed to load.
    pub errors: Vec<Value>,
}

/// `health.configReload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReloadHealth {
    /// `active` or `disabled`.
    pub hot_reload_status: String,
}

/// Result of `health` (and `hello-ok.snapshot.health`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthSummary {
    /// Always true when the gateway answers.
    pub ok: bool,
    /// When the summary was taken, ms since the epoch.
    pub ts: u64,
    /// How long it took to build, ms.
    pub duration_ms: u64,
    /// Plugin load state.
    pub plugins: PluginHealth,
    /// Config hot-reload state.
    pub config_reload: ConfigReloadHealth,
    /// Channel state by channel id.
    pub channels: BTreeMap<String, Value>,
    /// Channel display order.
    pub channel_order: Vec<String>,
    /// Channel labels by id.
    pub channel_labels: BTreeMap<String, String>,
    /// The default agent.
    pub default_agent_id: String,
    /// Per-agent health.
    pub agents: Vec<Value>,
}

/// `hello-ok.snapshot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Presence list.
    pub presence: Vec<PresenceEntry>,
    /// Health summary.
    pub health: HealthSummary,
    /// State versions.
    pub state_version: StateVersion,
    /// Gateway uptime, ms.
    pub uptime_ms: u64,
    /// Path of the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_path: Option<String>,
    /// The state directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_dir: Option<String>,
    /// `none`, `token` or `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<String>,
}

/// Payload of a successful `connect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelloOk {
    /// Always `hello-ok`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Negotiated protocol version.
    pub protocol: u32,
    /// Server identity.
    pub server: ServerInfo,
    /// Implemented methods and events.
    pub features: Features,
    /// Initial state.
    pub snapshot: Snapshot,
    /// Granted role and scopes.
    pub auth: HelloAuth,
    /// Limits.
    pub policy: Policy,
}

/// Params of `logs.tail`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogsTailParams {
    /// Byte offset returned by the previous call; absent = start from the recent tail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<u64>,
    /// At most this many lines (1..=5000, default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// At most this many bytes (1..=1,000,000, default 250,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

/// Result of `logs.tail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsTailResult {
    /// The log file read.
    pub file: String,
    /// Pass this back as `cursor` to continue after the last returned line.
    pub cursor: u64,
    /// Current size of the file in bytes.
    pub size: u64,
    /// Raw JSONL lines, oldest first.
    pub lines: Vec<String>,
    /// More lines were available than returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
    /// The cursor pointed into another file (rotation) or past the end: reading restarted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<bool>,
    /// Bytes skipped between the cursor and the first returned line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_bytes: Option<u64>,
}

/// Payload of `tick`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TickEvent {
    /// Server time, ms since the epoch.
    pub ts: u64,
}

/// Payload of `shutdown`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShutdownEvent {
    /// Why (`signal`, `parent-exited`, `stdin-closed`).
    pub reason: String,
    /// Set when a restart is expected within this many ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_expected_ms: Option<u64>,
}

/// Result of `status`: the process and its listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResult {
    /// Gateway version.
    pub version: String,
    /// Protocol version.
    pub protocol: u32,
    /// Process id.
    pub pid: u32,
    /// Start time, ms since the epoch.
    pub started_at: u64,
    /// Uptime, ms.
    pub uptime_ms: u64,
    /// Bound address, e.g. `127.0.0.1`.
    pub bind: String,
    /// Bound port.
    pub port: u16,
    /// Auth mode.
    pub auth_mode: String,
    /// State directory.
    pub state_dir: String,
    /// Config file path.
    pub config_path: String,
    /// Whether the config file exists.
    pub config_exists: bool,
    /// Current log file.
    pub log_file: String,
    /// Open authenticated connections.
    pub connections: u64,
    /// Tidepool: requests dispatched to a method since start, probes (`health`, `status`) not
    /// counted (the dashboard's requests per minute come from its changes).
    #[serde(default)]
    pub requests: u64,
    /// Resident memory, bytes (when the OS reports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rss_bytes: Option<u64>,
    /// Host name.
    pub host: String,
    /// OS / platform.
    pub platform: String,
    /// OpenClaw settings in the config that Tidepool accepts but does not act on yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_unsupported: Vec<String>,
    /// Tidepool: chat runs in progress.
    #[serde(default)]
    pub active_runs: u64,
    /// Tidepool: chat runs finished since start.
    #[serde(default)]
    pub runs: u64,
    /// Tidepool: exec approvals waiting for a decision.
    #[serde(default)]
    pub pending_approvals: u64,
    /// Tidepool: each provider called since start, with when it last answered and failed
    /// (the same figures as `/metrics`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderVitals>,
}

/// How a model provider has been doing since the gateway started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProviderVitals {
    /// Provider id (`anthropic`, `openai`, …).
    pub provider: String,
    /// When it last answered, ms since the epoch.
    pub last_ok_ms: Option<u64>,
    /// When a call to it last failed, ms since the epoch.
    pub last_error_ms: Option<u64>,
    /// The kind of that failure (`auth`, `rate_limit`, `network`, …).
    pub last_error: Option<String>,
    /// Failed calls since start.
    pub errors: u64,
}

/// The one line `tidepool gateway run` prints on stdout once it accepts connections (the
/// process contract the desktop's supervisor waits for):
/// `{"event":"ready","port":18789,"pid":4242,"version":"0.1.0"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyLine {
    /// Always `ready`.
    pub event: ReadyEvent,
    /// The port it listens on (the real one when started with `--port 0`).
    pub port: u16,
    /// Its process id.
    pub pid: u32,
    /// Its version.
    pub version: String,
}

/// The `event` of a [`ReadyLine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadyEvent {
    /// Ready for connections.
    Ready,
}

#[cfg(test)]
mod ready_tests {
    use super::*;

    #[test]
    fn the_ready_line_reads_and_writes_its_documented_form() {
        let line = r#"{"event":"ready","port":18789,"pid":4242,"version":"0.1.0"}"#;
        let r: ReadyLine = serde_json::from_str(line).unwrap();
        assert_eq!((r.port, r.pid, r.version.as_str()), (18789, 4242, "0.1.0"));
        assert_eq!(serde_json::to_string(&r).unwrap(), line);
        // Anything else on stdout is not the ready line.
        assert!(
            serde_json::from_str::<ReadyLine>(r#"{"event":"log","port":1,"pid":1,"version":"x"}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<ReadyLine>(
                r#"{"event":"ready","port":70000,"pid":1,"version":"x"}"#
            )
            .is_err()
        );
    }
}
