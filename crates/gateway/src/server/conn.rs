//! One client connection: challenge, `connect`, then requests and events until either side
//! closes or the gateway shuts down.

mod handshake;

use super::http::Replay;
use super::out::{self, Outbound};
use super::reply::{Reply, send_reply};
use crate::auth;
use crate::rpc::{CallCtx, Refusal, parse_params};
use crate::state::Shared;
use crate::status;
use crate::sysinfo;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tidepool_protocol::decode::{DecodeError, DecodeErrorKind, Inbound, decode_inbound};
use tidepool_protocol::error::detail_codes;
use tidepool_protocol::frames::{EventFrame, Frame, encode};
use tidepool_protocol::methods::{
    ConnectChallenge, ConnectParams, Features, HelloAuth, HelloOk, Policy, PresenceEntry,
    ServerInfo, Snapshot, TickEvent, events, names,
};
use tidepool_protocol::{
    ErrorCode, ErrorShape, MIN_PROTOCOL_VERSION, PRE_AUTH_MAX_FRAME_BYTES, PROTOCOL_VERSION, Role,
    Scope, close_codes,
};
use tokio::sync::{Semaphore, broadcast};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes, error::CapacityError};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info, warn};

/// Requests one connection may have running at once.
const MAX_IN_FLIGHT: usize = 64;
/// How long a draining connection waits for more frames once it is idle.
const DRAIN_LINGER: Duration = Duration::from_millis(50);
/// Events the gateway emits.
const EVENTS: &[&str] = &[
    events::CONNECT_CHALLENGE,
    events::TICK,
    events::SHUTDOWN,
    events::PRESENCE,
    crate::config::methods::CONFIG_CHANGED,
];

/// Serves one accepted TCP stream.
pub(super) async fn serve(shared: Arc<Shared>, stream: Replay, peer: SocketAddr) {
    let conn_id = sysinfo::random_id();
    let span = tracing::info_span!("conn", conn_id = %conn_id);
    Conn::run(shared, stream, peer, conn_id)
        .instrument(span)
        .await;
}

enum State {
    Pending,
    Connected(Session),
}

struct Session {
    scopes: Vec<Scope>,
    events: broadcast::Receiver<Utf8Bytes>,
}

/// What the read loop should do next.
enum Flow {
    Continue,
    Close(u16, String),
}

struct Conn {
    shared: Arc<Shared>,
    conn_id: String,
    peer: SocketAddr,
    out: Outbound,
    in_flight: Arc<Semaphore>,
    draining: AtomicBool,
    /// Cancelled when the connection ends: its running requests stop working for nobody.
    gone: CancellationToken,
}

fn stopping_reason(code: u16) -> String {
    if code == close_codes::SERVICE_RESTART {
        "gateway restarting".into()
    } else {
        "gateway stopping".into()
    }
}

fn close_msg(code: u16, reason: &str) -> Message {
    // Close reasons are limited to 123 bytes.
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.get(..end).unwrap_or_default().to_owned().into(),
    }))
}

