use super::*;
use crate::providers::Block;
use serde_json::json;

fn text(role: &'static str, t: &str) -> NewEntry {
    NewEntry {
        kind: EntryKind::Message,
        role: Some(role),
        run_id: None,
        content: vec![Block::Text { text: t.into() }],
        meta: json!({}),
        status: "complete",
    }
}

async fn store() -> (tempfile::TempDir, SessionStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SessionStore::open(&dir.path().join("s.sqlite"))
        .await
        .unwrap();
    (dir, s)
}

#[test]
fn keys_are_normalized_or_refused() {
    let ok = [
        ("main", "main", ("agent:main:main", "main")),
        ("agent:ops:main", "main", ("agent:ops:main", "ops")),
        ("chat-1", "ops", ("agent:ops:chat-1", "ops")),
    ];
    for (k, d, (key, agent)) in ok {
        assert_eq!(
            normalize_key(k, d).unwrap(),
            (key.into(), agent.into()),
            "{k}"
        );
    }
    for bad in [
        "",
        "agent:",
        "agent::x",
        "agent:a:",
        "a\nb",
        &"x".repeat(600),
    ] {
        assert!(normalize_key(bad, "main").is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn transcripts_append_reset_and_delete() {
    let (_d, s) = store().await;
    let k = "agent:main:main";
    s.ensure(k, "main").await.unwrap();
    s.append(k, text("user", "hello there")).await.unwrap();
    s.append(k, text("assistant", "hi")).await.unwrap();
    let h = s.history(k, 0).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].seq, 1);
    assert_eq!(h[1].role.as_deref(), Some("assistant"));
    let row = s.get(k).await.unwrap().unwrap();
    assert_eq!(row.title.as_deref(), Some("hello there"));
    assert_eq!(row.last_preview.as_deref(), Some("hi"));
    assert_eq!(row.message_count, 2);
    assert_eq!(
        s.history(k, 1).await.unwrap()[0].role.as_deref(),
        Some("assistant")
    );

    let before = row.session_id.clone();
    let reset = s.reset(k).await.unwrap();
    assert_ne!(reset.session_id, before);
    assert!(s.history(k, 0).await.unwrap().is_empty());
    assert!(s.delete(k).await.unwrap());
    assert!(!s.delete(k).await.unwrap());
    assert!(s.get(k).await.unwrap().is_none());
    assert!(matches!(
        s.append(k, text("user", "x")).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(s.reset(k).await, Err(StoreError::NotFound(_))));
}

#[tokio::test]
async fn a_reply_cut_by_a_crash_is_marked_incomplete_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let k = "agent:main:main";
    {
        let s = SessionStore::open(&path).await.unwrap();
        s.ensure(k, "main").await.unwrap();
        let mut e = text("assistant", "partial");
        e.status = "streaming";
        s.append(k, e).await.unwrap();
        s.close().await;
    }
    let s = SessionStore::open(&path).await.unwrap();
    let h = s.history(k, 0).await.unwrap();
    assert_eq!(h[0].status, "incomplete");
    assert_eq!(
        h[0].content,
        vec![Block::Text {
            text: "partial".into()
        }]
    );
}

#[tokio::test]
async fn list_filters_pages_and_escapes_search() {
    let (_d, s) = store().await;
    for i in 0..30 {
        let agent = if i % 3 == 0 { "ops" } else { "main" };
        let k = format!("agent:{agent}:s{i:02}");
        s.ensure(&k, agent).await.unwrap();
        s.append(&k, text("user", &format!("topic {i} 100%")))
            .await
            .unwrap();
    }
    let (rows, total) = s
        .list(&ListFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (10, 30));
    let (ops, total) = s
        .list(&ListFilter {
            agent_id: Some("ops".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((ops.len(), total), (10, 10));
    let (hit, _) = s
        .list(&ListFilter {
            search: Some("topic 7 ".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(hit.len(), 1);
    // `%` and `_` are literal in a search, not wildcards.
    let (none, _) = s
        .list(&ListFilter {
            search: Some("t_pic".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    let (pct, _) = s
        .list(&ListFilter {
            search: Some("100%".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pct.len(), 30);
    let (page3, _) = s
        .list(&ListFilter {
            limit: 10,
            offset: 25,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page3.len(), 5);
}

#[tokio::test]
async fn context_starts_at_the_last_compaction() {
    let (_d, s) = store().await;
    let k = "agent:main:main";
    s.ensure(k, "main").await.unwrap();
    for i in 0..4 {
        s.append(k, text("user", &format!("q{i}"))).await.unwrap();
        s.append(k, text("assistant", &format!("a{i}")))
            .await
            .unwrap();
    }
    s.append(
        k,
        NewEntry {
            kind: EntryKind::Compaction,
            role: None,
            run_id: None,
            content: vec![Block::Text {
                text: "summary of q0..q2".into(),
            }],
            meta: json!({ "firstKeptSeq": 7 }),
            status: "complete",
        },
    )
    .await
    .unwrap();
    s.append(k, text("user", "q4")).await.unwrap();
    let (summary, kept) = s.context(k).await.unwrap();
    assert_eq!(summary.as_deref(), Some("summary of q0..q2"));
    let texts: Vec<String> = kept
        .iter()
        .map(|e| match &e.content[0] {
            Block::Text { text } => text.clone(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(texts, ["q3", "a3", "q4"]);
    // The history still shows everything.
    assert_eq!(s.history(k, 0).await.unwrap().len(), 10);
}

/// A rename while a reply is being appended (each on its own pooled connection) must wait for
/// the other writer, not fail with "database is locked" (a deferred BEGIN's busy snapshot).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn renames_and_appends_at_the_same_time_all_succeed() {
    let (_d, s) = store().await;
    let k = "agent:main:main";
    s.ensure(k, "main").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                s.append(k, text("assistant", &format!("part {i}")))
                    .await
                    .map(|_| ())
            } else {
                let label = format!("name {i}");
                s.patch(k, Some(Some(label.as_str())), None)
                    .await
                    .map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(s.history(k, 0).await.unwrap().len(), 20);
}
