//! `exec.approval.*`, `approval.history|get` and `exec.approvals.get` (OpenClaw's names).
//! Deciding needs `operator.approvals`; changing the policy is a config write (admin).

use super::{Ask, Record, Resolution};
use crate::exec::{analyze, policy};
use crate::rpc::unavailable;
use crate::rpc::{CallCtx, invalid_params, parse_params};
use crate::state::Methods;
use crate::state::Shared;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tidepool_protocol::contract::Method;
use tidepool_protocol::contract::NoParams;
use tidepool_protocol::exec::{
    AllowlistEntry, ApprovalDecision, ApprovalGet, ApprovalGetResult, ApprovalHistory,
    ApprovalHistoryParams, ApprovalHistoryResult, ApprovalIdParams, ApprovalPresentation,
    ApprovalRequestParams, ApprovalResolve, ApprovalResolver, ApprovalSnapshot, ApprovalSource,
    ExecApprovalGet, ExecApprovalGrantsList, ExecApprovalGrantsRevoke, ExecApprovalRequest,
    ExecApprovalWaitDecision, ExecApprovalsAgent, ExecApprovalsDefaults, ExecApprovalsFile,
    ExecApprovalsGet, ExecApprovalsSet, ExecApprovalsSnapshot, GrantsListParams, GrantsListResult,
    GrantsRevokeParams, GrantsRevokeResult, OpenclawApprovalList, PluginApprovalList,
};
use tidepool_protocol::exec::{
    ApprovalCheckParams, ApprovalCheckResult, ApprovalResolveParams, ApprovalResolveResult,
    ExecApprovalCheck, ExecApprovalList, ExecApprovalResolve, RuleScope,
};
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Registers the methods.
pub fn register(r: &mut Methods) {
    r.method::<ExecApprovalRequest, _, _>(request);
    r.method::<ExecApprovalWaitDecision, _, _>(wait_decision);
    r.method::<ExecApprovalResolve, _, _>(resolve);
    // OpenClaw's `openclaw approvals resolve ID DECISION` calls this one.
    r.method::<ApprovalResolve, _, _>(resolve);
    r.method_raw::<ExecApprovalList, _, _>(list);
    r.method::<PluginApprovalList, _, _>(no_approvals);
    r.method::<OpenclawApprovalList, _, _>(no_approvals);
    r.method::<ExecApprovalGrantsList, _, _>(grants_list);
    r.method::<ExecApprovalGrantsRevoke, _, _>(grants_revoke);
    r.method::<ExecApprovalGet, _, _>(get);
    r.method::<ExecApprovalCheck, _, _>(check);
    r.method::<ApprovalHistory, _, _>(history);
    r.method::<ApprovalGet, _, _>(snapshot_get);
    r.method::<ExecApprovalsGet, _, _>(policy_get);
    r.method::<ExecApprovalsSet, _, _>(super::openclaw::policy_set);
}

fn not_found(id: &str) -> ErrorShape {
    ErrorShape::new(
        ErrorCode::ApprovalNotFound,
        format!("no approval {id}; it may have been decided already, expired, or been cancelled"),
    )
}

