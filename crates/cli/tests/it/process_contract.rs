//! The gateway process contract (DESIGN.md), tested on the real binary.

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
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn ready_line_names_port_pid_and_version_and_the_port_serves() {
    let gw = gateway().start().await;
    assert_eq!(gw.ready["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(gw.ready["pid"].as_u64(), gw.child.id().map(u64::from));
    assert_ne!(gw.port, 0, "--port 0 must report the real port");
    let (_ws, hello) = gw.authed().await;
    assert_eq!(hello["payload"]["type"], "hello-ok");
}

#[tokio::test]
async fn port_comes_from_config_and_flag_overrides_it() {
    // Two different free ports: the listeners are held until both are known.
    let (a, b) = (
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
    );
    let (in_config, on_flag) = (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    );
    drop((a, b));
    let config = format!("{{ gateway: {{ port: {in_config} }} }}");
    let from_config = gateway().config(&config).port_from_config().start().await;
    assert_eq!(from_config.port, in_config);
    drop(from_config);
    let overridden = gateway()
        .config(&config)
        .arg("--port")
        .arg(&on_flag.to_string())
        .start()
        .await;
    assert_eq!(overridden.port, on_flag);
}

#[tokio::test]
async fn invalid_config_exits_78_with_one_line_naming_the_key() {
    let (code, stderr, _dir) = gateway()
        .config("{ gateway: { port: 'eighty' } }")
        .run_to_exit()
        .await;
    assert_eq!(code, Some(78));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr}");
    assert!(lines[0].contains("gateway.port"), "{stderr}");
    assert!(lines[0].contains("tidepool.json"), "{stderr}");

    let (code, stderr, _dir) = gateway()
        .config("{ gateway: { port: 1 ")
        .run_to_exit()
        .await;
    assert_eq!(code, Some(78));
    assert!(
        stderr.contains("tidepool.json:1:"),
        "syntax errors give line:column: {stderr}"
    );
}

#[tokio::test]
async fn auth_none_is_refused_off_loopback() {
    let (code, stderr, _dir) = gateway()
        .config("{ gateway: { auth: { mode: 'none' } } }")
        .arg("--bind")
        .arg("lan")
        .run_to_exit()
        .await;
    assert_eq!(code, Some(78));
    assert!(stderr.contains("only allowed on loopback"), "{stderr}");
}

#[tokio::test]
async fn auth_none_on_loopback_needs_no_token() {
    let gw = gateway()
        .config("{ gateway: { auth: { mode: 'none' } } }")
        .start()
        .await;
    let (mut ws, _) = gw.raw().await;
    let res = connect(&mut ws, None, &["operator.read"]).await;
    assert_eq!(res["ok"], true, "{res}");
    assert!(!gw.state().join("gateway.token").exists());
}

#[tokio::test]
async fn second_gateway_on_the_same_state_dir_names_the_holder() {
    let gw = gateway().start().await;
    let (code, stderr, _d) = gateway().state_dir(gw.state()).run_to_exit().await;
    assert_eq!(code, Some(75), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", gw.pid)), "{stderr}");
}

#[tokio::test]
async fn port_in_use_is_explained() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let (code, stderr, _d) = gateway()
        .arg("--port")
        .arg(&port.to_string())
        .run_to_exit()
        .await;
    assert_eq!(code, Some(69));
    assert!(
        stderr.contains(&format!("port {port} is already in use")),
        "{stderr}"
    );
}

#[tokio::test]
async fn sigterm_sends_shutdown_then_closes_and_exits_0() {
    let mut gw = gateway().start().await;
    let (mut ws, _) = gw.authed().await;
    gw.signal(libc::SIGTERM);
    let mut saw_shutdown = false;
    let close = loop {
        match next(&mut ws).await {
            Next::Json(v) if v["event"] == "shutdown" => {
                assert_eq!(v["payload"]["reason"], "sigterm");
                saw_shutdown = true;
            }
            Next::Json(_) => {}
            Next::Closed(c) => break c,
        }
    };
    assert!(saw_shutdown);
    assert_eq!(close.map(|c| c.0), Some(1001));
    assert_eq!(gw.wait(Duration::from_secs(10)).await, Some(0));
    assert!(!gw.state().join("gateway.runtime.json").exists());
    // The lock is free again.
    let _again = gateway().state_dir(gw.state()).start().await;
}

#[tokio::test]
async fn sigint_is_graceful_too() {
    let mut gw = gateway().start().await;
    gw.signal(libc::SIGINT);
    assert_eq!(gw.wait(Duration::from_secs(10)).await, Some(0));
}

#[tokio::test]
async fn exits_within_2s_when_stdin_closes() {
    let mut gw = gateway().start().await;
    drop(gw.child.stdin.take());
    let t = Instant::now();
    assert_eq!(gw.wait(Duration::from_secs(5)).await, Some(0));
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t.elapsed()
    );
    let log = std::fs::read_to_string(gw.log_file()).unwrap();
    assert!(log.contains("stdin-closed"), "{log}");
}

