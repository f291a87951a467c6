//! Chat end to end: the real gateway process talks to a provider fake that speaks the OpenAI
//! and Anthropic wire formats; every chat/agent/session frame validates against OpenClaw's
//! schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::chat::*;
use common::schemas::Schemas;
use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use tidepool_testkit::{Script, ToolCall};

#[tokio::test]
async fn a_message_streams_deltas_then_a_final_reply_that_is_kept() {
    let s = Schemas::new();
    let f = fake().await;
    f.push(Script::text(&["Hel", "lo ", "there"]));
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let params = send_params("main", "hi");
    s.check("/definitions/ChatSendParams", &params);
    let ack = c.ok("chat.send", params.clone()).await;
    assert_eq!(ack["status"], "started");
    assert_eq!(ack["sessionKey"], "agent:main:main");
    let run = ack["runId"].as_str().unwrap().to_owned();
    let events = c.run_events(&run).await;
    let deltas: String = events
        .iter()
        .filter(|e| e["payload"]["state"] == "delta")
        .map(|e| e["payload"]["deltaText"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "Hello there");
    let last = events.last().unwrap();
    assert_eq!(last["payload"]["state"], "final", "{last}");
    assert_eq!(
        last["payload"]["message"]["content"][0]["text"],
        "Hello there"
    );
    for (i, e) in events.iter().enumerate() {
        s.frame(e);
        let def = match e["payload"]["state"].as_str().unwrap() {
            "delta" => "ChatDeltaEvent",
            "final" => "ChatFinalEvent",
            other => panic!("unexpected state {other}"),
        };
        s.check(&format!("/definitions/{def}"), &e["payload"]);
        assert_eq!(e["payload"]["seq"], i as u64, "per-run seq is 0, 1, 2, ...");
    }
    // The agent lifecycle events validate too.
    let life = c
        .event(|e| e["event"] == "agent" && e["payload"]["data"]["phase"] == "end")
        .await;
    s.check("/definitions/AgentEvent", &life["payload"]);

    // A retried send with the same idempotency key does not run again.
    let again = c.ok("chat.send", params).await;
    assert_eq!(again["runId"], run.as_str());
    assert_eq!(again["status"], "in_flight");

    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    s.check(
        "/definitions/ChatHistoryParams",
        &json!({ "sessionKey": "main" }),
    );
    let msgs = h["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "{h}");
    assert_eq!(msgs[0]["role"], "user");
    assert_eq!(msgs[0]["content"][0]["text"], "hi");
    assert_eq!(msgs[1]["role"], "assistant");
    assert_eq!(msgs[1]["stopReason"], "stop");
    assert!(msgs[1]["usage"]["output"].as_u64().unwrap() > 0);

    // The provider got the key, the system prompt and the tools.
    let req = &f.requests()[0];
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(req.body["messages"][0]["role"], "system");
    let tools: Vec<&str> = req.body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["read", "write", "edit", "list", "web_fetch"]);

    let agents = c.ok("agents.list", json!({})).await;
    s.check("/definitions/AgentsListResult", &agents);
    assert_eq!(agents["defaultId"], "main");
    let models = c.ok("models.list", json!({})).await;
    s.check("/definitions/ModelsListResult", &models);
    let ids: Vec<&str> = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["fake-model", "fake-large"]);
    assert_eq!(models["providerOutcomes"][0]["status"], "ready");

    let list = c.ok("sessions.list", json!({})).await;
    let row = &list["sessions"][0];
    s.check("/definitions/SessionRow", row);
    assert_eq!(row["key"], "agent:main:main");
    assert_eq!(row["messageCount"], 2);
    assert!(row["estimatedCostUsd"].as_f64().unwrap() > 0.0, "{row}");
    // The key never reaches the logs.
    let logs = std::fs::read_to_string(gw.log_file()).unwrap_or_default() + &gw.stderr();
    assert!(!logs.contains(KEY));
}

