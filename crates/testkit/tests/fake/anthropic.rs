//! Anthropic Messages frames.

use std::time::Duration;

use serde_json::{Value, json};
use tidepool_testkit::{FakeOptions, FakeProvider, Script, ToolCall};

use crate::{KEY, client, read_until, read_until_end, scrub, start};

const VERSION: &str = "2023-06-01";

/// One expected SSE event.
fn ev(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn message_start(model: &str) -> String {
    ev(
        "message_start",
        &format!(
            r#"{{"type":"message_start","message":{{"id":"msg_fakeN","type":"message","role":"assistant","model":"{model}","content":[],"stop_reason":null,"stop_sequence":null,"usage":{{"input_tokens":N,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}}}}"#
        ),
    )
}

fn text_start(index: u64) -> String {
    ev(
        "content_block_start",
        &format!(
            r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"text","text":""}}}}"#
        ),
    )
}

fn ping() -> String {
    ev("ping", r#"{"type":"ping"}"#)
}

fn text_delta(index: u64, text: &str) -> String {
    ev(
        "content_block_delta",
        &format!(
            r#"{{"type":"content_block_delta","index":{index},"delta":{{"type":"text_delta","text":"{text}"}}}}"#
        ),
    )
}

fn block_stop(index: u64) -> String {
    ev(
        "content_block_stop",
        &format!(r#"{{"type":"content_block_stop","index":{index}}}"#),
    )
}

fn finish(stop_reason: &str, output_tokens: u64) -> String {
    [
        ev(
            "message_delta",
            &format!(
                r#"{{"type":"message_delta","delta":{{"stop_reason":"{stop_reason}","stop_sequence":null}},"usage":{{"output_tokens":{output_tokens}}}}}"#
            ),
        ),
        ev("message_stop", r#"{"type":"message_stop"}"#),
    ]
    .concat()
}

async fn post(fake: &FakeProvider, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/v1/messages", fake.anthropic_base_url()))
        .header("x-api-key", KEY)
        .header("anthropic-version", VERSION)
        .json(&body)
        .send()
        .await
        .expect("send")
}

fn streaming(text: &str) -> Value {
    json!({"model": "fake-model", "max_tokens": 1024, "stream": true, "messages": [{"role": "user", "content": text}]})
}

#[tokio::test]
async fn streams_text_events() {
    let fake = start().await;
    fake.push(Script::text(&["Hel", "lo"]));
    let resp = post(&fake, streaming("hi")).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    let text = scrub(&resp.text().await.expect("body"));
    let expected = [
        message_start("fake-model"),
        text_start(0),
        ping(),
        text_delta(0, "Hel"),
        text_delta(0, "lo"),
        block_stop(0),
        finish("end_turn", 2),
    ]
    .concat();
    assert_eq!(text, expected);
}

#[tokio::test]
async fn streams_tool_use_blocks_with_input_json_deltas() {
    let fake = start().await;
    fake.push(Script::ToolCalls {
        text: Some("Checking.".into()),
        calls: vec![
            ToolCall::new("toolu_1", "get_weather", json!({"city": "Paris"})),
            ToolCall::new("toolu_2", "ls", json!({})),
        ],
    });
    let text = scrub(
        &post(&fake, streaming("weather?"))
            .await
            .text()
            .await
            .expect("body"),
    );
    let tool_start = |index: u64, id: &str, name: &str| {
        ev(
            "content_block_start",
            &format!(
                r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"tool_use","id":"{id}","name":"{name}","input":{{}}}}}}"#
            ),
        )
    };
    let json_delta = |index: u64, partial: &str| {
        ev(
            "content_block_delta",
            &format!(
                r#"{{"type":"content_block_delta","index":{index},"delta":{{"type":"input_json_delta","partial_json":{}}}}}"#,
                Value::String(partial.into())
            ),
        )
    };
    let expected = [
        message_start("fake-model"),
        text_start(0),
        ping(),
        text_delta(0, "Checking."),
        block_stop(0),
        tool_start(1, "toolu_1", "get_weather"),
        json_delta(1, ""),
        json_delta(1, "{\"city"),
        json_delta(1, "\":\"Par"),
        json_delta(1, "is\"}"),
        block_stop(1),
        tool_start(2, "toolu_2", "ls"),
        json_delta(2, ""),
        json_delta(2, "{"),
        json_delta(2, "}"),
        block_stop(2),
        finish("tool_use", 7),
    ]
    .concat();
    assert_eq!(text, expected);
}