#[tokio::test]
async fn exits_within_2s_when_the_parent_is_killed_with_sigkill() {
    // A stand-in "app": a shell that starts the gateway with --parent-pid of itself, keeps the
    // gateway's stdin away from the pipe watch (</dev/null), and then gets SIGKILLed.
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    let script = format!(
        "{bin} gateway run --port 0 --state-dir {state} --parent-pid $$ </dev/null >{ready} 2>/dev/null & echo $! ; wait",
        bin = BIN,
        state = dir.path().display(),
        ready = ready.display()
    );
    let mut parent = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = tokio::io::BufReader::new(parent.stdout.take().unwrap());
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut out, &mut line)
        .await
        .unwrap();
    let gw_pid: i32 = line.trim().parse().unwrap();
    // Wait for the ready line in the file (no sleep-guessing: poll the file the gateway writes).
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&ready)
        .unwrap_or_default()
        .contains("ready")
    {
        assert!(Instant::now() < deadline, "gateway never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    parent.start_kill().unwrap();
    parent.wait().await.unwrap();
    let t = Instant::now();
    // Dead means gone or a zombie (re-parented to an init that may reap it late).
    let alive = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|st| {
                st.rsplit(')')
                    .next()
                    .map(|r| r.trim_start().starts_with('Z'))
                    == Some(false)
            })
            .unwrap_or(false)
    };
    while alive(gw_pid) {
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "gateway still alive {:?} after the parent died",
            t.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "gateway exited {:?} after its parent was killed",
        t.elapsed()
    );
}

#[tokio::test]
async fn in_flight_requests_finish_during_the_drain() {
    let mut gw = gateway().start().await;
    let (mut ws, _) = gw.authed().await;
    // Queue a burst of requests, then SIGTERM right away: every one must be answered, either
    // with its result or (if it arrived after the shutdown began) a retryable "shutting down".
    for i in 0..20 {
        send(&mut ws, &json!({"type":"req","id": format!("r{i}"),"method":"logs.tail","params":{"limit": 5000}})).await;
    }
    gw.signal(libc::SIGTERM);
    let mut answered = 0;
    loop {
        match next(&mut ws).await {
            Next::Json(v) if v["type"] == "res" => {
                if v["ok"] != true {
                    assert_eq!(v["error"]["code"], "UNAVAILABLE", "{v}");
                    assert_eq!(v["error"]["details"]["code"], "SHUTTING_DOWN", "{v}");
                    assert_eq!(v["error"]["retryable"], true, "{v}");
                }
                answered += 1;
            }
            Next::Json(_) => {}
            Next::Closed(_) => break,
        }
    }
    assert_eq!(answered, 20, "{}", gw.stderr());
    assert_eq!(gw.wait(Duration::from_secs(10)).await, Some(0));
}

