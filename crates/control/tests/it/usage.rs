//! The dashboard's week of tokens and cost, from a real gateway after a real (faked provider)
//! turn: seven days oldest first, today holding the turn's tokens and its cost at the
//! configured price, all of it by the one provider used.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::support::start_gateway;
use tidepool_control::{chat, usage};
use tidepool_testkit::{FakeOptions, FakeProvider};

#[tokio::test]
async fn a_week_of_use_ends_today_with_the_turn_just_taken() {
    let f = FakeProvider::start(FakeOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tidepool.json"),
        format!(
            "{{ agents: {{ defaults: {{ model: 'fake/fake-model' }} }}, models: {{ providers: {{ fake: {{ baseUrl: '{}', apiKey: 'k', api: 'openai-completions', models: [{{ id: 'fake-model', cost: {{ input: 3, output: 15 }} }}] }} }} }} }}",
            f.openai_base_url()
        ),
    )
    .unwrap();
    let sup = start_gateway(dir.path()).await;
    let c = sup.client().unwrap();

    let before = usage::recent(&c).await.unwrap();
    assert_eq!(before.days.len(), 7, "{before:?}");
    assert!(before.days.iter().all(|d| d.tokens == 0), "{before:?}");
    assert!(before.days.windows(2).all(|w| w[0].date < w[1].date));

    let mut rx = c.events();
    let ack = chat::send(&c, "main", "hello there").await.unwrap();
    // The turn is over once its history has the reply.
    tokio::time::timeout(std::time::Duration::from_secs(15), async {
        loop {
            let h = chat::history(&c, &ack.session_key, 10).await.unwrap();
            if h.iter()
                .any(|m| m.role == "assistant" && !m.text.is_empty())
            {
                return;
            }
            let _ = rx.recv().await;
        }
    })
    .await
    .expect("no reply within 15 s");

    let after = usage::recent(&c).await.unwrap();
    let today = after.days.last().unwrap();
    assert!(today.tokens > 0, "{after:?}");
    assert!(today.cost_usd > 0.0, "{after:?}");
    assert_eq!(after.unpriced_calls, 0);
    // By provider: the one provider used holds all of today.
    assert_eq!(today.by_provider.len(), 1, "{today:?}");
    assert_eq!(today.by_provider[0].provider, "fake");
    assert_eq!(today.by_provider[0].tokens, today.tokens);
    assert!((today.by_provider[0].cost_usd - today.cost_usd).abs() < 1e-12);
    assert!(after.days[..6].iter().all(|d| d.by_provider.is_empty()));
    assert!(after.days[..6].iter().all(|d| d.tokens == 0), "{after:?}");
    sup.shutdown().await;
}
