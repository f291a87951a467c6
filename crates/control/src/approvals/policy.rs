//! The policy editor: `tools.exec` read from the running config, judged drafts
//! (`exec.approval.check`), and saves as a merge patch with the hash it was read at.

use super::{ApprovalPart, part, strings};
use crate::config::SaveOutcome;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tidepool_client::{Client, ClientError};

/// A rule of the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExecRuleView {
    /// Stable id, when it has one.
    pub id: Option<String>,
    /// `git status`, `npm run *`, `git log **`.
    pub pattern: String,
    /// `allow`, `ask` or `deny`.
    pub action: String,
    /// `global`, `agent` or `session`.
    pub scope: String,
    /// For an `agent` rule.
    pub agent_id: Option<String>,
    /// For a `session` rule.
    pub session_key: Option<String>,
    /// Why it exists.
    pub note: Option<String>,
    /// `allow-always` when added from an approval.
    pub source: Option<String>,
}

/// What the policy editor edits: `tools.exec` without the fields it leaves alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExecPolicy {
    /// `deny`, `allowlist`, `ask` or `full`.
    pub mode: String,
    /// What an unanswered approval becomes: `deny`, `allowlist` or `full`.
    pub ask_fallback: String,
    /// How long an approval waits, seconds.
    pub approval_timeout_seconds: u32,
    /// The rules, in order.
    pub rules: Vec<ExecRuleView>,
}

/// The policy and the config hash it was read at (sent back with the save).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PolicyDoc {
    /// The policy.
    pub policy: ExecPolicy,
    /// The config's hash.
    pub hash: String,
}

/// "Would this command be allowed?"
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// `allow`, `ask` or `deny`.
    pub decision: String,
    /// Why, in words.
    pub reason: String,
    /// Each program with its decision and rule.
    pub parts: Vec<ApprovalPart>,
    /// The rules "allow always" would add.
    pub suggested_rules: Vec<String>,
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// The effective mode of a `tools.exec` object: `mode`, else OpenClaw's `security` + `ask`.
fn mode_of(exec: &Value) -> String {
    if let Some(m) = text(exec, "mode") {
        return m;
    }
    match text(exec, "security").as_deref() {
        Some("full") => "full".into(),
        Some("allowlist") if text(exec, "ask").as_deref() == Some("off") => "allowlist".into(),
        Some("allowlist") => "ask".into(),
        _ => "deny".into(),
    }
}

/// The editor's view of `tools.exec` (the loaded config's value; defaults filled in).
pub fn policy_from_config(config: &Value) -> ExecPolicy {
    let exec = config
        .get("tools")
        .and_then(|t| t.get("exec"))
        .cloned()
        .unwrap_or(Value::Null);
    let rules = exec
        .get("rules")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|r| ExecRuleView {
                    id: text(r, "id"),
                    pattern: text(r, "pattern").unwrap_or_default(),
                    action: text(r, "action").unwrap_or_else(|| "allow".into()),
                    scope: text(r, "scope").unwrap_or_else(|| "global".into()),
                    agent_id: text(r, "agentId"),
                    session_key: text(r, "sessionKey"),
                    note: text(r, "note"),
                    source: text(r, "source"),
                })
                .collect()
        })
        .unwrap_or_default();
    ExecPolicy {
        mode: mode_of(&exec),
        ask_fallback: text(&exec, "askFallback").unwrap_or_else(|| "deny".into()),
        approval_timeout_seconds: exec
            .get("approvalTimeoutSeconds")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(120),
        rules,
    }
}

/// The `tools.exec` fields the editor owns, as config JSON (empty optional fields left out).
pub fn policy_json(p: &ExecPolicy) -> Value {
    let rules: Vec<Value> = p
        .rules
        .iter()
        .map(|r| {
            let mut o = Map::new();
            let mut put = |k: &str, v: &Option<String>| {
                if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    o.insert(k.into(), json!(v));
                }
            };
            put("id", &r.id);
            put("pattern", &Some(r.pattern.clone()));
            put("action", &Some(r.action.clone()));
            put("scope", &Some(r.scope.clone()));
            if r.scope == "agent" {
                put("agentId", &r.agent_id);
            }
            if r.scope == "session" {
                put("sessionKey", &r.session_key);
            }
            put("note", &r.note);
            put("source", &r.source);
            Value::Object(o)
        })
        .collect();
    json!({
        "mode": p.mode,
        "askFallback": p.ask_fallback,
        "approvalTimeoutSeconds": p.approval_timeout_seconds,
        "rules": rules,
    })
}