#[tokio::test]
async fn log_file_is_jsonl_with_required_fields_and_private() {
    let mut gw = gateway().start().await;
    let (_ws, _) = gw.authed().await;
    gw.signal(libc::SIGTERM);
    gw.wait(Duration::from_secs(10)).await;
    let path = gw.log_file();
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("tidepool-")
            && name.ends_with(".jsonl")
            && name.len() == "tidepool-2026-01-01.jsonl".len(),
        "{name}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut saw_conn = false;
    for line in text.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
        for f in ["time", "level", "target", "message"] {
            assert!(v.get(f).is_some(), "{f} missing in {line}");
        }
        if v["message"] == "client connected" {
            assert!(v["conn_id"].is_string(), "conn_id from the span: {line}");
            saw_conn = true;
        }
    }
    assert!(saw_conn, "{text}");
    assert!(
        !text.contains(&gw.token()),
        "the token must never be logged"
    );
    assert!(!gw.stderr().contains(&gw.token()));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(gw.state().join("gateway.token"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    // stderr is human-readable, not JSON.
    assert!(
        gw.stderr()
            .lines()
            .any(|l| l.contains("INFO") && !l.starts_with('{')),
        "{}",
        gw.stderr()
    );
}

#[tokio::test]
async fn env_token_overrides_the_file() {
    let gw = gateway()
        .env("TIDEPOOL_GATEWAY_TOKEN", "an-env-token-of-decent-length")
        .start()
        .await;
    let (mut ws, _) = gw.raw().await;
    let res = connect(
        &mut ws,
        Some("an-env-token-of-decent-length"),
        &["operator.read"],
    )
    .await;
    assert_eq!(res["ok"], true, "{res}");
    assert!(
        !gw.state().join("gateway.token").exists(),
        "no file when the env provides the token"
    );
}

#[tokio::test]
async fn the_token_can_be_a_secret_reference() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gw-token.txt"),
        "a-token-kept-in-its-own-file\n",
    )
    .unwrap();
    let gw = gateway()
        .dir(dir)
        .config("{ gateway: { auth: { token: { source: 'file', id: 'gw-token.txt' } } } }")
        .start()
        .await;
    let (mut ws, _) = gw.raw().await;
    let res = connect(
        &mut ws,
        Some("a-token-kept-in-its-own-file"),
        &["operator.read"],
    )
    .await;
    assert_eq!(res["ok"], true, "{res}");
    // The CLI resolves the same reference.
    let o = gw.cli(&["health", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let (code, stderr, _d) = gateway()
        .config("{ gateway: { auth: { token: { source: 'env', id: 'TP_REF_UNSET_TOKEN' } } } }")
        .run_to_exit()
        .await;
    assert_eq!(code, Some(78));
    assert!(stderr.contains("TP_REF_UNSET_TOKEN"), "{stderr}");
}

#[tokio::test]
async fn everything_the_gateway_creates_in_its_state_dir_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let gw = gateway().config("{ gateway: { port: 0 } }").start().await;
    let (mut ws, _) = gw.authed().await;
    let r = request(&mut ws, "s", "sessions.list", json!({})).await;
    assert_eq!(r["ok"], true, "{r}");
    // Written by this test, not by the gateway.
    let ours = ["stderr.log", "tidepool.json"];
    let mut seen = 0;
    let mut stack = vec![gw.state().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            let mode = meta.permissions().mode() & 0o777;
            if meta.is_dir() {
                assert_eq!(mode, 0o700, "{}", e.path().display());
                stack.push(e.path());
            } else if !(dir == gw.state() && ours.contains(&e.file_name().to_str().unwrap())) {
                assert_eq!(mode & 0o077, 0, "{} is {mode:o}", e.path().display());
                seen += 1;
            }
        }
    }
    for f in ["gateway.lock", "gateway.token", "tidepool.json.last-good"] {
        assert!(gw.state().join(f).exists(), "{f}");
    }
    assert!(seen >= 4, "{seen}");
}