#[tokio::test]
async fn non_streaming_returns_message_objects() {
    let fake = start().await;
    fake.push(Script::text(&["sum", "mary"]));
    fake.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new("toolu_9", "ls", json!({"a": [1]}))],
    });
    let request = json!({"model": "fake-large", "max_tokens": 100, "messages": [{"role": "user", "content": "summarize"}]});
    let resp = post(&fake, request.clone()).await;
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(
        scrub(&resp.text().await.expect("body")),
        r#"{"id":"msg_fakeN","type":"message","role":"assistant","model":"fake-large","content":[{"type":"text","text":"summary"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":N,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}"#
    );
    let tool: Value = post(&fake, request).await.json().await.expect("json");
    assert_eq!(
        tool["content"],
        json!([{"type": "tool_use", "id": "toolu_9", "name": "ls", "input": {"a": [1]}}])
    );
    assert_eq!(tool["stop_reason"], "tool_use");
}

#[tokio::test]
async fn status_scripts_use_anthropic_error_shape_streaming_or_not() {
    let fake = start().await;
    let cases = [
        (429, Some(12), "rate_limit_error"),
        (500, None, "api_error"),
        (529, None, "overloaded_error"),
        (401, None, "authentication_error"),
        (404, None, "not_found_error"),
        (400, None, "invalid_request_error"),
    ];
    for (stream, (status, retry_after, kind)) in [true, false]
        .into_iter()
        .flat_map(|s| cases.map(|c| (s, c)))
    {
        fake.push(Script::Status {
            status,
            retry_after,
            message: "busy".into(),
        });
        let mut body = streaming("x");
        body["stream"] = json!(stream);
        let resp = post(&fake, body).await;
        assert_eq!(resp.status().as_u16(), status);
        assert_eq!(resp.headers()["content-type"], "application/json");
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .map(|v| v.to_str().expect("ascii").to_owned()),
            retry_after.map(|s| s.to_string())
        );
        assert!(
            resp.headers()["request-id"]
                .to_str()
                .expect("ascii")
                .starts_with("req_fake")
        );
        assert_eq!(
            scrub(&resp.text().await.expect("body")),
            format!(
                r#"{{"type":"error","error":{{"type":"{kind}","message":"busy"}},"request_id":"req_fakeN"}}"#
            )
        );
    }
}

#[tokio::test]
async fn auth_version_and_model_errors() {
    let fake = start().await;
    let url = format!("{}/v1/messages", fake.anthropic_base_url());
    let error = |resp: String| -> (String, String) {
        let v: Value = serde_json::from_str(&resp).expect("json");
        assert_eq!(v["type"], "error");
        (
            v["error"]["type"].as_str().expect("type").into(),
            v["error"]["message"].as_str().expect("message").into(),
        )
    };
    let missing = client()
        .post(&url)
        .header("anthropic-version", VERSION)
        .json(&streaming("x"))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status().as_u16(), 401);
    assert_eq!(
        error(missing.text().await.expect("body")).0,
        "authentication_error"
    );

    let wrong = client()
        .post(&url)
        .header("x-api-key", "nope")
        .header("anthropic-version", VERSION)
        .json(&streaming("x"));
    let wrong = wrong.send().await.expect("send");
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(
        error(wrong.text().await.expect("body")),
        ("authentication_error".into(), "invalid x-api-key".into())
    );

    let no_version = client()
        .post(&url)
        .header("x-api-key", KEY)
        .json(&streaming("x"))
        .send()
        .await
        .expect("send");
    assert_eq!(no_version.status().as_u16(), 400);
    assert_eq!(
        error(no_version.text().await.expect("body")),
        (
            "invalid_request_error".into(),
            "anthropic-version: header is required".into()
        )
    );

    let unknown = post(
        &fake,
        json!({"model": "claude-nope", "max_tokens": 5, "messages": []}),
    )
    .await;
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(
        error(unknown.text().await.expect("body")),
        ("not_found_error".into(), "model: claude-nope".into())
    );

    let no_max = post(&fake, json!({"model": "fake-model", "messages": []})).await;
    assert_eq!(no_max.status().as_u16(), 400);
    assert_eq!(
        error(no_max.text().await.expect("body")).1,
        "max_tokens: Field required"
    );
}