impl Conn {
    async fn run(shared: Arc<Shared>, stream: Replay, peer: SocketAddr, conn_id: String) {
        let gw = &shared.config.at_start.gateway;
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(gw.max_payload))
            .max_frame_size(Some(gw.max_payload));
        let handshake_timeout = Duration::from_millis(gw.handshake_timeout_ms);
        let ws = match tokio::time::timeout(
            handshake_timeout,
            tokio_tungstenite::accept_async_with_config(stream, Some(ws_config)),
        )
        .await
        {
            Ok(Ok(ws)) => ws,
            Ok(Err(e)) => {
                debug!(%peer, error = %e, "websocket handshake failed");
                return;
            }
            Err(_) => {
                debug!(%peer, "websocket handshake timed out");
                return;
            }
        };
        let _open = shared.chat.metrics.connection();
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = out::channel(gw.max_buffered_bytes);
        let writer = tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                let is_close = matches!(msg, Message::Close(_));
                if sink.send(msg).await.is_err() || is_close {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let conn = Conn {
            shared: shared.clone(),
            conn_id,
            peer,
            out: out.clone(),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            draining: AtomicBool::new(false),
            gone: CancellationToken::new(),
        };
        let nonce = sysinfo::random_id();
        conn.send_event(
            events::CONNECT_CHALLENGE,
            serde_json::to_value(ConnectChallenge {
                nonce,
                ts: sysinfo::now_ms(),
            })
            .unwrap_or_default(),
        );
        let mut state = State::Pending;
        let mut close_code = close_codes::GOING_AWAY;
        let drain_deadline = tokio::time::sleep(Duration::from_secs(86_400));
        tokio::pin!(drain_deadline);
        let linger = tokio::time::sleep(Duration::from_secs(86_400));
        tokio::pin!(linger);
        let mut lingering = false;
        let connect_deadline = tokio::time::sleep(handshake_timeout);
        tokio::pin!(connect_deadline);
        let mut tick = tokio::time::interval(Duration::from_millis(gw.tick_interval_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.reset();

        let close: Option<(u16, String)> = loop {
            let connected = matches!(state, State::Connected(_));
            tokio::select! {
                biased;
                _ = out.overflow.cancelled() => {
                    warn!(peer = %conn.peer, "dropping a client that does not read its messages");
                    break None;
                }
                _ = shared.shutdown.cancelled(), if !conn.draining.load(Ordering::Acquire) => {
                    // Stop taking new work, tell the client why, and let what runs finish.
                    conn.draining.store(true, Ordering::Release);
                    let ev = shared.shutdown_event();
                    close_code = if ev.restart_expected_ms.is_some() {
                        close_codes::SERVICE_RESTART
                    } else {
                        close_codes::GOING_AWAY
                    };
                    conn.send_event(events::SHUTDOWN, serde_json::to_value(&ev).unwrap_or_default());
                    drain_deadline.as_mut().reset(tokio::time::Instant::now() + Duration::from_millis(gw.drain_timeout_ms));
                }
                _ = &mut drain_deadline, if conn.draining.load(Ordering::Acquire) => {
                    warn!("drain time ran out with requests still running");
                    break Some((close_code, stopping_reason(close_code)));
                }
                _ = &mut connect_deadline, if !connected => {
                    break Some((close_codes::POLICY_VIOLATION, "connect timeout: send a connect request right after connect.challenge".into()));
                }
                _ = tick.tick(), if connected => {
                    conn.send_event(events::TICK, serde_json::to_value(TickEvent { ts: sysinfo::now_ms() }).unwrap_or_default());
                }
                ev = recv_event(&mut state), if connected => {
                    match ev {
                        Ok(text) => { conn.out.send_shared(text); }
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            warn!(peer = %conn.peer, "dropping a client that fell behind the event stream");
                            break Some((close_codes::POLICY_VIOLATION, "slow consumer: events were not read in time".into()));
                        }
                        Err(broadcast::error::RecvError::Closed) => {}
                    }
                }
                msg = stream.next() => {
                    lingering = false;
                    let flow = match msg {
                        None => break None,
                        Some(Ok(Message::Text(text))) => conn.on_text(text.as_str(), &mut state),
                        Some(Ok(Message::Binary(_))) => Flow::Close(1003, "binary frames are not supported: send JSON text frames".into()),
                        Some(Ok(Message::Close(_))) => break None,
                        Some(Ok(_)) => Flow::Continue,
                        Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                            Flow::Close(close_codes::MESSAGE_TOO_BIG, format!("frame of {size} bytes exceeds maxPayload {max_size}"))
                        }
                        Some(Err(e)) => {
                            debug!(error = %e, "read failed");
                            break None;
                        }
                    };
                    if let Flow::Close(code, reason) = flow {
                        break Some((code, reason));
                    }
                }
                // Last, so frames already received are answered before the socket closes. The
                // writer can hold the socket for a moment, so linger briefly for frames sent
                // just before the shutdown began.
                _ = conn.in_flight.acquire_many(MAX_IN_FLIGHT as u32), if conn.draining.load(Ordering::Acquire) && !lingering => {
                    lingering = true;
                    linger.as_mut().reset(tokio::time::Instant::now() + DRAIN_LINGER);
                }
                _ = &mut linger, if lingering => {
                    break Some((close_code, stopping_reason(close_code)));
                }
            }
        };
        conn.gone.cancel();
        if let Some((code, reason)) = close {
            info!(peer = %conn.peer, code, %reason, "closing connection");
            conn.out.send_control(close_msg(code, &reason));
        }
        if shared.presence.remove(&conn.conn_id) {
            info!(peer = %conn.peer, "client disconnected");
            shared.presence_changed();
        }
        drop(conn);
        drop(out);
        // Give the writer a moment to flush the close frame; a client that does not read
        // gets no more than that.
        let mut writer = writer;
        if tokio::time::timeout(Duration::from_secs(1), &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
    }

    fn send_frame(&self, frame: &Frame) {
        self.out
            .send_text(self.shared.redactor.redact_owned(encode(frame)));
    }

    fn send_event(&self, event: &str, payload: Value) {
        self.send_frame(&Frame::Event(EventFrame::new(event, payload)));
    }

    fn on_text(&self, text: &str, state: &mut State) -> Flow {
        let pending = matches!(state, State::Pending);
        if pending && text.len() > PRE_AUTH_MAX_FRAME_BYTES {
            return Flow::Close(
                close_codes::MESSAGE_TOO_BIG,
                format!(
                    "frame of {} bytes before connect exceeds the 64 KiB limit",
                    text.len()
                ),
            );
        }
        let inbound = match decode_inbound(text) {
            Ok(i) => i,
            Err(e) => return self.on_decode_error(e, pending),
        };
        let (reply, method, params) = match inbound {
            Inbound::Request(r) => (Reply::Native(r.id), r.method, r.params),
            Inbound::JsonRpc(r) => (Reply::JsonRpc(r.id), r.method, r.params),
        };
        let params = params.unwrap_or(Value::Null);
        match state {
            State::Pending => {
                if method != names::CONNECT {
                    self.reply(
                        &reply,
                        Err(ErrorShape::new(
                            ErrorCode::InvalidRequest,
                            format!("the first request must be connect, got {method}"),
                        )
                        .with_detail_code(detail_codes::CONNECT_REQUIRED)),
                    );
                    return Flow::Close(close_codes::POLICY_VIOLATION, "connect required".into());
                }
                match self.connect(params) {
                    Ok((hello, session)) => {
                        self.reply(&reply, Ok(hello));
                        *state = State::Connected(session);
                        self.shared.presence_changed();
                        Flow::Continue
                    }
                    Err((error, close_code)) => {
                        let reason = error.message.clone();
                        self.reply(&reply, Err(error));
                        Flow::Close(close_code, reason)
                    }
                }
            }
            State::Connected(session) => {
                if method == names::CONNECT {
                    self.reply(
                        &reply,
                        Err(ErrorShape::new(
                            ErrorCode::InvalidRequest,
                            "already connected: connect may only be sent once per connection",
                        )
                        .with_detail_code(detail_codes::ALREADY_CONNECTED)),
                    );
                    return Flow::Continue;
                }
                if self.draining.load(Ordering::Acquire) {
                    self.reply(
                        &reply,
                        Err(ErrorShape::new(
                            ErrorCode::Unavailable,
                            "the gateway is shutting down; retry when it is back",
                        )
                        .with_detail_code(detail_codes::SHUTTING_DOWN)
                        .retry_after(None)),
                    );
                    return Flow::Continue;
                }
                self.dispatch(reply, method, params, session.scopes.clone());
                Flow::Continue
            }
        }
    }

    fn on_decode_error(&self, e: DecodeError, pending: bool) -> Flow {
        let message = e.to_string();
        debug!(reason = %message, "bad frame");
        let detail = match e.kind {
            DecodeErrorKind::MalformedJson { .. } => detail_codes::INVALID_JSON,
            _ => detail_codes::INVALID_FRAME,
        };
        let error =
            ErrorShape::new(ErrorCode::InvalidRequest, message.clone()).with_detail_code(detail);
        match (&e.id, e.json_rpc) {
            (id, true) => {
                self.reply(
                    &Reply::JsonRpc(Some(id.clone().unwrap_or(Value::Null))),
                    Err(error),
                );
            }
            (Some(Value::String(id)), false) => {
                self.reply(&Reply::Native(id.clone()), Err(error));
            }
            _ if pending => return Flow::Close(close_codes::PROTOCOL_ERROR, message),
            _ => {
                // No id to answer: report it as an event so the client sees what was wrong,
                // and keep the connection.
                self.send_event("error", serde_json::to_value(&error).unwrap_or_default());
            }
        }
        if pending {
            Flow::Close(close_codes::PROTOCOL_ERROR, message)
        } else {
            Flow::Continue
        }
    }

    fn dispatch(&self, reply: Reply, method: String, params: Value, scopes: Vec<Scope>) {
        let started = std::time::Instant::now();
        let metrics = self.shared.chat.metrics.clone();
        let interim = match &reply {
            Reply::Native(id) => {
                let (out, redactor, id) = (
                    self.out.clone(),
                    self.shared.redactor.clone(),
                    Reply::Native(id.clone()),
                );
                Some(crate::rpc::Interim(std::sync::Arc::new(move |v: Value| {
                    send_reply(&out, &redactor, &id, Ok(v))
                })))
            }
            Reply::JsonRpc(_) => None,
        };
        let ctx = CallCtx {
            conn_id: self.conn_id.clone(),
            scopes,
            interim,
        };
        let fut =
            match self
                .shared
                .server
                .registry
                .prepare(self.shared.clone(), &method, ctx, params)
            {
                Ok(f) => {
                    // Probes are not traffic: a dashboard polling `status` would count itself.
                    if method != "status" && method != "health" {
                        self.shared
                            .server
                            .requests
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    f
                }
                Err(refusal) => {
                    let label = match refusal {
                        Refusal::Unknown => crate::metrics::UNKNOWN_METHOD,
                        Refusal::MissingScope(_) => method.as_str(),
                    };
                    metrics.rpc(label, crate::metrics::Outcome::refused, started.elapsed());
                    if let Refusal::MissingScope(_) = refusal {
                        warn!(%method, "request refused: missing scope");
                    }
                    self.reply(&reply, Err(refusal.to_error(&method)));
                    return;
                }
            };
        let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
            metrics.rpc(&method, crate::metrics::Outcome::refused, started.elapsed());
            self.reply(
                &reply,
                Err(ErrorShape::new(
                    ErrorCode::Unavailable,
                    format!("too many requests in flight on this connection (max {MAX_IN_FLIGHT}); wait for answers before sending more"),
                )
                .with_detail_code(detail_codes::TOO_MANY_IN_FLIGHT)
                .retry_after(Some(100))),
            );
            return;
        };
        let out = self.out.clone();
        let redactor = self.shared.redactor.clone();
        let gone = self.gone.clone();
        let span = tracing::debug_span!("request", %method);
        self.shared.tasks.spawn(
            async move {
                let result = tokio::select! {
                    r = fut => r,
                    _ = gone.cancelled() => return,
                };
                if let Err(e) = &result {
                    debug!(code = %e.code, message = %e.message, "request failed");
                }
                let outcome = if result.is_ok() {
                    crate::metrics::Outcome::ok
                } else {
                    crate::metrics::Outcome::error
                };
                metrics.rpc(&method, outcome, started.elapsed());
                send_reply(&out, &redactor, &reply, result);
                drop(permit);
            }
            .instrument(span),
        );
    }

    fn reply(&self, reply: &Reply, result: Result<Value, ErrorShape>) {
        send_reply(&self.out, &self.shared.redactor, reply, result);
    }
}

async fn recv_event(state: &mut State) -> Result<Utf8Bytes, broadcast::error::RecvError> {
    match state {
        State::Connected(s) => s.events.recv().await,
        State::Pending => std::future::pending().await,
    }
}