/// `exec.approval.request`: a client (a node host, a script) asks people to approve a command.
/// Answers when decided, or at once with `twoPhase` (then `exec.approval.waitDecision`).
async fn request(
    s: Arc<Shared>,
    c: CallCtx,
    p: ApprovalRequestParams,
) -> Result<ApprovalDecision, ErrorShape> {
    if p.command.trim().is_empty() {
        return Err(invalid_params("exec.approval.request", "command is empty"));
    }
    let cfg = s.current_config().tools.exec.clone();
    let agent = p.agent_id.clone().unwrap_or_else(|| "main".into());
    let session = match &p.session_key {
        Some(k) => s.key_of("exec.approval.request", k, Some(&agent))?,
        None => String::new(),
    };
    let timeout = Duration::from_millis(
        p.timeout_ms
            .unwrap_or(cfg.approval_timeout_seconds.saturating_mul(1000))
            .clamp(1, 86_400_000),
    );
    let ask = Ask {
        command: p.command.clone(),
        cwd: p.cwd.clone(),
        agent_id: Some(agent.clone()),
        session_key: (!session.is_empty()).then_some(session.clone()),
        run_id: None,
        tool_call_id: None,
        requested_by: format!("client:{}", c.conn_id),
        verdict: policy::decide(&analyze::analyze(&p.command), &cfg, &agent, &session),
        timeout,
    };
    let approvals = s.chat.approvals.clone();
    let (record, rx) = approvals.create(&ask, s.as_ref()).await;
    let id = record.id.clone();
    let shared = s.clone();
    // The wait runs on its own so a two-phase caller can leave; its end is recorded either way.
    let waiter = tokio::spawn(async move {
        let cancel = shared.shutdown.clone();
        shared
            .chat
            .approvals
            .wait(&id, rx, timeout, &cancel, shared.as_ref())
            .await
    });
    if p.two_phase {
        return Ok(ApprovalDecision::accepted(&record));
    }
    let _ = waiter.await;
    let done = approvals.get(&record.id).await.map_err(unavailable)?;
    Ok(ApprovalDecision::of(done.as_ref().unwrap_or(&record)))
}

/// `exec.approval.waitDecision {id}`: waits for a pending approval's end.
async fn wait_decision(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ApprovalIdParams,
) -> Result<ApprovalDecision, ErrorShape> {
    if let Some(mut rx) = s.chat.approvals.watch(&p.id) {
        let _ = rx.wait_for(Option::is_some).await;
    }
    let r = s.chat.approvals.get(&p.id).await.map_err(unavailable)?;
    r.map(|r| ApprovalDecision::of(&r))
        .ok_or_else(|| not_found(&p.id))
}

