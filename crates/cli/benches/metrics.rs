//! `/metrics` benchmark: what one Prometheus scrape costs the gateway (latency, size, CPU) and
//! what scraping does to RPC latency, against the real `tidepool` binary.
//! Run: `cargo bench -p tidepool-cli --bench metrics` (release profile). Prints a Markdown
//! report; `BENCH_REPORT=path` also writes it; `BENCH_QUICK=1` shortens every phase.

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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tidepool_client::{Client, ConnectOptions};
use tidepool_protocol::Scope;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_tidepool");

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// utime + stime of a process, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

async fn rpc_loop(c: &Client, method: &str, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        c.request(method, serde_json::Value::Null).await.unwrap();
        out.push(t.elapsed());
    }
    out.sort();
    out
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (scrapes, rpcs) = if quick { (500, 3_000) } else { (5_000, 20_000) };

    let dir = tempfile::tempdir().unwrap();
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
    let ready: serde_json::Value =
        serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    let port = ready["port"].as_u64().unwrap() as u16;
    let pid = ready["pid"].as_u64().unwrap() as u32;
    let token = std::fs::read_to_string(dir.path().join("gateway.token"))
        .unwrap()
        .trim()
        .to_owned();
    let c = Client::connect(
        ConnectOptions::new(format!("ws://127.0.0.1:{port}"), "test", "bench")
            .token(Some(token.clone()))
            .scopes(vec![Scope::Read]),
    )
    .await
    .unwrap();
    // Fill the histograms a little: several methods, so a scrape has series to write.
    for m in [
        "health",
        "status",
        "sessions.list",
        "config.get",
        "models.list",
    ] {
        for _ in 0..50 {
            let _ = c.request(m, serde_json::Value::Null).await;
        }
    }
    let http = tidepool_gateway::providers::http_client().unwrap();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let scrape = |http: reqwest::Client, url: String, token: String| async move {
        let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap().len()
    };

    // 1. Sequential scrapes: latency, size, the gateway's CPU per scrape.
    for _ in 0..50 {
        scrape(http.clone(), url.clone(), token.clone()).await;
    }
    let ticks0 = cpu_ticks(pid);
    let t0 = Instant::now();
    let mut lat = Vec::with_capacity(scrapes);
    let mut size = 0;
    for _ in 0..scrapes {
        let t = Instant::now();
        size = scrape(http.clone(), url.clone(), token.clone()).await;
        lat.push(t.elapsed());
    }
    let wall = t0.elapsed();
    let cpu_ms = (cpu_ticks(pid) - ticks0) as f64 * 10.0;
    lat.sort();

    // 2. `health` latency alone, then with a scraper hammering /metrics in a loop.
    rpc_loop(&c, "health", 500).await;
    let alone = rpc_loop(&c, "health", rpcs).await;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let hammer = {
        let (stop, done, http, url, token) = (
            stop.clone(),
            done.clone(),
            http.clone(),
            url.clone(),
            token.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                scrape(http.clone(), url.clone(), token.clone()).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let t1 = Instant::now();
    let scraped = rpc_loop(&c, "health", rpcs).await;
    let scrape_rate = done.load(Ordering::Relaxed) as f64 / t1.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    hammer.await.unwrap();
    // Prometheus' default: one scrape every 15 s; here one a second, for the same RPCs.
    let stop2 = Arc::new(AtomicBool::new(false));
    let periodic = {
        let (stop, http, url, token) = (stop2.clone(), http.clone(), url.clone(), token.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                scrape(http.clone(), url.clone(), token.clone()).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    let periodic_lat = rpc_loop(&c, "health", rpcs).await;
    stop2.store(true, Ordering::Relaxed);
    periodic.await.unwrap();

    let mut report = String::new();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    writeln!(
        report,
        "## `/metrics` benchmark ({} build, {cores} cores)\n",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    )
    .unwrap();
    writeln!(
        report,
        "| scrape, sequential, one keep-alive connection | n | p50 | p99 | max | body | gateway CPU per scrape |\n|---|---|---|---|---|---|---|"
    )
    .unwrap();
    writeln!(
        report,
        "| `GET /metrics` with the bearer token | {scrapes} | {} | {} | {} | {:.1} KB | {:.3} ms |\n",
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99)),
        ms(*lat.last().unwrap()),
        size as f64 / 1024.0,
        cpu_ms / scrapes as f64
    )
    .unwrap();
    writeln!(
        report,
        "Sequential scrape rate: {:.0}/s.\n",
        scrapes as f64 / wall.as_secs_f64()
    )
    .unwrap();
    writeln!(
        report,
        "| `health` round trip, 1 client | n | p50 | p99 | max |\n|---|---|---|---|---|"
    )
    .unwrap();
    for (name, l) in [
        ("no scraping".to_owned(), &alone),
        ("one scrape a second".to_owned(), &periodic_lat),
        (
            format!("a scraper in a tight loop ({scrape_rate:.0} scrapes/s)"),
            &scraped,
        ),
    ] {
        writeln!(
            report,
            "| {name} | {rpcs} | {} | {} | {} |",
            ms(pct(l, 0.5)),
            ms(pct(l, 0.99)),
            ms(*l.last().unwrap())
        )
        .unwrap();
    }
    print!("{report}");
    if let Ok(path) = std::env::var("BENCH_REPORT") {
        std::fs::write(path, &report).unwrap();
    }
    c.close();
}
