//! A stand-in for `tidepool gateway run` whose behaviour comes from env vars, so supervisor
//! tests can make a gateway crash, never get ready, fail its config, ignore SIGTERM or
//! print garbage. When healthy it speaks just enough of the protocol: challenge, `hello-ok`,
//! `health`.
//!
//! FAKE_EXIT_CODE=N (+FAKE_STDERR=msg)  exit N at once, before ready
//! FAKE_NEVER_READY=1                   never print the ready line
//! FAKE_GARBAGE=1                       print junk lines before the ready line
//! FAKE_CRASH_AFTER_MS=N                exit 1 N ms after ready
//! FAKE_CRASH_FIRST=K                   with FAKE_STARTS_FILE: crash only the first K starts
//! FAKE_STARTS_FILE=path                append one line per start
//! FAKE_IGNORE_SIGTERM=1                ignore SIGTERM and stdin closing
//! (A hung gateway is the real one under SIGSTOP: see the supervisor tests.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(unix)]
use futures_util::{SinkExt, StreamExt};
#[cfg(unix)]
use std::io::Write;
#[cfg(unix)]
use std::time::Duration;
#[cfg(unix)]
use tidepool_protocol::methods::*;
#[cfg(unix)]
use tidepool_protocol::{EventFrame, Frame, ResponseFrame, StateVersion};
#[cfg(unix)]
use tokio_tungstenite::tungstenite::Message;

#[cfg(unix)]
fn env_ms(k: &str) -> Option<u64> {
    std::env::var(k).ok().and_then(|v| v.parse().ok())
}

#[cfg(not(unix))]
fn main() {
    eprintln!("the fake gateway only runs on Unix");
    std::process::exit(2);
}

#[cfg(unix)]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let mut starts = 0usize;
    if let Ok(path) = std::env::var("FAKE_STARTS_FILE") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(f, "start").unwrap();
        starts = std::fs::read_to_string(&path).unwrap().lines().count();
    }
    if let Some(code) = env_ms("FAKE_EXIT_CODE") {
        eprintln!(
            "{}",
            std::env::var("FAKE_STDERR").unwrap_or_else(|_| "fake failure".into())
        );
        std::process::exit(code as i32);
    }
    let ignore_term = std::env::var_os("FAKE_IGNORE_SIGTERM").is_some();
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
    if std::env::var_os("FAKE_NEVER_READY").is_some() {
        loop {
            term.recv().await;
            if !ignore_term {
                return;
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    if std::env::var_os("FAKE_GARBAGE").is_some() {
        println!("garbage before ready");
        println!("{{\"event\":\"not-ready\"}}");
        println!("{{truncated");
    }
    println!(
        "{{\"event\":\"ready\",\"port\":{port},\"pid\":{},\"version\":\"0.0.0-fake\"}}",
        std::process::id()
    );
    std::io::stdout().flush().unwrap();
    let crash_after = env_ms("FAKE_CRASH_AFTER_MS")
        .filter(|_| env_ms("FAKE_CRASH_FIRST").is_none_or(|k| starts as u64 <= k));
    let crash = async {
        match crash_after {
            Some(ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                eprintln!("fake crash");
                std::process::exit(1);
            }
            None => std::future::pending::<()>().await,
        }
    };
    let stdin_closed = async {
        let mut buf = [0u8; 64];
        let mut stdin = tokio::io::stdin();
        while tokio::io::AsyncReadExt::read(&mut stdin, &mut buf)
            .await
            .unwrap_or(0)
            > 0
        {}
    };
    tokio::pin!(crash, stdin_closed);
    let mut stdin_done = false;
    loop {
        tokio::select! {
            _ = &mut crash => {}
            _ = term.recv() => if !ignore_term { return },
            _ = &mut stdin_closed, if !stdin_done => {
                stdin_done = true;
                if !ignore_term { return }
            }
            Ok((stream, _)) = listener.accept() => {
                tokio::spawn(serve(stream));
            }
        }
    }
}

#[cfg(unix)]
async fn serve(stream: tokio::net::TcpStream) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let challenge = Frame::Event(EventFrame::new(
        "connect.challenge",
        serde_json::json!({"nonce": "n", "ts": 1}),
    ));
    let _ = ws
        .send(Message::text(serde_json::to_string(&challenge).unwrap()))
        .await;
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { continue };
        let Ok(Frame::Req(req)) = serde_json::from_str::<Frame>(t.as_str()) else {
            continue;
        };
        let payload = match req.method.as_str() {
            "connect" => serde_json::to_value(hello()).unwrap(),
            _ => serde_json::json!({"ok": true}),
        };
        let res = Frame::Res(ResponseFrame::ok(req.id, payload));
        if ws
            .send(Message::text(serde_json::to_string(&res).unwrap()))
            .await
            .is_err()
        {
            return;
        }
    }
}

#[cfg(unix)]
fn hello() -> HelloOk {
    HelloOk {
        kind: "hello-ok".into(),
        protocol: 4,
        server: ServerInfo {
            version: "0.0.0-fake".into(),
            conn_id: "fake".into(),
            boot_id: None,
        },
        features: Features {
            methods: vec!["health".into()],
            events: vec![],
        },
        snapshot: Snapshot {
            presence: vec![],
            health: HealthSummary {
                ok: true,
                ts: 1,
                duration_ms: 0,
                plugins: PluginHealth::default(),
                config_reload: ConfigReloadHealth {
                    hot_reload_status: "disabled".into(),
                },
                channels: Default::default(),
                channel_order: vec![],
                channel_labels: Default::default(),
                default_agent_id: "main".into(),
                agents: vec![],
            },
            state_version: StateVersion::default(),
            uptime_ms: 0,
            config_path: None,
            state_dir: None,
            auth_mode: None,
        },
        auth: HelloAuth {
            role: "operator".into(),
            scopes: vec![],
        },
        policy: Policy {
            max_payload: 1 << 20,
            max_buffered_bytes: 1 << 20,
            tick_interval_ms: 30_000,
        },
    }
}
