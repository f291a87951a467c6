//! The approval methods OpenClaw's clients call (`exec.approval.request|waitDecision|get`,
//! `approval.resolve|history|get`, the plugin and system-agent lists, standing grants, and the
//! approvals file `exec.approvals.get|set`), in OpenClaw's shapes.

use super::approvals::{ApprovalRecord, ApprovalResolveParams, ApprovalResolveResult};
use crate::contract::NoParams;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::method! {
    /// A client asks people to approve a command; answers when decided (or at once with
    /// `twoPhase`).
    ExecApprovalRequest = "exec.approval.request", Approvals, ApprovalRequestParams => ApprovalDecision;
    /// Waits for a pending approval's end.
    ExecApprovalWaitDecision = "exec.approval.waitDecision", Approvals, ApprovalIdParams => ApprovalDecision;
    /// One approval with its parsed command and verdict.
    ExecApprovalGet = "exec.approval.get", Approvals, ApprovalIdParams => ApprovalRecord;
    /// `exec.approval.resolve` under the name OpenClaw's `openclaw approvals resolve` calls.
    ApprovalResolve = "approval.resolve", Approvals, ApprovalResolveParams => ApprovalResolveResult;
    /// Decided approvals as OpenClaw snapshots, newest first.
    ApprovalHistory = "approval.history", Approvals, ApprovalHistoryParams => ApprovalHistoryResult;
    /// One approval as an OpenClaw snapshot.
    ApprovalGet = "approval.get", Approvals, ApprovalIdParams => ApprovalGetResult;
    /// Plugin approvals (Tidepool has none: always empty).
    PluginApprovalList = "plugin.approval.list", Approvals, NoParams => Vec<ApprovalRecord>;
    /// System-agent approvals (Tidepool has none: always empty).
    OpenclawApprovalList = "openclaw.approval.list", Approvals, NoParams => Vec<ApprovalRecord>;
    /// Standing grants (cron jobs' in OpenClaw; Tidepool has none).
    ExecApprovalGrantsList = "exec.approval.grants.list", Approvals, GrantsListParams => GrantsListResult;
    /// Revokes a standing grant (there are none: `not-found`).
    ExecApprovalGrantsRevoke = "exec.approval.grants.revoke", Approvals, GrantsRevokeParams => GrantsRevokeResult;
    /// The exec policy as OpenClaw's approvals file.
    ExecApprovalsGet = "exec.approvals.get", Admin, NoParams => ExecApprovalsSnapshot;
    /// Writes OpenClaw's approvals file into the exec policy; answers the new snapshot.
    ExecApprovalsSet = "exec.approvals.set", Admin, ExecApprovalsSetParams => ExecApprovalsSnapshot;
}

/// `exec.approval.request` params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequestParams {
    /// The command.
    pub command: String,
    /// Where it would run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The agent (default `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// How long people have to decide (default `tools.exec.approvalTimeoutSeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Answer `accepted` at once; the decision then comes from `exec.approval.waitDecision`.
    #[serde(default)]
    pub two_phase: bool,
}

/// Params naming one approval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalIdParams {
    /// The approval.
    pub id: String,
}

/// How an approval ended (or, two-phase, that it was accepted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalDecision {
    /// The approval.
    pub id: String,
    /// `accepted` (two-phase), or the record's status.
    pub status: String,
    /// `allow-once`, `allow-always` or `deny`; null while undecided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Option<String>>,
    /// Why it ended (`policy`, `user`, `timeout`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Option<String>>,
    /// When it was decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at_ms: Option<Option<i64>>,
    /// Two-phase: created, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at_ms: Option<i64>,
    /// Two-phase: when it stops waiting, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<i64>,
}

impl ApprovalDecision {
    /// The end of `r` (its decision, reason and time, null where unset).
    pub fn of(r: &ApprovalRecord) -> ApprovalDecision {
        ApprovalDecision {
            id: r.id.clone(),
            status: r.status.clone(),
            decision: Some(r.decision.clone()),
            reason: Some(r.reason.clone()),
            resolved_at_ms: Some(r.resolved_at_ms),
            created_at_ms: None,
            expires_at_ms: None,
        }
    }

    /// A two-phase request's first answer.
    pub fn accepted(r: &ApprovalRecord) -> ApprovalDecision {
        ApprovalDecision {
            id: r.id.clone(),
            status: "accepted".into(),
            decision: None,
            reason: None,
            resolved_at_ms: None,
            created_at_ms: Some(r.created_at_ms),
            expires_at_ms: Some(r.expires_at_ms),
        }
    }
}

