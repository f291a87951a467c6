//! Exec approvals for the desktop: the gateway's approval records turned into typed views,
//! the calls behind the approval prompt and the Approvals page, and the policy editor's
//! read / check / save on `tools.exec`.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tidepool_client::{Client, ClientError};
use tidepool_protocol::exec::{
    ApprovalListParams, ApprovalRecord, ApprovalResolveParams, ExecApprovalList,
    ExecApprovalResolve, PartVerdict,
};

/// One program a command would run, with what the policy says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalPart {
    /// The program (`rm`, `git`), resolved through wrappers and paths.
    pub program: String,
    /// Its arguments as written; `$…` for one only known when it runs.
    pub args: Vec<String>,
    /// The part as one line.
    pub display: String,
    /// Environment assignments in front of it (`NAME=…`).
    pub env: Vec<String>,
    /// Files it writes through redirections.
    pub writes: Vec<String>,
    /// What it was found behind (`sh -c`, `xargs`, `$(...)`).
    pub via: Option<String>,
    /// Why no rule can vouch for it (`inlineCode`, `riskyEnv`, ...).
    pub flags: Vec<String>,
    /// `allow`, `ask` or `deny`.
    pub decision: String,
    /// The rule that decided, if one did.
    pub rule: Option<String>,
    /// Why, in words.
    pub reason: String,
}

/// A command an agent wanted to run: pending, or in the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalView {
    /// Id.
    pub id: String,
    /// The command as the agent wrote it.
    pub command: String,
    /// Where it runs.
    pub cwd: Option<String>,
    /// The agent.
    pub agent_id: Option<String>,
    /// The session.
    pub session_key: Option<String>,
    /// Who asked: `agent:<id>` or a client.
    pub requested_by: String,
    /// `pending`, `allowed`, `denied`, `expired`, `cancelled`.
    pub status: String,
    /// `allow-once`, `allow-always`, `deny`.
    pub decision: Option<String>,
    /// `policy`, `user`, `timeout`, `run-aborted`, `gateway-restart`.
    pub reason: Option<String>,
    /// Who decided: a client, or `policy`.
    pub resolved_by: Option<String>,
    /// Rules "allow always" added.
    pub rules_added: Vec<String>,
    /// When asked, ms since the epoch.
    pub created_at_ms: i64,
    /// When it stops waiting.
    pub expires_at_ms: i64,
    /// When decided.
    pub resolved_at_ms: Option<i64>,
    /// The policy's verdict before anyone decided: `allow`, `ask`, `deny`.
    pub verdict: String,
    /// Why, in words (names the strictest part and its rule).
    pub verdict_reason: String,
    /// The mode it was judged under.
    pub mode: String,
    /// The programs, each with its decision.
    pub parts: Vec<ApprovalPart>,
    /// The rules "allow always" would add (editable before saving).
    pub suggested_rules: Vec<String>,
}

/// One part of a verdict as the window shows it.
pub fn part(p: &PartVerdict) -> ApprovalPart {
    ApprovalPart {
        program: p.invocation.program.clone(),
        args: p.invocation.args.iter().map(|a| a.text.clone()).collect(),
        display: p.display.clone(),
        env: p.invocation.env.clone(),
        writes: p.invocation.writes.clone(),
        via: p.invocation.via.clone(),
        flags: p
            .invocation
            .flags
            .iter()
            .map(|f| f.kind().to_owned())
            .collect(),
        decision: p.decision.as_str().to_owned(),
        rule: p.rule.clone(),
        reason: p.reason.clone(),
    }
}

/// The view of a gateway approval record (`exec.approval.list` / `get` / `resolve`).
pub fn approval_view(r: &ApprovalRecord) -> ApprovalView {
    ApprovalView {
        id: r.id.clone(),
        command: r.command.clone(),
        cwd: r.cwd.clone(),
        agent_id: r.agent_id.clone(),
        session_key: r.session_key.clone(),
        requested_by: r.requested_by.clone(),
        status: r.status.clone(),
        decision: r.decision.clone(),
        reason: r.reason.clone(),
        resolved_by: r.resolved_by.clone(),
        rules_added: r.rules_added.clone(),
        created_at_ms: r.created_at_ms,
        expires_at_ms: r.expires_at_ms,
        resolved_at_ms: r.resolved_at_ms,
        verdict: r.detail.decision.as_str().to_owned(),
        verdict_reason: r.detail.reason.clone(),
        mode: r.detail.mode.as_str().to_owned(),
        parts: r.detail.parts.iter().map(part).collect(),
        suggested_rules: r.detail.suggested_rules.clone(),
    }
}

async fn list(c: &Client, params: ApprovalListParams) -> Result<Vec<ApprovalView>, ClientError> {
    let records = c.call::<ExecApprovalList>(&params).await?.into_records();
    Ok(records.iter().map(approval_view).collect())
}

