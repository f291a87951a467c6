//! The typed contract against a real gateway: every method descriptor the desktop calls is
//! called through `Client::call::<M>` and its real answer must decode as `M::Result`; this is
//! what keeps the `method_raw` handlers (OpenClaw's richer answers) inside their descriptors.
//! A descriptor's scope is the one the gateway enforces, and a refusal arrives typed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::chat::{config, fake};
use common::*;
use tidepool_client::{Client, ClientError, ConnectOptions};
use tidepool_protocol::chat::{
    ChatAbortParams, ChatHistoryParams, SessionKeyParams, SessionsCreateParams,
    SessionsExportParams, SessionsListParams, SessionsPatchParams,
};
use tidepool_protocol::config::{ConfigApply, ConfigGet, ConfigSchema, ConfigWriteParams};
use tidepool_protocol::contract::{Method, NoParams};
use tidepool_protocol::exec::{
    ApprovalCheckParams, ApprovalListParams, Decision, ExecApprovalCheck, ExecApprovalList,
};
use tidepool_protocol::methods::{Health, LogsTail, LogsTailParams, Status};
use tidepool_protocol::sessions::*;
use tidepool_protocol::{ErrorCode, Scope};
use tidepool_testkit::{Script, ToolCall};

/// Calls `M` and fails with the method's name and the client's reason (a decode failure reads
/// "protocol error: …" with the field).
async fn call<M: Method>(c: &Client, p: &M::Params) -> M::Result {
    c.call::<M>(p)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", M::NAME))
}

