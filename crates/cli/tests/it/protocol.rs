//! The WebSocket protocol against the real gateway: handshake, requests, events, JSON-RPC,
//! and every kind of bad input, each with a specific error or close while others are served.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::*;
use futures_util::SinkExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn handshake_gives_challenge_then_hello_ok() {
    let gw = gateway().start().await;
    let (mut ws, challenge) = gw.raw().await;
    assert!(challenge["payload"]["nonce"].as_str().unwrap().len() >= 16);
    assert!(challenge["payload"]["ts"].as_u64().unwrap() > 0);
    let res = connect(&mut ws, Some(&gw.token()), &["operator.read"]).await;
    assert_eq!(res["id"], "c1");
    let hello = &res["payload"];
    assert_eq!(hello["type"], "hello-ok");
    assert_eq!(hello["protocol"], 4);
    assert_eq!(hello["server"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(hello["server"]["connId"].as_str().unwrap().len() >= 16);
    let methods: Vec<&str> = hello["features"]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for m in ["health", "status", "logs.tail", "system-presence"] {
        assert!(methods.contains(&m), "{m} missing from {methods:?}");
    }
    assert_eq!(hello["auth"]["scopes"], json!(["operator.read"]));
    assert_eq!(hello["policy"]["maxPayload"], 25 * 1024 * 1024);
    assert_eq!(hello["snapshot"]["authMode"], "token");
    let presence = hello["snapshot"]["presence"].as_array().unwrap();
    assert_eq!(presence[0]["mode"], "gateway");
    assert!(
        presence.iter().any(|p| p["mode"] == "test"),
        "our own entry: {presence:?}"
    );
}

#[tokio::test]
async fn protocol_3_is_accepted_and_out_of_range_is_refused() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.raw().await;
    let mut frame = connect_frame(Some(&gw.token()), &["operator.read"]);
    frame["params"]["minProtocol"] = json!(3);
    frame["params"]["maxProtocol"] = json!(3);
    send(&mut ws, &frame).await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["payload"]["protocol"], 3, "{res}");

    let (mut ws, _) = gw.raw().await;
    frame["params"]["minProtocol"] = json!(5);
    frame["params"]["maxProtocol"] = json!(6);
    send(&mut ws, &frame).await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(
        res["error"]["details"]["code"], "PROTOCOL_MISMATCH",
        "{res}"
    );
    assert!(res["error"]["message"].as_str().unwrap().contains("5..6"));
    assert_eq!(expect_close(&mut ws).await.map(|c| c.0), Some(1002));
}

#[tokio::test]
async fn wrong_or_missing_token_gets_a_clear_error_and_close() {
    let gw = gateway().start().await;
    for (token, code) in [
        (Some("not-the-token-at-all"), "AUTH_TOKEN_MISMATCH"),
        (None, "AUTH_TOKEN_MISSING"),
    ] {
        let (mut ws, _) = gw.raw().await;
        let res = connect(&mut ws, token, &["operator.read"]).await;
        assert_eq!(res["ok"], false);
        assert_eq!(res["error"]["code"], "INVALID_REQUEST");
        assert_eq!(res["error"]["details"]["code"], code);
        assert!(
            res["error"]["message"].as_str().unwrap().contains("token"),
            "{res}"
        );
        assert_eq!(expect_close(&mut ws).await.map(|c| c.0), Some(1008));
    }
    let log = gw.wait_log("authentication failed").await;
    assert!(
        !log.contains("not-the-token-at-all"),
        "rejected tokens are not logged either"
    );
}

#[tokio::test]
async fn a_request_before_connect_is_refused_and_closed() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.raw().await;
    send(&mut ws, &json!({"type":"req","id":"h","method":"health"})).await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["id"], "h");
    assert_eq!(res["error"]["details"]["code"], "CONNECT_REQUIRED");
    assert_eq!(expect_close(&mut ws).await.map(|c| c.0), Some(1008));
}

#[tokio::test]
async fn malformed_json_before_connect_closes_with_the_reason() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.raw().await;
    send_text(&mut ws, "{not json").await;
    let (code, reason) = expect_close(&mut ws).await.unwrap();
    assert_eq!(code, 1002);
    assert!(reason.contains("not valid JSON"), "{reason}");
}

