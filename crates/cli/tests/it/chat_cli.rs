//! `tidepool agent send|chat` and `tidepool sessions ...` against a real gateway and the
//! provider fake.

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
use std::process::Stdio;
use std::time::Duration;
use tidepool_testkit::{FakeOptions, FakeProvider, Script};
use tokio::io::AsyncWriteExt;

async fn setup() -> (FakeProvider, Gw) {
    let f = FakeProvider::start(FakeOptions::default()).await.unwrap();
    let cfg = format!(
        "{{ agents: {{ defaults: {{ model: 'fake/fake-model' }} }}, models: {{ providers: {{ fake: {{ baseUrl: '{}', api: 'openai-completions' }} }} }} }}",
        f.openai_base_url()
    );
    let gw = gateway().config(&cfg).start().await;
    (f, gw)
}

fn cmd(gw: &Gw, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(BIN);
    c.args(args)
        .arg("--state-dir")
        .arg(gw.state())
        .env_remove("TIDEPOOL_GATEWAY_TOKEN")
        .env_remove("TIDEPOOL_GATEWAY_URL")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

async fn run(gw: &Gw, args: &[&str]) -> (i32, String, String) {
    let o = tokio::time::timeout(Duration::from_secs(20), cmd(gw, args).output())
        .await
        .unwrap()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test]
async fn agent_send_streams_the_reply_and_sessions_commands_manage_it() {
    let (f, gw) = setup().await;
    let (code, out, err) = run(&gw, &["agent", "send", "hello there"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "echo: hello there");

    f.push(Script::status(404, "no such model"));
    let (code, _, err) = run(&gw, &["agent", "send", "fail please", "--session", "bad"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("has no model \"fake-model\""), "{err}");

    let (code, out, _) = run(&gw, &["sessions", "list"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("agent:main:main") && out.contains("hello there"),
        "{out}"
    );
    let (_, out, _) = run(&gw, &["sessions", "show", "main"]).await;
    assert!(
        out.contains("user: hello there") && out.contains("assistant: echo: hello there"),
        "{out}"
    );
    let file = gw.state().join("export.md");
    let (code, _, err) = run(
        &gw,
        &["sessions", "export", "main", "-o", file.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("echo: hello there")
    );

    // Deleting asks first; without a terminal it needs --yes.
    let (code, _, err) = run(&gw, &["sessions", "delete", "main"]).await;
    assert_eq!(code, 64);
    assert!(err.contains("--yes"), "{err}");
    let (code, out, _) = run(&gw, &["sessions", "delete", "main", "--yes"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("Deleted agent:main:main"), "{out}");
    let (_, out, _) = run(&gw, &["sessions", "list", "--json"]).await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], 1, "only the failed session is left: {v}");
}

#[tokio::test]
async fn agent_chat_reads_lines_and_ctrl_c_stops_a_reply() {
    let (f, gw) = setup().await;
    let mut child = cmd(&gw, &["agent", "chat", "--session", "talk"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"first\nsecond\n/exit\n").await.unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "echo: first\necho: second\n"
    );

    // Ctrl-C during `agent send` aborts the turn and exits 130; the partial reply is kept.
    f.push(Script::Hold {
        chunks: vec!["so far".into()],
    });
    let child = cmd(&gw, &["agent", "send", "long"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let before = f.requests().len();
    f.wait_requests(before + 1, Duration::from_secs(10)).await;
    // The request reached the provider; wait until the partial reply is stored, then interrupt.
    let (mut ws, _) = gw.authed().await;
    loop {
        let h = request(
            &mut ws,
            "h",
            "chat.history",
            serde_json::json!({ "sessionKey": "main" }),
        )
        .await;
        if h["payload"]["messages"][1]["content"][0]["text"] == "so far" {
            break;
        }
        tokio::task::yield_now().await;
    }
    #[allow(unsafe_code)]
    // SAFETY: sending a signal to our own child.
    unsafe {
        libc::kill(child.id().unwrap() as i32, libc::SIGINT);
    }
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "so far");
    let h = request(
        &mut ws,
        "h2",
        "chat.history",
        serde_json::json!({ "sessionKey": "main" }),
    )
    .await;
    assert_eq!(h["payload"]["messages"][1]["status"], "aborted");
}
