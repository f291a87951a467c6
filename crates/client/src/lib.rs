//! Client for the Tidepool / OpenClaw gateway protocol: connects with the challenge handshake,
//! correlates requests with responses, fans out events, notices a dead gateway through missed
//! ticks, and (optionally) reconnects with exponential backoff.

mod error;
mod socket;
mod tls;

pub use error::{ClientError, ErrorKind};
pub use socket::connect_params;
pub use tidepool_protocol as protocol;

use backon::{BackoffBuilder, ExponentialBuilder};
use serde_json::Value;
use socket::{Pending, Socket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tidepool_protocol::contract::Method;
pub use tidepool_protocol::contract::decode_event;
use tidepool_protocol::methods::{ClientInfo, HelloOk};
use tidepool_protocol::{EventFrame, Scope};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

/// How to reach and authenticate with a gateway.
#[derive(Clone)]
pub struct ConnectOptions {
    /// `ws://host:port` (a path is allowed).
    pub url: String,
    /// Gateway token.
    pub token: Option<String>,
    /// Gateway password.
    pub password: Option<String>,
    /// Who we are.
    pub client: ClientInfo,
    /// Scopes to request.
    pub scopes: Vec<Scope>,
    /// Time allowed for TCP + WebSocket + `connect`.
    pub connect_timeout: Duration,
    /// Default time allowed for one request.
    pub request_timeout: Duration,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("client", &self.client.id)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl ConnectOptions {
    /// Options for `url` as client `id` (e.g. `cli`) with read + write scopes.
    pub fn new(url: impl Into<String>, client_id: &str, version: &str) -> Self {
        ConnectOptions {
            url: url.into(),
            token: None,
            password: None,
            client: ClientInfo {
                id: client_id.into(),
                version: version.into(),
                platform: platform().into(),
                mode: if client_id == "cli" { "cli" } else { "backend" }.into(),
                display_name: None,
                instance_id: None,
                device_family: None,
            },
            scopes: vec![Scope::Read, Scope::Write],
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }

    /// Sets the token.
    pub fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// Sets the requested scopes.
    pub fn scopes(mut self, scopes: Vec<Scope>) -> Self {
        self.scopes = scopes;
        self
    }
}

fn platform() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    }
}

/// Reconnect timing.
#[derive(Debug, Clone, Copy)]
pub struct Reconnect {
    /// First delay.
    pub min_delay: Duration,
    /// Longest delay.
    pub max_delay: Duration,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// Connection state, observable with [`Client::state`].
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    /// Connecting (first time or again).
    Connecting,
    /// Connected; `connId` of this connection.
    Connected(String),
    /// Disconnected; why. With reconnect on, a new attempt follows.
    Disconnected(String),
    /// Stopped for good: closed by us, or a failure retrying cannot fix (auth, protocol).
    Closed(String),
}

struct Inner {
    opts: ConnectOptions,
    next_id: AtomicU64,
    pending: Pending,
    writer: std::sync::Mutex<Option<mpsc::Sender<String>>>,
    events: broadcast::Sender<EventFrame>,
    state: watch::Sender<ConnState>,
    hello: std::sync::Mutex<Option<HelloOk>>,
    stop: CancellationToken,
}

/// A gateway client. Cheap to clone; all clones share one connection.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.opts.url)
            .field("state", &*self.inner.state.borrow())
            .finish()
    }
}

impl Client {
    /// Connects once; fails if the gateway cannot be reached or refuses us. The connection is
    /// not re-established after it drops.
    pub async fn connect(opts: ConnectOptions) -> Result<Client, ClientError> {
        let (client, first) = Client::spawn(opts, None);
        first
            .await
            .map_err(|_| ClientError::Closed("connection task ended".into()))??;
        Ok(client)
    }

    /// Connects and keeps reconnecting with exponential backoff after drops and failed
    /// attempts (but not after auth or protocol refusals). Returns at once; watch
    /// [`Client::state`] or call [`Client::wait_connected`].
    pub fn connect_persistent(opts: ConnectOptions, reconnect: Reconnect) -> Client {
        Client::spawn(opts, Some(reconnect)).0
    }

    fn spawn(
        opts: ConnectOptions,
        reconnect: Option<Reconnect>,
    ) -> (Client, oneshot::Receiver<Result<(), ClientError>>) {
        let (events, _) = broadcast::channel(1024);
        let (state, _) = watch::channel(ConnState::Connecting);
        let inner = Arc::new(Inner {
            opts,
            next_id: AtomicU64::new(1),
            pending: Pending::default(),
            writer: std::sync::Mutex::new(None),
            events,
            state,
            hello: std::sync::Mutex::new(None),
            stop: CancellationToken::new(),
        });
        let (first_tx, first_rx) = oneshot::channel();
        tokio::spawn(drive(inner.clone(), reconnect, first_tx));
        (Client { inner }, first_rx)
    }

