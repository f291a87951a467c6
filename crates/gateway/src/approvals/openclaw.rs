//! `exec.approvals.set`: OpenClaw's approvals file (`defaults` + per-agent `allowlist`s)
//! written into Tidepool's `tools.exec`. Tidepool keeps one policy for every agent, so the
//! file's defaults become the mode and each allowlist becomes allow rules (global for `*`,
//! agent-scoped otherwise); the user's ask / deny / session rules stay as they are.

use crate::rpc::{CallCtx, invalid_params};
use crate::state::Shared;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use tidepool_protocol::ErrorShape;
use tidepool_protocol::contract::{Method, NoParams};
use tidepool_protocol::exec::{ExecApprovalsSet, ExecApprovalsSetParams, ExecApprovalsSnapshot};

const M: &str = ExecApprovalsSet::NAME;

/// What the file says, in Tidepool's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// `mode`, when the file sets `defaults.security`.
    pub mode: Option<&'static str>,
    /// `ask` (`off`, `on-miss`, `always`), when set.
    pub ask: Option<String>,
    /// `askFallback`, when set.
    pub ask_fallback: Option<String>,
    /// Allow rules, in file order (`*` first).
    pub rules: Vec<Value>,
}

fn one_of(v: &Value, key: &str, allowed: &[&str], at: &str) -> Result<Option<String>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "{at}.{key} must be one of {}, not {other}",
            allowed.join(", ")
        )),
    }
}

/// An OpenClaw allowlist pattern names an executable (a path or a glob) and allows it with
/// any arguments; a Tidepool pattern is a whole command. A pattern that is one word becomes
/// `<word> **`; one with spaces is taken as a Tidepool pattern already.
pub fn rule_pattern(p: &str) -> String {
    let p = p.trim();
    if p.split_whitespace().count() > 1 {
        p.to_owned()
    } else {
        format!("{p} **")
    }
}

/// Why OpenClaw's approvals file cannot be taken as it is: names the field and what Tidepool
/// supports instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MapError(String);

/// Maps the file; an error names the field and what Tidepool supports instead.
pub fn map_file(file: &Value) -> Result<Mapped, MapError> {
    map(file).map_err(MapError)
}

fn map(file: &Value) -> Result<Mapped, String> {
    if file.get("version").and_then(Value::as_f64) != Some(1.0) {
        return Err("file.version must be 1".into());
    }
    let empty = Value::Object(Map::new());
    let defaults = file.get("defaults").unwrap_or(&empty);
    let security = one_of(
        defaults,
        "security",
        &["deny", "allowlist", "full"],
        "file.defaults",
    )?;
    let ask = one_of(
        defaults,
        "ask",
        &["off", "on-miss", "always"],
        "file.defaults",
    )?;
    let ask_fallback = one_of(
        defaults,
        "askFallback",
        &["deny", "allowlist", "full"],
        "file.defaults",
    )?;
    if defaults.get("autoAllowSkills") == Some(&Value::Bool(true)) {
        return Err("file.defaults.autoAllowSkills is not supported by Tidepool yet".into());
    }
    let mode = security.as_deref().map(|s| match (s, ask.as_deref()) {
        ("deny", _) => "deny",
        ("full", _) => "full",
        (_, Some("off")) => "allowlist",
        _ => "ask",
    });
    let mut rules = Vec::new();
    let agents = file.get("agents").and_then(Value::as_object);
    let mut ids: Vec<&String> = agents.map(|a| a.keys().collect()).unwrap_or_default();
    ids.sort_by_key(|k| (k.as_str() != "*", k.as_str().to_owned()));
    for id in ids {
        let Some(agent) = agents.and_then(|a| a.get(id.as_str())) else {
            continue;
        };
        for key in ["security", "ask", "askFallback", "autoAllowSkills"] {
            if agent.get(key).is_some() {
                return Err(format!(
                    "file.agents.{id}.{key}: Tidepool has one shell policy for every agent; \
                     set file.defaults.{key}, and use rules scoped to the agent for differences"
                ));
            }
        }
        if agent
            .get("mcpTools")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            return Err(format!(
                "file.agents.{id}.mcpTools is not supported by Tidepool yet"
            ));
        }
        let list = agent.get("allowlist").and_then(Value::as_array);
        for (i, entry) in list.into_iter().flatten().enumerate() {
            let Some(p) = entry.get("pattern").and_then(Value::as_str) else {
                return Err(format!(
                    "file.agents.{id}.allowlist[{i}].pattern is missing"
                ));
            };
            if p.trim().is_empty() {
                return Err(format!("file.agents.{id}.allowlist[{i}].pattern is empty"));
            }
            if p.split_whitespace().count() == 1 && p.contains(['*', '?', '[']) {
                return Err(format!(
                    "file.agents.{id}.allowlist[{i}].pattern {p:?}: a wildcard in the program's \
                     path could allow any program; name the program (e.g. /usr/bin/rg)"
                ));
            }
            let mut rule = json!({ "pattern": rule_pattern(p), "action": "allow" });
            if let Some(o) = rule.as_object_mut() {
                if id.as_str() == "*" {
                    o.insert("scope".into(), json!("global"));
                } else {
                    o.insert("scope".into(), json!("agent"));
                    o.insert("agentId".into(), json!(id));
                }
                for k in ["id", "source"] {
                    if let Some(v) = entry.get(k).and_then(Value::as_str) {
                        o.insert(k.into(), json!(v));
                    }
                }
            }
            rules.push(rule);
        }
    }
    Ok(Mapped {
        mode,
        ask,
        ask_fallback,
        rules,
    })
}

