//! `/healthz`, `/readyz` and `/metrics` on the gateway's own port: a real `tidepool gateway run`
//! scraped over HTTP, the scrape parsed by a Prometheus text parser; and the drain, with the
//! gateway library, where `/readyz` turns 503 while `/healthz` stays live.

// Helpers of a test file: a failed step is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::chat::{Conn, config, fake, turn};
use crate::common::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use tidepool_testkit::Script;

fn http() -> reqwest::Client {
    tidepool_gateway::providers::http_client().unwrap()
}

/// Every sample of a scrape, keyed by name and labels (`name{k="v",…}` with sorted labels).
fn samples(text: &str) -> HashMap<String, f64> {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("a valid Prometheus text scrape");
    let mut out = HashMap::new();
    for s in scrape.samples {
        let mut labels: Vec<_> = s
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        labels.sort();
        let key = if labels.is_empty() {
            s.metric.clone()
        } else {
            format!("{}{{{}}}", s.metric, labels.join(","))
        };
        let v = match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            prometheus_parse::Value::Histogram(h) => h.last().map(|b| b.count).unwrap_or(0.0),
            prometheus_parse::Value::Summary(_) => continue,
        };
        out.insert(key, v);
    }
    out
}

async fn scrape(gw: &Gw) -> HashMap<String, f64> {
    let r = http()
        .get(format!("http://127.0.0.1:{}/metrics", gw.port))
        .bearer_auth(gw.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    samples(&r.text().await.unwrap())
}

#[tokio::test]
async fn probes_answer_on_the_gateway_port_without_a_token_and_say_nothing_sensitive() {
    let gw = gateway().start().await;
    let base = format!("http://127.0.0.1:{}", gw.port);
    let r = http().get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({ "ok": true, "status": "live" }));

    let r = http().head(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "HEAD is a probe too");

    let r = http().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["ready"], true);
    assert_eq!(body["failing"], json!([]));
    let text = body.to_string();
    assert!(
        !text.contains(&gw.token()) && !text.contains(gw.state().to_str().unwrap()),
        "no token or path in a probe: {text}"
    );

    let r = http().get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("/healthz"));

    // The WebSocket on the same port still works beside them.
    let mut c = Conn::open(&gw).await;
    assert_eq!(c.ok("health", json!({})).await["ok"], true);
}

#[tokio::test]
async fn metrics_refuse_a_missing_or_wrong_token() {
    let gw = gateway().start().await;
    let url = format!("http://127.0.0.1:{}/metrics", gw.port);
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"tidepool\"");
    assert!(r.text().await.unwrap().contains("Authorization: Bearer"));

    let r = http()
        .get(&url)
        .bearer_auth("not-the-token-0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body = r.text().await.unwrap();
    assert!(body.contains("not this gateway's token"), "{body}");
    assert!(!body.contains("tidepool_"), "no figures without the token");
}

#[tokio::test]
async fn metrics_count_requests_runs_tokens_and_provider_errors() {
    let f = fake().await;
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    c.ok("status", json!({})).await;
    c.ok("status", json!({})).await;
    let refused = c.call("no.such.method", json!({})).await;
    assert_eq!(refused["ok"], false);

    f.push(Script::text(&["Hello ", "there"]));
    turn(&mut c, "main", "hi").await;
    f.push(Script::status(401, "invalid api key"));
    let run = c
        .ok(
            "chat.send",
            crate::common::chat::send_params("main", "again"),
        )
        .await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    assert_eq!(events.last().unwrap()["payload"]["state"], "error");

    let m = scrape(&gw).await;
    let get = |k: &str| {
        *m.get(k)
            .unwrap_or_else(|| panic!("no sample {k}; have {:?}", m.keys().collect::<Vec<_>>()))
    };
    assert_eq!(
        get("tidepool_rpc_request_duration_seconds_count{method=\"status\",outcome=\"ok\"}"),
        2.0
    );
    assert_eq!(
        get("tidepool_rpc_request_duration_seconds_count{method=\"unknown\",outcome=\"refused\"}"),
        1.0,
        "an unknown method is counted without its name"
    );
    assert!(!m.keys().any(|k| k.contains("no.such.method")));
    assert_eq!(get("tidepool_chat_runs_total{outcome=\"ok\"}"), 1.0);
    assert_eq!(get("tidepool_chat_runs_total{outcome=\"error\"}"), 1.0);
    assert_eq!(get("tidepool_chat_runs_active"), 0.0);
    assert!(get("tidepool_provider_tokens_total{kind=\"output\",provider=\"fake\"}") > 0.0);
    assert_eq!(
        get("tidepool_provider_errors_total{kind=\"auth\",provider=\"fake\"}"),
        1.0
    );
    assert!(get("tidepool_provider_last_success_timestamp_seconds{provider=\"fake\"}") > 1.7e9);
    assert_eq!(get("tidepool_connections_open"), 1.0);
    assert_eq!(get("tidepool_approvals_pending"), 0.0);
    assert!(get("process_resident_memory_bytes") > 1e6);
    assert!(m.contains_key("process_cpu_seconds_total"));

    // `status` carries the same figures for the desktop's Dashboard.
    let st = c.ok("status", json!({})).await;
    assert_eq!(
        (st["activeRuns"].as_u64(), st["runs"].as_u64()),
        (Some(0), Some(2)),
        "{st}"
    );
    assert_eq!(st["pendingApprovals"], 0);
    let fake = &st["providers"][0];
    assert_eq!(fake["provider"], "fake", "{st}");
    assert_eq!(
        (fake["errors"].as_u64(), fake["lastError"].as_str()),
        (Some(1), Some("auth"))
    );
    assert!(fake["lastOkMs"].as_u64().unwrap() > 1_700_000_000_000);
    assert!(fake["lastErrorMs"].as_u64().unwrap() >= fake["lastOkMs"].as_u64().unwrap());
}

#[tokio::test]
async fn readyz_turns_503_while_draining_and_new_sessions_are_refused() {
    use tidepool_gateway::{Gateway, Overrides, StatePaths, prepare};
    let dir = tempfile::tempdir().unwrap();
    let prepared = prepare(
        StatePaths::resolve(Some(dir.path().to_path_buf())),
        &Overrides {
            port: Some(0),
            bind: None,
        },
    )
    .unwrap();
    let gw = Gateway::start(prepared, "test").await.unwrap();
    let base = format!("http://{}", gw.local_addr());
    let r = http().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    gw.shutdown_token().cancel();
    let r = http().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["ready"], false);
    assert_eq!(body["failing"], json!(["draining"]));
    let r = http().get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "still live while draining");
    let ws = tokio_tungstenite::connect_async(format!("ws://{}", gw.local_addr())).await;
    let err = ws.expect_err("no new WebSocket session while draining");
    assert!(err.to_string().contains("503"), "{err}");
    assert!(
        gw.shutdown(tidepool_protocol::methods::ShutdownEvent {
            reason: "test".into(),
            restart_expected_ms: None,
        })
        .await
    );
}
