//! A gateway that runs elsewhere: the handshake check and the supervisor's remote mode against a
//! real `tidepool` gateway process the test starts, kills and starts again on the same port.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use support::{tidepool_bin, wait_for};

use std::process::Stdio;
use std::time::Duration;
use tidepool_control::remote::{self, RemoteCheck, RemoteGateway, Transport};
use tidepool_control::{GatewayState, SidecarConfig, Supervisor, SupervisorError};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

const TOKEN: &str = "remote-test-token-0123456789abcdef";

/// A gateway the test owns (the "other machine").
struct Remote {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Remote {
    async fn start(port: u16) -> Remote {
        let dir = tempfile::tempdir().unwrap();
        Remote::start_in(dir, port).await
    }

    async fn start_in(dir: tempfile::TempDir, port: u16) -> Remote {
        let mut child = tidepool_control::process::command(tidepool_bin())
            .args(["gateway", "run", "--port", &port.to_string(), "--state-dir"])
            .arg(dir.path())
            .env("TIDEPOOL_GATEWAY_TOKEN", TOKEN)
            .env("TIDEPOOL_SECRETS_BACKEND", "vault")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("ready line in time")
            .unwrap()
            .expect("a ready line");
        let v: serde_json::Value = serde_json::from_str(&ready).unwrap();
        assert_eq!(v["event"], "ready", "{ready}");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Remote {
            child,
            port: u16::try_from(v["port"].as_u64().unwrap()).unwrap(),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// Kills it hard (a machine going away) and gives back its state dir.
    async fn kill(mut self) -> tempfile::TempDir {
        self.child.kill().await.unwrap();
        self._dir
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn remote_config(url: String, token: &str) -> SidecarConfig {
    // The program must never be run in remote mode: point it at something that cannot start.
    let mut c = SidecarConfig::new("/nonexistent/tidepool".into(), "/nonexistent".into());
    c.backoff_initial = Duration::from_millis(50);
    c.backoff_max = Duration::from_millis(200);
    c.health_interval = Duration::from_millis(200);
    c.remote = Some(RemoteGateway {
        url,
        token: Some(token.into()),
    });
    c
}

fn failure(c: RemoteCheck) -> (String, String) {
    match c {
        RemoteCheck::Failed { reason, message } => (reason, message),
        ok => panic!("expected a failure, got {ok:?}"),
    }
}

#[tokio::test]
async fn the_check_tells_a_wrong_token_an_empty_port_and_a_silent_server_apart() {
    let gw = Remote::start(0).await;
    let t = Duration::from_secs(5);

    match remote::check(&gw.url(), Some(TOKEN), t).await {
        RemoteCheck::Ok {
            url,
            version,
            transport,
            scopes,
            ..
        } => {
            assert_eq!(url, gw.url());
            assert_eq!(version, env!("CARGO_PKG_VERSION"));
            assert_eq!(transport, Transport::Loopback);
            assert!(scopes.iter().any(|s| s == "operator.admin"), "{scopes:?}");
        }
        other => panic!("{other:?}"),
    }
    // Typed without a scheme: taken as ws://.
    let bare = format!("127.0.0.1:{}", gw.port);
    assert!(matches!(
        remote::check(&bare, Some(TOKEN), t).await,
        RemoteCheck::Ok { .. }
    ));

    let (reason, message) = failure(remote::check(&gw.url(), Some("wrong-token"), t).await);
    assert_eq!(reason, "token", "{message}");
    assert!(message.contains("refused the token"), "{message}");
    assert!(
        !message.contains("wrong-token"),
        "the token is echoed: {message}"
    );

    let (reason, message) = failure(remote::check(&gw.url(), None, t).await);
    assert_eq!(reason, "token", "{message}");
    assert!(message.contains("needs a token"), "{message}");

    let port = free_port();
    let (reason, message) =
        failure(remote::check(&format!("ws://127.0.0.1:{port}"), Some(TOKEN), t).await);
    assert_eq!(reason, "unreachable", "{message}");
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");

    // Something that accepts connections but never speaks WebSocket.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = vec![];
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let started = std::time::Instant::now();
    let (reason, message) = failure(
        remote::check(
            &format!("ws://127.0.0.1:{silent_port}"),
            Some(TOKEN),
            Duration::from_secs(1),
        )
        .await,
    );
    assert_eq!(reason, "timeout", "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    let (reason, _) = failure(remote::check("ftp://example.com", Some(TOKEN), t).await);
    assert_eq!(reason, "url");
}

#[tokio::test]
async fn a_plain_address_elsewhere_gets_no_byte_until_the_user_agrees() {
    // Another machine (TEST-NET-1: nothing answers there) over plain ws://.
    let url = "ws://192.0.2.1:18789";
    let started = std::time::Instant::now();
    let (reason, message) = failure(remote::check(url, Some(TOKEN), Duration::from_secs(5)).await);
    assert_eq!(reason, "plain", "{message}");
    assert!(
        message.contains("not encrypted") && message.contains("Nothing was sent"),
        "{message}"
    );
    assert!(!message.contains(TOKEN), "{message}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "it tried to connect: {:?}",
        started.elapsed()
    );
    // Agreed: now it does try (and finds nothing there).
    let (reason, message) =
        failure(remote::check_allowing_plain(url, Some(TOKEN), Duration::from_millis(300)).await);
    assert!(
        reason == "timeout" || reason == "unreachable",
        "{reason}: {message}"
    );
    // A loopback address (a local gateway, an SSH tunnel) needs no consent.
    let (reason, _) =
        failure(remote::check("ws://127.0.0.1:9", Some(TOKEN), Duration::from_secs(1)).await);
    assert_ne!(reason, "plain");
}

#[tokio::test]
async fn the_supervisor_follows_a_remote_gateway_and_never_stops_it() {
    let gw = Remote::start(0).await;
    let port = gw.port;
    let sup = Supervisor::new(remote_config(gw.url(), TOKEN));
    assert_eq!(sup.status().remote.as_deref(), Some(gw.url().as_str()));

    sup.start().await.unwrap();
    let s = sup.status();
    assert!(
        matches!(s.state, GatewayState::Running { pid: None, port: p, .. } if p == port),
        "{s:?}"
    );
    assert_eq!(s.url.as_deref(), Some(gw.url().as_str()));
    sup.client()
        .unwrap()
        .call::<tidepool_protocol::methods::Health>(&tidepool_protocol::contract::NoParams {})
        .await
        .unwrap();

    // The machine goes away: the link is noticed as lost and retried, not given up on.
    let dir = gw.kill().await;
    let s = wait_for(&sup, "reconnecting", |s| {
        matches!(s.state, GatewayState::Restarting { .. })
    })
    .await;
    assert!(
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("lost the connection to ws://127.0.0.1")),
        "{s:?}"
    );
    // More failed attempts than the local crash limit: still trying.
    wait_for(&sup, "many attempts", |s| s.restarts >= 7).await;
    assert!(!matches!(sup.status().state, GatewayState::Crashed { .. }));

    // It comes back on the same port: connected again without anyone pressing Start.
    let gw = Remote::start_in(dir, port).await;
    wait_for(&sup, "reconnected", |s| {
        matches!(s.state, GatewayState::Running { .. })
    })
    .await;

    // Disconnecting leaves the remote gateway running.
    sup.stop().await.unwrap();
    assert_eq!(sup.status().state, GatewayState::Stopped);
    assert!(matches!(
        remote::check(&gw.url(), Some(TOKEN), Duration::from_secs(5)).await,
        RemoteCheck::Ok { .. }
    ));
    sup.shutdown().await;
    assert!(matches!(
        remote::check(&gw.url(), Some(TOKEN), Duration::from_secs(5)).await,
        RemoteCheck::Ok { .. }
    ));
}

#[tokio::test]
async fn a_refused_token_stops_retrying_and_an_unreachable_start_answers_at_once() {
    let gw = Remote::start(0).await;
    let sup = Supervisor::new(remote_config(gw.url(), "not-the-token"));
    match sup.start().await {
        Err(SupervisorError::Failed(reason)) => {
            assert!(reason.contains("refused the token"), "{reason}");
            assert!(!reason.contains("not-the-token"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(sup.status().state, GatewayState::Crashed { .. }),
        "{:?}",
        sup.status()
    );

    let port = free_port();
    let sup = Supervisor::new(remote_config(format!("ws://127.0.0.1:{port}"), TOKEN));
    let started = std::time::Instant::now();
    match sup.start().await {
        Err(SupervisorError::Failed(reason)) => {
            assert!(reason.contains("nothing answered"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // It keeps trying in the background and connects once the gateway is there.
    let _gw2 = Remote::start(port).await;
    wait_for(&sup, "connected", |s| {
        matches!(s.state, GatewayState::Running { .. })
    })
    .await;
}