/// Approvals waiting for a decision, oldest first.
pub async fn pending(c: &Client) -> Result<Vec<ApprovalView>, ClientError> {
    list(c, ApprovalListParams::default()).await
}

/// The audit trail, newest first: `status` is `all`, `pending`, `allowed`, `denied`,
/// `expired` or `cancelled`; `search` matches the command, agent or session.
pub async fn history(
    c: &Client,
    status: &str,
    search: Option<&str>,
    limit: u32,
    offset: u32,
) -> Result<Vec<ApprovalView>, ClientError> {
    let params = ApprovalListParams {
        status: Some(status.to_owned()),
        search: search.filter(|s| !s.trim().is_empty()).map(str::to_owned),
        limit: Some(i64::from(limit.max(1))),
        offset: Some(i64::from(offset)),
    };
    list(c, params).await
}

/// Decides a pending approval: `allow-once`, `allow-always` (adding `rules`, in `scope`) or
/// `deny`.
pub async fn resolve(
    c: &Client,
    id: &str,
    decision: &str,
    rules: Option<Vec<String>>,
    scope: Option<RuleScope>,
) -> Result<ApprovalView, ClientError> {
    let params = ApprovalResolveParams {
        id: id.to_owned(),
        decision: decision.to_owned(),
        rules,
        scope,
        ..Default::default()
    };
    let r = c.call::<ExecApprovalResolve>(&params).await?;
    Ok(approval_view(&r.approval))
}

/// The ids in `now` that are not in `seen`: approvals that just arrived (to notify about).
pub fn arrivals<'a>(seen: &HashSet<String>, now: &'a [ApprovalView]) -> Vec<&'a ApprovalView> {
    now.iter().filter(|a| !seen.contains(&a.id)).collect()
}

/// One short line for a notification or a menu: the command, cut to `max` characters.
pub fn headline(a: &ApprovalView, max: usize) -> String {
    let one_line = a.command.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

mod policy;
pub use policy::*;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> ApprovalRecord {
        serde_json::from_value(json!({
            "id": "01ab", "kind": "exec", "command": "ls -la &&\n  rm -rf build",
            "cwd": "/w", "agentId": "main", "sessionKey": "agent:main:main",
            "requestedBy": "agent:main", "status": "pending",
            "createdAtMs": 1000, "expiresAtMs": 121000, "rulesAdded": [],
            "detail": {
                "decision": "ask", "mode": "ask",
                "reason": "rm -rf build: no rule allows it",
                "suggestedRules": ["rm -rf build"],
                "parts": [
                    { "program": "ls", "args": [{ "text": "-la", "dynamic": false }], "env": [],
                      "writes": [], "flags": [], "display": "ls -la", "decision": "allow",
                      "rule": "ls **", "reason": "allowed by the rule \"ls **\"" },
                    { "program": "rm", "args": [{ "text": "-rf", "dynamic": false }, { "text": "$D", "dynamic": true }],
                      "env": ["X=1"], "writes": ["/tmp/o"], "via": "sh -c",
                      "flags": [{ "kind": "writesOutside", "detail": "/tmp/o" }],
                      "display": "rm -rf $D", "decision": "ask", "reason": "no rule allows it" }
                ]
            }
        }))
        .unwrap()
    }

    #[test]
    fn a_record_becomes_a_view_with_its_parts() {
        let a = approval_view(&record());
        assert_eq!(a.command, "ls -la &&\n  rm -rf build");
        assert_eq!(a.verdict, "ask");
        assert_eq!(a.suggested_rules, ["rm -rf build"]);
        assert_eq!(a.parts.len(), 2);
        assert_eq!(a.parts[0].rule.as_deref(), Some("ls **"));
        assert_eq!(a.parts[1].args, ["-rf", "$D"]);
        assert_eq!(a.parts[1].flags, ["writesOutside"]);
        assert_eq!(a.parts[1].via.as_deref(), Some("sh -c"));
        assert_eq!(a.expires_at_ms, 121_000);
    }

    #[test]
    fn a_malformed_record_is_refused_naming_the_field() {
        let e = serde_json::from_value::<ApprovalRecord>(
            json!({ "id": "x", "detail": { "parts": [{}] } }),
        )
        .unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
    }

    #[test]
    fn arrivals_are_the_unseen_ids_and_headlines_fit() {
        let a = approval_view(&record());
        let mut b = a.clone();
        b.id = "02cd".into();
        let seen: HashSet<String> = ["01ab".to_owned()].into();
        let now = [a.clone(), b];
        let new = arrivals(&seen, &now);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].id, "02cd");
        assert_eq!(headline(&a, 80), "ls -la && rm -rf build");
        assert_eq!(headline(&a, 10), "ls -la &&…");
        assert_eq!(headline(&a, 10).chars().count(), 10);
    }
}