#[tokio::test]
async fn cut_stream_stops_before_the_final_events() {
    let fake = start().await;
    fake.push(Script::CutAfter {
        chunks: vec!["par".into(), "tial".into()],
    });
    let (text, failed) = read_until_end(post(&fake, streaming("x")).await).await;
    assert!(failed, "the body ends in an error");
    let expected = [
        message_start("fake-model"),
        text_start(0),
        ping(),
        text_delta(0, "par"),
        text_delta(0, "tial"),
    ]
    .concat();
    assert_eq!(scrub(&text), expected);
}

#[tokio::test]
async fn malformed_stream_has_a_data_line_that_is_not_json() {
    let fake = start().await;
    fake.push(Script::Malformed);
    let text = post(&fake, streaming("x"))
        .await
        .text()
        .await
        .expect("body");
    let bad = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| serde_json::from_str::<Value>(d).is_err())
        .count();
    assert_eq!(bad, 1, "{text}");
    assert!(text.starts_with("event: message_start\n"));
}

#[tokio::test]
async fn hold_waits_for_release_then_finishes() {
    let fake = start().await;
    fake.push(Script::Hold {
        chunks: vec!["wait".into()],
    });
    fake.push(Script::Hold {
        chunks: vec!["later".into()],
    });
    let mut resp = post(&fake, streaming("x")).await;
    let mut text = String::new();
    read_until(&mut resp, &mut text, "\"text\":\"wait\"").await;
    let more = tokio::time::timeout(Duration::from_millis(300), resp.chunk()).await;
    assert!(more.is_err(), "nothing more before release: {more:?}");
    fake.release_hold();
    let (rest, failed) = read_until_end(resp).await;
    assert!(!failed);
    assert_eq!(rest, [block_stop(0), finish("end_turn", 1)].concat());

    // A release given before the hold is reached is kept for it.
    fake.release_hold();
    let mut body = streaming("x");
    body["stream"] = json!(false);
    let full: Value = post(&fake, body).await.json().await.expect("json");
    assert_eq!(full["content"][0]["text"], "later");
}

#[tokio::test]
async fn default_reply_echoes_user_text_not_tool_results() {
    let fake = start().await;
    let body = json!({"model": "fake-model", "max_tokens": 10, "stream": true, "messages": [
        {"role": "user", "content": [{"type": "text", "text": "list files"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "ls", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a.txt"}]}
    ]});
    let text = post(&fake, body).await.text().await.expect("body");
    let deltas: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| v["delta"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(deltas.len(), 3);
    assert_eq!(deltas.concat(), "echo: list files");
}

#[tokio::test]
async fn models_list_in_anthropic_shape() {
    let fake = FakeProvider::start(FakeOptions {
        api_key: Some(KEY.into()),
        models: vec!["claude-fake-1".into()],
        ..FakeOptions::default()
    })
    .await
    .expect("start");
    let url = format!("{}/v1/models", fake.anthropic_base_url());
    let resp = client()
        .get(&url)
        .header("x-api-key", KEY)
        .header("anthropic-version", VERSION)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.text().await.expect("body"),
        r#"{"data":[{"type":"model","id":"claude-fake-1","display_name":"Claude Fake 1","created_at":"2025-01-01T00:00:00Z"}],"has_more":false,"first_id":"claude-fake-1","last_id":"claude-fake-1"}"#
    );
    let refused = client()
        .get(&url)
        .header("x-api-key", "bad")
        .header("anthropic-version", VERSION)
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status().as_u16(), 401);
    let err: Value = refused.json().await.expect("json");
    assert_eq!(err["error"]["type"], "authentication_error");
}
