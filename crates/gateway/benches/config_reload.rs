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

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms over {} runs",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(*times.last().unwrap()),
        times.len()
    );
}

/// The whole config in one file; the edit changes one value.
fn reload_one_file(a: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tidepool.json");
    let b = a.replace("level: 'info'", "level: 'debug'");
    std::fs::write(&file, a).unwrap();
    let store = ConfigStore::open(&file).unwrap();
    let mut times: Vec<Duration> = Vec::new();
    for i in 0..60 {
        std::fs::write(&file, if i % 2 == 0 { &b } else { a }).unwrap();
        let t = Instant::now();
        let change = store.reload().unwrap().expect("the file changed");
        times.push(t.elapsed());
        assert_eq!(change.changed, vec!["logging.level".to_string()]);
    }
    report(
        &format!(
            "config reload, {} lines ({} KB) in one file",
            a.lines().count(),
            a.len() / 1024
        ),
        times,
    );
}

/// The same agents split over two `$include`d files; the edit is in an included file.
fn reload_with_includes(a: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tidepool.json");
    let start = a.find("      agent0:").unwrap();
    let end = a.rfind("    },\n  },\n}").unwrap();
    let agents: Vec<&str> = a[start..end].lines().collect();
    let (first, second) = agents.split_at(agents.len() / 2 / 2 * 2);
    let part = |lines: &[&str]| format!("{{\n{}\n}}\n", lines.join("\n"));
    let main = format!(
        "{}    $include: ['./agents-a.json5', './agents-b.json5'],\n    }},\n  }},\n}}\n",
        &a[..start]
    );
    std::fs::write(&file, &main).unwrap();
    let a_text = part(first);
    let b_text = a_text.replacen("maxSteps: 1,", "maxSteps: 9,", 1);
    std::fs::write(dir.path().join("agents-a.json5"), &a_text).unwrap();
    std::fs::write(dir.path().join("agents-b.json5"), part(second)).unwrap();
    let store = ConfigStore::open(&file).unwrap();
    let mut times: Vec<Duration> = Vec::new();
    for i in 0..60 {
        let text = if i % 2 == 0 { &b_text } else { &a_text };
        std::fs::write(dir.path().join("agents-a.json5"), text).unwrap();
        let t = Instant::now();
        let change = store.reload().unwrap().expect("the included file changed");
        times.push(t.elapsed());
        assert_eq!(
            change.changed,
            vec!["agents.entries.agent0.maxSteps".to_string()]
        );
    }
    report(
        &format!(
            "config reload, the same {} lines over a main file and 2 includes, an include edited",
            main.lines().count() + a_text.lines().count() + second.len() + 2
        ),
        times,
    );
}

/// A form or `config.set` edit: one value changed in place, comments kept.
fn in_place_edit(a: &str) {
    let mut times: Vec<Duration> = Vec::new();
    let value = serde_json::json!("debug");
    for _ in 0..60 {
        let t = Instant::now();
        let out = tidepool_config_text::set(a, &["logging", "level"], Some(&value)).unwrap();
        times.push(t.elapsed());
        assert_eq!(out.len(), a.len() + 1, "one word changed");
    }
    report(
        &format!(
            "in-place edit of one value in {} lines (comments kept)",
            a.lines().count()
        ),
        times,
    );
}

fn main() {
    let a = config_text(2000);
    reload_one_file(&a);
    reload_with_includes(&a);
    in_place_edit(&a);
}
