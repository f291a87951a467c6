//! Gateway overhead per streamed delta: a provider fake streams 20,000 text deltas as fast as it
//! can; a client receives them as `chat` events. Reports the end-to-end delta rate and the
//! gateway's CPU time per delta (from /proc, so Linux only).
//! Run: `cargo bench -p tidepool-cli --bench chat_stream`.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::json;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tidepool_client::{Client, ConnectOptions};
use tidepool_protocol::Scope;
use tidepool_testkit::{FakeOptions, FakeProvider, Script};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_tidepool");
const DELTAS: usize = 20_000;

/// User + system CPU of a process, seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    let hz: f64 = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0);
    ticks as f64 / hz
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let fake = FakeProvider::start(FakeOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tidepool.json"),
        format!(
            "{{ agents: {{ defaults: {{ model: 'fake/fake-model' }} }}, models: {{ providers: {{ fake: {{ baseUrl: '{}', api: 'openai-completions' }} }} }}, logging: {{ level: 'warn' }} }}",
            fake.openai_base_url()
        ),
    )
    .unwrap();
    let mut child = tokio::process::Command::new(BIN)
        .args(["gateway", "run", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready: serde_json::Value =
        serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    let pid = ready["pid"].as_u64().unwrap() as u32;
    let token = std::fs::read_to_string(dir.path().join("gateway.token")).unwrap();
    let client = Client::connect(
        ConnectOptions::new(format!("ws://127.0.0.1:{}", ready["port"]), "bench", "0")
            .token(Some(token.trim().into()))
            .scopes(vec![Scope::Read, Scope::Write]),
    )
    .await
    .unwrap();

    for round in 0..3 {
        let chunks: Vec<String> = (0..DELTAS).map(|i| format!("tok{i} ")).collect();
        fake.push(Script::Text { chunks });
        let mut rx = client.events();
        let cpu0 = cpu_seconds(pid);
        let t0 = Instant::now();
        let ack = client
            .request("chat.send", json!({ "sessionKey": format!("bench-{round}"), "message": "go", "idempotencyKey": format!("b{round}") }))
            .await
            .unwrap();
        let run = ack["runId"].as_str().unwrap().to_owned();
        // Count what reaches the client; the run's end comes from agent.wait, so a client that
        // falls behind (and drops events) cannot hang the benchmark.
        let counter = {
            let run = run.clone();
            tokio::spawn(async move {
                let (mut deltas, mut lagged, mut first) = (0usize, 0u64, None);
                loop {
                    match rx.recv().await {
                        Ok(ev) => {
                            let Some(p) = ev.payload else { continue };
                            if ev.event != "chat" || p["runId"] != run.as_str() {
                                continue;
                            }
                            match p["state"].as_str() {
                                Some("delta") => {
                                    deltas += 1;
                                    first.get_or_insert_with(|| t0.elapsed());
                                }
                                _ => return (deltas, lagged, first),
                            }
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => lagged += n,
                        Err(_) => return (deltas, lagged, first),
                    }
                }
            })
        };
        let done = client
            .request_with_timeout(
                "agent.wait",
                json!({ "runId": run, "timeoutMs": 120000 }),
                Duration::from_secs(130),
            )
            .await
            .unwrap();
        assert_eq!(done["status"], "ok", "{done}");
        let total = t0.elapsed();
        let cpu = cpu_seconds(pid) - cpu0;
        let (deltas, lagged, first) = tokio::time::timeout(Duration::from_secs(10), counter)
            .await
            .map(|r| r.unwrap())
            .unwrap_or((0, 0, None));
        println!(
            "round {round}: {DELTAS} deltas in {:.0} ms ({:.0} deltas/s end to end), first after {:.1} ms, {deltas} seen by the client ({lagged} dropped by its event buffer); gateway CPU {:.0} ms = {:.1} µs per delta",
            total.as_secs_f64() * 1000.0,
            DELTAS as f64 / total.as_secs_f64(),
            first.unwrap_or_default().as_secs_f64() * 1000.0,
            cpu * 1000.0,
            cpu * 1e6 / DELTAS as f64
        );
    }
    client.close();
}