/// The policy as the running gateway has it, with the config hash.
pub async fn policy(c: &Client) -> Result<PolicyDoc, ClientError> {
    let v = c.request("config.get", json!({})).await?;
    Ok(PolicyDoc {
        policy: policy_from_config(v.get("config").unwrap_or(&Value::Null)),
        hash: text(&v, "hash").unwrap_or_default(),
    })
}

/// Judges `command` under the current policy, or under `draft` (the editor's unsaved one).
pub async fn check(
    c: &Client,
    command: &str,
    draft: Option<&ExecPolicy>,
) -> Result<CheckView, ClientError> {
    let mut p = json!({ "command": command });
    if let (Some(d), Some(obj)) = (draft, p.as_object_mut()) {
        obj.insert("policy".into(), policy_json(d));
    }
    let v = c.request("exec.approval.check", p).await?;
    let verdict = v.get("verdict").unwrap_or(&Value::Null);
    Ok(CheckView {
        decision: text(verdict, "decision").unwrap_or_else(|| "ask".into()),
        reason: text(verdict, "reason").unwrap_or_default(),
        parts: verdict
            .get("parts")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(part).collect())
            .unwrap_or_default(),
        suggested_rules: strings(v.get("suggestedRules")),
    })
}

/// Saves the policy if the config still has `base_hash`. A stale hash comes back as a
/// conflict, a bad pattern as the gateway's validation problem (path, line, why).
pub async fn save_policy(
    c: &Client,
    policy: &ExecPolicy,
    base_hash: &str,
) -> Result<SaveOutcome, ClientError> {
    let patch = json!({ "tools": { "exec": policy_json(policy) } });
    let params = json!({ "raw": patch.to_string(), "baseHash": base_hash });
    match c.request("config.patch", params).await {
        Ok(v) => Ok(crate::config::saved(&v, true)),
        Err(ClientError::Request(shape)) => Ok(crate::config::refusal(
            shape.detail_code().unwrap_or_default(),
            &shape.message,
            shape.details.as_ref().unwrap_or(&Value::Null),
        )),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openclaw_security_maps_to_a_mode_and_defaults_fill_in() {
        let cases = [
            (json!({}), "deny"),
            (
                json!({ "tools": { "exec": { "security": "full" } } }),
                "full",
            ),
            (
                json!({ "tools": { "exec": { "security": "allowlist", "ask": "off" } } }),
                "allowlist",
            ),
            (
                json!({ "tools": { "exec": { "security": "allowlist" } } }),
                "ask",
            ),
            (
                json!({ "tools": { "exec": { "mode": "ask", "security": "full" } } }),
                "ask",
            ),
        ];
        for (cfg, want) in cases {
            let p = policy_from_config(&cfg);
            assert_eq!(p.mode, want, "{cfg}");
            assert_eq!(p.ask_fallback, "deny");
            assert_eq!(p.approval_timeout_seconds, 120);
        }
    }

    #[test]
    fn rules_round_trip_and_scope_fields_follow_the_scope() {
        let cfg = json!({ "tools": { "exec": { "mode": "allowlist", "rules": [
            { "pattern": "git status" },
            { "pattern": "rm **", "action": "deny", "note": "never" },
            { "pattern": "npm test", "scope": "agent", "agentId": "main", "sessionKey": "x" },
        ] } } });
        let mut p = policy_from_config(&cfg);
        assert_eq!(p.rules[0].action, "allow");
        assert_eq!(p.rules[0].scope, "global");
        let out = policy_json(&p);
        assert_eq!(
            out["rules"][0],
            json!({ "pattern": "git status", "action": "allow", "scope": "global" })
        );
        assert_eq!(out["rules"][1]["note"], "never");
        // A session key on an agent rule is not written.
        assert_eq!(out["rules"][2].get("sessionKey"), None);
        assert_eq!(out["rules"][2]["agentId"], "main");
        // Blank optional fields are left out.
        p.rules[1].note = Some("  ".into());
        assert_eq!(policy_json(&p)["rules"][1].get("note"), None);
    }
}
