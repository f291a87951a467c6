//! Chat test helpers: the provider fake with a key, a config pointing at it, and a connection
//! that keeps the events it reads while waiting for responses.

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

/// A connection that keeps the events it reads while waiting for responses.
pub struct Conn {
    pub ws: Ws,
    pub events: VecDeque<Value>,
    n: u64,
}

impl Conn {
    pub async fn open(gw: &Gw) -> Conn {
        let (ws, _) = gw.authed().await;
        Conn {
            ws,
            events: VecDeque::new(),
            n: 0,
        }
    }

    /// A connection with a given token (a gateway whose token comes from its config).
    #[allow(dead_code)]
    pub async fn open_with_token(gw: &Gw, token: &str) -> Conn {
        let (mut ws, _) = gw.raw().await;
        let hello = connect(&mut ws, Some(token), ALL_SCOPES).await;
        assert_eq!(hello["ok"], true, "{hello}");
        Conn {
            ws,
            events: VecDeque::new(),
            n: 0,
        }
    }

    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.n += 1;
        let id = format!("r{}", self.n);
        send(
            &mut self.ws,
            &json!({"type": "req", "id": id, "method": method, "params": params}),
        )
        .await;
        loop {
            let v = tokio::time::timeout(Duration::from_secs(20), next_json(&mut self.ws))
                .await
                .expect("no response in 20 s")
                .expect("closed");
            if v["type"] == "res" && v["id"] == id {
                return v;
            }
            if v["type"] == "event" {
                self.events.push_back(v);
            }
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
            let v = tokio::time::timeout(Duration::from_secs(20), next_json(&mut self.ws))
                .await
                .unwrap_or_else(|_| {
                    panic!("no matching event in 20 s; buffered: {:?}", self.events)
                })
                .expect("closed");
            if v["type"] != "event" {
                continue;
            }
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
