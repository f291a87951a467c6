//! Chat test helpers: the provider fake with a key, a config pointing at it, and a connection
//! (through `tidepool-client`) that keeps the events it reads while waiting for others.

use super::*;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::Duration;
use tidepool_testkit::{FakeOptions, FakeProvider};

pub const KEY: &str = "sk-test-secret-4242";

pub async fn fake() -> FakeProvider {
    FakeProvider::start(FakeOptions {
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    })
    .await
    .unwrap()
}

pub fn config(f: &FakeProvider, api: &str) -> String {
    let base = if api == "anthropic-messages" {
        f.anthropic_base_url()
    } else {
        f.openai_base_url()
    };
    format!(
        "{{ agents: {{ defaults: {{ model: 'fake/fake-model', workspace: 'ws' }} }}, models: {{ providers: {{ fake: {{ baseUrl: '{base}', apiKey: '{KEY}', api: '{api}', models: [{{ id: 'fake-model', contextWindow: 100000, cost: {{ input: 3, output: 15 }} }}] }} }} }} }}"
    )
}

/// A connection through `tidepool-client` that keeps the events it reads while waiting for
/// the ones a test asks for. Answers come back frame-shaped (`{ok, payload | error}`) so tests
/// can assert refusals by code.
pub struct Conn {
    client: tidepool_client::Client,
    rx: tokio::sync::broadcast::Receiver<tidepool_protocol::EventFrame>,
    pub events: VecDeque<Value>,
    n: u64,
}

impl Conn {
    pub async fn open(gw: &Gw) -> Conn {
        Conn::with_client(gw.client().await)
    }

    /// A connection with a given token (a gateway whose token comes from its config).
    #[allow(dead_code)]
    pub async fn open_with_token(gw: &Gw, token: &str) -> Conn {
        let client = tidepool_client::Client::connect(
            tidepool_client::ConnectOptions::new(gw.url(), "test", "0.0.0")
                .token(Some(token.to_owned()))
                .scopes(tidepool_protocol::Scope::ALL.to_vec()),
        )
        .await
        .unwrap();
        Conn::with_client(client)
    }

    fn with_client(client: tidepool_client::Client) -> Conn {
        Conn {
            rx: client.events(),
            client,
            events: VecDeque::new(),
            n: 0,
        }
    }

    /// The answer as a response frame. Its payload or error is the gateway's; the envelope
    /// (`type`, an `id`) is rebuilt here, the gateway's own envelopes being checked on raw frames
    /// by the conformance and protocol tests.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.n += 1;
        let id = format!("r{}", self.n);
        let answer = self
            .client
            .request_with_timeout(method, params, Duration::from_secs(20))
            .await;
        match answer {
            Ok(payload) => json!({ "type": "res", "id": id, "ok": true, "payload": payload }),
            Err(tidepool_client::ClientError::Request(e)) => {
                json!({ "type": "res", "id": id, "ok": false, "error": e })
            }
            Err(e) => panic!("{method}: {e}"),
        }
    }

    pub async fn ok(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params).await;
        assert_eq!(r["ok"], true, "{method}: {r}");
        r["payload"].clone()
    }

    /// The next event matching `pred` (earlier non-matching events stay buffered).
    pub async fn event(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.events.iter().position(&pred) {
            return self.events.remove(i).unwrap();
        }
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(20), self.rx.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("no matching event in 20 s; buffered: {:?}", self.events)
                })
                .expect("the event stream ended or lagged");
            let v = serde_json::to_value(tidepool_protocol::Frame::Event(frame)).unwrap();
            if pred(&v) {
                return v;
            }
            self.events.push_back(v);
        }
    }

    /// Chat events of a run up to and including its terminal one.
    pub async fn run_events(&mut self, run_id: &str) -> Vec<Value> {
        let mut out = vec![];
        loop {
            let e = self
                .event(|e| e["event"] == "chat" && e["payload"]["runId"] == run_id)
                .await;
            let state = e["payload"]["state"].as_str().unwrap().to_owned();
            out.push(e);
            if state != "delta" {
                return out;
            }
        }
    }
}

pub fn send_params(key: &str, msg: &str) -> Value {
    json!({ "sessionKey": key, "message": msg, "idempotencyKey": format!("idem-{key}-{msg}") })
}

/// Sends `msg` and waits for the run to finish with a final reply.
pub async fn turn(c: &mut Conn, key: &str, msg: &str) {
    let run = c.ok("chat.send", send_params(key, msg)).await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = c.run_events(&run).await;
    assert_eq!(events.last().unwrap()["payload"]["state"], "final");
}
