//! Config reload cost: parse + includes + variables + validate + swap of a 2,000-line JSON5
//! config, as the file watcher does it. Run: `cargo bench -p tidepool-gateway --bench config_reload`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};
use tidepool_gateway::config::store::ConfigStore;

fn config_text(lines: usize) -> String {
    let mut s = String::from(
        "// a large config\n{\n  gateway: { port: 18789, bind: 'loopback', auth: { mode: 'token' } },\n  logging: { level: 'info', retentionDays: 7 },\n  agents: {\n    entries: {\n",
    );
    let mut n = 0;
    while s.lines().count() < lines - 4 {
        let _ = writeln!(
            s,
            "      agent{n}: {{ name: 'Agent {n}', model: 'local/my-model', workspace: '~/work/{n}', // agent {n}\n        tools: {{ allow: ['read', 'write'], deny: [] }}, maxSteps: {}, }},",
            n % 10 + 1
        );
        n += 1;
    }
    s.push_str("    },\n  },\n}\n");
    s
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tidepool.json");
    let a = config_text(2000);
    let b = a.replace("level: 'info'", "level: 'debug'");
    std::fs::write(&file, &a).unwrap();
    let store = ConfigStore::open(&file).unwrap();
    let mut times: Vec<Duration> = Vec::new();
    for i in 0..60 {
        std::fs::write(&file, if i % 2 == 0 { &b } else { &a }).unwrap();
        let t = Instant::now();
        let change = store.reload().unwrap().expect("the file changed");
        times.push(t.elapsed());
        assert_eq!(change.changed, vec!["logging.level".to_string()]);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "config reload, {} lines ({} KB): p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms over {} reloads",
        a.lines().count(),
        a.len() / 1024,
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(*times.last().unwrap()),
        times.len()
    );
}
