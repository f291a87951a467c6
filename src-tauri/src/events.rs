//! Typed events sent to the webview.

use serde::{Deserialize, Serialize};
use tidepool_control::{LogLine, Status};

/// The supervisor's status changed.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct GatewayStatusChanged(pub Status);

/// New log lines (batched, at most every ~50 ms).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct LogBatch(pub Vec<LogLine>);

/// The log shown is now another gateway's: the lines so far are dropped.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct LogsSource {
    /// The host's name or the remote gateway's URL; `None` for this computer's gateway.
    pub remote: Option<String>,
}

/// One sample of the running gateway's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct GatewayMetrics {
    /// When sampled, ms since the epoch.
    pub ts: u64,
    /// Resident memory of the gateway, bytes (when the OS reports it).
    pub rss_bytes: Option<u64>,
    /// Connected clients.
    pub connections: u64,
    /// Requests answered since the gateway started (probes not counted).
    pub requests: u64,
    /// Gateway uptime, ms.
    pub uptime_ms: u64,
    /// Chat runs in progress.
    pub active_runs: u64,
    /// Chat runs finished since the gateway started.
    pub runs: u64,
    /// Exec approvals waiting for a decision.
    pub pending_approvals: u64,
    /// Each provider called since the gateway started: when it last answered and failed.
    pub providers: Vec<tidepool_protocol::methods::ProviderVitals>,
}

/// The gateway's config changed (an outside edit, the CLI, or another client).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct GatewayConfigChanged {
    /// The new hash.
    pub hash: String,
    /// Paths that changed.
    pub changed: Vec<String>,
    /// Of those, the ones that need a restart.
    pub restart_required: Vec<String>,
    /// `file` (an edit on disk) or `rpc` (a client's write).
    pub source: String,
}

impl From<tidepool_protocol::config::ConfigChangedPayload> for GatewayConfigChanged {
    fn from(p: tidepool_protocol::config::ConfigChangedPayload) -> Self {
        GatewayConfigChanged {
            hash: p.hash,
            changed: p.changed,
            restart_required: p.restart_required,
            source: p.source,
        }
    }
}

/// Chat activity from the gateway: streamed text, tool calls, ends of replies, session changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ChatStream(pub tidepool_control::chat::ChatEventView);

/// The commands waiting for approval now (sent whenever the set changes; empty when the
/// gateway stops).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ApprovalsPending(pub Vec<tidepool_control::approvals::ApprovalView>);

/// Show this approval (the user picked it in the tray menu).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ApprovalFocus(pub String);

/// A job changed (a step, its progress, its log, its outcome).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct JobChanged(pub tidepool_control::jobs::Job);