#[tokio::test]
async fn second_connect_is_refused_but_the_connection_stays() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.authed().await;
    let res = connect(&mut ws, Some(&gw.token()), &["operator.read"]).await;
    assert_eq!(res["error"]["details"]["code"], "ALREADY_CONNECTED");
    let res = request(&mut ws, "h", "health", json!({})).await;
    assert_eq!(res["ok"], true);
}

#[tokio::test]
async fn unknown_method_and_wrong_param_types_are_specific() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.authed().await;
    let res = request(&mut ws, "1", "no.such.method", json!({})).await;
    assert_eq!(res["error"]["details"]["code"], "UNKNOWN_METHOD");
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no.such.method")
    );

    let cases = [
        (json!({"limit": "ten"}), "params.limit"),
        (json!({"limit": 0}), "between 1 and 5000"),
        (json!({"limit": 5001}), "between 1 and 5000"),
        (json!({"maxBytes": -1}), "params.maxBytes"),
        (json!({"cursor": "abc"}), "params.cursor"),
        (json!({"bogus": 1}), "unknown field `bogus`"),
        (json!([1, 2]), "invalid logs.tail params"),
    ];
    for (i, (params, expected)) in cases.into_iter().enumerate() {
        let res = request(&mut ws, &format!("p{i}"), "logs.tail", params.clone()).await;
        assert_eq!(res["ok"], false, "{params}");
        assert_eq!(res["error"]["details"]["code"], "INVALID_PARAMS", "{res}");
        let msg = res["error"]["message"].as_str().unwrap();
        assert!(msg.contains(expected), "{params}: {msg}");
    }
}

#[tokio::test]
async fn malformed_frames_after_connect_are_reported_and_the_connection_survives() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.authed().await;
    send_text(&mut ws, "{\"type\":\"req\",").await;
    let ev = loop {
        let v = next_json(&mut ws).await.unwrap();
        if v["event"] == "error" {
            break v;
        }
    };
    assert!(
        ev["payload"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON at line 1"),
        "{ev}"
    );
    send_text(&mut ws, r#"{"type":"req","id":"x","method":7}"#).await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["id"], "x");
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"method\"")
    );
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let (code, reason) = expect_close(&mut ws).await.unwrap();
    assert_eq!(code, 1003, "{reason}");
}

#[tokio::test]
async fn oversize_frames_before_and_after_connect() {
    let gw = gateway()
        .config("{ gateway: { maxPayload: 131072 } }")
        .start()
        .await;
    // Before connect: 64 KiB.
    let (mut ws, _) = gw.raw().await;
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(70 * 1024));
    send_text(&mut ws, &big).await;
    let (code, reason) = expect_close(&mut ws).await.unwrap();
    assert_eq!(code, 1009);
    assert!(reason.contains("64 KiB"), "{reason}");
    // After connect: 70 KiB is fine (rejected only as bad params), 200 KiB is over maxPayload.
    let (mut ws, hello) = gw.authed().await;
    assert_eq!(hello["payload"]["policy"]["maxPayload"], 131072);
    let res = request(
        &mut ws,
        "a",
        "health",
        json!({"pad": "x".repeat(70 * 1024)}),
    )
    .await;
    assert_eq!(res["ok"], true, "health ignores extra params: {res}");
    let huge =
        json!({"type":"req","id":"b","method":"health","params":{"pad":"x".repeat(200 * 1024)}});
    let _ = ws.send(Message::text(huge.to_string())).await;
    let (code, reason) = expect_close(&mut ws).await.unwrap();
    assert_eq!(code, 1009);
    assert!(reason.contains("exceeds maxPayload"), "{reason}");
    // Everyone else is still served.
    let (mut ok, _) = gw.authed().await;
    assert_eq!(request(&mut ok, "h", "health", json!({})).await["ok"], true);
}

#[tokio::test]
async fn missing_scope_is_forbidden() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.raw().await;
    let res = connect(&mut ws, Some(&gw.token()), &[]).await;
    assert_eq!(res["payload"]["auth"]["scopes"], json!([]));
    let res = request(&mut ws, "1", "status", json!({})).await;
    assert_eq!(res["error"]["code"], "FORBIDDEN");
    assert_eq!(res["error"]["details"]["code"], "MISSING_SCOPE");
    assert_eq!(res["error"]["details"]["missingScope"], "operator.read");
    // write implies read.
    let (mut ws, _) = gw.raw().await;
    connect(&mut ws, Some(&gw.token()), &["operator.write"]).await;
    assert_eq!(request(&mut ws, "1", "status", json!({})).await["ok"], true);
}

