//! The client crate against a real gateway: events, tick-timeout detection, reconnect with
//! backoff across a gateway restart, and no retry loop on a wrong token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::*;
use std::time::Duration;
use tidepool_client::{Client, ClientError, ConnState, ConnectOptions, Reconnect};
use tidepool_protocol::Scope;

fn opts(url: &str, token: &str) -> ConnectOptions {
    ConnectOptions::new(url, "test", "0.0.0")
        .token(Some(token.into()))
        .scopes(vec![Scope::Read])
}

async fn wait_state(
    client: &Client,
    pred: impl Fn(&ConnState) -> bool,
    within: Duration,
) -> ConnState {
    let mut rx = client.state();
    tokio::time::timeout(within, async {
        loop {
            let s = rx.borrow_and_update().clone();
            if pred(&s) {
                return s;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "state never matched; last {:?}",
            client.state().borrow().clone()
        )
    })
}

#[tokio::test]
async fn requests_events_and_typed_calls() {
    let gw = gateway()
        .config("{ gateway: { tickIntervalMs: 150 } }")
        .start()
        .await;
    let client = Client::connect(opts(&gw.url(), &gw.token())).await.unwrap();
    assert_eq!(client.hello().unwrap().protocol, 4);
    let mut events = client.events();
    let ev = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let e = events.recv().await.unwrap();
            if e.event == "tick" {
                return e;
            }
        }
    })
    .await
    .unwrap();
    assert!(ev.payload.unwrap()["ts"].as_u64().unwrap() > 0);
    let status = client
        .call::<tidepool_protocol::methods::Status>(&tidepool_protocol::contract::NoParams {})
        .await
        .unwrap();
    assert_eq!(status.pid, gw.pid);
    let err = client
        .request("nope", serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        err.shape().and_then(|s| s.detail_code()),
        Some("UNKNOWN_METHOD")
    );
}

#[tokio::test]
async fn wrong_token_is_fatal_and_not_retried() {
    let gw = gateway().start().await;
    let err = Client::connect(opts(&gw.url(), "wrong-token-wrong-token"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Rejected(_)), "{err}");
    assert!(err.is_fatal());
    let c = Client::connect_persistent(
        opts(&gw.url(), "wrong-token-wrong-token"),
        Reconnect::default(),
    );
    let s = wait_state(
        &c,
        |s| matches!(s, ConnState::Closed(_)),
        Duration::from_secs(5),
    )
    .await;
    assert!(format!("{s:?}").contains("token mismatch"), "{s:?}");
}

#[tokio::test]
async fn a_frozen_gateway_is_noticed_through_missed_ticks() {
    let gw = gateway()
        .config("{ gateway: { tickIntervalMs: 200 } }")
        .start()
        .await;
    let client = Client::connect(opts(&gw.url(), &gw.token())).await.unwrap();
    gw.signal(libc::SIGSTOP);
    let s = wait_state(
        &client,
        |s| matches!(s, ConnState::Closed(_) | ConnState::Disconnected(_)),
        Duration::from_secs(5),
    )
    .await;
    gw.signal(libc::SIGCONT);
    assert!(format!("{s:?}").contains("tick timeout"), "{s:?}");
}

#[tokio::test]
async fn reconnects_with_backoff_across_a_gateway_restart() {
    let mut first = gateway().start().await;
    let port = first.port.to_string();
    let client = Client::connect_persistent(
        opts(&first.url(), &first.token()),
        Reconnect {
            min_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(500),
        },
    );
    client.wait_connected(Duration::from_secs(5)).await.unwrap();
    let first_conn = client.hello().unwrap().server.conn_id;
    first.signal(libc::SIGTERM);
    first.wait(Duration::from_secs(10)).await;
    wait_state(
        &client,
        |s| matches!(s, ConnState::Disconnected(_) | ConnState::Connecting),
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(
        client.request("health", serde_json::json!({})).await,
        Err(ClientError::NotConnected)
    ));
    // Same state dir (same token), same port.
    let _second = gateway()
        .state_dir(first.state())
        .arg("--port")
        .arg(&port)
        .start()
        .await;
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    assert_ne!(client.hello().unwrap().server.conn_id, first_conn);
    assert_eq!(
        client
            .request("health", serde_json::json!({}))
            .await
            .unwrap()["ok"],
        true
    );
}
