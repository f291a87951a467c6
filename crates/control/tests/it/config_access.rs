//! Config access for the desktop: through the running gateway, and through the CLI on the file
//! while the gateway is down (the real `tidepool` binary both ways).
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use support::{start_gateway, tidepool_vault};

use tidepool_control::config::{ConfigAccess, SaveOutcome};

#[tokio::test]
async fn offline_an_invalid_file_is_shown_fixed_and_restorable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tidepool.json");
    std::fs::write(&file, "{\n  gateway: { port: 'x' },\n}\n").unwrap();
    let access = ConfigAccess {
        program: tidepool_vault(dir.path()),
        state_dir: dir.path().to_path_buf(),
    };
    let doc = access.load(None).await.unwrap();
    assert!(!doc.live);
    let problem = doc.problem.clone().unwrap();
    assert_eq!((problem.line, problem.column), (2, 14), "{problem:?}");
    assert!(problem.message.contains("gateway.port"));

    match access
        .save(None, "{ gateway: { prot: 1 } }", &doc.hash)
        .await
        .unwrap()
    {
        SaveOutcome::Invalid { problem } => assert!(
            problem.message.contains("did you mean `port`?"),
            "{problem:?}"
        ),
        other => panic!("{other:?}"),
    }
    match access
        .save(None, "{ gateway: { port: 1 } }", &"0".repeat(64))
        .await
        .unwrap()
    {
        SaveOutcome::Conflict { current_hash, .. } => assert_eq!(current_hash, doc.hash),
        other => panic!("{other:?}"),
    }
    let SaveOutcome::Saved {
        changed,
        live,
        hash,
        ..
    } = access
        .save(None, "{ gateway: { port: 19001 } }", &doc.hash)
        .await
        .unwrap()
    else {
        panic!("not saved")
    };
    assert!(!live);
    assert_eq!(changed, vec!["gateway.port".to_string()]);
    // Every valid save becomes the last good config; break the file and restore the latest.
    let SaveOutcome::Saved { .. } = access
        .save(None, "{ gateway: { port: 19002 } }", &hash)
        .await
        .unwrap()
    else {
        panic!("not saved")
    };
    std::fs::write(&file, "garbage").unwrap();
    let schema = access.schema(None).await.unwrap();
    assert_eq!(
        schema["properties"]["gateway"]["properties"]["port"]["default"],
        18789
    );
    // What a restore would change, read while nothing can start.
    let preview = access.last_good().unwrap();
    assert_eq!(preview.path, file.display().to_string());
    assert_eq!(preview.current, "garbage");
    assert!(preview.last_good_path.ends_with("tidepool.json.last-good"));
    assert!(preview.last_good.as_deref().unwrap().contains("19002"));
    let msg = access.restore_last_good().await.unwrap();
    assert!(msg.contains("Restored"), "{msg}");
    assert!(access.load(None).await.unwrap().raw.contains("19002"));
    let after = access.last_good().unwrap();
    assert_eq!(Some(after.current), after.last_good);
}

#[test]
fn without_a_last_good_copy_the_preview_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let access = ConfigAccess {
        program: dir.path().join("no-such-tidepool"),
        state_dir: dir.path().to_path_buf(),
    };
    // Not even a config: both sides empty, no error.
    let p = access.last_good().unwrap();
    assert_eq!((p.current.as_str(), p.last_good), ("", None));
    std::fs::write(
        dir.path().join("tidepool.json"),
        "{ gateway: { port: 'x' } }",
    )
    .unwrap();
    let p = access.last_good().unwrap();
    assert_eq!(p.current, "{ gateway: { port: 'x' } }");
    assert_eq!(p.last_good, None);
    // A copy that cannot be read is an error that names the file.
    std::fs::create_dir(dir.path().join("tidepool.json.last-good")).unwrap();
    let e = access.last_good().unwrap_err().to_string();
    assert!(e.contains("tidepool.json.last-good"), "{e}");
}

#[tokio::test]
async fn live_saves_go_through_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tidepool.json"),
        "{ logging: { level: 'info' } }",
    )
    .unwrap();
    let sup = start_gateway(dir.path()).await;
    let access = ConfigAccess {
        program: tidepool_vault(dir.path()),
        state_dir: dir.path().to_path_buf(),
    };
    let doc = access.load(sup.client()).await.unwrap();
    assert!(doc.live);
    let schema = access.schema(sup.client()).await.unwrap();
    assert_eq!(schema["properties"]["logging"]["x-reloadKind"], "restart");
    assert_eq!(
        schema["properties"]["logging"]["properties"]["level"]["x-reloadKind"],
        "hot"
    );
    assert!(doc.raw.contains("logging"));
    let next = "{ logging: { level: 'debug' } }";
    match access.save(sup.client(), next, &doc.hash).await.unwrap() {
        SaveOutcome::Saved {
            live,
            restart_required,
            ..
        } => {
            assert!(live);
            assert!(
                restart_required.is_empty(),
                "the log level is hot: {restart_required:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    match access.save(sup.client(), next, &doc.hash).await.unwrap() {
        SaveOutcome::Conflict { .. } => {}
        other => panic!("a stale hash must conflict: {other:?}"),
    }
    sup.shutdown().await;
}

fn files_contain(dir: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut hits = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            hits.extend(files_contain(&p, needle));
        } else if std::fs::read(&p)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            hits.push(p);
        }
    }
    hits
}

#[tokio::test]
async fn secrets_for_references_are_stored_through_the_gateway_or_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let access = ConfigAccess {
        program: tidepool_vault(dir.path()),
        state_dir: dir.path().to_path_buf(),
    };
    const OFFLINE: &str = "offline-secret-value-4f1c";
    const LIVE: &str = "live-secret-value-93ab";

    // Gateway down: through the CLI (the value on stdin).
    access
        .store_secret(None, "CFG_OFFLINE_TOKEN", OFFLINE)
        .await
        .unwrap();
    let bad = access
        .store_secret(None, "not a name", OFFLINE)
        .await
        .unwrap_err()
        .to_string();
    assert!(bad.contains("not a name"), "{bad}");
    let empty = access
        .store_secret(None, "CFG_EMPTY", "")
        .await
        .unwrap_err()
        .to_string();
    assert!(empty.contains("empty"), "{empty}");

    // Gateway up: through `secrets.store.set`, and it lists what the CLI stored too.
    let sup = start_gateway(dir.path()).await;
    access
        .store_secret(sup.client(), "CFG_LIVE_TOKEN", LIVE)
        .await
        .unwrap();
    let bad = access
        .store_secret(sup.client(), "not a name", LIVE)
        .await
        .unwrap_err()
        .to_string();
    assert!(bad.contains("not a name"), "{bad}");
    let listed = sup
        .client()
        .unwrap()
        .call::<tidepool_protocol::config::SecretsStoreList>(
            &tidepool_protocol::contract::NoParams {},
        )
        .await
        .unwrap();
    let names: Vec<&str> = listed.entries.iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"CFG_OFFLINE_TOKEN"), "{listed:?}");
    assert!(names.contains(&"CFG_LIVE_TOKEN"), "{listed:?}");
    assert!(
        !serde_json::to_string(&listed).unwrap().contains(LIVE),
        "a value was listed"
    );
    sup.shutdown().await;

    for v in [OFFLINE, LIVE] {
        assert_eq!(
            files_contain(dir.path(), v),
            Vec::<std::path::PathBuf>::new(),
            "{v} in clear"
        );
    }
}
