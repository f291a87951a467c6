//! OpenAI Chat Completions frames.

use std::time::Duration;

use serde_json::{Value, json};
use tidepool_testkit::{FakeOptions, FakeProvider, Script, ToolCall};

use crate::{KEY, client, data_lines, read_until, read_until_end, scrub, start};

/// One expected `data:` line (after `scrub`) with one choice.
fn chunk(delta: &str, finish: &str, with_usage: bool) -> String {
    let usage = if with_usage { r#","usage":null"# } else { "" };
    format!(
        "data: {{\"id\":\"chatcmpl-fakeN\",\"object\":\"chat.completion.chunk\",\"created\":N,\"model\":\"fake-model\",\"system_fingerprint\":\"fp_fake0001\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finish}}}]{usage}}}\n\n"
    )
}

async fn post(fake: &FakeProvider, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/chat/completions", fake.openai_base_url()))
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .expect("send")
}

fn streaming(text: &str) -> Value {
    json!({"model": "fake-model", "stream": true, "messages": [{"role": "user", "content": text}]})
}

#[tokio::test]
async fn streams_text_with_usage_and_done() {
    let fake = start().await;
    fake.push(Script::text(&["Hel", "lo"]));
    let mut body = streaming("hi");
    body["stream_options"] = json!({"include_usage": true});
    let resp = post(&fake, body).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    let text = scrub(&resp.text().await.expect("body"));
    let expected = [
        chunk(r#"{"role":"assistant","content":"","refusal":null}"#, "null", true),
        chunk(r#"{"content":"Hel"}"#, "null", true),
        chunk(r#"{"content":"lo"}"#, "null", true),
        chunk("{}", r#""stop""#, true),
        "data: {\"id\":\"chatcmpl-fakeN\",\"object\":\"chat.completion.chunk\",\"created\":N,\"model\":\"fake-model\",\"system_fingerprint\":\"fp_fake0001\",\"choices\":[],\"usage\":{\"prompt_tokens\":N,\"completion_tokens\":2,\"total_tokens\":N,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n".to_owned(),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    assert_eq!(text, expected);
}

#[tokio::test]
async fn default_reply_echoes_last_user_text_in_three_chunks() {
    let fake = start().await;
    let body = json!({"model": "fake-model", "stream": true, "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "hi there"}]},
        {"role": "tool", "tool_call_id": "c", "content": "not user text"}
    ]});
    let text = post(&fake, body).await.text().await.expect("body");
    assert!(!text.contains("usage"), "no usage without stream_options");
    let deltas: Vec<String> = data_lines(&text)
        .iter()
        .filter_map(|d| {
            d["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(deltas.len(), 3);
    assert_eq!(deltas.concat(), "echo: hi there");
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn streams_tool_calls_with_split_arguments() {
    let fake = start().await;
    fake.push(Script::ToolCalls {
        text: None,
        calls: vec![
            ToolCall::new("call_1", "get_weather", json!({"city": "Paris"})),
            ToolCall::new("call_2", "ls", json!({})),
        ],
    });
    let raw = post(&fake, streaming("weather?"))
        .await
        .text()
        .await
        .expect("body");
    let text = scrub(&raw);
    let first = chunk(
        r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
        "null",
        false,
    );
    assert!(text.starts_with(&first), "{text}");
    let second = chunk(
        r#"{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"ls","arguments":""}}]}"#,
        "null",
        false,
    );
    assert!(text.contains(&second), "{text}");
    assert!(
        text.ends_with(
            &[
                chunk("{}", r#""tool_calls""#, false),
                "data: [DONE]\n\n".to_owned()
            ]
            .concat()
        )
    );
    let mut args = [String::new(), String::new()];
    let mut fragments = 0;
    for data in data_lines(&raw) {
        for call in data["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let index = call["index"].as_u64().expect("index") as usize;
            let part = call["function"]["arguments"].as_str().expect("arguments");
            if call.get("id").is_none() {
                assert!(call.get("type").is_none() && call["function"].get("name").is_none());
                fragments += 1;
            }
            args[index].push_str(part);
        }
    }
    assert!(fragments >= 4, "arguments come in several deltas");
    assert_eq!(
        serde_json::from_str::<Value>(&args[0]).expect("json"),
        json!({"city": "Paris"})
    );
    assert_eq!(args[1], "{}");
}

#[tokio::test]
async fn text_then_tool_call_keeps_role_chunk_first() {
    let fake = start().await;
    fake.push(Script::ToolCalls {
        text: Some("Let me look.".into()),
        calls: vec![ToolCall::new("c9", "read", json!({"p": 1}))],
    });
    let text = scrub(
        &post(&fake, streaming("x"))
            .await
            .text()
            .await
            .expect("body"),
    );
    let start = [
        chunk(r#"{"role":"assistant","content":"","refusal":null}"#, "null", false),
        chunk(r#"{"content":"Let me look."}"#, "null", false),
        chunk(r#"{"tool_calls":[{"index":0,"id":"c9","type":"function","function":{"name":"read","arguments":""}}]}"#, "null", false),
    ]
    .concat();
    assert!(text.starts_with(&start), "{text}");
}

#[tokio::test]
async fn non_streaming_returns_chat_completion_objects() {
    let fake = start().await;
    fake.push(Script::text(&["sum", "mary"]));
    fake.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new("c1", "ls", json!({"a": [1]}))],
    });
    let request =
        json!({"model": "fake-large", "messages": [{"role": "user", "content": "summarize"}]});
    let resp = post(&fake, request.clone()).await;
    assert_eq!(resp.headers()["content-type"], "application/json");
    let text = scrub(&resp.text().await.expect("body"));
    assert_eq!(
        text,
        r#"{"id":"chatcmpl-fakeN","object":"chat.completion","created":N,"model":"fake-large","choices":[{"index":0,"message":{"role":"assistant","content":"summary","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":N,"completion_tokens":2,"total_tokens":N,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fake0001"}"#
    );
    let tool: Value = post(&fake, request).await.json().await.expect("json");
    assert_eq!(
        tool["choices"][0],
        json!({"index": 0, "message": {"role": "assistant", "content": null, "refusal": null, "annotations": [],
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "ls", "arguments": "{\"a\":[1]}"}}]},
            "logprobs": null, "finish_reason": "tool_calls"})
    );
}

#[tokio::test]
async fn status_scripts_use_openai_error_shape_streaming_or_not() {
    let fake = start().await;
    let cases = [
        (429, Some(7), "requests", r#""rate_limit_exceeded""#),
        (500, None, "server_error", "null"),
        (503, None, "server_error", "null"),
        (400, None, "invalid_request_error", "null"),
    ];
    for (stream, (status, retry_after, kind, code)) in [true, false]
        .into_iter()
        .flat_map(|s| cases.map(|c| (s, c)))
    {
        fake.push(Script::Status {
            status,
            retry_after,
            message: "nope".into(),
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
        assert_eq!(
            resp.text().await.expect("body"),
            format!(
                r#"{{"error":{{"message":"nope","type":"{kind}","param":null,"code":{code}}}}}"#
            )
        );
    }
}

#[tokio::test]
async fn auth_and_unknown_model_errors() {
    let fake = start().await;
    let url = format!("{}/chat/completions", fake.openai_base_url());
    let missing = client()
        .post(&url)
        .json(&streaming("x"))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status().as_u16(), 401);
    let err: Value = missing.json().await.expect("json");
    assert_eq!(err["error"]["type"], "invalid_request_error");
    assert_eq!(err["error"]["code"], Value::Null);
    assert!(
        err["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("You didn't provide an API key.")
    );

    let wrong = client()
        .post(&url)
        .bearer_auth("sk-wrong")
        .json(&streaming("x"))
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status().as_u16(), 401);
    let err: Value = wrong.json().await.expect("json");
    assert_eq!(err["error"]["code"], "invalid_api_key");
    assert_eq!(err["error"]["param"], Value::Null);

    let unknown = post(
        &fake,
        json!({"model": "gpt-nope", "stream": true, "messages": []}),
    )
    .await;
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(
        unknown.text().await.expect("body"),
        r#"{"error":{"message":"The model `gpt-nope` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#
    );
    // Refused requests consumed no script: the queued one still answers the next request.
    fake.push(Script::text(&["kept"]));
    let ok = post(&fake, streaming("x"))
        .await
        .text()
        .await
        .expect("body");
    assert!(ok.contains(r#"{"content":"kept"}"#));
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn cut_stream_drops_the_connection_after_the_deltas() {
    let fake = start().await;
    fake.push(Script::CutAfter {
        chunks: vec!["par".into(), "tial".into()],
    });
    let resp = post(&fake, streaming("x")).await;
    assert_eq!(resp.status().as_u16(), 200);
    let (text, failed) = read_until_end(resp).await;
    assert!(failed, "the body ends in an error, not a clean end");
    let text = scrub(&text);
    assert!(
        text.ends_with(&chunk(r#"{"content":"tial"}"#, "null", false)),
        "{text}"
    );
    assert!(!text.contains("finish_reason\":\"stop") && !text.contains("[DONE]"));

    fake.push(Script::CutAfter {
        chunks: vec!["x".into()],
    });
    let mut body = streaming("x");
    body["stream"] = json!(false);
    let (partial, failed) = read_until_end(post(&fake, body).await).await;
    assert!(
        failed && partial.starts_with("{\"id\":\"chatcmpl-fake"),
        "{partial}"
    );
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
    let bad: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]" && serde_json::from_str::<Value>(d).is_err())
        .collect();
    assert_eq!(bad.len(), 1, "{text}");
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn hold_waits_for_release_then_finishes() {
    let fake = start().await;
    fake.push(Script::Hold {
        chunks: vec!["wait".into()],
    });
    let mut resp = post(&fake, streaming("x")).await;
    let mut text = String::new();
    read_until(&mut resp, &mut text, r#"{"content":"wait"}"#).await;
    let more = tokio::time::timeout(Duration::from_millis(300), resp.chunk()).await;
    assert!(more.is_err(), "nothing more before release: {more:?}");
    fake.release_hold();
    let (rest, failed) = read_until_end(resp).await;
    assert!(!failed);
    let rest = scrub(&rest);
    assert_eq!(
        rest,
        [
            chunk("{}", r#""stop""#, false),
            "data: [DONE]\n\n".to_owned()
        ]
        .concat()
    );
}

#[tokio::test]
async fn models_list_and_its_401() {
    let fake = FakeProvider::start(FakeOptions {
        api_key: Some(KEY.into()),
        models: vec!["m1".into(), "m2".into()],
        ..FakeOptions::default()
    })
    .await
    .expect("start");
    let url = format!("{}/models", fake.openai_base_url());
    let resp = client()
        .get(&url)
        .bearer_auth(KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.text().await.expect("body"),
        r#"{"object":"list","data":[{"id":"m1","object":"model","created":1700000000,"owned_by":"tidepool-fake"},{"id":"m2","object":"model","created":1700000000,"owned_by":"tidepool-fake"}]}"#
    );
    let refused = client().get(&url).send().await.expect("send");
    assert_eq!(refused.status().as_u16(), 401);
    let default = FakeProvider::start(FakeOptions::default())
        .await
        .expect("start");
    let open: Value = client()
        .get(format!("{}/models", default.openai_base_url()))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(open["data"][0]["id"], "fake-model");
    assert_eq!(open["data"][1]["id"], "fake-large");
}

#[tokio::test]
async fn records_every_request() {
    let fake = start().await;
    let body = streaming("recorded?");
    let _ = post(&fake, body.clone()).await.text().await.expect("body");
    let got = fake.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].path, "/v1/chat/completions");
    assert_eq!(got[0].header("authorization"), Some("Bearer sk-test-123"));
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert_eq!(got[0].body, body);
}
