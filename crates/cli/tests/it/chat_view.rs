//! The chat view's extra methods against the real gateway and the provider fake:
//! `chat.inject`, `chat.message.get`, `chat.metadata`, `chat.startup`, and `agent`'s two answers
//! (accepted, then the run's result, as OpenClaw's own CLI waits for). Params and results validate
//! against OpenClaw's schema where it defines them; the other shapes are OpenClaw 2026.9's as a
//! real gateway answered them.
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
use serde_json::json;
use std::time::Duration;
use tidepool_testkit::Script;

#[tokio::test]
async fn chat_inject_writes_a_note_the_model_never_sees() {
    let s = Schemas::new();
    let f = fake().await;
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    turn(&mut c, "main", "hi").await;
    let params = json!({ "sessionKey": "main", "message": "Deploy finished", "label": "ops" });
    s.check("/definitions/ChatInjectParams", &params);
    let r = c.ok("chat.inject", params).await;
    assert_eq!(r["ok"], true);
    let id = r["messageId"].as_str().unwrap().to_owned();
    let run = format!("inject-{id}");
    let ev = c
        .event(|e| e["event"] == "chat" && e["payload"]["runId"] == run.as_str())
        .await;
    s.frame(&ev);
    s.check("/definitions/ChatFinalEvent", &ev["payload"]);
    assert_eq!(ev["payload"]["sessionKey"], "agent:main:main");
    assert_eq!(
        ev["payload"]["message"]["content"][0]["text"],
        "[ops]\n\nDeploy finished"
    );
    c.event(|e| e["event"] == "sessions.changed" && e["payload"]["reason"] == "inject")
        .await;
    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    let note = h["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(note["id"], id.as_str());
    assert_eq!(note["role"], "assistant");
    assert_eq!(note["provider"], "openclaw");
    assert_eq!(note["model"], "gateway-injected");
    assert_eq!(note["stopReason"], "stop");
    // The next turn's prompt leaves the note out.
    turn(&mut c, "main", "next").await;
    let body = f.requests().last().unwrap().body.to_string();
    assert!(
        body.contains("next") && !body.contains("Deploy finished"),
        "{body}"
    );
    let nolabel = c
        .ok(
            "chat.inject",
            json!({ "sessionKey": "main", "message": "plain note" }),
        )
        .await;
    let plain = c
        .ok(
            "chat.message.get",
            json!({ "sessionKey": "main", "messageId": nolabel["messageId"] }),
        )
        .await;
    assert_eq!(plain["message"]["content"][0]["text"], "plain note");

    // chat.message.get: the message as chat.history shows it, cut on request.
    let get = json!({ "sessionKey": "main", "messageId": id });
    s.check("/definitions/ChatMessageGetParams", &get);
    let got = c.ok("chat.message.get", get).await;
    s.check("/definitions/ChatMessageGetResult", &got);
    assert_eq!(got, json!({ "ok": true, "message": note }));
    let cut = c
        .ok(
            "chat.message.get",
            json!({ "sessionKey": "main", "messageId": id, "maxChars": 4 }),
        )
        .await;
    assert_eq!(cut["message"]["content"][0]["text"], "[ops…");
    for params in [
        json!({ "sessionKey": "main", "messageId": "01NOPE" }),
        json!({ "sessionKey": "never-used", "messageId": id }),
    ] {
        let r = c.ok("chat.message.get", params).await;
        s.check("/definitions/ChatMessageGetResult", &r);
        assert_eq!(r, json!({ "ok": false, "unavailableReason": "not_found" }));
    }
    let r = c
        .call(
            "chat.message.get",
            json!({ "sessionKey": "main", "agentId": "ghost", "messageId": id }),
        )
        .await;
    refused(&r, "unknown agent \"ghost\"");
    assert_eq!(r["error"]["details"]["code"], "UNKNOWN_AGENT_ID");
    let r = c
        .call(
            "chat.message.get",
            json!({ "sessionKey": "main", "messageId": id, "maxChars": 0 }),
        )
        .await;
    refused(&r, "maxChars must be 1 to 2000000");

    // The note counts as an assistant message of provider openclaw, at no cost.
    let u = c.ok("sessions.usage", json!({ "key": "main" })).await;
    let mu = &u["sessions"][0]["usage"];
    assert_eq!(mu["messageCounts"]["assistant"], 4);
    let injected = mu["modelUsage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "gateway-injected")
        .unwrap();
    assert_eq!(injected["provider"], "openclaw");
    assert_eq!(injected["count"], 2);
    assert_eq!(injected["totals"]["totalCost"], 0.0);
    assert_eq!(mu["latency"]["count"], 2, "notes have no reply time");

    // Refusals.
    for (params, want) in [
        (
            json!({ "sessionKey": "never-used", "message": "x" }),
            "session agent:main:never-used not found",
        ),
        (
            json!({ "sessionKey": "main", "message": "" }),
            "message must not be empty",
        ),
        (
            json!({ "sessionKey": "main", "message": "x", "label": "l".repeat(101) }),
            "label is longer than 100 characters",
        ),
        (
            json!({ "sessionKey": "main", "message": "x", "extra": 1 }),
            "unknown field `extra`",
        ),
        (
            json!({ "sessionKey": "main", "message": "x", "agentId": "ghost" }),
            "unknown agent \"ghost\"",
        ),
    ] {
        let r = c.call("chat.inject", params).await;
        s.frame(&r);
        refused(&r, want);
    }
    assert!(
        !s.errors(
            "/definitions/ChatInjectParams",
            &json!({ "sessionKey": "main", "message": "" })
        )
        .is_empty()
    );
    // Injecting needs admin; reading a message needs read.
    let mut rw = scoped(&gw, &["operator.read", "operator.write"]).await;
    let r = request(
        &mut rw,
        "i1",
        "chat.inject",
        json!({ "sessionKey": "main", "message": "x" }),
    )
    .await;
    missing_scope(&r, "operator.admin");
    let r = request(
        &mut rw,
        "i2",
        "chat.message.get",
        json!({ "sessionKey": "main", "messageId": id }),
    )
    .await;
    assert_eq!(r["ok"], true, "{r}");
    let mut none = scoped(&gw, &[]).await;
    for (i, m) in ["chat.message.get", "chat.metadata", "chat.startup"]
        .iter()
        .enumerate()
    {
        let r = request(
            &mut none,
            &format!("n{i}"),
            m,
            json!({ "sessionKey": "main", "messageId": id }),
        )
        .await;
        missing_scope(&r, "operator.read");
    }
}

#[tokio::test]
async fn chat_metadata_and_startup_describe_the_chat_view() {
    let s = Schemas::new();
    let f = fake().await;
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    turn(&mut c, "main", "hi").await;

    s.check("/definitions/ChatMetadataParams", &json!({}));
    let m = c.ok("chat.metadata", json!({})).await;
    let model = &m["models"][0];
    assert_eq!(model["id"], "fake-model");
    assert_eq!(model["provider"], "fake");
    assert_eq!(model["contextWindow"], 100_000);
    assert_eq!(model["tags"], json!(["default"]));
    assert_eq!(model["available"], true);
    assert_eq!(model["thinkingDefault"], "off");
    assert_eq!(m["commands"], json!([]));
    assert_eq!(m["swarmEnabled"], false);
    assert_eq!(m["accountSelection"]["kind"], "automatic");
    assert!(m.get("runtimeSelectionLocked").is_none());
    let with_key = json!({ "sessionKey": "main" });
    s.check("/definitions/ChatMetadataParams", &with_key);
    let m = c.ok("chat.metadata", with_key).await;
    assert_eq!(m["runtimeSelectionLocked"], false);
    let r = c.call("chat.metadata", json!({ "agentId": "ghost" })).await;
    refused(&r, "unknown agent \"ghost\"");
    let r = c.call("chat.metadata", json!({ "label": "x" })).await;
    refused(&r, "unknown field `label`");

    // With a session key: chat.history's answer plus the metadata.
    let st = c
        .ok("chat.startup", json!({ "sessionKey": "main", "limit": 1 }))
        .await;
    assert_eq!(st["sessionKey"], "agent:main:main");
    assert_eq!(st["messages"].as_array().unwrap().len(), 1);
    assert_eq!(st["messages"][0]["role"], "assistant");
    assert_eq!(st["metadata"]["models"][0]["id"], "fake-model");
    assert_eq!(st["metadata"]["runtimeSelectionLocked"], false);
    let empty = c.ok("chat.startup", json!({ "sessionKey": "fresh" })).await;
    assert_eq!(empty["messages"], json!([]));

    // With a short id: the session whose key ends in a UUID starting with it.
    let key = "dashboard:0f8e4c1a-2b3c-4d5e-8f90-123456789abc";
    c.ok("sessions.create", json!({ "key": key })).await;
    let st = c
        .ok(
            "chat.startup",
            json!({ "shortId": "0F8E4C1A", "agentId": "main" }),
        )
        .await;
    assert_eq!(st["resolution"]["ok"], true, "{st}");
    assert_eq!(st["resolution"]["key"], format!("agent:main:{key}"));
    assert_eq!(st["sessionKey"], format!("agent:main:{key}"));
    assert_eq!(st["messages"], json!([]));
    let miss = c
        .ok(
            "chat.startup",
            json!({ "shortId": "deadbeef", "agentId": "main" }),
        )
        .await;
    assert_eq!(miss, json!({ "resolution": { "ok": false } }));
    for (params, want) in [
        (
            json!({ "shortId": "xyz", "agentId": "main" }),
            "shortId must be 8-32 hexadecimal characters",
        ),
        (
            json!({ "shortId": "0f8e4c1a" }),
            "agentId is required with shortId",
        ),
        (
            json!({ "shortId": "0f8e4c1a", "agentId": "ghost" }),
            "unknown agent \"ghost\"",
        ),
        (json!({}), "sessionKey is required"),
        (
            json!({ "sessionKey": "main", "shortId": "0f8e4c1a" }),
            "not both",
        ),
    ] {
        let r = c.call("chat.startup", params).await;
        s.frame(&r);
        refused(&r, want);
    }
}

#[tokio::test]
async fn chat_message_get_says_oversized_past_the_frame_limit() {
    let s = Schemas::new();
    let f = fake().await;
    let big = "x".repeat(70_000);
    f.push(Script::text(&[&big]));
    let cfg =
        config(&f, "openai-completions").replacen('{', "{ gateway: { maxPayload: 65536 },", 1);
    let gw = gateway().config(&cfg).start().await;
    let mut c = Conn::open(&gw).await;
    turn(&mut c, "main", "write a lot").await;
    let h = c
        .ok(
            "chat.history",
            json!({ "sessionKey": "main", "maxChars": 10 }),
        )
        .await;
    let id = h["messages"][1]["id"].as_str().unwrap().to_owned();
    let r = c
        .ok(
            "chat.message.get",
            json!({ "sessionKey": "main", "messageId": id }),
        )
        .await;
    s.check("/definitions/ChatMessageGetResult", &r);
    assert_eq!(r, json!({ "ok": false, "unavailableReason": "oversized" }));
    let r = c
        .ok(
            "chat.message.get",
            json!({ "sessionKey": "main", "messageId": id, "maxChars": 1000 }),
        )
        .await;
    assert_eq!(r["ok"], true);
    assert_eq!(
        r["message"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        1001
    );
}

#[tokio::test]
async fn agent_answers_accepted_then_the_run_s_result_with_the_same_id() {
    // OpenClaw's `openclaw agent` waits for this second response.
    let f = fake().await;
    f.push(Script::text(&["The answer ", "is 42"]));
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let (mut ws, _) = gw.authed().await;
    let params = json!({ "message": "hi", "sessionKey": "agent:main:main", "idempotencyKey": "k-1", "timeout": 60 });
    send(
        &mut ws,
        &json!({ "type": "req", "id": "a1", "method": "agent", "params": params }),
    )
    .await;
    let mut answers = Vec::new();
    while answers.len() < 2 {
        let v = tokio::time::timeout(Duration::from_secs(20), next_response(&mut ws))
            .await
            .expect("no answer in 20 s")
            .expect("closed");
        if v["id"] == "a1" {
            answers.push(v);
        }
    }
    assert_eq!(
        answers[0]["payload"]["status"], "accepted",
        "{:?}",
        answers[0]
    );
    let done = &answers[1]["payload"];
    assert_eq!(done["status"], "ok", "{done}");
    assert_eq!(done["runId"], answers[0]["payload"]["runId"]);
    assert_eq!(done["result"]["payloads"][0]["text"], "The answer is 42");
    assert!(
        done["result"]["meta"]["agentMeta"]["usage"]["output"]
            .as_u64()
            .is_some(),
        "{done}"
    );

    // A failing run's second answer is the error.
    f.push(Script::status(401, "invalid api key"));
    let params = json!({ "message": "again", "sessionKey": "agent:main:main", "idempotencyKey": "k-2", "timeout": 60 });
    send(
        &mut ws,
        &json!({ "type": "req", "id": "a2", "method": "agent", "params": params }),
    )
    .await;
    let mut answers = Vec::new();
    while answers.len() < 2 {
        let v = tokio::time::timeout(Duration::from_secs(30), next_response(&mut ws))
            .await
            .expect("no answer in 30 s")
            .expect("closed");
        if v["id"] == "a2" {
            answers.push(v);
        }
    }
    assert_eq!(answers[0]["ok"], true);
    assert_eq!(answers[1]["ok"], false, "{:?}", answers[1]);
    assert_eq!(answers[1]["error"]["code"], "UNAVAILABLE");
}