/// `approval.history` params.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalHistoryParams {
    /// `nextCursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size (1–100, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `exec` (the only kind Tidepool has; others list nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `approval.history` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalHistoryResult {
    /// Decided approvals, newest first.
    pub items: Vec<ApprovalSnapshot>,
    /// Send as `cursor` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `approval.get` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalGetResult {
    /// The approval.
    pub approval: ApprovalSnapshot,
}

/// An approval as OpenClaw's `ApprovalSnapshot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalSnapshot {
    /// Id.
    pub id: String,
    /// `/approvals/<id>`.
    pub url_path: String,
    /// Created, ms.
    pub created_at_ms: i64,
    /// When it stops (or stopped) waiting, ms.
    pub expires_at_ms: i64,
    /// What a client shows.
    pub presentation: ApprovalPresentation,
    /// `pending`, `allowed`, `denied`, `expired`, `cancelled`.
    pub status: String,
    /// Pending: the session that asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_session_key: Option<String>,
    /// Decided, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at_ms: Option<i64>,
    /// Decided: the agent and session that asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ApprovalSource>,
    /// Decided: who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<ApprovalResolver>,
    /// Allowed or denied: `allow-once`, `allow-always` or `deny`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Decided: `user`, `timeout`, `run-aborted` or `gateway-restart`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A snapshot's `presentation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalPresentation {
    /// `exec`.
    pub kind: String,
    /// The command.
    pub command_text: String,
    /// Why it needs approval, in one sentence.
    pub command_preview: String,
    /// The agent (null when none is known).
    pub agent_id: Option<String>,
    /// The decisions a client may send.
    pub allowed_decisions: Vec<String>,
}

/// A snapshot's `source`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalSource {
    /// The agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
}

/// A snapshot's `resolver`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalResolver {
    /// `device` (a client), `runtime` (the policy) or `system`.
    pub kind: String,
    /// `device`: the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `exec.approval.grants.list` params.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantsListParams {
    /// Most grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `exec.approval.grants.list` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantsListResult {
    /// Always empty: "allow always" is a rule in the policy (`exec.approvals.get`).
    pub grants: Vec<StandingGrant>,
}

/// A standing grant (OpenClaw's cron jobs hold them; Tidepool never has one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandingGrant {
    /// Id.
    pub grant_id: String,
}

/// `exec.approval.grants.revoke` params.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrantsRevokeParams {
    /// The grant.
    pub grant_id: String,
}

/// `exec.approval.grants.revoke` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantsRevokeResult {
    /// `not-found` (there are no grants).
    pub outcome: String,
}

/// `exec.approvals.set` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecApprovalsSetParams {
    /// OpenClaw's approvals file. Kept as JSON: the gateway checks it field by field with
    /// messages naming the field and the values allowed, and ignores the parts Tidepool has
    /// no use for (`socket`, per-agent settings other than `allowlist`).
    pub file: serde_json::Value,
    /// `hash` of the snapshot the edit started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_hash: Option<String>,
}

/// `exec.approvals.get|set` result: the policy as OpenClaw's `ExecApprovalsSnapshot` (its file
/// is Tidepool's config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecApprovalsSnapshot {
    /// The config file.
    pub path: String,
    /// Whether it exists.
    pub exists: bool,
    /// Its hash: send it back as `baseHash`.
    pub hash: String,
    /// The policy in the file's form.
    pub file: ExecApprovalsFile,
}

/// OpenClaw's approvals file, as Tidepool's policy reads in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecApprovalsFile {
    /// `1`.
    pub version: u32,
    /// The mode.
    pub defaults: ExecApprovalsDefaults,
    /// `*`: the global allow rules.
    pub agents: BTreeMap<String, ExecApprovalsAgent>,
}

/// The file's `defaults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecApprovalsDefaults {
    /// `deny`, `allowlist` or `full`.
    pub security: String,
    /// `off`, `on-miss` or `always`.
    pub ask: String,
    /// What an unanswered prompt becomes.
    pub ask_fallback: String,
}

/// One agent's part of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecApprovalsAgent {
    /// Allowed commands.
    pub allowlist: Vec<AllowlistEntry>,
}

/// An allowlist entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistEntry {
    /// The command pattern.
    pub pattern: String,
    /// The rule's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `allow-always` when a decision added it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}