/// `exec.approval.resolve {id, decision}`: `allow-once`, `allow-always` (adds rules to
/// `tools.exec.rules` first; a rule that does not compile refuses the whole decision) or
/// `deny`.
async fn resolve(
    s: Arc<Shared>,
    c: CallCtx,
    p: ApprovalResolveParams,
) -> Result<ApprovalResolveResult, ErrorShape> {
    const M: &str = ExecApprovalResolve::NAME;
    let _ = (&p.reviewer, p.grant_expires_in_days);
    if let Some(k) = p.kind.as_deref().filter(|k| *k != "exec") {
        return Err(invalid_params(
            M,
            format!(
                "kind {k:?}: Tidepool only has exec approvals (there are no {k} approvals to resolve)"
            ),
        ));
    }
    let approvals = s.chat.approvals.clone();
    let pending = approvals
        .pending()
        .into_iter()
        .find(|r| r.id == p.id)
        .ok_or_else(|| not_found(&p.id))?;
    let resolution = match p.decision.as_str() {
        "allow-once" => Resolution::AllowOnce,
        "deny" => Resolution::Deny,
        "allow-always" => {
            let patterns: Vec<String> = match p.rules {
                Some(r) => r,
                None => pending.detail.suggested_rules.clone(),
            };
            if patterns.is_empty() {
                return Err(invalid_params(M, "allow-always needs at least one rule"));
            }
            for pat in &patterns {
                policy::Pattern::compile(pat).map_err(|e| invalid_params(M, e))?;
            }
            let scope = p.scope.unwrap_or_default();
            let mut rules = Vec::new();
            for pat in &patterns {
                let mut rule = json!({
                    "id": ulid::Ulid::new().to_string().to_ascii_lowercase(),
                    "pattern": pat, "action": "allow", "source": "allow-always",
                    "note": format!("added when approving `{}`", pending.command),
                });
                match scope {
                    RuleScope::Global => {}
                    RuleScope::Agent => {
                        crate::json::set_field(&mut rule, "scope", json!("agent"));
                        crate::json::set_field(&mut rule, "agentId", json!(pending.agent_id));
                    }
                    RuleScope::Session => {
                        crate::json::set_field(&mut rule, "scope", json!("session"));
                        crate::json::set_field(&mut rule, "sessionKey", json!(pending.session_key));
                    }
                }
                rules.push(rule);
            }
            crate::config::methods::add_exec_rules(s.clone(), rules).await?;
            Resolution::AllowAlways(patterns)
        }
        other => {
            return Err(invalid_params(
                M,
                format!("decision must be allow-once, allow-always or deny, not {other:?}"),
            ));
        }
    };
    let by = format!("client:{}", c.conn_id);
    let record = approvals
        .resolve(&p.id, resolution, &by, s.as_ref())
        .await
        .map_err(|_| not_found(&p.id))?;
    Ok(ApprovalResolveResult {
        ok: true,
        approval: record,
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListParams {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    search: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

/// A pending approval as OpenClaw lists it: the record plus `request {command, cwd, agentId,
/// sessionKey}`.
fn openclaw_pending(r: &crate::approvals::Record) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    crate::json::set_field(
        &mut v,
        "request",
        json!({ "command": r.command, "cwd": r.cwd, "agentId": r.agent_id, "sessionKey": r.session_key }),
    );
    v
}

/// `plugin.approval.list` and `openclaw.approval.list`: Tidepool has no plugin or system-agent
/// approvals, so these lists are always empty (OpenClaw's CLI asks all three).
async fn no_approvals(
    _s: Arc<Shared>,
    _c: CallCtx,
    _p: NoParams,
) -> Result<Vec<Record>, ErrorShape> {
    Ok(vec![])
}

/// `exec.approval.grants.list`: OpenClaw's standing grants belong to cron jobs, which Tidepool
/// does not run; "allow always" here is a rule in the policy (`exec.approvals.get`).
async fn grants_list(
    _s: Arc<Shared>,
    _c: CallCtx,
    _p: GrantsListParams,
) -> Result<GrantsListResult, ErrorShape> {
    Ok(GrantsListResult::default())
}

/// `exec.approval.grants.revoke`: there are no standing grants to revoke.
async fn grants_revoke(
    _s: Arc<Shared>,
    _c: CallCtx,
    p: GrantsRevokeParams,
) -> Result<GrantsRevokeResult, ErrorShape> {
    if p.grant_id.is_empty() {
        return Err(invalid_params(
            ExecApprovalGrantsRevoke::NAME,
            "grantId is empty",
        ));
    }
    Ok(GrantsRevokeResult {
        outcome: "not-found".into(),
    })
}

/// `exec.approval.list`: pending approvals (default), or the audit trail filtered by
/// `status` (`all`, `allowed`, `denied`, `expired`, `cancelled`) and `search`.
async fn list(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: ListParams = if p.is_null() {
        ListParams::default()
    } else {
        parse_params("exec.approval.list", p)?
    };
    let approvals = &s.chat.approvals;
    // OpenClaw's form (no filters): the pending approvals as a list, each with its `request`
    // (OpenClaw's CLI reads `request.command`, `agentId`, `sessionKey`). With Tidepool's
    // filters: `{approvals, total}` over the audit trail.
    if p.status.is_none() && p.search.is_none() && p.limit.is_none() && p.offset.is_none() {
        return Ok(Value::Array(
            approvals.pending().iter().map(openclaw_pending).collect(),
        ));
    }
    let status = p.status.as_deref().unwrap_or("pending");
    if status == "pending" && p.search.is_none() {
        return Ok(json!({ "approvals": approvals.pending() }));
    }
    const STATUSES: &[&str] = &[
        "all",
        "pending",
        "allowed",
        "denied",
        "expired",
        "cancelled",
    ];
    if !STATUSES.contains(&status) {
        return Err(invalid_params(
            "exec.approval.list",
            format!("status must be one of {}", STATUSES.join(", ")),
        ));
    }
    let rows = approvals
        .history(
            (status != "all").then_some(status),
            p.search.as_deref().filter(|s| !s.is_empty()),
            p.limit.unwrap_or(100).clamp(1, 500),
            p.offset.unwrap_or(0).max(0),
        )
        .await
        .map_err(unavailable)?;
    Ok(json!({ "approvals": rows }))
}

/// `exec.approval.get {id}`: one approval with its parsed command and verdict.
async fn get(s: Arc<Shared>, _c: CallCtx, p: ApprovalIdParams) -> Result<Record, ErrorShape> {
    let r = s.chat.approvals.get(&p.id).await.map_err(unavailable)?;
    r.ok_or_else(|| not_found(&p.id))
}

/// `exec.approval.check` (Tidepool): "would this command be allowed?" — the verdict without
/// running anything, under the current policy or a draft one.
async fn check(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ApprovalCheckParams,
) -> Result<ApprovalCheckResult, ErrorShape> {
    const M: &str = ExecApprovalCheck::NAME;
    let cfg = match p.policy {
        Some(draft) => {
            let text = json!({ "tools": { "exec": draft.normalized() } }).to_string();
            crate::config::parse(&text, "policy")
                .map_err(|e| invalid_params(M, e.to_string()))?
                .config
                .tools
                .exec
        }
        None => s.current_config().tools.exec.clone(),
    };
    let agent = p.agent_id.unwrap_or_else(|| "main".into());
    let verdict = policy::decide(
        &analyze::analyze(&p.command),
        &cfg,
        &agent,
        p.session_key.as_deref().unwrap_or(""),
    );
    Ok(ApprovalCheckResult {
        suggested_rules: verdict.suggested_rules(),
        verdict,
    })
}

/// An approval as OpenClaw's `ApprovalSnapshot` (pending, allowed, denied, expired, cancelled).
fn snapshot(r: &Record) -> ApprovalSnapshot {
    let mut decisions = vec!["allow-once", "allow-always", "deny"];
    if r.detail.suggested_rules.is_empty() {
        decisions.retain(|d| *d != "allow-always");
    }
    let agent_id = r.agent_id.clone().filter(|a| !a.is_empty());
    let mut v = ApprovalSnapshot {
        id: r.id.clone(),
        url_path: format!("/approvals/{}", r.id),
        created_at_ms: r.created_at_ms,
        expires_at_ms: r.expires_at_ms.max(r.created_at_ms),
        presentation: ApprovalPresentation {
            kind: "exec".into(),
            command_text: r.command.clone(),
            command_preview: r.detail.reason.clone(),
            agent_id: agent_id.clone(),
            allowed_decisions: decisions.into_iter().map(str::to_owned).collect(),
        },
        status: r.status.clone(),
        source_session_key: None,
        resolved_at_ms: None,
        source: None,
        resolver: None,
        decision: None,
        reason: None,
    };
    if r.status == "pending" {
        v.source_session_key = r.session_key.clone();
        return v;
    }
    v.resolved_at_ms = Some(r.resolved_at_ms.unwrap_or(r.created_at_ms));
    v.source = Some(ApprovalSource {
        agent_id,
        session_key: r.session_key.clone().filter(|k| !k.is_empty()),
    });
    v.resolver = Some(match r.resolved_by.as_deref() {
        Some(by) if by.starts_with("client:") => ApprovalResolver {
            kind: "device".into(),
            id: Some(by.to_owned()),
        },
        Some("policy") => ApprovalResolver {
            kind: "runtime".into(),
            id: None,
        },
        _ => ApprovalResolver {
            kind: "system".into(),
            id: None,
        },
    });
    let (decision, reason) = match r.status.as_str() {
        "allowed" => (Some(r.decision.as_deref().unwrap_or("allow-once")), "user"),
        "denied" => (Some("deny"), "user"),
        "expired" => (None, "timeout"),
        _ if r.reason.as_deref() == Some("run-aborted") => (None, "run-aborted"),
        _ => (None, "gateway-restart"),
    };
    v.decision = decision.map(str::to_owned);
    v.reason = Some(reason.to_owned());
    v
}

/// `approval.history {cursor, limit, kind}`: decided approvals, newest first, as OpenClaw
/// snapshots; `cursor` is the offset of the next page.
async fn history(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ApprovalHistoryParams,
) -> Result<ApprovalHistoryResult, ErrorShape> {
    let empty = ApprovalHistoryResult {
        items: vec![],
        next_cursor: None,
    };
    if p.kind.as_deref().is_some_and(|k| k != "exec") {
        return Ok(empty);
    }
    let offset: i64 = match p.cursor.as_deref() {
        Some(c) => c.parse().map_err(|_| {
            invalid_params(ApprovalHistory::NAME, "cursor is not one this gateway gave")
        })?,
        None => 0,
    };
    let limit = p.limit.unwrap_or(50).clamp(1, 100);
    // Decided ones only: fetch a page of the trail and skip the pending.
    let rows = s
        .chat
        .approvals
        .history(None, None, limit + 1, offset)
        .await
        .map_err(unavailable)?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    let items = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(50))
        .filter(|r| r.status != "pending")
        .map(snapshot)
        .collect();
    Ok(ApprovalHistoryResult {
        items,
        next_cursor: more.then(|| (offset + limit).to_string()),
    })
}

/// `approval.get {id}`: one approval as an OpenClaw snapshot.
async fn snapshot_get(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ApprovalIdParams,
) -> Result<ApprovalGetResult, ErrorShape> {
    let r = s.chat.approvals.get(&p.id).await.map_err(unavailable)?;
    r.map(|r| ApprovalGetResult {
        approval: snapshot(&r),
    })
    .ok_or_else(|| not_found(&p.id))
}

/// `exec.approvals.get`: the policy as OpenClaw's `ExecApprovalsSnapshot` (its file is
/// Tidepool's config file). The whole policy (rules with actions and scopes) is `tools.exec`
/// in `config.get`.
pub(super) async fn policy_get(
    s: Arc<Shared>,
    _c: CallCtx,
    _p: NoParams,
) -> Result<ExecApprovalsSnapshot, ErrorShape> {
    use crate::config::exec::{AskWhen, ExecMode, RuleAction, RuleScope};
    let snap = s.config.store.snapshot();
    let cfg = &snap.loaded.config.tools.exec;
    let (security, ask) = match cfg.effective_mode() {
        ExecMode::Deny => ("deny", "off"),
        ExecMode::Allowlist => ("allowlist", "off"),
        ExecMode::Ask if cfg.ask == AskWhen::Always => ("allowlist", "always"),
        ExecMode::Ask => ("allowlist", "on-miss"),
        ExecMode::Full => ("full", "off"),
    };
    let allowlist = cfg
        .rules
        .iter()
        .filter(|r| r.action == RuleAction::Allow && r.scope == RuleScope::Global)
        .map(|r| AllowlistEntry {
            pattern: r.pattern.0.clone(),
            id: r.id.clone(),
            source: (r.source.as_deref() == Some("allow-always")).then(|| "allow-always".into()),
        })
        .collect();
    let ask_fallback = serde_json::to_value(cfg.ask_fallback)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "deny".into());
    Ok(ExecApprovalsSnapshot {
        path: s.config.store.path().display().to_string(),
        exists: snap.exists,
        hash: snap.hash.clone(),
        file: ExecApprovalsFile {
            version: 1,
            defaults: ExecApprovalsDefaults {
                security: security.into(),
                ask: ask.into(),
                ask_fallback,
            },
            agents: [("*".to_owned(), ExecApprovalsAgent { allowlist })].into(),
        },
    })
}
