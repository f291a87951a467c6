//! Renaming a conversation on a real gateway: the name shows in the list, a blank name gives the
//! automatic title back, and names the gateway would refuse are refused with the reason first.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::support::start_gateway;
use tidepool_control::{chat, sessions};
use tidepool_testkit::{FakeOptions, FakeProvider};

#[tokio::test]
async fn a_renamed_conversation_is_listed_by_its_name_and_blank_brings_the_title_back() {
    let f = FakeProvider::start(FakeOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tidepool.json"),
        format!(
            "{{ agents: {{ defaults: {{ model: 'fake/fake-model' }} }}, models: {{ providers: {{ fake: {{ baseUrl: '{}', apiKey: 'k', api: 'openai-completions' }} }} }} }}",
            f.openai_base_url()
        ),
    )
    .unwrap();
    let sup = start_gateway(dir.path()).await;
    let c = sup.client().unwrap();
    let ack = chat::send(&c, "main", "plan the garden").await.unwrap();
    let key = ack.session_key.clone();
    // `chat.send` answers once the run starts (as OpenClaw's does); the conversation exists once
    // its first message is stored. Wait for that, on the events, before renaming it.
    let mut rx = c.events();
    tokio::time::timeout(std::time::Duration::from_secs(15), async {
        while chat::history(&c, &key, 10)
            .await
            .map_or(true, |h| h.is_empty())
        {
            let _ = rx.recv().await;
        }
    })
    .await
    .expect("the conversation was not stored within 15 s");

    let label = sessions::label_for("  Garden plans  ").unwrap();
    assert_eq!(
        label.as_deref(),
        Some("Garden plans"),
        "the name is trimmed"
    );
    let shown = sessions::rename(&c, &key, label).await.unwrap();
    assert_eq!(shown, "Garden plans");
    let page = sessions::list(&c, None, 50, 0).await.unwrap();
    let row = page.sessions.iter().find(|s| s.key == key).expect("listed");
    assert_eq!(row.title, "Garden plans");
    // Searching finds it by its new name.
    let found = sessions::list(&c, Some("garden plans"), 50, 0)
        .await
        .unwrap();
    assert!(found.sessions.iter().any(|s| s.key == key), "{found:?}");

    // Blank: the automatic title (the first message) comes back.
    let shown = sessions::rename(&c, &key, sessions::label_for("   ").unwrap())
        .await
        .unwrap();
    assert!(shown.contains("plan the garden"), "{shown}");

    // A session that does not exist is an error the user can read, not a silent success.
    let err = sessions::rename(&c, "agent:main:nope", Some("x".into()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    sup.shutdown().await;
}

#[test]
fn names_with_line_breaks_or_past_the_limit_are_refused_with_the_reason() {
    assert_eq!(
        sessions::label_for("two\nlines"),
        Err(sessions::RenameError::ControlCharacter)
    );
    let long = "x".repeat(sessions::MAX_NAME_CHARS + 1);
    let err = sessions::label_for(&long).unwrap_err();
    assert!(err.to_string().contains("513 characters"), "{err}");
    assert!(
        sessions::label_for(&"é".repeat(sessions::MAX_NAME_CHARS)).is_ok(),
        "characters, not bytes"
    );
}