#[tokio::test]
async fn the_tool_loop_works_in_the_workspace_and_refuses_escapes() {
    let f = fake().await;
    f.push(Script::ToolCalls {
        text: Some("Saving.".into()),
        calls: vec![ToolCall::new(
            "t1",
            "write",
            json!({ "path": "notes/todo.txt", "content": "buy milk" }),
        )],
    });
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![
            ToolCall::new("t2", "read", json!({ "path": "notes/todo.txt" })),
            ToolCall::new("t3", "read", json!({ "path": "../tidepool.json" })),
        ],
    });
    f.push(Script::text(&["Done: ", "buy milk"]));
    let gw = gateway()
        .config(&config(&f, "anthropic-messages"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let run = c.ok("chat.send", send_params("main", "note milk")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    assert_eq!(events.last().unwrap()["payload"]["state"], "final");
    assert_eq!(
        std::fs::read_to_string(gw.state().join("ws/notes/todo.txt")).unwrap(),
        "buy milk"
    );
    let mut results = vec![];
    while results.len() < 3 {
        let e = c
            .event(|e| e["event"] == "agent" && e["payload"]["data"]["phase"] == "result")
            .await;
        results.push(e["payload"]["data"].clone());
    }
    assert_eq!(results[0]["name"], "write");
    assert_eq!(results[1]["result"], "buy milk");
    assert_eq!(results[2]["isError"], true);
    assert!(
        results[2]["result"]
            .as_str()
            .unwrap()
            .contains("outside the workspace"),
        "{}",
        results[2]
    );
    assert!(results.iter().all(|r| r["durationMs"].is_u64()));

    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    let roles: Vec<&str> = h["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "toolResult",
            "assistant",
            "toolResult",
            "toolResult",
            "assistant"
        ]
    );
    assert_eq!(h["messages"][1]["content"][1]["type"], "toolCall");
    assert_eq!(h["messages"][2]["toolName"], "write");
    // The results went back to the model as Anthropic tool_result blocks.
    let reqs = f.requests();
    let third = &reqs[2].body;
    let last_user = third["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(last_user["content"][0]["type"], "tool_result");
    assert_eq!(last_user["content"][1]["is_error"], true);
}

#[tokio::test]
async fn abort_mid_stream_keeps_the_partial_reply_and_a_busy_session_says_so() {
    let f = fake().await;
    f.push(Script::Hold {
        chunks: vec!["partial ".into(), "answer".into()],
    });
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let run = c.ok("chat.send", send_params("a", "long one")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.event(|e| {
        e["event"] == "chat"
            && e["payload"]["deltaText"]
                .as_str()
                .is_some_and(|t| t.ends_with("answer"))
    })
    .await;

    // Another session answers meanwhile; the busy one refuses a second message.
    let other = c.ok("chat.send", send_params("b", "beta")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let busy = c.call("chat.send", send_params("a", "again")).await;
    assert_eq!(busy["ok"], false);
    assert_eq!(busy["error"]["retryable"], true);
    assert!(
        busy["error"]["message"]
            .as_str()
            .unwrap()
            .contains("still being written"),
        "{busy}"
    );
    let b = c.run_events(&other).await;
    assert_eq!(
        b.last().unwrap()["payload"]["message"]["content"][0]["text"],
        "echo: beta"
    );

    let aborted = c.ok("chat.abort", json!({ "sessionKey": "a" })).await;
    assert_eq!(aborted["aborted"], true);
    let events = c.run_events(&run).await;
    let last = events.last().unwrap();
    assert_eq!(last["payload"]["state"], "aborted", "{last}");
    Schemas::new().check("/definitions/ChatAbortedEvent", &last["payload"]);
    let h = c.ok("chat.history", json!({ "sessionKey": "a" })).await;
    let reply = &h["messages"][1];
    assert_eq!(reply["status"], "aborted");
    assert_eq!(reply["stopReason"], "aborted");
    assert_eq!(reply["content"][0]["text"], "partial answer");
    // Nothing is running: the session takes a new message.
    let next = c.call("chat.send", send_params("a", "after")).await;
    assert_eq!(next["ok"], true, "{next}");
}

#[tokio::test]
async fn provider_errors_end_the_turn_with_a_clear_message_and_no_key() {
    let f = fake().await;
    f.push(Script::status(
        401,
        &format!("Incorrect API key provided: {KEY}"),
    ));
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let run = c.ok("chat.send", send_params("main", "hi")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    let err = &events.last().unwrap()["payload"];
    assert_eq!(err["state"], "error");
    Schemas::new().check("/definitions/ChatErrorEvent", err);
    let msg = err["errorMessage"].as_str().unwrap();
    assert!(msg.contains("refused the API key"), "{msg}");
    assert!(!msg.contains(KEY), "{msg}");
    let got = c.ok("sessions.get", json!({ "key": "main" })).await;
    assert!(
        got["entry"]["lastRunError"]
            .as_str()
            .unwrap()
            .contains("refused the API key")
    );
    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    assert_eq!(h["messages"][1]["status"], "error");
    assert!(!h.to_string().contains(KEY));
    drop(c);

    // No model configured: the error says where to set one.
    let bare = gateway().start().await;
    let mut c = Conn::open(&bare).await;
    let run = c.ok("chat.send", send_params("main", "hi")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    let msg = events.last().unwrap()["payload"]["errorMessage"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("agents.defaults.model"), "{msg}");
    // Bad params are refused before anything runs.
    for (params, want) in [
        (
            json!({ "sessionKey": "main", "message": "x" }),
            "idempotencyKey",
        ),
        (
            json!({ "sessionKey": "main", "message": " ", "idempotencyKey": "k" }),
            "message is empty",
        ),
        (
            json!({ "sessionKey": "agent::x", "message": "x", "idempotencyKey": "k2" }),
            "agent:<agentId>:<name>",
        ),
        (
            json!({ "sessionKey": "main", "message": "x", "idempotencyKey": "k3", "agentId": "ghost" }),
            "unknown agent \"ghost\"",
        ),
    ] {
        let r = c.call("chat.send", params).await;
        assert_eq!(r["ok"], false);
        assert!(
            r["error"]["message"].as_str().unwrap().contains(want),
            "{r}"
        );
    }
}

#[tokio::test]
async fn kill_9_mid_stream_leaves_a_readable_partial_reply() {
    let f = fake().await;
    f.push(Script::Hold {
        chunks: vec!["half a ".into(), "reply".into()],
    });
    let cfg = config(&f, "openai-completions");
    let mut gw = gateway().config(&cfg).start().await;
    let mut c = Conn::open(&gw).await;
    c.ok("chat.send", send_params("main", "tell me")).await;
    c.event(|e| {
        e["event"] == "chat"
            && e["payload"]["deltaText"]
                .as_str()
                .is_some_and(|t| t.ends_with("reply"))
    })
    .await;
    // Ready signal: the partial reply has reached the store.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
        if h["messages"][1]["content"][0]["text"] == "half a reply" {
            assert_eq!(h["messages"][1]["status"], "streaming");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "partial reply never stored: {h}"
        );
        tokio::task::yield_now().await;
    }
    gw.signal(libc::SIGKILL);
    gw.wait(Duration::from_secs(5)).await;
    let dir = std::mem::replace(&mut gw.dir, tempfile::tempdir().unwrap());
    let gw2 = gateway().dir(dir).start().await;
    let mut c = Conn::open(&gw2).await;
    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    let reply = &h["messages"][1];
    assert_eq!(reply["status"], "incomplete", "{h}");
    assert_eq!(reply["incomplete"], true);
    assert_eq!(reply["content"][0]["text"], "half a reply");
    // The session goes on.
    let run = c.ok("chat.send", send_params("main", "go on")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    assert_eq!(events.last().unwrap()["payload"]["state"], "final");
}

#[tokio::test]
async fn sessions_can_be_listed_renamed_exported_compacted_reset_and_deleted() {
    let s = Schemas::new();
    let f = fake().await;
    let gw = gateway()
        .config(&config(&f, "openai-completions").replace(
            "workspace: 'ws'",
            "workspace: 'ws', compaction: { keepRecentTokens: 10 }",
        ))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    for (i, q) in ["one", "two", "three"].iter().enumerate() {
        let run = c.ok("chat.send", send_params("work", q)).await["runId"]
            .as_str()
            .unwrap()
            .to_owned();
        let ev = c.run_events(&run).await;
        assert_eq!(ev.last().unwrap()["payload"]["state"], "final", "turn {i}");
    }
    let created = c
        .ok(
            "sessions.create",
            json!({ "key": "ideas", "label": "Ideas" }),
        )
        .await;
    s.check("/definitions/SessionsCreateResult", &created);
    let dup = c.call("sessions.create", json!({ "key": "ideas" })).await;
    assert!(
        dup["error"]["message"]
            .as_str()
            .unwrap()
            .contains("exists already")
    );
    let list = c.ok("sessions.list", json!({ "search": "work" })).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["sessions"][0]["derivedTitle"], "one");
    let patched = c
        .ok(
            "sessions.patch",
            json!({ "key": "work", "label": "Work stuff" }),
        )
        .await;
    assert_eq!(patched["entry"]["displayName"], "Work stuff");
    let preview = c
        .ok("sessions.preview", json!({ "keys": ["work"], "limit": 2 }))
        .await;
    assert_eq!(preview["previews"][0]["items"].as_array().unwrap().len(), 2);

    let md = c.ok("sessions.export", json!({ "key": "work" })).await;
    let text = md["content"].as_str().unwrap();
    assert!(
        text.starts_with("# Work stuff")
            && text.contains("## You\n\ntwo")
            && text.contains("echo: three"),
        "{text}"
    );
    let jsonl = c
        .ok(
            "sessions.export",
            json!({ "key": "work", "format": "jsonl" }),
        )
        .await;
    let lines: Vec<Value> = jsonl["content"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "session");
    assert_eq!(lines.len(), 7);

    // Compaction: the summary replaces the old turns in the context; the last turn stays.
    f.push(Script::text(&["- user counted one, two"]));
    let r = c.ok("sessions.compact", json!({ "key": "work" })).await;
    assert_eq!(r["compacted"], true, "{r}");
    assert_eq!(r["result"]["kept"], 2);
    let h = c.ok("chat.history", json!({ "sessionKey": "work" })).await;
    assert_eq!(
        h["messages"].as_array().unwrap().last().unwrap()["role"],
        "compaction"
    );
    let run = c.ok("chat.send", send_params("work", "four")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.run_events(&run).await;
    let reqs = f.requests();
    let sent = &reqs.last().unwrap().body["messages"];
    let texts: Vec<String> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(texts[1].contains("user counted one, two"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t == "three") && !texts.iter().any(|t| t == "one"),
        "{texts:?}"
    );

    let reset = c.ok("sessions.reset", json!({ "key": "work" })).await;
    assert_ne!(reset["sessionId"], list["sessions"][0]["sessionId"]);
    let h = c.ok("chat.history", json!({ "sessionKey": "work" })).await;
    assert!(h["messages"].as_array().unwrap().is_empty());
    let del = c.ok("sessions.delete", json!({ "key": "work" })).await;
    s.check("/definitions/SessionsDeleteResult", &del);
    assert_eq!(del["deleted"], true);
    let gone = c.call("sessions.get", json!({ "key": "work" })).await;
    assert!(
        gone["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no session agent:main:work")
    );
    let changed = c
        .event(|e| e["event"] == "sessions.changed" && e["payload"]["reason"] == "delete")
        .await;
    assert_eq!(changed["payload"]["key"], "agent:main:work");
}

#[tokio::test]
async fn a_burst_of_deltas_is_coalesced_and_no_client_falls_behind() {
    let f = fake().await;
    let chunks: Vec<String> = (0..5000).map(|i| format!("t{i} ")).collect();
    let whole: String = chunks.concat();
    f.push(Script::Text { chunks });
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let run = c.ok("chat.send", send_params("main", "burst")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    assert_eq!(events.last().unwrap()["payload"]["state"], "final");
    let text: String = events
        .iter()
        .filter_map(|e| e["payload"]["deltaText"].as_str())
        .collect();
    assert_eq!(text, whole, "every delta arrives, in order");
    assert!(
        events.len() < 200,
        "{} events for 5000 deltas",
        events.len()
    );
    // The connection is still served.
    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    assert_eq!(h["messages"][1]["content"][0]["text"], whole.as_str());
}
