//! What judging a shell command costs before it runs: parsing it into the programs it invokes
//! and matching them against 50 rules. Run: `cargo bench -p tidepool-gateway --bench exec_policy`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};
use tidepool_gateway::config;
use tidepool_gateway::exec::analyze::analyze;
use tidepool_gateway::exec::policy::decide;

fn report(name: &str, mut t: Vec<Duration>) {
    t.sort();
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e6;
    println!(
        "{name:<48} p50 {:>8.1} µs   p90 {:>8.1} µs   max {:>8.1} µs",
        p(0.5),
        p(0.9),
        p(1.0)
    );
}

fn main() {
    let mut rules: Vec<String> = (0..47)
        .map(|i| format!("{{ pattern: 'tool{i} **' }}"))
        .collect();
    rules.push("{ pattern: 'git log **' }".into());
    rules.push("{ pattern: 'ls **' }".into());
    rules.push("{ pattern: 'rm **', action: 'deny' }".into());
    let text = format!(
        "{{ tools: {{ exec: {{ mode: 'ask', rules: [{}] }} }} }}",
        rules.join(",")
    );
    let cfg = config::parse(&text, "bench.json")
        .unwrap()
        .config
        .tools
        .exec;
    for (name, cmd) in [
        ("a plain command (`ls -la src`)", "ls -la src".to_owned()),
        (
            "a pipeline of 3",
            "git log --oneline | grep fix | head -5".to_owned(),
        ),
        (
            "nested: sh -c with $(...) inside",
            "sh -c \"echo $(ls && rm -rf ~)\"".to_owned(),
        ),
        (
            "a 40-command script",
            (0..40)
                .map(|i| format!("tool{i} --flag value{i}"))
                .collect::<Vec<_>>()
                .join(" && "),
        ),
    ] {
        let mut t = Vec::new();
        for _ in 0..2000 {
            let s = Instant::now();
            let v = decide(&analyze(&cmd), &cfg, "main", "agent:main:main");
            t.push(s.elapsed());
            std::hint::black_box(v);
        }
        report(name, t);
    }
}
