//! Integration tests of the fake provider over real HTTP: exact frames of both wire formats.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "fake/anthropic.rs"]
mod anthropic;
#[path = "fake/binary.rs"]
mod binary;
#[path = "fake/openai.rs"]
mod openai;

use std::time::Duration;

use serde_json::Value;
use tidepool_testkit::{FakeOptions, FakeProvider};

pub const KEY: &str = "sk-test-123";

/// A fake requiring `KEY`, with the default models.
pub async fn start() -> FakeProvider {
    FakeProvider::start(FakeOptions {
        api_key: Some(KEY.to_owned()),
        ..FakeOptions::default()
    })
    .await
    .expect("fake provider starts")
}

/// A reqwest client that never goes through a proxy.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// Replaces the digits after each marker with `N` (ids, timestamps, prompt token counts).
pub fn scrub(text: &str) -> String {
    const MARKERS: [&str; 7] = [
        "chatcmpl-fake",
        "msg_fake",
        "req_fake",
        "\"created\":",
        "\"prompt_tokens\":",
        "\"total_tokens\":",
        "\"input_tokens\":",
    ];
    let mut out = text.to_owned();
    for marker in MARKERS {
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(marker) {
            let end = pos + marker.len();
            result.push_str(&rest[..end]);
            rest = rest[end..].trim_start_matches(|c: char| c.is_ascii_digit());
            result.push('N');
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// The JSON of each `data:` line of an SSE body (skipping `[DONE]`).
pub fn data_lines(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).expect("data line is JSON"))
        .collect()
}

/// Reads a streamed body chunk by chunk until it ends or fails: (text so far, whether it failed).
pub async fn read_until_end(mut resp: reqwest::Response) -> (String, bool) {
    let mut text = String::new();
    loop {
        match resp.chunk().await {
            Ok(Some(bytes)) => text.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(None) => return (text, false),
            Err(_) => return (text, true),
        }
    }
}

/// Reads chunks until the text read contains `needle`.
pub async fn read_until(resp: &mut reqwest::Response, text: &mut String, needle: &str) {
    while !text.contains(needle) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("chunk in time")
            .expect("chunk read")
            .expect("stream not over");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn wait_requests_returns_when_enough_arrived_and_on_timeout() {
    let fake = start().await;
    let url = format!("{}/models", fake.openai_base_url());
    let waiter = tokio::spawn({
        let client = client();
        async move {
            client
                .get(url)
                .bearer_auth(KEY)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    let got = fake.wait_requests(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "GET");
    assert_eq!(got[0].path, "/v1/models");
    assert_eq!(got[0].header("authorization"), Some("Bearer sk-test-123"));
    assert_eq!(got[0].body, Value::Null);
    assert_eq!(waiter.await.expect("join").expect("request"), 200);
    let short = fake.wait_requests(2, Duration::from_millis(50)).await;
    assert_eq!(short.len(), 1, "times out with what it has");
}

#[tokio::test]
async fn unknown_paths_get_the_providers_404() {
    let fake = start().await;
    let resp = client()
        .get(format!("{}/v1/nope", fake.anthropic_base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(
        resp.text().await.expect("body"),
        r#"{"error":{"message":"Invalid URL (GET /v1/nope)","type":"invalid_request_error","param":null,"code":null}}"#
    );
    assert_eq!(fake.requests().len(), 1);
}
