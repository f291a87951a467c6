//! Gateway benchmark: start-up to ready line and to first `hello-ok`, idle memory, and `health`
//! round trips (sequential and 100 concurrent clients, out of process; sequential in process).
//! Run: `cargo bench -p tidepool-cli --bench gateway` (release profile). Prints a Markdown
//! report; `BENCH_REPORT=path` also writes it to a file. `BENCH_QUICK=1` shortens every phase.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tidepool_client::{Client, ConnectOptions};
use tidepool_protocol::Scope;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_tidepool");

struct Proc {
    /// Held so the process is killed when the handle drops.
    _child: tokio::process::Child,
    port: u16,
    pid: u32,
    dir: tempfile::TempDir,
    ready_after: Duration,
    started: Instant,
}

async fn spawn_gateway() -> Proc {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = tokio::process::Command::new(BIN)
        .args(["gateway", "run", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .env("TIDEPOOL_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap();
    let ready_after = started.elapsed();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    Proc {
        port: v["port"].as_u64().unwrap() as u16,
        pid: v["pid"].as_u64().unwrap() as u32,
        _child: child,
        dir,
        ready_after,
        started,
    }
}

impl Proc {
    fn token(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("gateway.token")).unwrap()
    }
    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }
    fn rss_kb(&self) -> u64 {
        rss_kb(self.pid)
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

async fn client(url: &str, token: &str) -> Client {
    Client::connect(
        ConnectOptions::new(url, "test", "bench")
            .token(Some(token.trim().into()))
            .scopes(vec![Scope::Read]),
    )
    .await
    .unwrap()
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

async fn health_loop(c: &Client, n: usize) -> Vec<Duration> {
    method_loop(c, "health", n).await
}

async fn method_loop(c: &Client, method: &str, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        c.request(method, serde_json::Value::Null).await.unwrap();
        out.push(t.elapsed());
    }
    out
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (starts, seq_n, conc_clients, conc_n, idle_wait) = if quick {
        (5, 2_000, 20, 100, Duration::from_secs(2))
    } else {
        (30, 20_000, 100, 1_000, Duration::from_secs(10))
    };
    let mut report = String::new();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    writeln!(
        report,
        "## Gateway benchmark ({} build, {cores} cores)\n",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    )
    .unwrap();

    // 1. Start-up.
    let mut ready = vec![];
    let mut hello = vec![];
    for _ in 0..starts {
        let p = spawn_gateway().await;
        ready.push(p.ready_after);
        let c = client(&p.url(), &p.token()).await;
        hello.push(p.started.elapsed());
        c.close();
        drop(p);
    }
    ready.sort();
    hello.sort();
    writeln!(
        report,
        "| start-up ({starts} runs) | p50 | min | max |\n|---|---|---|---|"
    )
    .unwrap();
    writeln!(
        report,
        "| spawn → ready line | {} | {} | {} |",
        ms(pct(&ready, 0.5)),
        ms(ready[0]),
        ms(*ready.last().unwrap())
    )
    .unwrap();
    writeln!(
        report,
        "| spawn → first hello-ok | {} | {} | {} |\n",
        ms(pct(&hello, 0.5)),
        ms(hello[0]),
        ms(*hello.last().unwrap())
    )
    .unwrap();

    // 2. Idle memory.
    let p = spawn_gateway().await;
    tokio::time::sleep(idle_wait).await;
    let idle = p.rss_kb();
    let c = client(&p.url(), &p.token()).await;

    // 3. Sequential health round trips over one authenticated socket.
    health_loop(&c, 500).await; // warm-up
    let mut seq = health_loop(&c, seq_n).await;
    seq.sort();
    // `sessions.list` on an empty store, on the same socket: what a client's first screen asks.
    method_loop(&c, "sessions.list", 500).await;
    let mut list = method_loop(&c, "sessions.list", seq_n).await;
    list.sort();
    let after_seq = p.rss_kb();

    // 4. Concurrent clients.
    let mut clients = vec![];
    for _ in 0..conc_clients {
        clients.push(client(&p.url(), &p.token()).await);
    }
    let t = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|c| tokio::spawn(async move { health_loop(&c, conc_n).await }))
        .collect();
    let mut conc = vec![];
    for t in tasks {
        conc.extend(t.await.unwrap());
    }
    let wall = t.elapsed();
    conc.sort();
    let peak = p.rss_kb();
    writeln!(report, "| memory (VmRSS) | value |\n|---|---|").unwrap();
    writeln!(
        report,
        "| idle, {}s after start, no clients | {:.1} MB |",
        idle_wait.as_secs(),
        idle as f64 / 1024.0
    )
    .unwrap();
    writeln!(
        report,
        "| after {seq_n} sequential requests | {:.1} MB |",
        after_seq as f64 / 1024.0
    )
    .unwrap();
    writeln!(
        report,
        "| with {conc_clients} clients after the concurrent run | {:.1} MB |\n",
        peak as f64 / 1024.0
    )
    .unwrap();

    // 5. In-process: the gateway library and the client in this process.
    let dir = tempfile::tempdir().unwrap();
    let paths = tidepool_gateway::StatePaths::new(dir.path().to_path_buf(), None);
    let prepared = tidepool_gateway::prepare(
        paths,
        &tidepool_gateway::Overrides {
            port: Some(0),
            bind: None,
        },
    )
    .unwrap();
    let gw = tidepool_gateway::Gateway::start(prepared, "bench")
        .await
        .unwrap();
    let token = std::fs::read_to_string(dir.path().join("gateway.token")).unwrap();
    let inproc_client = client(&format!("ws://{}", gw.local_addr()), &token).await;
    health_loop(&inproc_client, 500).await;
    let mut inproc = health_loop(&inproc_client, seq_n).await;
    inproc.sort();

    writeln!(
        report,
        "| `health` round trip | n | p50 | p99 | max |\n|---|---|---|---|---|"
    )
    .unwrap();
    writeln!(
        report,
        "| sequential, 1 client, gateway in its own process | {seq_n} | {} | {} | {} |",
        ms(pct(&seq, 0.5)),
        ms(pct(&seq, 0.99)),
        ms(*seq.last().unwrap())
    )
    .unwrap();
    writeln!(
        report,
        "| `sessions.list` (empty store), sequential, 1 client, own process | {seq_n} | {} | {} | {} |",
        ms(pct(&list, 0.5)),
        ms(pct(&list, 0.99)),
        ms(*list.last().unwrap())
    )
    .unwrap();
    writeln!(
        report,
        "| sequential, 1 client, gateway in process | {seq_n} | {} | {} | {} |",
        ms(pct(&inproc, 0.5)),
        ms(pct(&inproc, 0.99)),
        ms(*inproc.last().unwrap())
    )
    .unwrap();
    writeln!(
        report,
        "| {conc_clients} concurrent clients × {conc_n}, own process | {} | {} | {} | {} |",
        conc.len(),
        ms(pct(&conc, 0.5)),
        ms(pct(&conc, 0.99)),
        ms(*conc.last().unwrap())
    )
    .unwrap();
    writeln!(
        report,
        "\nConcurrent throughput: {:.0} requests/s.",
        conc.len() as f64 / wall.as_secs_f64()
    )
    .unwrap();

    print!("{report}");
    if let Ok(path) = std::env::var("BENCH_REPORT") {
        std::fs::write(path, &report).unwrap();
    }
    drop(p);
}
