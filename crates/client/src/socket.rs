//! One WebSocket connection: handshake, then a read/write loop.

use crate::ConnectOptions;
use crate::error::ClientError;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tidepool_protocol::methods::{ConnectAuth, ConnectParams, HelloOk, events};
use tidepool_protocol::{EventFrame, Frame, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, close_codes};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Waiter = oneshot::Sender<Result<Value, ClientError>>;

/// Requests waiting for their response.
#[derive(Default)]
pub(crate) struct Pending(Mutex<HashMap<String, Waiter>>);

impl Pending {
    pub(crate) fn insert(&self, id: String) -> oneshot::Receiver<Result<Value, ClientError>> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut m) = self.0.lock() {
            m.insert(id, tx);
        }
        rx
    }

    pub(crate) fn remove(&self, id: &str) -> Option<Waiter> {
        self.0.lock().ok().and_then(|mut m| m.remove(id))
    }

    pub(crate) fn fail_all(&self) {
        let drained: Vec<Waiter> = match self.0.lock() {
            Ok(mut m) => m.drain().map(|(_, w)| w).collect(),
            Err(_) => vec![],
        };
        for w in drained {
            let _ = w.send(Err(ClientError::Closed(
                "the connection dropped before the gateway answered".into(),
            )));
        }
    }
}

pub(crate) struct Socket {
    ws: Ws,
    tick_interval: Duration,
}

const CONNECT_ID: &str = "connect";

impl Socket {
    /// Opens the socket, waits for the challenge, sends `connect`, and returns `hello-ok`.
    pub(crate) async fn establish(opts: &ConnectOptions) -> Result<(Socket, HelloOk), ClientError> {
        if !(opts.url.starts_with("ws://") || opts.url.starts_with("wss://")) {
            return Err(ClientError::InvalidUrl {
                url: opts.url.clone(),
                reason: "it must start with ws:// or wss:// (for example ws://127.0.0.1:18789)"
                    .into(),
            });
        }
        tokio::time::timeout(opts.connect_timeout, Socket::handshake(opts))
            .await
            .map_err(|_| ClientError::Timeout {
                after: opts.connect_timeout,
                what: format!("the gateway at {} to complete the handshake", opts.url),
            })?
    }

    async fn handshake(opts: &ConnectOptions) -> Result<(Socket, HelloOk), ClientError> {
        let connector = if opts.url.starts_with("wss://") {
            Some(crate::tls::connector(&opts.url)?)
        } else {
            None
        };
        let (mut ws, _) = tokio_tungstenite::connect_async_tls_with_config(
            opts.url.as_str(),
            None,
            false,
            connector,
        )
        .await
        .map_err(|e| match crate::tls::untrusted(&e) {
            Some(reason) => ClientError::Tls {
                url: opts.url.clone(),
                reason,
            },
            None => ClientError::Unreachable {
                url: opts.url.clone(),
                reason: e.to_string(),
            },
        })?;
        // The challenge comes first; token clients do not need its nonce.
        let params = connect_params(opts);
        let req = serde_json::json!({
            "type": "req", "id": CONNECT_ID, "method": "connect", "params": params,
        });
        ws.send(Message::text(req.to_string()))
            .await
            .map_err(|e| ClientError::Closed(e.to_string()))?;
        loop {
            let msg = match ws.next().await {
                Some(Ok(m)) => m,
                Some(Err(e)) => return Err(ClientError::Closed(e.to_string())),
                None => return Err(ClientError::Closed("closed during the handshake".into())),
            };
            match msg {
                Message::Text(t) => match serde_json::from_str::<Frame>(t.as_str()) {
                    Ok(Frame::Res(res)) if res.id == CONNECT_ID => {
                        if !res.ok {
                            let err = res.error.unwrap_or_else(|| {
                                tidepool_protocol::ErrorShape::new(
                                    tidepool_protocol::ErrorCode::InvalidRequest,
                                    "connect failed without an error",
                                )
                            });
                            return Err(ClientError::Rejected(err));
                        }
                        let hello: HelloOk = serde_json::from_value(
                            res.payload.unwrap_or(Value::Null),
                        )
                        .map_err(|e| ClientError::Protocol(format!("invalid hello-ok: {e}")))?;
                        let tick_interval = Duration::from_millis(hello.policy.tick_interval_ms);
                        return Ok((Socket { ws, tick_interval }, hello));
                    }
                    Ok(_) => {}
                    Err(e) => return Err(ClientError::Protocol(format!("invalid frame: {e}"))),
                },
                Message::Close(frame) => {
                    return Err(ClientError::Closed(close_text(frame.as_ref())));
                }
                _ => {}
            }
        }
    }

