//! The supervisor against real child processes: the real `tidepool` gateway and a fake whose
//! behaviour comes from env vars. Every wait is on a published state, bounded by a deadline.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use support::{fake_gateway_bin, tidepool_vault, wait_for};

use std::path::PathBuf;
use std::time::{Duration, Instant};
use tidepool_control::{GatewayState, SidecarConfig, Status, Supervisor, SupervisorError};

fn config(program: PathBuf, dir: &tempfile::TempDir) -> SidecarConfig {
    let mut c = SidecarConfig::new(program, dir.path().to_path_buf());
    c.port = 0;
    c.ready_timeout = Duration::from_secs(10);
    c.stop_timeout = Duration::from_secs(5);
    c.backoff_initial = Duration::from_millis(50);
    c.backoff_max = Duration::from_millis(200);
    c.health_interval = Duration::from_millis(200);
    c
}

/// A fake gateway run through a wrapper script that sets its env (the supervisor passes none).
fn fake(dir: &tempfile::TempDir, env: &[(&str, &str)]) -> PathBuf {
    let script = dir.path().join("fake.sh");
    let mut body = String::from("#!/bin/sh\n");
    for (k, v) in env {
        body.push_str(&format!("export {k}='{v}'\n"));
    }
    body.push_str(&format!("exec '{}' \"$@\"\n", fake_gateway_bin().display()));
    std::fs::write(&script, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn running_pid(s: &Status) -> Option<u32> {
    match s.state {
        GatewayState::Running { pid, .. } => pid,
        _ => None,
    }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|st| {
            st.rsplit(')')
                .next()
                .is_some_and(|r| !r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

async fn wait_gone(pid: u32, within: Duration) {
    let t = Instant::now();
    while alive(pid) {
        assert!(
            t.elapsed() < within,
            "pid {pid} still alive after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn real_gateway_start_stop_restart_and_crash_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let sup = Supervisor::new(config(tidepool_vault(dir.path()), &dir));
    sup.start().await.unwrap();
    let s = sup.status();
    let pid = running_pid(&s).expect("running");
    assert!(s.url.as_deref().unwrap().starts_with("ws://127.0.0.1:"));
    let health = sup
        .client()
        .unwrap()
        .call::<tidepool_protocol::methods::Health>(&tidepool_protocol::contract::NoParams {})
        .await
        .unwrap();
    assert!(health.ok);

    sup.stop().await.unwrap();
    assert_eq!(sup.status().state, GatewayState::Stopped);
    wait_gone(pid, Duration::from_secs(1)).await;
    let log = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(
        std::fs::read_to_string(log)
            .unwrap()
            .contains("gateway stopped"),
        "stopped gracefully"
    );

    sup.start().await.unwrap();
    let pid2 = running_pid(&sup.status()).unwrap();
    sup.restart().await.unwrap();
    let pid3 = running_pid(&sup.status()).unwrap();
    assert_ne!(pid2, pid3);
    assert!(!alive(pid2));
    assert_eq!(sup.status().restarts, 1);

    // kill -9 of the gateway: the supervisor notices and brings it back.
    unsafe_kill(pid3, libc::SIGKILL);
    let s = wait_for(&sup, "a new running gateway", |s| {
        running_pid(s).is_some_and(|p| p != pid3)
    })
    .await;
    assert_eq!(s.restarts, 2);
    assert!(
        s.last_error
            .as_deref()
            .unwrap()
            .contains("killed by a signal"),
        "{s:?}"
    );
    let pid4 = running_pid(&s).unwrap();
    sup.shutdown().await;
    wait_gone(pid4, Duration::from_secs(1)).await;
}

#[allow(unsafe_code)]
fn unsafe_kill(pid: u32, sig: i32) {
    // SAFETY: signalling a child process of this test.
    unsafe {
        libc::kill(pid as i32, sig);
    }
}

#[tokio::test]
async fn invalid_config_is_not_retried_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tidepool.json"),
        "{ gateway: { port: 'x' } }",
    )
    .unwrap();
    let sup = Supervisor::new(config(tidepool_vault(dir.path()), &dir));
    let err = sup.start().await.unwrap_err();
    let SupervisorError::Failed(msg) = err else {
        panic!("{err:?}")
    };
    assert!(
        msg.contains("invalid gateway config") && msg.contains("gateway.port"),
        "{msg}"
    );
    match sup.status().state {
        GatewayState::Crashed { exit_code, .. } => assert_eq!(exit_code, Some(78)),
        other => panic!("{other:?}"),
    }
    assert_eq!(sup.status().restarts, 0, "a config error is not retried");
}

#[tokio::test]
async fn fake_exit_78_is_fatal_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let program = fake(
        &dir,
        &[
            ("FAKE_EXIT_CODE", "78"),
            ("FAKE_STDERR", "tidepool: config x.json: at `a.b`: nope"),
        ],
    );
    let sup = Supervisor::new(config(program, &dir));
    let err = sup.start().await.unwrap_err().to_string();
    assert!(err.contains("at `a.b`: nope"), "{err}");
}

#[tokio::test]
async fn never_ready_times_out_then_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(fake(&dir, &[("FAKE_NEVER_READY", "1")]), &dir);
    cfg.ready_timeout = Duration::from_millis(300);
    cfg.crash_limit = 2;
    let sup = Supervisor::new(cfg);
    let t = Instant::now();
    let err = sup.start().await.unwrap_err().to_string();
    assert!(err.contains("did not report ready within"), "{err}");
    assert!(err.contains("gave up after 2 crashes"), "{err}");
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "two ready timeouts: {:?}",
        t.elapsed()
    );
    assert_eq!(sup.status().restarts, 1);
}

#[tokio::test]
async fn crash_once_then_recovers_with_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let starts = dir.path().join("starts");
    let program = fake(
        &dir,
        &[
            ("FAKE_CRASH_AFTER_MS", "150"),
            ("FAKE_CRASH_FIRST", "1"),
            ("FAKE_STARTS_FILE", starts.to_str().unwrap()),
        ],
    );
    let sup = Supervisor::new(config(program, &dir));
    sup.start().await.unwrap();
    let first = running_pid(&sup.status()).unwrap();
    let s = wait_for(&sup, "running again", |s| {
        running_pid(s).is_some_and(|p| p != first)
    })
    .await;
    assert_eq!(s.restarts, 1);
    assert!(
        s.last_error
            .as_deref()
            .unwrap()
            .contains("exited with code 1: fake crash"),
        "{s:?}"
    );
    assert_eq!(std::fs::read_to_string(&starts).unwrap().lines().count(), 2);
}

#[tokio::test]
async fn a_crash_loop_stops_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(fake(&dir, &[("FAKE_CRASH_AFTER_MS", "50")]), &dir);
    cfg.crash_limit = 3;
    let sup = Supervisor::new(cfg);
    sup.start().await.unwrap();
    let s = wait_for(&sup, "crashed", |s| {
        matches!(s.state, GatewayState::Crashed { .. })
    })
    .await;
    let GatewayState::Crashed { reason, exit_code } = s.state else {
        unreachable!()
    };
    assert!(reason.contains("gave up after 3 crashes"), "{reason}");
    assert_eq!(exit_code, Some(1));
    assert_eq!(s.restarts, 2);
}

