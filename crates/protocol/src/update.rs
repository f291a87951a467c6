//! `tidepool update --json` and `tidepool update status --json`: what one update run did, step
//! by step. The fleet reads exactly this over SSH. Fields are only ever added.

use serde::{Deserialize, Serialize};

/// One run of `tidepool update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRun {
    /// The new binary is in place and answering (or nothing needed doing).
    pub ok: bool,
    /// How it ended.
    pub outcome: UpdateOutcome,
    /// Where the new binary came from (a path or URL).
    pub source: String,
    /// The binary replaced (the one the service runs).
    pub binary: String,
    /// The copy of the binary it replaced, kept beside it.
    pub previous: Option<String>,
    /// The version it replaced.
    pub from_version: Option<String>,
    /// The new binary's version (once verified).
    pub to_version: Option<String>,
    /// The new binary's SHA-256 (hex).
    pub sha256: Option<String>,
    /// Whether the service was restarted on the new binary.
    pub restarted: bool,
    /// What was done, in order.
    pub steps: Vec<UpdateStep>,
    /// Why it did not succeed.
    pub error: Option<UpdateErrorInfo>,
    /// When it started (Unix ms).
    pub started_at_ms: u64,
    /// When it ended (Unix ms).
    pub finished_at_ms: u64,
}

/// How an update run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateOutcome {
    /// The new binary runs (or is in place, when nothing was restarted).
    Updated,
    /// The new binary is the one already installed.
    Unchanged,
    /// `--dry-run`: checked, nothing changed.
    Planned,
    /// It failed its health gate; the previous binary is back and answering.
    RolledBack,
    /// It failed before anything changed, or the rollback failed too.
    Failed,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStep {
    /// `fetch`, `checksum`, `verify`, `swap`, `restart`, `gate`, `rollback`.
    pub name: String,
    /// How it went.
    pub status: StepStatus,
    /// What it did or why it failed, in a sentence.
    pub detail: String,
    /// How long it took.
    pub ms: u64,
}

/// A step's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Done.
    Ok,
    /// Failed (the run's error says why).
    Failed,
    /// Not needed or not asked for.
    Skipped,
}

/// Why a run failed: a stable kind and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateErrorInfo {
    /// `usage`, `bad_source`, `insecure_source`, `download_failed`, `truncated`, `checksum_mismatch`, `not_runnable`,
    /// `wrong_target`, `not_tidepool`, `permission`, `swap_failed`, `gate_failed`,
    /// `rollback_failed`, `busy`.
    pub kind: String,
    /// What was wrong and what to do.
    pub message: String,
}

/// `tidepool version --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BinaryVersion {
    /// The version it reports (a release stamp, else the crate version).
    pub version: String,
    /// The target triple it was built for.
    pub target: String,
}