#[tokio::test]
async fn json_rpc_is_served_by_the_same_registry() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.raw().await;
    send(&mut ws, &json!({"jsonrpc":"2.0","id":1,"method":"health"})).await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["error"]["code"], -32600, "connect first: {res}");
    let (mut ws, _) = gw.raw().await;
    let mut params = connect_frame(Some(&gw.token()), &["operator.read"])["params"].clone();
    params["client"]["id"] = json!("gateway-client");
    send(
        &mut ws,
        &json!({"jsonrpc":"2.0","id":"c","method":"connect","params":params}),
    )
    .await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["jsonrpc"], "2.0");
    assert_eq!(res["result"]["type"], "hello-ok", "{res}");
    send(&mut ws, &json!({"jsonrpc":"2.0","id":2,"method":"status"})).await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["id"], 2);
    assert_eq!(res["result"]["pid"], gw.pid);
    send(&mut ws, &json!({"jsonrpc":"2.0","id":3,"method":"nope"})).await;
    assert_eq!(
        next_response(&mut ws).await.unwrap()["error"]["code"],
        -32601
    );
    send(
        &mut ws,
        &json!({"jsonrpc":"2.0","id":4,"method":"logs.tail","params":{"limit":"x"}}),
    )
    .await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["error"]["code"], -32602);
    assert_eq!(res["error"]["data"]["details"]["code"], "INVALID_PARAMS");
    // A notification gets no answer; the next request still does.
    send(&mut ws, &json!({"jsonrpc":"2.0","method":"health"})).await;
    send(&mut ws, &json!({"jsonrpc":"2.0","id":5,"method":"health"})).await;
    assert_eq!(next_response(&mut ws).await.unwrap()["id"], 5);
    send_text(&mut ws, "{\"jsonrpc\":\"2.0\",").await;
    let res = next_response(&mut ws).await.unwrap();
    assert_eq!(res["id"], Value::Null);
}

