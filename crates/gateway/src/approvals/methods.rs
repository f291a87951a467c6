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
use tidepool_protocol::exec::{
    ApprovalCheckParams, ApprovalCheckResult, ApprovalResolveParams, ApprovalResolveResult,
    ExecApprovalCheck, ExecApprovalList, ExecApprovalResolve, RuleScope,
};
use tidepool_protocol::{ErrorCode, ErrorShape, Scope};

/// Registers the methods.
pub fn register(r: &mut Methods) {
    r.add("exec.approval.request", Scope::Approvals, request);
    r.add(
        "exec.approval.waitDecision",
        Scope::Approvals,
        wait_decision,
    );
    r.method::<ExecApprovalResolve, _, _>(resolve);
    // OpenClaw's `openclaw approvals resolve ID DECISION` calls this one.
    r.add(
        "approval.resolve",
        ExecApprovalResolve::SCOPE,
        |s, c, p| async move {
            let p = parse_params(ExecApprovalResolve::NAME, p)?;
            let r = resolve(s, c, p).await?;
            serde_json::to_value(r).map_err(unavailable)
        },
    );
    r.method_raw::<ExecApprovalList, _, _>(list);
    r.add("plugin.approval.list", Scope::Approvals, no_approvals);
    r.add("openclaw.approval.list", Scope::Approvals, no_approvals);
    r.add("exec.approval.grants.list", Scope::Approvals, grants_list);
    r.add(
        "exec.approval.grants.revoke",
        Scope::Approvals,
        grants_revoke,
    );
    r.add("exec.approval.get", Scope::Approvals, get);
    r.method::<ExecApprovalCheck, _, _>(check);
    r.add("approval.history", Scope::Approvals, history);
    r.add("approval.get", Scope::Approvals, snapshot_get);
    r.add("exec.approvals.get", Scope::Admin, policy_get);
    r.add(
        "exec.approvals.set",
        Scope::Admin,
        super::openclaw::policy_set,
    );
}

