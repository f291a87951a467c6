//! When a reply fails, against the real gateway process: model fallbacks (when the primary
//! fails before anything streamed, the agent's `fallbacks` are tried in order, unresolvable
//! ones skipped, the switch announced) and `chat.retry` (the last message runs again without
//! being repeated in the transcript).
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

fn fallback_config(base: &str) -> String {
    // `bad` is the same server with a wrong key (401); `ghost` is not a provider at all.
    format!(
        "{{ agents: {{ defaults: {{ workspace: 'ws', model: {{ primary: 'bad/fake-model', fallbacks: ['ghost/x', 'fake/fake-model'] }} }} }},
           models: {{ providers: {{
             bad: {{ baseUrl: '{base}', apiKey: 'sk-wrong', api: 'openai-completions' }},
             fake: {{ baseUrl: '{base}', apiKey: '{KEY}', api: 'openai-completions' }} }} }} }}"
    )
}

#[tokio::test]
async fn a_failing_primary_falls_back_to_the_next_model_that_resolves() {
    let s = Schemas::new();
    let f = fake().await;
    f.push(Script::text(&["from ", "the fallback"]));
    let gw = gateway()
        .config(&fallback_config(&f.openai_base_url()))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let run = c.ok("chat.send", send_params("main", "hi")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    let last = &events.last().unwrap()["payload"];
    assert_eq!(last["state"], "final", "{last}");
    assert_eq!(last["message"]["model"], "fake-model");
    assert_eq!(last["message"]["provider"], "fake");
    let fallback = c
        .event(|e| e["event"] == "agent" && e["payload"]["data"]["phase"] == "fallback")
        .await;
    s.check("/definitions/AgentEvent", &fallback["payload"]);
    let data = &fallback["payload"]["data"];
    assert_eq!(data["from"], "bad/fake-model");
    assert_eq!(data["to"], "fake/fake-model");
    assert_eq!(data["errorKind"], "auth");
    assert!(!data.to_string().contains("sk-wrong"), "{data}");
    let reqs = f.wait_requests(2, Duration::from_secs(5)).await;
    let keys: Vec<_> = reqs
        .iter()
        .map(|r| r.headers["authorization"].clone())
        .collect();
    assert_eq!(
        keys,
        ["Bearer sk-wrong".to_owned(), format!("Bearer {KEY}")]
    );
    // The history keeps one assistant reply, by the model that answered.
    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    let msgs = h["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "{h}");
    assert_eq!(msgs[1]["provider"], "fake");
    assert!(msgs[1].get("status").is_none(), "{h}");
}

#[tokio::test]
async fn when_every_model_fails_the_error_is_the_last_ones() {
    let f = fake().await;
    f.push(Script::status(404, "The model `fake-model` does not exist"));
    let gw = gateway()
        .config(&fallback_config(&f.openai_base_url()))
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
    let msg = err["errorMessage"].as_str().unwrap();
    assert!(msg.contains("has no model \"fake-model\""), "{msg}");
    assert_eq!(f.requests().len(), 2);
}

#[tokio::test]
async fn retry_runs_the_last_message_again_without_repeating_it() {
    let f = fake().await;
    f.push(Script::status(401, "Incorrect API key provided"));
    f.push(Script::text(&["second ", "time lucky"]));
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    // Nothing to retry yet, and a retry needs an idempotency key like a send.
    let r = c
        .call(
            "chat.retry",
            json!({ "sessionKey": "main", "idempotencyKey": "r0" }),
        )
        .await;
    assert_eq!(r["ok"], false);
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("has no message to retry"), "{msg}");
    let r = c
        .call(
            "chat.retry",
            json!({ "sessionKey": "main", "idempotencyKey": "" }),
        )
        .await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("idempotencyKey")
    );

    let run = c.ok("chat.send", send_params("main", "what is up")).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        c.run_events(&run).await.last().unwrap()["payload"]["state"],
        "error"
    );
    let ack = c
        .ok(
            "chat.retry",
            json!({ "sessionKey": "main", "idempotencyKey": "r1" }),
        )
        .await;
    assert_eq!(ack["status"], "started");
    let run = ack["runId"].as_str().unwrap().to_owned();
    let last = c.run_events(&run).await.pop().unwrap();
    assert_eq!(last["payload"]["state"], "final", "{last}");
    // The model saw the question once, and not the failed reply.
    let reqs = f.wait_requests(2, Duration::from_secs(5)).await;
    let sent = &reqs[1].body["messages"];
    let roles: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user"], "{sent}");
    assert_eq!(sent[1]["content"], "what is up");
    // The transcript: the question once, the failure kept as it happened, then the answer.
    let h = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    let msgs = h["messages"].as_array().unwrap();
    let shape: Vec<(&str, &str)> = msgs
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap(),
                m.get("status")
                    .and_then(|s| s.as_str())
                    .unwrap_or("complete"),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("user", "complete"),
            ("assistant", "error"),
            ("assistant", "complete")
        ]
    );
    assert_eq!(msgs[2]["content"][0]["text"], "second time lucky");
}