/// Writes the mapping into a `tools.exec` object: the mode replaces OpenClaw's `security`;
/// allow rules for everyone or an agent are replaced; ask, deny and session rules stay.
pub fn apply(exec: &mut Value, m: &Mapped) {
    let Some(o) = exec.as_object_mut() else {
        return;
    };
    if let Some(mode) = m.mode {
        o.insert("mode".into(), json!(mode));
        o.remove("security");
    }
    if let Some(a) = &m.ask {
        o.insert("ask".into(), json!(a));
    }
    if let Some(f) = &m.ask_fallback {
        o.insert("askFallback".into(), json!(f));
    }
    let kept: Vec<Value> = o
        .get("rules")
        .and_then(Value::as_array)
        .map(|rules| {
            rules
                .iter()
                .filter(|r| {
                    let action = r.get("action").and_then(Value::as_str).unwrap_or("allow");
                    let scope = r.get("scope").and_then(Value::as_str).unwrap_or("global");
                    action != "allow" || scope == "session"
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut rules = kept;
    rules.extend(m.rules.iter().cloned());
    o.insert("rules".into(), Value::Array(rules));
}

/// `exec.approvals.set {file, baseHash?}`: writes the policy; returns the new snapshot.
pub async fn policy_set(
    s: Arc<Shared>,
    c: CallCtx,
    p: ExecApprovalsSetParams,
) -> Result<ExecApprovalsSnapshot, ErrorShape> {
    let mapped = map_file(&p.file).map_err(|e| invalid_params(M, e))?;
    crate::config::methods::edit_exec(s.clone(), p.base_hash, |exec| apply(exec, &mapped)).await?;
    super::methods::policy_get(s, c, NoParams {}).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_become_the_mode_and_allowlists_become_rules() {
        let file = json!({
            "version": 1,
            "socket": { "path": "/tmp/x.sock" },
            "defaults": { "security": "allowlist", "ask": "on-miss", "askFallback": "deny" },
            "agents": {
                "work": { "allowlist": [{ "pattern": "/usr/bin/make" }] },
                "*": { "allowlist": [
                    { "pattern": "/usr/bin/git", "id": "r1", "source": "allow-always" },
                    { "pattern": "npm run *" },
                ] },
            },
        });
        let m = map_file(&file).unwrap();
        assert_eq!(m.mode, Some("ask"));
        assert_eq!(m.ask_fallback.as_deref(), Some("deny"));
        assert_eq!(
            m.rules,
            [
                json!({ "pattern": "/usr/bin/git **", "action": "allow", "scope": "global", "id": "r1", "source": "allow-always" }),
                json!({ "pattern": "npm run *", "action": "allow", "scope": "global" }),
                json!({ "pattern": "/usr/bin/make **", "action": "allow", "scope": "agent", "agentId": "work" }),
            ]
        );
    }

    #[test]
    fn every_security_and_ask_maps() {
        let cases = [
            (json!({ "security": "deny" }), Some("deny")),
            (json!({ "security": "full", "ask": "always" }), Some("full")),
            (
                json!({ "security": "allowlist", "ask": "off" }),
                Some("allowlist"),
            ),
            (
                json!({ "security": "allowlist", "ask": "always" }),
                Some("ask"),
            ),
            (json!({ "security": "allowlist" }), Some("ask")),
            (json!({ "ask": "off" }), None),
        ];
        for (defaults, want) in cases {
            let m = map_file(&json!({ "version": 1, "defaults": defaults })).unwrap();
            assert_eq!(m.mode, want, "{defaults}");
        }
    }

    #[test]
    fn what_tidepool_cannot_honour_is_refused_by_name() {
        let cases = [
            (json!({ "version": 2 }), "file.version must be 1"),
            (json!({}), "file.version must be 1"),
            (
                json!({ "version": 1, "defaults": { "security": "yolo" } }),
                "file.defaults.security must be one of deny, allowlist, full",
            ),
            (
                json!({ "version": 1, "defaults": { "autoAllowSkills": true } }),
                "autoAllowSkills is not supported",
            ),
            (
                json!({ "version": 1, "agents": { "ops": { "security": "full" } } }),
                "file.agents.ops.security: Tidepool has one shell policy",
            ),
            (
                json!({ "version": 1, "agents": { "*": { "mcpTools": [{ "server": "a", "tool": "b", "source": "allow-always", "addedAt": 1 }] } } }),
                "file.agents.*.mcpTools is not supported",
            ),
            (
                json!({ "version": 1, "agents": { "*": { "allowlist": [{ "id": "x" }] } } }),
                "file.agents.*.allowlist[0].pattern is missing",
            ),
            (
                json!({ "version": 1, "agents": { "*": { "allowlist": [{ "pattern": " " }] } } }),
                "allowlist[0].pattern is empty",
            ),
            (
                json!({ "version": 1, "agents": { "*": { "allowlist": [{ "pattern": "~/bin/*" }] } } }),
                "a wildcard in the program's path could allow any program",
            ),
        ];
        for (file, want) in cases {
            let e = map_file(&file).unwrap_err();
            assert!(e.to_string().contains(want), "{file}: {e}");
        }
    }

    #[test]
    fn applying_keeps_ask_deny_and_session_rules_and_drops_openclaws_security() {
        let mut exec = json!({
            "security": "allowlist",
            "timeoutSeconds": 30,
            "rules": [
                { "pattern": "rm **", "action": "deny" },
                { "pattern": "old **" },
                { "pattern": "make **", "scope": "agent", "agentId": "work" },
                { "pattern": "cargo test", "scope": "session", "sessionKey": "agent:main:x" },
                { "pattern": "curl *", "action": "ask" },
            ],
        });
        let m = map_file(&json!({ "version": 1, "defaults": { "security": "full" },
            "agents": { "*": { "allowlist": [{ "pattern": "ls" }] } } }))
        .unwrap();
        apply(&mut exec, &m);
        assert_eq!(exec["mode"], "full");
        assert_eq!(exec.get("security"), None);
        assert_eq!(exec["timeoutSeconds"], 30);
        let patterns: Vec<&str> = exec["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["pattern"].as_str().unwrap())
            .collect();
        assert_eq!(patterns, ["rm **", "cargo test", "curl *", "ls **"]);
    }
}
