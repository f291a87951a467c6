//! Exec approvals for the desktop: the gateway's approval records turned into typed views,
//! the calls behind the approval prompt and the Approvals page, and the policy editor's
//! read / check / save on `tools.exec`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashSet;
use tidepool_client::{Client, ClientError};

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

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn part(v: &Value) -> ApprovalPart {
    let args = v
        .get("args")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|arg| s(arg, "text").unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let flags = v
        .get("flags")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|f| s(f, "kind")).collect())
        .unwrap_or_default();
    ApprovalPart {
        program: s(v, "program").unwrap_or_default(),
        args,
        display: s(v, "display").unwrap_or_default(),
        env: strings(v.get("env")),
        writes: strings(v.get("writes")),
        via: s(v, "via"),
        flags,
        decision: s(v, "decision").unwrap_or_else(|| "ask".into()),
        rule: s(v, "rule"),
        reason: s(v, "reason").unwrap_or_default(),
    }
}

/// The view of a gateway approval record (`exec.approval.list` / `get` / `resolve`).
pub fn approval_view(v: &Value) -> ApprovalView {
    let empty = Value::Null;
    let detail = v.get("detail").unwrap_or(&empty);
    ApprovalView {
        id: s(v, "id").unwrap_or_default(),
        command: s(v, "command").unwrap_or_default(),
        cwd: s(v, "cwd"),
        agent_id: s(v, "agentId"),
        session_key: s(v, "sessionKey"),
        requested_by: s(v, "requestedBy").unwrap_or_default(),
        status: s(v, "status").unwrap_or_else(|| "pending".into()),
        decision: s(v, "decision"),
        reason: s(v, "reason"),
        resolved_by: s(v, "resolvedBy"),
        rules_added: strings(v.get("rulesAdded")),
        created_at_ms: v.get("createdAtMs").and_then(Value::as_i64).unwrap_or(0),
        expires_at_ms: v.get("expiresAtMs").and_then(Value::as_i64).unwrap_or(0),
        resolved_at_ms: v.get("resolvedAtMs").and_then(Value::as_i64),
        verdict: s(detail, "decision").unwrap_or_else(|| "ask".into()),
        verdict_reason: s(detail, "reason").unwrap_or_default(),
        mode: s(detail, "mode").unwrap_or_default(),
        parts: detail
            .get("parts")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(part).collect())
            .unwrap_or_default(),
        suggested_rules: strings(detail.get("suggestedRules")),
    }
}

fn views(v: &Value) -> Vec<ApprovalView> {
    // The pending list is a plain array (OpenClaw's form); the audit trail `{approvals}`.
    v.as_array()
        .or_else(|| v.get("approvals").and_then(Value::as_array))
        .map(|a| a.iter().map(approval_view).collect())
        .unwrap_or_default()
}

/// Approvals waiting for a decision, oldest first.
pub async fn pending(c: &Client) -> Result<Vec<ApprovalView>, ClientError> {
    Ok(views(&c.request("exec.approval.list", json!({})).await?))
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
    let v = c
        .request(
            "exec.approval.list",
            json!({ "status": status, "search": search.filter(|s| !s.trim().is_empty()),
                    "limit": limit.max(1), "offset": offset }),
        )
        .await?;
    Ok(views(&v))
}

/// Decides a pending approval: `allow-once`, `allow-always` (adding `rules`, in `scope`:
/// `global`, `agent` or `session`) or `deny`.
pub async fn resolve(
    c: &Client,
    id: &str,
    decision: &str,
    rules: Option<Vec<String>>,
    scope: Option<&str>,
) -> Result<ApprovalView, ClientError> {
    let mut p = json!({ "id": id, "decision": decision });
    if let Some(obj) = p.as_object_mut() {
        if let Some(r) = rules {
            obj.insert("rules".into(), json!(r));
        }
        if let Some(sc) = scope {
            obj.insert("scope".into(), json!(sc));
        }
    }
    let v = c.request("exec.approval.resolve", p).await?;
    Ok(approval_view(v.get("approval").unwrap_or(&Value::Null)))
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

    fn record() -> Value {
        json!({
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
        })
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
    fn a_malformed_record_still_gives_a_view() {
        let a = approval_view(&json!({ "id": "x", "detail": { "parts": [{}] } }));
        assert_eq!(a.status, "pending");
        assert_eq!(a.verdict, "ask");
        assert_eq!(a.parts[0].decision, "ask");
        assert!(approval_view(&Value::Null).id.is_empty());
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