    /// Calls `method` with `params` and returns the payload.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.request_with_timeout(method, params, self.inner.opts.request_timeout)
            .await
    }

    /// Calls method `M` (its descriptor names it) and decodes its typed result.
    pub async fn call<M: Method>(&self, params: &M::Params) -> Result<M::Result, ClientError> {
        self.call_with_timeout::<M>(params, self.inner.opts.request_timeout)
            .await
    }

    /// Like [`Client::call`] with an explicit timeout.
    pub async fn call_with_timeout<M: Method>(
        &self,
        params: &M::Params,
        timeout: Duration,
    ) -> Result<M::Result, ClientError> {
        let params =
            serde_json::to_value(params).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let v = self.request_with_timeout(M::NAME, params, timeout).await?;
        serde_json::from_value(v).map_err(|e| {
            ClientError::Protocol(format!(
                "unexpected {} result from the gateway: {e}",
                M::NAME
            ))
        })
    }

    /// Like [`Client::request`] with an explicit timeout.
    pub async fn request_with_timeout(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, ClientError> {
        let writer = self
            .inner
            .writer
            .lock()
            .ok()
            .and_then(|w| w.clone())
            .ok_or(ClientError::NotConnected)?;
        let id = format!("{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let rx = self.inner.pending.insert(id.clone());
        let frame =
            serde_json::json!({"type": "req", "id": id, "method": method, "params": params});
        if writer.send(frame.to_string()).await.is_err() {
            self.inner.pending.remove(&id);
            return Err(ClientError::NotConnected);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ClientError::Closed(
                "the connection dropped before the gateway answered".into(),
            )),
            Err(_) => {
                self.inner.pending.remove(&id);
                Err(ClientError::Timeout {
                    after: timeout,
                    what: method.to_owned(),
                })
            }
        }
    }

    /// Events pushed by the gateway (everything except the handshake challenge).
    pub fn events(&self) -> broadcast::Receiver<EventFrame> {
        self.inner.events.subscribe()
    }

    /// The connection state.
    pub fn state(&self) -> watch::Receiver<ConnState> {
        self.inner.state.subscribe()
    }

    /// Waits until connected, or until the client stops for good, or the timeout.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), ClientError> {
        let mut rx = self.state();
        let wait = async {
            loop {
                match rx.borrow_and_update().clone() {
                    ConnState::Connected(_) => return Ok(()),
                    ConnState::Closed(why) => return Err(ClientError::Closed(why)),
                    _ => {}
                }
                if rx.changed().await.is_err() {
                    return Err(ClientError::Closed("client dropped".into()));
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| ClientError::Timeout {
                after: timeout,
                what: "connect".into(),
            })?
    }

    /// The URL this client connects to.
    pub fn url(&self) -> &str {
        &self.inner.opts.url
    }

    /// The `hello-ok` of the current connection.
    pub fn hello(&self) -> Option<HelloOk> {
        self.inner.hello.lock().ok().and_then(|h| h.clone())
    }

    /// Closes the connection and stops reconnecting.
    pub fn close(&self) {
        self.inner.stop.cancel();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn drive(
    inner: Arc<Inner>,
    reconnect: Option<Reconnect>,
    first: oneshot::Sender<Result<(), ClientError>>,
) {
    let mut first = Some(first);
    let backoff_builder = reconnect.map(|r| {
        ExponentialBuilder::default()
            .with_min_delay(r.min_delay)
            .with_max_delay(r.max_delay)
            .with_jitter()
            .without_max_times()
    });
    let mut backoff = backoff_builder.map(|b| b.build());
    loop {
        let _ = inner.state.send_replace(ConnState::Connecting);
        let attempt = tokio::select! {
            _ = inner.stop.cancelled() => break,
            r = Socket::establish(&inner.opts) => r,
        };
        match attempt {
            Ok((socket, hello)) => {
                let conn_id = hello.server.conn_id.clone();
                if let Ok(mut h) = inner.hello.lock() {
                    *h = Some(hello);
                }
                let (tx, rx) = mpsc::channel(256);
                if let Ok(mut w) = inner.writer.lock() {
                    *w = Some(tx);
                }
                let _ = inner.state.send_replace(ConnState::Connected(conn_id));
                if let Some(f) = first.take() {
                    let _ = f.send(Ok(()));
                }
                if let Some(b) = &backoff_builder {
                    backoff = Some(b.build());
                }
                let why = socket
                    .run(rx, &inner.pending, &inner.events, &inner.stop)
                    .await;
                if let Ok(mut w) = inner.writer.lock() {
                    *w = None;
                }
                inner.pending.fail_all();
                if inner.stop.is_cancelled() {
                    break;
                }
                let _ = inner
                    .state
                    .send_replace(ConnState::Disconnected(why.clone()));
                if backoff.is_none() {
                    let _ = inner.state.send_replace(ConnState::Closed(why));
                    return;
                }
            }
            Err(e) => {
                let fatal = e.is_fatal() || backoff.is_none();
                let msg = e.to_string();
                if let Some(f) = first.take()
                    && fatal
                {
                    let _ = inner.state.send_replace(ConnState::Closed(msg));
                    let _ = f.send(Err(e));
                    return;
                }
                // Persistent clients keep trying; nobody waits on `first`.
                if fatal {
                    let _ = inner.state.send_replace(ConnState::Closed(msg));
                    return;
                }
                let _ = inner.state.send_replace(ConnState::Disconnected(msg));
            }
        }
        let delay = backoff
            .as_mut()
            .and_then(Iterator::next)
            .unwrap_or(Duration::from_secs(10));
        tokio::select! {
            _ = inner.stop.cancelled() => break,
            _ = tokio::time::sleep(delay) => {}
        }
    }
    let _ = inner
        .state
        .send(ConnState::Closed("closed by the client".into()));
}
