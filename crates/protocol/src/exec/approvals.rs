//! Approvals: the record of a command waiting for (or past) a decision, the `exec.approval.*`
//! methods and the `exec.approval.requested` / `resolved` events.

use super::{Decision, ExecMode, ExecPolicy, PartVerdict, RuleScope, Verdict};
use serde::{Deserialize, Serialize};

/// The verdict an approval was asked under (`detail` of a record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalDetail {
    /// The strictest part's decision.
    pub decision: Decision,
    /// The mode it was judged under.
    pub mode: ExecMode,
    /// Why, in one sentence.
    pub reason: String,
    /// Each program with its decision and rule.
    pub parts: Vec<PartVerdict>,
    /// The rules "allow always" would add.
    pub suggested_rules: Vec<String>,
}

impl ApprovalDetail {
    /// The detail of `verdict`.
    pub fn of(verdict: &Verdict) -> ApprovalDetail {
        ApprovalDetail {
            decision: verdict.decision,
            mode: verdict.mode,
            reason: verdict.reason.clone(),
            parts: verdict.parts.clone(),
            suggested_rules: verdict.suggested_rules(),
        }
    }
}

/// A command waiting for (or past) a decision, as clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRecord {
    /// Id (ULID, lowercase).
    pub id: String,
    /// Always `exec` for now.
    pub kind: String,
    /// The command as the agent wrote it.
    pub command: String,
    /// Where it runs.
    pub cwd: Option<String>,
    /// The agent.
    pub agent_id: Option<String>,
    /// The session.
    pub session_key: Option<String>,
    /// The run.
    pub run_id: Option<String>,
    /// The tool call.
    pub tool_call_id: Option<String>,
    /// `agent:<id>` for the exec tool, or the client that called `exec.approval.request`.
    pub requested_by: String,
    /// The verdict it was asked under.
    pub detail: ApprovalDetail,
    /// `pending`, `allowed`, `denied`, `expired`, `cancelled`.
    pub status: String,
    /// `allow-once`, `allow-always`, `deny`.
    pub decision: Option<String>,
    /// `policy` (decided by the rules), `user`, `timeout`, `run-aborted`, `gateway-restart`.
    pub reason: Option<String>,
    /// Who decided: a client id, or `policy`.
    pub resolved_by: Option<String>,
    /// Rule patterns "allow always" added.
    pub rules_added: Vec<String>,
    /// Created, ms.
    pub created_at_ms: i64,
    /// When it stops waiting, ms.
    pub expires_at_ms: i64,
    /// Decided, ms.
    pub resolved_at_ms: Option<i64>,
}

crate::method! {
    /// Pending approvals, or (with `status` / `search`) the audit trail.
    ExecApprovalList = "exec.approval.list", Approvals, ApprovalListParams => ApprovalListResult;
    /// Decides a pending approval.
    ExecApprovalResolve = "exec.approval.resolve", Approvals, ApprovalResolveParams => ApprovalResolveResult;
    /// Tidepool: "would this command be allowed?", under the current policy or a draft.
    ExecApprovalCheck = "exec.approval.check", Read, ApprovalCheckParams => ApprovalCheckResult;
}

/// What a pending approval asks (`request` of `exec.approval.requested`): OpenClaw's fields and
/// Tidepool's parsed verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequest {
    /// The command as the agent wrote it.
    pub command: String,
    /// Where it runs.
    pub cwd: Option<String>,
    /// The agent.
    pub agent_id: Option<String>,
    /// The session.
    pub session_key: Option<String>,
    /// The run.
    pub run_id: Option<String>,
    /// The tool call.
    pub tool_call_id: Option<String>,
    /// `agent:<id>` for the exec tool, or the client that called `exec.approval.request`.
    pub requested_by: String,
    /// Each program with its decision and rule.
    pub parts: Vec<PartVerdict>,
    /// Why it asks, in one sentence.
    pub reason: String,
    /// The rules "allow always" would add.
    pub suggested_rules: Vec<String>,
}

/// `exec.approval.requested`: OpenClaw's `{id, request, createdAtMs, expiresAtMs}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequested {
    /// The approval's id.
    pub id: String,
    /// What it asks.
    pub request: ApprovalRequest,
    /// Created, ms.
    pub created_at_ms: i64,
    /// When it stops waiting, ms.
    pub expires_at_ms: i64,
}

