//! The policy editor: `tools.exec` read from the running config, judged drafts
//! (`exec.approval.check`), and saves as a merge patch with the hash it was read at.

use super::{ApprovalPart, part};
use crate::config::SaveOutcome;
use serde::{Deserialize, Serialize};
use tidepool_client::{Client, ClientError};
use tidepool_protocol::config::{ConfigGet, ConfigPatch, ConfigWriteParams};
use tidepool_protocol::contract::NoParams;
use tidepool_protocol::exec::{ApprovalCheckParams, ExecApprovalCheck};
pub use tidepool_protocol::exec::{
    AskFallback, ExecMode, ExecPolicy, ExecRule, RuleAction, RuleScope,
};

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

/// The policy as the running gateway has it, with the config hash.
pub async fn policy(c: &Client) -> Result<PolicyDoc, ClientError> {
    let v = c.call::<ConfigGet>(&NoParams {}).await?;
    let policy = ExecPolicy::from_config(&v.config).map_err(|e| {
        ClientError::Protocol(format!(
            "the gateway's tools.exec does not read as a policy: {e}"
        ))
    })?;
    Ok(PolicyDoc {
        policy,
        hash: v.hash,
    })
}

/// Judges `command` under the current policy, or under `draft` (the editor's unsaved one).
pub async fn check(
    c: &Client,
    command: &str,
    draft: Option<&ExecPolicy>,
) -> Result<CheckView, ClientError> {
    let params = ApprovalCheckParams {
        command: command.to_owned(),
        policy: draft.cloned(),
        ..Default::default()
    };
    let r = c.call::<ExecApprovalCheck>(&params).await?;
    Ok(CheckView {
        decision: r.verdict.decision.as_str().to_owned(),
        reason: r.verdict.reason,
        parts: r.verdict.parts.iter().map(part).collect(),
        suggested_rules: r.suggested_rules,
    })
}

/// The merge patch that saves `policy` into `tools.exec`.
pub fn policy_patch(policy: &ExecPolicy) -> String {
    #[derive(Serialize)]
    struct Exec<'a> {
        exec: &'a ExecPolicy,
    }
    #[derive(Serialize)]
    struct Patch<'a> {
        tools: Exec<'a>,
    }
    let normalized = policy.normalized();
    serde_json::to_string(&Patch {
        tools: Exec { exec: &normalized },
    })
    .unwrap_or_default()
}

/// Saves the policy if the config still has `base_hash`. A stale hash comes back as a
/// conflict, a bad pattern as the gateway's validation problem (path, line, why).
pub async fn save_policy(
    c: &Client,
    policy: &ExecPolicy,
    base_hash: &str,
) -> Result<SaveOutcome, ClientError> {
    let params = ConfigWriteParams::new(policy_patch(policy), Some(base_hash));
    crate::config::outcome(c.call::<ConfigPatch>(&params).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn rules_round_trip_and_scope_fields_follow_the_scope() {
        let cfg = json!({ "tools": { "exec": { "mode": "allowlist", "rules": [
            { "pattern": "git status" },
            { "pattern": "rm **", "action": "deny", "note": "never" },
            { "pattern": "npm test", "scope": "agent", "agentId": "main", "sessionKey": "x" },
        ] } } });
        let mut p = ExecPolicy::from_config(&cfg).unwrap();
        assert_eq!(p.rules[0].action, RuleAction::Allow);
        assert_eq!(p.rules[0].scope, RuleScope::Global);
        let out: Value = serde_json::from_str(&policy_patch(&p)).unwrap();
        let out = &out["tools"]["exec"];
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
        let out: Value = serde_json::from_str(&policy_patch(&p)).unwrap();
        assert_eq!(out["tools"]["exec"]["rules"][1].get("note"), None);
    }
}