#[tokio::test]
async fn ignoring_sigterm_gets_killed_after_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(fake(&dir, &[("FAKE_IGNORE_SIGTERM", "1")]), &dir);
    cfg.stop_timeout = Duration::from_millis(400);
    let sup = Supervisor::new(cfg);
    sup.start().await.unwrap();
    let pid = running_pid(&sup.status()).unwrap();
    let t = Instant::now();
    sup.stop().await.unwrap();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "{took:?}"
    );
    wait_gone(pid, Duration::from_secs(1)).await;
}

#[tokio::test]
async fn garbage_before_the_ready_line_is_tolerated() {
    let dir = tempfile::tempdir().unwrap();
    let sup = Supervisor::new(config(fake(&dir, &[("FAKE_GARBAGE", "1")]), &dir));
    sup.start().await.unwrap();
    assert!(running_pid(&sup.status()).is_some());
}

/// The real gateway, stopped with SIGSTOP (the process is there and its socket accepts, but
/// nothing answers): the health checks find it, it is killed and a new one runs.
#[tokio::test]
async fn a_hung_gateway_is_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(tidepool_vault(dir.path()), &dir);
    cfg.health_failures = 2;
    cfg.health_timeout = Duration::from_millis(300);
    cfg.stop_timeout = Duration::from_millis(500);
    let sup = Supervisor::new(cfg);
    sup.start().await.unwrap();
    let first = running_pid(&sup.status()).unwrap();
    unsafe_kill(first, libc::SIGSTOP);
    let s = wait_for(&sup, "a new gateway after failed health checks", |s| {
        s.restarts >= 1 && running_pid(s).is_some_and(|p| p != first)
    })
    .await;
    assert!(
        s.last_error
            .as_deref()
            .unwrap()
            .contains("stopped answering health checks"),
        "{s:?}"
    );
    // The stopped one is gone (a stopped process still dies of SIGKILL) and the new one answers.
    wait_gone(first, Duration::from_secs(3)).await;
    let health = sup
        .client()
        .unwrap()
        .call::<tidepool_protocol::methods::Health>(&tidepool_protocol::contract::NoParams {})
        .await
        .unwrap();
    assert!(health.ok);
    sup.shutdown().await;
}

#[tokio::test]
async fn a_missing_binary_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sup = Supervisor::new(config(dir.path().join("no-such-tidepool"), &dir));
    let err = sup.start().await.unwrap_err().to_string();
    assert!(
        err.contains("cannot start") && err.contains("no-such-tidepool"),
        "{err}"
    );
}

#[tokio::test]
async fn stop_while_restarting_cancels_the_retry() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(fake(&dir, &[("FAKE_CRASH_AFTER_MS", "50")]), &dir);
    cfg.backoff_initial = Duration::from_secs(30);
    cfg.backoff_max = Duration::from_secs(30);
    let sup = Supervisor::new(cfg);
    sup.start().await.unwrap();
    wait_for(&sup, "restarting", |s| {
        matches!(s.state, GatewayState::Restarting { .. })
    })
    .await;
    let t = Instant::now();
    sup.stop().await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(1));
    assert_eq!(sup.status().state, GatewayState::Stopped);
}

#[tokio::test]
async fn dropping_the_supervisor_stops_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let sup = Supervisor::new(config(tidepool_vault(dir.path()), &dir));
    sup.start().await.unwrap();
    let pid = running_pid(&sup.status()).unwrap();
    drop(sup);
    wait_gone(pid, Duration::from_secs(6)).await;
}
