//! Hosts benchmark, against a real sshd on loopback: opening a master (the full SSH handshake),
//! a command without the pool (a fresh `ssh` each time) against one through the pooled
//! master, and 100 small commands through the pool one by one and 4 at a time.
//! Run: `cargo bench -p tidepool-control --bench hosts` (needs `sshd`; release profile). Prints
//! a Markdown report; `BENCH_REPORT=path` also writes it; `BENCH_QUICK=1` shortens it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// The baseline runs `ssh` directly, as a script without the pool would.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};
use tidepool_control::hosts::{Auth, HostPool, HostSpec, KnownHostsFile, PoolConfig, Trust};
use tidepool_testkit::sshd::Sshd;

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn row(report: &mut String, name: &str, mut v: Vec<Duration>) {
    v.sort();
    writeln!(
        report,
        "| {name} | {} | {} | {} | {} |",
        v.len(),
        ms(pct(&v, 0.5)),
        ms(pct(&v, 0.9)),
        ms(*v.last().unwrap())
    )
    .unwrap();
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (connects, commands) = if quick { (5, 30) } else { (20, 100) };
    let sshd = Sshd::start();
    let dir = tempfile::Builder::new().prefix("tp-b").tempdir().unwrap();
    let known = KnownHostsFile::new(dir.path().join("known_hosts"));
    let spec = HostSpec::parse(&sshd.address()).unwrap();
    let keys = KnownHostsFile::scan(&spec).await.unwrap();
    let Trust::Unknown { offered } = known.check(&spec, &keys).unwrap() else {
        panic!("a fresh known_hosts knows nothing")
    };
    known.trust(&spec, &offered).unwrap();
    let auth = Auth {
        key_file: Some(sshd.client_key()),
    };
    let config = |n: &str| {
        let mut c = PoolConfig::new(known.path().to_path_buf(), dir.path().join(n));
        c.ssh_config = Some(sshd.client_config());
        c
    };

    // 1. A new master each time: what the first operation on a host costs.
    let mut open = vec![];
    for i in 0..connects {
        let pool = HostPool::new(config(&format!("c{i}")));
        let t = Instant::now();
        drop(pool.lease(&spec, &auth).await.unwrap());
        open.push(t.elapsed());
        pool.close_all().await;
    }

    // 2. Without the pool: a fresh `ssh … true` per command.
    let mut plain = vec![];
    for _ in 0..connects {
        let t = Instant::now();
        let ok = std::process::Command::new("ssh")
            .arg("-F")
            .arg(sshd.client_config())
            .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", known.path().display()))
            .arg("-i")
            .arg(sshd.client_key())
            .args(["-p", &sshd.port.to_string()])
            .arg(format!("{}@127.0.0.1", tidepool_testkit::sshd::me()))
            .arg("true")
            .status()
            .unwrap()
            .success();
        assert!(ok);
        plain.push(t.elapsed());
    }

    // 3. Through the pooled master.
    let pool = HostPool::new(config("p"));
    pool.run(&spec, &auth, "true", &[], None).await.unwrap();
    let mut pooled = vec![];
    let t0 = Instant::now();
    for _ in 0..commands {
        let t = Instant::now();
        pool.run(&spec, &auth, "true", &[], None).await.unwrap();
        pooled.push(t.elapsed());
    }
    let sequential_total = t0.elapsed();
    // 4. The same, 4 at a time (the pool's default limit per host).
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..commands)
        .map(|_| {
            let (pool, spec, auth) = (pool.clone(), spec.clone(), auth.clone());
            tokio::spawn(async move { pool.run(&spec, &auth, "true", &[], None).await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let parallel_total = t0.elapsed();
    pool.close_all().await;

    let mut report = String::new();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    writeln!(
        report,
        "## Hosts benchmark ({} build, {cores} cores, sshd on loopback)\n",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    )
    .unwrap();
    writeln!(
        report,
        "| operation | n | p50 | p90 | max |\n|---|---|---|---|---|"
    )
    .unwrap();
    row(&mut report, "open a master (SSH handshake, key auth)", open);
    row(
        &mut report,
        "one command, a fresh `ssh` each time (no pool)",
        plain,
    );
    row(&mut report, "one command through the pooled master", pooled);
    writeln!(
        report,
        "\n{commands} commands through the pool: {} one by one, {} 4 at a time.",
        ms(sequential_total),
        ms(parallel_total)
    )
    .unwrap();
    print!("{report}");
    if let Ok(path) = std::env::var("BENCH_REPORT") {
        std::fs::write(path, &report).unwrap();
    }
}