#[tokio::test]
async fn every_answer_decodes_as_its_descriptor_says() {
    let gw = gateway()
        .config("{ tools: { exec: { security: 'allowlist', rules: [{ action: 'allow', pattern: 'ls **' }] } } }")
        .start()
        .await;
    let c = gw.client().await;

    let health = call::<Health>(&c, &NoParams {}).await;
    assert!(health.ok);
    let status = call::<Status>(&c, &NoParams {}).await;
    assert_eq!(status.protocol, 4);
    assert!(status.pid > 0);
    let logs = call::<LogsTail>(&c, &LogsTailParams::default()).await;
    assert!(!logs.file.is_empty());

    let cfg = call::<ConfigGet>(&c, &NoParams {}).await;
    assert!(cfg.exists);
    assert!(cfg.raw.contains("pattern: 'ls **'"), "{}", cfg.raw);
    let _schema = call::<ConfigSchema>(&c, &NoParams {}).await;
    let port = call::<tidepool_protocol::config::ConfigSchemaLookup>(
        &c,
        &tidepool_protocol::config::ConfigSchemaLookupParams {
            path: "gateway".into(),
        },
    )
    .await;
    assert!(port.children.iter().any(|k| k.key == "port"), "{port:?}");
    let set = call::<tidepool_protocol::config::ConfigSet>(
        &c,
        &tidepool_protocol::config::ConfigSetParams::Path(
            tidepool_protocol::config::ConfigSetPathParams {
                path: "logging.level".into(),
                value: serde_json::json!("debug"),
                base_hash: None,
            },
        ),
    )
    .await;
    assert!(set.ok);
    let _models = call::<ModelsList>(&c, &NoParams {}).await;

    // A session through its whole life, each answer typed.
    let created = call::<SessionsCreate>(
        &c,
        &SessionsCreateParams {
            label: Some("Contract".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(created.ok);
    let key = created.key.clone();
    let listed = call::<SessionsList>(&c, &SessionsListParams::default()).await;
    assert!(
        listed.sessions.iter().any(|s| s.key == key),
        "{key} not in {:?}",
        listed.sessions
    );
    let patched = call::<SessionsPatch>(
        &c,
        &SessionsPatchParams {
            key: key.clone(),
            label: Some(Some("Renamed".into())),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(patched.entry.display_name, "Renamed");
    let history = call::<ChatHistory>(
        &c,
        &ChatHistoryParams {
            session_key: key.clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(history.messages.is_empty());
    assert_eq!(history.running, None);
    let aborted = call::<ChatAbort>(
        &c,
        &ChatAbortParams {
            session_key: key.clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(!aborted.aborted, "nothing was running");
    let export = call::<SessionsExport>(
        &c,
        &SessionsExportParams {
            key: key.clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(!export.file_name.is_empty());
    let by_key = SessionKeyParams {
        key: key.clone(),
        ..Default::default()
    };
    let reset = call::<SessionsReset>(&c, &by_key).await;
    assert_eq!(reset.key, key);
    let deleted = call::<SessionsDelete>(&c, &by_key).await;
    assert!(deleted.ok);

    // The policy, typed both ways.
    let ls = call::<ExecApprovalCheck>(
        &c,
        &ApprovalCheckParams {
            command: "ls -la".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ls.verdict.decision, Decision::Allow, "{:?}", ls.verdict);
    let rm = call::<ExecApprovalCheck>(
        &c,
        &ApprovalCheckParams {
            command: "rm -rf build".into(),
            ..Default::default()
        },
    )
    .await;
    assert_ne!(rm.verdict.decision, Decision::Allow, "{:?}", rm.verdict);
    let _pending = call::<ExecApprovalList>(&c, &ApprovalListParams::default()).await;
}

#[tokio::test]
async fn the_descriptor_s_scope_is_enforced_and_refusals_arrive_typed() {
    let gw = gateway().start().await;
    let reader = Client::connect(
        ConnectOptions::new(gw.url(), "test", "0.0.0")
            .token(Some(gw.token()))
            .scopes(vec![Scope::Read]),
    )
    .await
    .unwrap();
    assert_eq!(ConfigApply::SCOPE, Scope::Admin);
    let cfg = reader.call::<ConfigGet>(&NoParams {}).await.unwrap();
    let err = reader
        .call::<ConfigApply>(&ConfigWriteParams {
            raw: "{}".into(),
            base_hash: Some(cfg.hash.clone()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    match err {
        ClientError::Request(shape) => {
            assert_eq!(shape.code, ErrorCode::Forbidden.as_str(), "{shape:?}");
            assert!(shape.message.contains("operator.admin"), "{shape:?}");
        }
        other => panic!("expected a typed refusal, got {other}"),
    }
    // The file is untouched by the refused write.
    let after = reader.call::<ConfigGet>(&NoParams {}).await.unwrap();
    assert_eq!(after.hash, cfg.hash);

    // A key that does not exist: the gateway's error, not a decode failure.
    let err = reader
        .call::<SessionsExport>(&SessionsExportParams {
            key: "agent:main:nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Request(s) if s.message.contains("nope")),
        "{err}"
    );
}

#[tokio::test]
async fn a_turn_with_a_tool_streams_typed_events_and_its_history_decodes() {
    let f = fake().await;
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new("t1", "list", serde_json::json!({}))],
    });
    f.push(Script::text(&["done: ", "notes.txt"]));
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    std::fs::create_dir_all(gw.state().join("ws")).unwrap();
    std::fs::write(gw.state().join("ws/notes.txt"), "x").unwrap();
    let c = gw.client().await;
    let mut events = c.events();
    let ack = call::<ChatSend>(
        &c,
        &tidepool_protocol::chat::ChatSendParams {
            session_key: "main".into(),
            message: "What is in my workspace?".into(),
            idempotency_key: "contract-1".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ack.session_key, "agent:main:main");
    let (mut tools, mut text) = (Vec::new(), String::new());
    tokio::time::timeout(std::time::Duration::from_secs(15), async {
        loop {
            let ev = events.recv().await.unwrap();
            if let Some(a) = tidepool_client::decode_event::<Agent>(&ev) {
                let a = a.unwrap_or_else(|e| panic!("agent event {:?}: {e}", ev.payload));
                if let Some(t) = a.tool() {
                    tools.push((t.phase, t.name, t.result));
                }
            }
            if let Some(ch) = tidepool_client::decode_event::<Chat>(&ev) {
                let ch = ch.unwrap_or_else(|e| panic!("chat event {:?}: {e}", ev.payload));
                if ch.run_id != ack.run_id {
                    continue;
                }
                match ch.state {
                    ChatState::Delta => text.push_str(&ch.delta_text.unwrap_or_default()),
                    ChatState::Final => return,
                    other => panic!("the run ended {other:?}: {:?}", ch.error_message),
                }
            }
        }
    })
    .await
    .expect("no final chat event within 15 s");
    assert_eq!(tools.len(), 2, "{tools:?}");
    assert_eq!(tools[0].0, "start");
    assert_eq!(tools[1].0, "result");
    assert_eq!(tools[1].2.as_deref(), Some("notes.txt"));
    assert!(text.ends_with("done: notes.txt"), "{text}");

    let history = call::<ChatHistory>(
        &c,
        &ChatHistoryParams {
            session_key: "main".into(),
            ..Default::default()
        },
    )
    .await;
    let roles: Vec<_> = history.messages.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(
        roles,
        ["user", "assistant", "toolResult", "assistant"],
        "{:?}",
        history.messages
    );
    assert_eq!(history.messages[0].text(), "What is in my workspace?");
    assert!(
        history.messages[1]
            .content
            .iter()
            .any(|b| matches!(b, ContentBlock::ToolCall { name, .. } if name == "list")),
        "{:?}",
        history.messages[1]
    );
    assert_eq!(history.messages[3].text(), "done: notes.txt");
    let compact = call::<SessionsCompact>(
        &c,
        &SessionKeyParams {
            key: "main".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(compact.ok);
    assert!(!compact.compacted, "four messages are too short to compact");

    // The OpenClaw-shaped reads of the same session (their handlers answer richer JSON).
    use tidepool_protocol::chat::{
        ChatMessageGetParams, ChatMetadataParams, ChatStartupParams, SessionsPreviewParams,
    };
    use tidepool_protocol::runs::{
        AgentsList, ChatMessageGet, ChatMetadata, ChatStartup, SessionsGet, SessionsPreview,
    };
    let by_key = SessionKeyParams {
        key: "main".into(),
        ..Default::default()
    };
    let got = call::<SessionsGet>(&c, &by_key).await;
    assert_eq!(got.key, "agent:main:main");
    let preview = call::<SessionsPreview>(
        &c,
        &SessionsPreviewParams {
            keys: vec!["main".into()],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(preview.previews.len(), 1);
    assert_eq!(
        preview.previews[0]
            .items
            .last()
            .map(TranscriptMessage::text),
        Some("done: notes.txt".to_owned())
    );
    let first = call::<ChatMessageGet>(
        &c,
        &ChatMessageGetParams {
            session_key: "main".into(),
            message_id: history.messages[0].id.clone(),
            ..Default::default()
        },
    )
    .await;
    assert!(first.ok);
    assert_eq!(
        first.message.map(|m| m.text()).as_deref(),
        Some("What is in my workspace?")
    );
    let startup = call::<ChatStartup>(
        &c,
        &ChatStartupParams {
            session_key: Some("main".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(startup.history.map(|h| h.messages.len()), Some(4));
    let meta = startup.metadata.expect("chat.startup has the metadata");
    assert_eq!(meta.runtime_selection_locked, Some(false));
    let chat_meta = call::<ChatMetadata>(&c, &ChatMetadataParams::default()).await;
    assert!(
        chat_meta.models.iter().any(|m| m.available),
        "{:?}",
        chat_meta.models
    );
    let agents = call::<AgentsList>(&c, &NoParams {}).await;
    assert_eq!(agents.default_id, "main");
    assert_eq!(agents.agents.len(), 1);
}

/// The approval events the window follows decode as their descriptors say: a command that asks,
/// decided through the typed `exec.approval.resolve`, then the resolution.
#[tokio::test]
async fn approval_events_decode_as_their_descriptors_say() {
    use tidepool_protocol::contract::Event as _;
    use tidepool_protocol::exec::{
        ApprovalResolveParams, ExecApprovalRequested, ExecApprovalResolve, ExecApprovalResolved,
    };
    let f = fake().await;
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new(
            "c1",
            "exec",
            serde_json::json!({ "command": "ls" }),
        )],
    });
    f.push(Script::text(&["done"]));
    let base = config(&f, "openai-completions");
    let cfg = format!(
        "{}, tools: {{ exec: {{ mode: 'ask' }} }} }}",
        base.trim_end().trim_end_matches('}')
    );
    let gw = gateway().config(&cfg).start().await;
    std::fs::create_dir_all(gw.state().join("ws")).unwrap();
    let c = gw.client().await;
    let mut events = c.events();
    call::<ChatSend>(
        &c,
        &tidepool_protocol::chat::ChatSendParams {
            session_key: "main".into(),
            message: "list my files".into(),
            idempotency_key: "contract-approval".into(),
            ..Default::default()
        },
    )
    .await;
    let ev = next(&mut events, ExecApprovalRequested::NAME).await;
    let asked = tidepool_client::decode_event::<ExecApprovalRequested>(&ev)
        .unwrap()
        .unwrap_or_else(|e| panic!("{:?}: {e}", ev.payload));
    assert_eq!(asked.request.command, "ls");
    assert_eq!(
        asked.request.session_key.as_deref(),
        Some("agent:main:main")
    );
    assert_eq!(asked.request.suggested_rules, vec!["ls".to_owned()]);
    assert!(asked.expires_at_ms > asked.created_at_ms);
    let decided = call::<ExecApprovalResolve>(
        &c,
        &ApprovalResolveParams {
            id: asked.id.clone(),
            decision: "deny".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(decided.approval.status, "denied");
    let ev = next(&mut events, ExecApprovalResolved::NAME).await;
    let resolved = tidepool_client::decode_event::<ExecApprovalResolved>(&ev)
        .unwrap()
        .unwrap_or_else(|e| panic!("{:?}: {e}", ev.payload));
    assert_eq!(resolved.id, asked.id);
    assert_eq!(resolved.decision.as_deref(), Some("deny"));
    assert_eq!(resolved.status, "denied");
    assert_eq!(resolved.reason.as_deref(), Some("user"));

    // The same approval through OpenClaw's methods.
    use tidepool_protocol::exec::{
        ApprovalGet, ApprovalHistory, ApprovalHistoryParams, ApprovalIdParams, ExecApprovalGet,
        ExecApprovalWaitDecision, ExecApprovalsGet,
    };
    let by_id = ApprovalIdParams {
        id: asked.id.clone(),
    };
    let done = call::<ExecApprovalWaitDecision>(&c, &by_id).await;
    assert_eq!(done.status, "denied");
    assert_eq!(done.decision, Some(Some("deny".into())));
    let record = call::<ExecApprovalGet>(&c, &by_id).await;
    assert_eq!(record.command, "ls");
    let snap = call::<ApprovalGet>(&c, &by_id).await;
    assert_eq!(snap.approval.decision.as_deref(), Some("deny"));
    assert_eq!(snap.approval.presentation.command_text, "ls");
    let trail = call::<ApprovalHistory>(&c, &ApprovalHistoryParams::default()).await;
    assert_eq!(trail.items.len(), 1);
    assert_eq!(trail.items[0].id, asked.id);
    let file = call::<ExecApprovalsGet>(&c, &NoParams {}).await;
    assert_eq!(file.file.defaults.security, "allowlist");
    assert_eq!(file.file.defaults.ask, "on-miss");
}

/// The next event named `name` (others are skipped), within 15 s.
async fn next(
    events: &mut tokio::sync::broadcast::Receiver<tidepool_protocol::EventFrame>,
    name: &str,
) -> tidepool_protocol::EventFrame {
    tokio::time::timeout(std::time::Duration::from_secs(15), async {
        loop {
            let ev = events.recv().await.unwrap();
            if ev.event == name {
                return ev;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {name} within 15 s"))
}

/// `status.requests` counts what clients ask of the gateway, not the probes a dashboard polls
/// with, so "requests per minute" shows real traffic.
#[tokio::test]
async fn status_counts_requests_but_not_probes() {
    let gw = gateway().start().await;
    let c = gw.client().await;
    let before = call::<Status>(&c, &NoParams {}).await.requests;
    for _ in 0..3 {
        call::<Health>(&c, &NoParams {}).await;
        call::<Status>(&c, &NoParams {}).await;
    }
    assert_eq!(call::<Status>(&c, &NoParams {}).await.requests, before);
    call::<ConfigGet>(&c, &NoParams {}).await;
    call::<SessionsList>(&c, &SessionsListParams::default()).await;
    // A call its handler refuses was still asked for: it counts.
    let refused = c
        .call::<ConfigApply>(&ConfigWriteParams {
            raw: "{".into(),
            ..Default::default()
        })
        .await;
    assert!(refused.is_err());
    assert_eq!(call::<Status>(&c, &NoParams {}).await.requests, before + 3);
}
