//! Session store figures: loading a 10,000-message transcript (history and model context),
//! `sessions.list` pages over 10,000 sessions, and the store cost of one streamed delta flush.
//! Run: `cargo bench -p tidepool-gateway --bench sessions`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::json;
use std::time::{Duration, Instant};
use tidepool_gateway::chat::history;
use tidepool_gateway::providers::Block;
use tidepool_gateway::sessions::{EntryKind, ListFilter, NewEntry, SessionStore};

fn entry(role: &'static str, text: String) -> NewEntry {
    NewEntry {
        kind: EntryKind::Message,
        role: Some(role),
        run_id: None,
        content: vec![Block::Text { text }],
        meta: json!({ "usage": { "input": 1200, "output": 300 } }),
        status: "complete",
    }
}

fn report(name: &str, mut t: Vec<Duration>) {
    t.sort();
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "{name:<44} p50 {:>8.3} ms   p90 {:>8.3} ms   max {:>8.3} ms",
        p(0.5),
        p(0.9),
        p(1.0)
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(&dir.path().join("s.sqlite"))
        .await
        .unwrap();
    let key = "agent:main:big";
    store.ensure(key, "main").await.unwrap();
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(4);
    let t = Instant::now();
    for i in 0..10_000 {
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        store
            .append(key, entry(role, format!("{i}: {filler}")))
            .await
            .unwrap();
    }
    println!(
        "append 10,000 messages: {:.0} ms ({:.3} ms each)",
        t.elapsed().as_secs_f64() * 1000.0,
        t.elapsed().as_secs_f64() * 1000.0 / 10_000.0
    );

    let mut load = vec![];
    let mut ctx = vec![];
    let mut json_all = vec![];
    for _ in 0..20 {
        let t = Instant::now();
        let h = store.history(key, 0).await.unwrap();
        load.push(t.elapsed());
        assert_eq!(h.len(), 10_000);
        let t = Instant::now();
        let v: Vec<_> = h.iter().map(history::message_json).collect();
        json_all.push(t.elapsed());
        assert_eq!(v.len(), 10_000);
        let t = Instant::now();
        let (s, e) = store.context(key).await.unwrap();
        let m = history::context(s.as_deref(), &e);
        ctx.push(t.elapsed());
        assert_eq!(m.len(), 10_000);
    }
    report("load 10,000-message session (store)", load);
    // Why the load goes through rusqlite: sqlx alone takes longer to hand over the raw rows.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("s.sqlite").display()
    ))
    .await
    .unwrap();
    let mut raw = vec![];
    for _ in 0..20 {
        let t = Instant::now();
        let rows = sqlx::query("SELECT id, seq, kind, role, run_id, content, meta, status, created_at FROM entries ORDER BY session_id, seq")
            .fetch_all(&pool)
            .await
            .unwrap();
        raw.push(t.elapsed());
        assert_eq!(rows.len(), 10_000);
    }
    report("  (the same rows through sqlx, undecoded)", raw);
    report("  + as chat.history messages (JSON)", json_all);
    report("model context of 10,000 messages", ctx);
    let mut last200 = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        store.history(key, 200).await.unwrap();
        last200.push(t.elapsed());
    }
    report("chat.history default page (last 200)", last200);

    for i in 0..10_000 {
        let k = format!("agent:main:s{i:05}");
        store.ensure(&k, "main").await.unwrap();
    }
    let mut pages = vec![];
    let mut searches = vec![];
    for i in 0..50 {
        let t = Instant::now();
        let (rows, total) = store
            .list(&ListFilter {
                limit: 50,
                offset: (i * 50) as i64,
                ..Default::default()
            })
            .await
            .unwrap();
        pages.push(t.elapsed());
        assert_eq!((rows.len(), total), (50, 10_001));
        let t = Instant::now();
        store
            .list(&ListFilter {
                search: Some(format!("s0{i:02}")),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        searches.push(t.elapsed());
    }
    report("sessions.list page of 50 over 10,001", pages);
    report("sessions.list search over 10,001", searches);

    // Streaming: what the run loop pays per flush of the growing reply (every 250 ms at most).
    let (id, _) = store
        .append(key, entry("assistant", String::new()))
        .await
        .unwrap();
    let mut text = String::new();
    let mut flush = vec![];
    for i in 0..500 {
        text.push_str(&format!("token{i} "));
        let t = Instant::now();
        store
            .update_entry(
                &id,
                &[Block::Text { text: text.clone() }],
                "streaming",
                &serde_json::Value::Null,
            )
            .await
            .unwrap();
        flush.push(t.elapsed());
    }
    report("flush of a streaming reply", flush);
}
