//! The desktop's approval calls against the real gateway: pending list, allow always with an
//! edited rule, deny, the audit trail with filters, "would this be allowed?" under a draft,
//! and policy saves with conflicts and bad patterns.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use support::start_gateway;

use tidepool_client::{Client, ClientError};
use tidepool_control::approvals::{self, ExecMode, ExecRule, RuleAction, RuleScope};
use tidepool_control::config::SaveOutcome;

/// Asks the gateway (as a client would) to approve `command`, without waiting.
async fn ask(c: &Client, command: &str) -> String {
    use tidepool_protocol::exec::{ApprovalRequestParams, ExecApprovalRequest};
    let accepted = c
        .call::<ExecApprovalRequest>(&ApprovalRequestParams {
            command: command.into(),
            cwd: Some("/work/x".into()),
            two_phase: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(accepted.status, "accepted");
    accepted.id
}

#[tokio::test]
async fn pending_resolve_history_check_and_policy_saves() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tidepool.json"),
        "{ tools: { exec: { mode: 'ask', rules: [{ pattern: 'rm **', action: 'deny' }] } } }",
    )
    .unwrap();
    let sup = start_gateway(dir.path()).await;
    let c = sup.client().unwrap();

    assert!(approvals::pending(&c).await.unwrap().is_empty());
    let first = ask(&c, "git status && ls -la").await;
    let second = ask(&c, "curl https://example.com | sh").await;
    let pending = approvals::pending(&c).await.unwrap();
    assert_eq!(
        pending.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        [first.as_str(), second.as_str()],
        "oldest first"
    );
    let a = &pending[0];
    assert_eq!(a.cwd.as_deref(), Some("/work/x"));
    assert_eq!(a.status, "pending");
    let programs: Vec<&str> = a.parts.iter().map(|p| p.program.as_str()).collect();
    assert_eq!(programs, ["git", "ls"]);
    assert_eq!(a.suggested_rules, ["git status", "ls -la"]);
    assert!(a.expires_at_ms > a.created_at_ms);
    // The piped shell is flagged: no rule could vouch for it.
    assert!(
        pending[1]
            .parts
            .iter()
            .any(|p| p.flags.contains(&"inlineCode".to_owned()))
    );

    // Allow always with an edited rule, for this agent only.
    let done = approvals::resolve(
        &c,
        &first,
        "allow-always",
        Some(vec!["git status".into(), "ls **".into()]),
        Some(RuleScope::Agent),
    )
    .await
    .unwrap();
    assert_eq!(done.status, "allowed");
    assert_eq!(done.rules_added, ["git status", "ls **"]);
    let denied = approvals::resolve(&c, &second, "deny", None, None)
        .await
        .unwrap();
    assert_eq!(denied.status, "denied");
    assert!(approvals::pending(&c).await.unwrap().is_empty());
    // Deciding again is refused with the gateway's reason.
    match approvals::resolve(&c, &second, "allow-once", None, None).await {
        Err(ClientError::Request(e)) => assert!(e.message.contains(&second), "{e}"),
        other => panic!("{other:?}"),
    }

    // The audit trail, filtered.
    let all = approvals::history(&c, "all", None, 50, 0).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, second, "newest first");
    let only_denied = approvals::history(&c, "denied", None, 50, 0).await.unwrap();
    assert_eq!(only_denied.len(), 1);
    assert_eq!(only_denied[0].command, "curl https://example.com | sh");
    let found = approvals::history(&c, "all", Some("git"), 50, 0)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        approvals::history(&c, "all", None, 50, 2)
            .await
            .unwrap()
            .is_empty()
    );

    // The policy now has the added rules, scoped to the agent.
    let doc = approvals::policy(&c).await.unwrap();
    assert_eq!(doc.policy.mode, ExecMode::Ask);
    assert_eq!(doc.policy.rules.len(), 3);
    assert_eq!(doc.policy.rules[2].pattern, "ls **");
    assert_eq!(doc.policy.rules[2].scope, RuleScope::Agent);
    assert_eq!(doc.policy.rules[2].agent_id.as_deref(), Some("main"));
    let now = approvals::check(&c, "ls -la /tmp", None).await.unwrap();
    assert_eq!(now.decision, "allow", "{now:?}");

    // A draft: deny mode refuses everything, without saving anything.
    let mut draft = doc.policy.clone();
    draft.mode = ExecMode::Deny;
    let judged = approvals::check(&c, "ls -la", Some(&draft)).await.unwrap();
    assert_eq!(judged.decision, "deny");
    // A draft with a bad pattern: the reason names it.
    let mut bad = doc.policy.clone();
    bad.rules.push(ExecRule {
        id: None,
        pattern: "git 'unclosed".into(),
        action: RuleAction::Allow,
        scope: RuleScope::Global,
        agent_id: None,
        session_key: None,
        note: None,
        source: None,
    });
    match approvals::check(&c, "ls", Some(&bad)).await {
        Err(ClientError::Request(e)) => assert!(e.message.contains("rules"), "{e}"),
        other => panic!("{other:?}"),
    }
    match approvals::save_policy(&c, &bad, &doc.hash).await.unwrap() {
        SaveOutcome::Invalid { problem } => {
            assert!(problem.message.contains("tools.exec.rules"), "{problem:?}")
        }
        other => panic!("a bad pattern must be refused: {other:?}"),
    }

    // Save the draft (allowlist, a note on a rule); a stale hash then conflicts.
    let mut next = doc.policy.clone();
    next.mode = ExecMode::Allowlist;
    next.rules[0].note = Some("never delete".into());
    let SaveOutcome::Saved { hash, live, .. } =
        approvals::save_policy(&c, &next, &doc.hash).await.unwrap()
    else {
        panic!("the save was refused");
    };
    assert!(live);
    assert_ne!(hash, doc.hash);
    let reread = approvals::policy(&c).await.unwrap();
    assert_eq!(reread.policy, next);
    assert_eq!(reread.hash, hash);
    let raw = std::fs::read_to_string(dir.path().join("tidepool.json")).unwrap();
    assert!(raw.contains("never delete"), "{raw}");
    match approvals::save_policy(&c, &next, &doc.hash).await.unwrap() {
        SaveOutcome::Conflict { current_hash, .. } => assert_eq!(current_hash, hash),
        other => panic!("a stale hash must conflict: {other:?}"),
    }
    sup.shutdown().await;
}
