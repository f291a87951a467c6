//! The `fake-provider` binary: ready line, env options, magic prompts, stdin close and SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::{KEY, client};

/// Starts the binary and returns it with the port from its ready line.
async fn spawn() -> (Child, u16) {
    let mut child = tidepool_process::command(env!("CARGO_BIN_EXE_fake-provider"))
        .env("FAKE_PROVIDER_API_KEY", KEY)
        .env("FAKE_PROVIDER_MODELS", "m-a, m-b")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn fake-provider");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("ready line in time")
    .expect("read ready line");
    assert!(line.ends_with('\n'), "one whole line: {line:?}");
    let ready: Value = serde_json::from_str(&line).expect("ready line is JSON");
    assert_eq!(ready.as_object().map(|o| o.len()), Some(1), "{line}");
    let port = ready["port"].as_u64().expect("port") as u16;
    assert_eq!(line, format!("{{\"port\":{port}}}\n"));
    (child, port)
}

async fn exits_cleanly(mut child: Child) {
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits in time")
        .expect("wait");
    assert!(status.success(), "{status}");
}

async fn openai(port: u16, messages: Value) -> Value {
    client()
        .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&json!({"model": "m-b", "messages": messages}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn binary_serves_magic_prompts_and_stops_when_stdin_closes() {
    let (mut child, port) = spawn().await;
    let models: Value = client()
        .get(format!("http://127.0.0.1:{port}/v1/models"))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = models["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(ids, ["m-a", "m-b"]);

    let ask =
        json!({"role": "user", "content": "please [[tool:read_file {\"path\": \"/tmp/x\"}]] now"});
    let first = openai(port, json!([ask])).await;
    let call = &first["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(first["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(call["function"]["name"], "read_file");
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().expect("arguments"))
            .expect("json");
    assert_eq!(args, json!({"path": "/tmp/x"}));
    let id = call["id"].as_str().expect("id");
    assert!(id.starts_with("call_fake_"), "{id}");

    let long = "x".repeat(300);
    let after = openai(
        port,
        json!([ask, {"role": "assistant", "content": null, "tool_calls": [call]},
               {"role": "tool", "tool_call_id": id, "content": long}]),
    )
    .await;
    assert_eq!(
        after["choices"][0]["message"]["content"],
        format!("done: {}", "x".repeat(200))
    );
    assert_eq!(after["choices"][0]["finish_reason"], "stop");

    let plain = openai(port, json!([{"role": "user", "content": "just talk"}])).await;
    assert_eq!(plain["choices"][0]["message"]["content"], "echo: just talk");

    // Anthropic streaming, with a tag without arguments.
    let text = client()
        .post(format!("http://127.0.0.1:{port}/v1/messages"))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .json(&json!({"model": "m-a", "max_tokens": 64, "stream": true,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "[[tool:ls]]"}]}]}))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("body");
    assert!(
        text.contains(r#""content_block":{"type":"tool_use","id":"toolu_fake_"#),
        "{text}"
    );
    assert!(text.contains(r#""name":"ls","input":{}}}"#), "{text}");
    assert!(text.contains(r#""stop_reason":"tool_use""#), "{text}");

    drop(child.stdin.take());
    exits_cleanly(child).await;
}

#[cfg(unix)]
#[tokio::test]
async fn binary_stops_on_sigterm() {
    let (child, _port) = spawn().await;
    let pid = child.id().expect("pid");
    let kill = tidepool_process::command("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .expect("kill");
    assert!(kill.success());
    exits_cleanly(child).await;
}

async fn openai_status(port: u16, text: &str) -> (u16, Value) {
    let r = client()
        .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&json!({"model": "m-b", "messages": [{"role": "user", "content": text}]}))
        .send()
        .await
        .expect("send");
    (r.status().as_u16(), r.json().await.expect("json"))
}

#[tokio::test]
async fn status_and_fail_once_tags_answer_errors_in_the_providers_format() {
    let (child, port) = spawn().await;
    // [[status:…]] fails every time, with the message in OpenAI's error shape.
    for _ in 0..2 {
        let (code, body) = openai_status(port, "go [[status:400 model refused]]").await;
        assert_eq!(code, 400, "{body}");
        assert_eq!(body["error"]["message"], "model refused", "{body}");
    }
    // [[fail-once:…]] fails the first time this text is seen, then replies.
    let text = "again [[fail-once:503 overloaded]]";
    let (code, body) = openai_status(port, text).await;
    assert_eq!(code, 503, "{body}");
    let (code, body) = openai_status(port, text).await;
    assert_eq!(code, 200, "{body}");
    let reply = body["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or("");
    assert!(reply.starts_with("echo: again"), "{body}");
    // A malformed tag is ignored: the usual echo.
    let (code, _) = openai_status(port, "[[status:abc nope]]").await;
    assert_eq!(code, 200);
    drop(child);
}

#[tokio::test]
async fn a_hold_tag_streams_the_first_part_and_waits_for_the_client_to_leave() {
    let (child, port) = spawn().await;
    let r = client()
        .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&json!({"model": "m-b", "stream": true, "messages": [{"role": "user", "content": "wait [[hold]]"}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let mut r = r;
    let first = tokio::time::timeout(Duration::from_secs(5), async {
        let mut all = String::new();
        while !all.contains("echo") {
            let c = r
                .chunk()
                .await
                .expect("read")
                .expect("a chunk before the hold");
            all.push_str(&String::from_utf8_lossy(&c));
        }
        all
    })
    .await
    .expect("the first part in time");
    assert!(!first.contains("[DONE]"), "{first}");
    // Nothing more comes: the stream is held (not finished) until the client goes.
    let more = tokio::time::timeout(Duration::from_millis(500), async {
        let mut all = String::new();
        while let Ok(Some(c)) = r.chunk().await {
            all.push_str(&String::from_utf8_lossy(&c));
            if all.contains("[DONE]") {
                return all;
            }
        }
        all
    })
    .await;
    assert!(more.is_err(), "the stream finished: {more:?}");
    drop(r);
    drop(child);
}