#[tokio::test]
async fn ticks_arrive_at_the_policy_interval() {
    let gw = gateway()
        .config("{ gateway: { tickIntervalMs: 150 } }")
        .start()
        .await;
    let (mut ws, hello) = gw.authed().await;
    assert_eq!(hello["payload"]["policy"]["tickIntervalMs"], 150);
    let started = std::time::Instant::now();
    let mut ticks = 0;
    while ticks < 3 {
        let v = next_json(&mut ws).await.unwrap();
        if v["event"] == "tick" {
            assert!(v["payload"]["ts"].as_u64().unwrap() > 0);
            ticks += 1;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn presence_events_follow_connects_and_disconnects() {
    let gw = gateway().start().await;
    let (mut watcher, _) = gw.authed().await;
    let (other, _) = gw.authed().await;
    let count = |v: &Value| v["payload"]["presence"].as_array().map(|a| a.len());
    let mut seen = vec![];
    while seen.is_empty() {
        let v = next_json(&mut watcher).await.unwrap();
        if v["event"] == "presence" {
            assert!(v["seq"].as_u64().unwrap() >= 1);
            seen.push(count(&v));
        }
    }
    drop(other);
    loop {
        let v = next_json(&mut watcher).await.unwrap();
        if v["event"] == "presence" && count(&v) == Some(2) {
            break;
        }
    }
}

#[tokio::test]
async fn client_disconnecting_mid_request_does_not_disturb_the_gateway() {
    let gw = gateway().start().await;
    for _ in 0..20 {
        let (mut ws, _) = gw.authed().await;
        for i in 0..10 {
            send(&mut ws, &json!({"type":"req","id":format!("{i}"),"method":"logs.tail","params":{"limit":5000}})).await;
        }
        drop(ws);
    }
    let (mut ws, _) = gw.authed().await;
    let res = request(&mut ws, "s", "status", json!({})).await;
    assert_eq!(res["ok"], true);
    // Only this connection remains (disconnects were noticed).
    let mut waited = 0;
    loop {
        let res = request(&mut ws, "s", "status", json!({})).await;
        if res["payload"]["connections"] == 1 {
            break;
        }
        waited += 1;
        assert!(waited < 100, "connections never dropped to 1: {res}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_hundred_clients_at_once() {
    let gw = gateway().start().await;
    let token = gw.token();
    let url = gw.url();
    let mut tasks = vec![];
    for i in 0..200 {
        let (url, token) = (url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ws, _) = raw(&url).await;
            let res = connect(&mut ws, Some(&token), &["operator.read"]).await;
            assert_eq!(res["ok"], true, "{res}");
            let res = request(&mut ws, &format!("h{i}"), "health", json!({})).await;
            assert_eq!(res["payload"]["ok"], true);
            ws
        }));
    }
    let mut sockets = vec![];
    for t in tasks {
        sockets.push(t.await.unwrap());
    }
    let (mut ws, _) = gw.authed().await;
    let res = request(&mut ws, "s", "status", json!({})).await;
    assert_eq!(res["payload"]["connections"], 201);
}

#[tokio::test]
async fn a_client_that_never_reads_is_dropped_and_memory_stays_bounded() {
    // A log big enough that each logs.tail answer is ~1 MB.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let today = time_today();
    let line = format!(
        "{{\"time\":\"t\",\"level\":\"info\",\"target\":\"x\",\"message\":\"{}\"}}\n",
        "y".repeat(200)
    );
    std::fs::write(
        logs.join(format!("tidepool-{today}.jsonl")),
        line.repeat(6000),
    )
    .unwrap();
    let gw = gateway()
        .dir(dir)
        .config("{ gateway: { maxBufferedBytes: 4194304 } }")
        .start()
        .await;
    let base_rss = gw.rss_kb();
    let (mut slow, _) = gw.authed().await;
    // Never read `slow` again; keep asking for 1 MB answers.
    let mut sent = 0;
    for i in 0..300 {
        let frame = json!({"type":"req","id":format!("{i}"),"method":"logs.tail","params":{"maxBytes":1000000,"limit":5000}});
        if tokio::time::timeout(
            Duration::from_millis(500),
            slow.send(Message::text(frame.to_string())),
        )
        .await
        .map(|r| r.is_ok())
        .unwrap_or(false)
        {
            sent += 1;
        } else {
            break;
        }
        if i % 50 == 0 {
            // Others are served meanwhile.
            let (mut ok, _) = gw.authed().await;
            assert_eq!(request(&mut ok, "h", "health", json!({})).await["ok"], true);
        }
    }
    // Five 1 MB answers overflow the 4 MB budget; the socket may die right after that.
    assert!(sent >= 5, "only {sent} requests were sent");
    // The slow client is gone from the connection count.
    let (mut ws, _) = gw.authed().await;
    let mut tries = 0;
    loop {
        let res = request(&mut ws, "s", "status", json!({})).await;
        if res["payload"]["connections"] == 1 {
            break;
        }
        tries += 1;
        assert!(tries < 200, "slow client never dropped: {res}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let rss = gw.rss_kb();
    eprintln!("slow client: sent {sent} requests; RSS {base_rss} kB -> {rss} kB");
    // It asked for `sent` x 1 MB; the gateway holds a bounded fraction of that (4 MB queue, two
    // reads at a time, allocator slack), whatever the count.
    assert!(
        rss < base_rss + 48 * 1024,
        "RSS grew from {base_rss} kB to {rss} kB after {sent} MB asked"
    );
    gw.wait_log("does not read").await;
}

fn time_today() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn repeated_wrong_tokens_are_rate_limited_per_address() {
    let gw = gateway().start().await;
    let mut limited = None;
    for i in 0..25 {
        let (mut ws, _) = gw.raw().await;
        let res = connect(&mut ws, Some("wrong-token-wrong-token"), &["operator.read"]).await;
        if res["error"]["details"]["code"] == "AUTH_RATE_LIMITED" {
            limited = Some((i, res));
            break;
        }
        assert_eq!(res["error"]["details"]["code"], "AUTH_TOKEN_MISMATCH");
    }
    let (i, res) = limited.expect("25 wrong tokens were never rate limited");
    assert_eq!(i, 20, "the 21st attempt is refused");
    assert!(res["error"]["retryAfterMs"].as_u64().unwrap() > 0);
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too many failed sign-ins")
    );
    // While limited, even the right token waits (a guesser cannot tell it found it).
    let (mut ws, _) = gw.raw().await;
    let res = connect(&mut ws, Some(&gw.token()), &["operator.read"]).await;
    assert_eq!(res["error"]["details"]["code"], "AUTH_RATE_LIMITED");
}