impl ApprovalRequested {
    /// The event for a record.
    pub fn of(r: &ApprovalRecord) -> ApprovalRequested {
        ApprovalRequested {
            id: r.id.clone(),
            request: ApprovalRequest {
                command: r.command.clone(),
                cwd: r.cwd.clone(),
                agent_id: r.agent_id.clone(),
                session_key: r.session_key.clone(),
                run_id: r.run_id.clone(),
                tool_call_id: r.tool_call_id.clone(),
                requested_by: r.requested_by.clone(),
                parts: r.detail.parts.clone(),
                reason: r.detail.reason.clone(),
                suggested_rules: r.detail.suggested_rules.clone(),
            },
            created_at_ms: r.created_at_ms,
            expires_at_ms: r.expires_at_ms,
        }
    }
}

/// `exec.approval.resolved`: a pending approval was decided, expired or cancelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalResolved {
    /// The approval's id.
    pub id: String,
    /// `allow-once`, `allow-always`, `deny` (none when it expired or was cancelled).
    pub decision: Option<String>,
    /// `allowed`, `denied`, `expired`, `cancelled`.
    pub status: String,
    /// `policy`, `user`, `timeout`, `run-aborted`, `gateway-restart`.
    pub reason: Option<String>,
    /// Who decided: a client id, or `policy`.
    pub resolved_by: Option<String>,
    /// Rule patterns "allow always" added.
    pub rules_added: Vec<String>,
    /// When, ms.
    pub ts: i64,
    /// The session.
    pub session_key: Option<String>,
    /// The agent.
    pub agent_id: Option<String>,
}

crate::event! {
    /// A command waits for a decision.
    ExecApprovalRequested = "exec.approval.requested" => ApprovalRequested;
    /// A pending approval was decided, expired or cancelled.
    ExecApprovalResolved = "exec.approval.resolved" => ApprovalResolved;
}

/// Whether `event` is one of the approval events (the window refreshes its list on them).
pub fn is_approval_event(event: &str) -> bool {
    use crate::contract::Event;
    event == ExecApprovalRequested::NAME || event == ExecApprovalResolved::NAME
}

/// `exec.approval.list` params (none: OpenClaw's form, the pending list as an array).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalListParams {
    /// `all`, `pending`, `allowed`, `denied`, `expired` or `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Matches the command, agent or session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Most rows (1–500, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Rows to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

/// `exec.approval.list` result: OpenClaw's bare array without filters, `{approvals}` with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ApprovalListResult {
    /// Without filters (each record also carries OpenClaw's `request`).
    Pending(Vec<ApprovalRecord>),
    /// With filters.
    Filtered {
        /// The records.
        approvals: Vec<ApprovalRecord>,
    },
}

impl ApprovalListResult {
    /// The records, whichever form came.
    pub fn into_records(self) -> Vec<ApprovalRecord> {
        match self {
            ApprovalListResult::Pending(a) | ApprovalListResult::Filtered { approvals: a } => a,
        }
    }
}

/// `exec.approval.resolve` params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalResolveParams {
    /// The approval.
    pub id: String,
    /// `allow-once`, `allow-always` or `deny`.
    pub decision: String,
    /// For `allow-always`: the rules to add (default: the suggested ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<String>>,
    /// Tidepool: where the added rules apply: `global` (default), `agent` or `session`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RuleScope>,
    /// OpenClaw: who reviewed (not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<serde_json::Value>,
    /// OpenClaw: a standing grant's lifetime (not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_expires_in_days: Option<u64>,
    /// OpenClaw's `approval.resolve` names the kind; Tidepool's approvals are all `exec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `exec.approval.resolve` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalResolveResult {
    /// Always true.
    pub ok: bool,
    /// The decided record.
    pub approval: ApprovalRecord,
}

/// `exec.approval.check` params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalCheckParams {
    /// The command.
    pub command: String,
    /// The agent (default `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// A policy to judge under instead of the current one (the editor's unsaved draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<ExecPolicy>,
}

/// `exec.approval.check` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalCheckResult {
    /// The verdict.
    pub verdict: Verdict,
    /// The rules "allow always" would add.
    pub suggested_rules: Vec<String>,
}