    /// Serves the connection until it closes; returns why.
    pub(crate) async fn run(
        self,
        mut outgoing: mpsc::Receiver<String>,
        pending: &Pending,
        events: &broadcast::Sender<EventFrame>,
        stop: &CancellationToken,
    ) -> String {
        let (mut sink, mut stream) = self.ws.split();
        // Two missed ticks mean the gateway or the network is gone.
        let tick_timeout = self.tick_interval * 2 + Duration::from_secs(1);
        let mut last_seen = Instant::now();
        let mut check = tokio::time::interval(self.tick_interval.min(Duration::from_secs(1)));
        loop {
            tokio::select! {
                _ = stop.cancelled() => {
                    let _ = sink.send(Message::Close(Some(CloseFrame {
                        code: CloseCode::Normal,
                        reason: "client closed".into(),
                    }))).await;
                    return "closed by the client".into();
                }
                _ = check.tick() => {
                    if last_seen.elapsed() > tick_timeout {
                        let _ = sink.send(Message::Close(Some(CloseFrame {
                            code: CloseCode::from(close_codes::TICK_TIMEOUT),
                            reason: "tick timeout".into(),
                        }))).await;
                        return format!("no message from the gateway for {}s (tick timeout)", tick_timeout.as_secs());
                    }
                }
                out = outgoing.recv() => {
                    let Some(text) = out else { return "client dropped".into() };
                    if let Err(e) = sink.send(Message::text(text)).await {
                        return format!("send failed: {e}");
                    }
                }
                msg = stream.next() => {
                    last_seen = Instant::now();
                    match msg {
                        None => return "the gateway closed the connection".into(),
                        Some(Err(e)) => return format!("connection error: {e}"),
                        Some(Ok(Message::Close(frame))) => return close_text(frame.as_ref()),
                        Some(Ok(Message::Text(t))) => match serde_json::from_str::<Frame>(t.as_str()) {
                            Ok(Frame::Res(res)) => {
                                if let Some(w) = pending.remove(&res.id) {
                                    let r = if res.ok {
                                        Ok(res.payload.unwrap_or(Value::Null))
                                    } else {
                                        Err(ClientError::Request(res.error.unwrap_or_else(|| {
                                            tidepool_protocol::ErrorShape::new(
                                                tidepool_protocol::ErrorCode::InvalidRequest,
                                                "request failed without an error",
                                            )
                                        })))
                                    };
                                    let _ = w.send(r);
                                }
                            }
                            Ok(Frame::Event(ev)) => {
                                if ev.event != events::CONNECT_CHALLENGE {
                                    let _ = events.send(ev);
                                }
                            }
                            Ok(Frame::Req(_)) | Err(_) => {}
                        },
                        Some(Ok(_)) => {}
                    }
                }
            }
        }
    }
}

/// The `connect` params this client sends.
pub fn connect_params(opts: &ConnectOptions) -> ConnectParams {
    ConnectParams {
        min_protocol: MIN_PROTOCOL_VERSION,
        max_protocol: PROTOCOL_VERSION,
        client: opts.client.clone(),
        role: Some("operator".into()),
        scopes: Some(opts.scopes.iter().map(|s| s.as_str().to_owned()).collect()),
        caps: vec![],
        auth: Some(ConnectAuth {
            token: opts.token.clone(),
            password: opts.password.clone(),
        }),
        locale: None,
        user_agent: Some(format!("tidepool-client/{}", opts.client.version)),
    }
}

fn close_text(frame: Option<&CloseFrame>) -> String {
    match frame {
        Some(f) => format!(
            "closed by the gateway ({}): {}",
            u16::from(f.code),
            f.reason
        ),
        None => "closed by the gateway".into(),
    }
}