fn not_found(id: &str) -> ErrorShape {
    ErrorShape::new(
        ErrorCode::ApprovalNotFound,
        format!("no approval {id}; it may have been decided already, expired, or been cancelled"),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestParams {
    command: String,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    session_key: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    two_phase: bool,
}

/// `exec.approval.request`: a client (a node host, a script) asks people to approve a command.
/// Answers when decided, or at once with `twoPhase` (then `exec.approval.waitDecision`).
async fn request(s: Arc<Shared>, c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: RequestParams = parse_params("exec.approval.request", p)?;
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
        return Ok(
            json!({ "id": record.id, "status": "accepted", "createdAtMs": record.created_at_ms, "expiresAtMs": record.expires_at_ms }),
        );
    }
    let _ = waiter.await;
    let done = approvals.get(&record.id).await.map_err(unavailable)?;
    Ok(decision_json(done.as_ref().unwrap_or(&record)))
}

fn decision_json(r: &Record) -> Value {
    json!({ "id": r.id, "decision": r.decision, "status": r.status, "reason": r.reason, "resolvedAtMs": r.resolved_at_ms })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdParams {
    id: String,
}

/// `exec.approval.waitDecision {id}`: waits for a pending approval's end.
async fn wait_decision(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: IdParams = parse_params("exec.approval.waitDecision", p)?;
    if let Some(mut rx) = s.chat.approvals.watch(&p.id) {
        let _ = rx.wait_for(Option::is_some).await;
    }
    let r = s.chat.approvals.get(&p.id).await.map_err(unavailable)?;
    r.map(|r| decision_json(&r)).ok_or_else(|| not_found(&p.id))
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
async fn no_approvals(_s: Arc<Shared>, _c: CallCtx, _p: Value) -> Result<Value, ErrorShape> {
    Ok(json!([]))
}

/// `exec.approval.grants.list`: OpenClaw's standing grants belong to cron jobs, which Tidepool
/// does not run; "allow always" here is a rule in the policy (`exec.approvals.get`).
async fn grants_list(_s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct P {
        #[allow(dead_code)]
        limit: Option<u32>,
    }
    let _: P = parse_params("exec.approval.grants.list", p)?;
    Ok(json!({ "grants": [] }))
}

/// `exec.approval.grants.revoke`: there are no standing grants to revoke.
async fn grants_revoke(_s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct P {
        grant_id: String,
    }
    let p: P = parse_params("exec.approval.grants.revoke", p)?;
    if p.grant_id.is_empty() {
        return Err(invalid_params(
            "exec.approval.grants.revoke",
            "grantId is empty",
        ));
    }
    Ok(json!({ "outcome": "not-found" }))
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
async fn get(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: IdParams = parse_params("exec.approval.get", p)?;
    let r = s.chat.approvals.get(&p.id).await.map_err(unavailable)?;
    r.map(|r| json!(r)).ok_or_else(|| not_found(&p.id))
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    kind: Option<String>,
}

/// An approval as OpenClaw's `ApprovalSnapshot` (pending, allowed, denied, expired, cancelled).
fn snapshot(r: &Record) -> Value {
    let mut decisions = vec!["allow-once", "allow-always", "deny"];
    if r.detail.suggested_rules.is_empty() {
        decisions.retain(|d| *d != "allow-always");
    }
    let mut v = json!({
        "id": r.id,
        "urlPath": format!("/approvals/{}", r.id),
        "createdAtMs": r.created_at_ms,
        "expiresAtMs": r.expires_at_ms.max(r.created_at_ms),
        "presentation": {
            "kind": "exec",
            "commandText": r.command,
            "commandPreview": r.detail.reason,
            "agentId": r.agent_id.as_ref().filter(|a| !a.is_empty()),
            "allowedDecisions": decisions,
        },
        "status": r.status,
    });
    let mut source = serde_json::Map::new();
    if let Some(a) = r.agent_id.as_ref().filter(|a| !a.is_empty()) {
        source.insert("agentId".into(), json!(a));
    }
    if let Some(k) = r.session_key.as_ref().filter(|k| !k.is_empty()) {
        source.insert("sessionKey".into(), json!(k));
    }
    if r.status == "pending" {
        if let Some(k) = &r.session_key {
            crate::json::set_field(&mut v, "sourceSessionKey", json!(k));
        }
        return v;
    }
    crate::json::set_field(
        &mut v,
        "resolvedAtMs",
        json!(r.resolved_at_ms.unwrap_or(r.created_at_ms)),
    );
    crate::json::set_field(&mut v, "source", Value::Object(source));
    let resolver = match r.resolved_by.as_deref() {
        Some(by) if by.starts_with("client:") => json!({ "kind": "device", "id": by }),
        Some("policy") => json!({ "kind": "runtime" }),
        _ => json!({ "kind": "system" }),
    };
    crate::json::set_field(&mut v, "resolver", resolver);
    match r.status.as_str() {
        "allowed" => {
            crate::json::set_field(
                &mut v,
                "decision",
                json!(r.decision.as_deref().unwrap_or("allow-once")),
            );
            crate::json::set_field(&mut v, "reason", json!("user"));
        }
        "denied" => {
            crate::json::set_field(&mut v, "decision", json!("deny"));
            crate::json::set_field(&mut v, "reason", json!("user"));
        }
        "expired" => crate::json::set_field(&mut v, "reason", json!("timeout")),
        _ => crate::json::set_field(
            &mut v,
            "reason",
            json!(if r.reason.as_deref() == Some("run-aborted") {
                "run-aborted"
            } else {
                "gateway-restart"
            }),
        ),
    }
    v
}

/// `approval.history {cursor, limit, kind}`: decided approvals, newest first, as OpenClaw
/// snapshots; `cursor` is the offset of the next page.
async fn history(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: HistoryParams = if p.is_null() {
        HistoryParams::default()
    } else {
        parse_params("approval.history", p)?
    };
    if p.kind.as_deref().is_some_and(|k| k != "exec") {
        return Ok(json!({ "items": [] }));
    }
    let offset: i64 = match p.cursor.as_deref() {
        Some(c) => c.parse().map_err(|_| {
            invalid_params("approval.history", "cursor is not one this gateway gave")
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
    let more = rows.len() as i64 > limit;
    let items: Vec<Value> = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(50))
        .filter(|r| r.status != "pending")
        .map(snapshot)
        .collect();
    let mut out = json!({ "items": items });
    if more {
        crate::json::set_field(&mut out, "nextCursor", json!((offset + limit).to_string()));
    }
    Ok(out)
}

/// `approval.get {id}`: one approval as an OpenClaw snapshot.
async fn snapshot_get(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: IdParams = parse_params("approval.get", p)?;
    let r = s.chat.approvals.get(&p.id).await.map_err(unavailable)?;
    r.map(|r| json!({ "approval": snapshot(&r) }))
        .ok_or_else(|| not_found(&p.id))
}

/// `exec.approvals.get`: the policy as OpenClaw's `ExecApprovalsSnapshot` (its file is
/// Tidepool's config file). The whole policy (rules with actions and scopes) is `tools.exec`
/// in `config.get`.
pub(super) async fn policy_get(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let _: serde::de::IgnoredAny = parse_params("exec.approvals.get", p)?;
    let snap = s.config.store.snapshot();
    let cfg = &snap.loaded.config.tools.exec;
    let mode = cfg.effective_mode();
    use crate::config::exec::ExecMode;
    let (security, ask) = match mode {
        ExecMode::Deny => ("deny", "off"),
        ExecMode::Allowlist => ("allowlist", "off"),
        ExecMode::Ask => (
            "allowlist",
            if cfg.ask == crate::config::exec::AskWhen::Always {
                "always"
            } else {
                "on-miss"
            },
        ),
        ExecMode::Full => ("full", "off"),
    };
    let allowlist: Vec<Value> = cfg
        .rules
        .iter()
        .filter(|r| {
            r.action == crate::config::exec::RuleAction::Allow
                && r.scope == crate::config::exec::RuleScope::Global
        })
        .map(|r| {
            let mut v = json!({ "pattern": r.pattern.0 });
            if let Some(id) = &r.id {
                crate::json::set_field(&mut v, "id", json!(id));
            }
            if r.source.as_deref() == Some("allow-always") {
                crate::json::set_field(&mut v, "source", json!("allow-always"));
            }
            v
        })
        .collect();
    let fallback = serde_json::to_value(cfg.ask_fallback).unwrap_or(json!("deny"));
    Ok(json!({
        "path": s.config.store.path().display().to_string(),
        "exists": snap.exists,
        "hash": snap.hash,
        "file": {
            "version": 1,
            "defaults": { "security": security, "ask": ask, "askFallback": fallback },
            "agents": { "*": { "allowlist": allowlist } },
        },
    }))
}
