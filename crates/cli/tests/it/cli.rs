//! The `tidepool` CLI against a real gateway: human and `--json` output, follow, and errors.

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
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn health_and_status_human_and_json() {
    let gw = gateway().start().await;
    let o = gw.cli(&["health", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], true);
    let o = gw.cli(&["health"]);
    assert!(stdout(&o).starts_with("Gateway OK"), "{}", stdout(&o));

    let o = gw.cli(&["status", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["pid"], gw.pid);
    assert_eq!(v["port"], gw.port);
    assert!(v["rssBytes"].as_u64().unwrap() > 1_000_000);
    let o = gw.cli(&["status"]);
    let out = stdout(&o);
    assert!(
        out.contains(&format!("ws://127.0.0.1:{} (token auth)", gw.port)),
        "{out}"
    );
    assert!(out.contains("defaults in use"), "{out}");
}

#[tokio::test]
async fn gateway_call_prints_json_and_explains_bad_input() {
    let gw = gateway().start().await;
    let o = gw.cli(&[
        "gateway",
        "call",
        "logs.tail",
        "--params",
        r#"{"limit":2}"#,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["lines"].as_array().unwrap().len() <= 2);

    let o = gw.cli(&["gateway", "call", "logs.tail", "--params", "{limit:2"]);
    assert_eq!(o.status.code(), Some(64));
    assert!(
        stderr(&o).contains("--params is not valid JSON"),
        "{}",
        stderr(&o)
    );

    let o = gw.cli(&["gateway", "call", "no.such"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown method: no.such"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn logs_show_recent_lines_and_json_mode_is_raw() {
    let gw = gateway().start().await;
    let o = gw.cli(&["logs", "--json", "--limit", "3"]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(!lines.is_empty() && lines.len() <= 3, "{out}");
    for l in &lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v["message"].is_string());
    }
    let o = gw.cli(&["logs", "--limit", "50"]);
    assert!(
        stdout(&o).contains("INFO  gateway listening on ws://"),
        "{}",
        stdout(&o)
    );
    let o = gw.cli(&["logs", "--limit", "0"]);
    assert_eq!(o.status.code(), Some(64));
}

#[tokio::test]
async fn logs_follow_prints_new_lines_as_they_are_written() {
    let gw = gateway().start().await;
    let mut follower = std::process::Command::new(BIN)
        .args(["logs", "--follow", "--json", "--limit", "1", "--state-dir"])
        .arg(gw.state())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = follower.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // The first line is the recent history; then make the gateway log something new.
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let (_ws, hello) = gw.authed().await;
    let conn_id = hello["payload"]["server"]["connId"]
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("follow never printed the new connection");
        if line.contains(&conn_id) && line.contains("client connected") {
            break;
        }
    }
    follower.kill().unwrap();
    follower.wait().unwrap();
}

#[tokio::test]
async fn unreachable_gateway_and_wrong_token_have_distinct_exit_codes() {
    let gw = gateway().start().await;
    let o = gw.cli(&["health", "--url", "ws://127.0.0.1:1", "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(69));
    assert!(
        stderr(&o).contains("cannot reach the gateway at ws://127.0.0.1:1"),
        "{}",
        stderr(&o)
    );

    let o = gw.cli(&["health", "--token", "definitely-not-the-token"]);
    assert_eq!(o.status.code(), Some(77));
    assert!(
        stderr(&o).contains("gateway token mismatch"),
        "{}",
        stderr(&o)
    );

    let o = gw.cli(&["health", "--url", "http://127.0.0.1:1"]);
    assert_eq!(o.status.code(), Some(64));
    assert!(
        stderr(&o).contains("must start with ws://"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn a_stopped_gateway_is_found_no_more() {
    let mut gw = gateway().start().await;
    gw.signal(libc::SIGTERM);
    gw.wait(Duration::from_secs(10)).await;
    let o = gw.cli(&["status", "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(69), "{}", stderr(&o));
    assert!(stderr(&o).contains("is it running?"), "{}", stderr(&o));
}
