//! Plain HTTP on the gateway's port, beside the WebSocket: `/healthz` (live), `/readyz` (ready
//! for traffic, 503 with the failing parts otherwise) — both unauthenticated and saying nothing
//! sensitive, as OpenClaw's probes — and `/metrics` (Prometheus text, bearer token).
//!
//! Each connection's request head is read first to tell a WebSocket upgrade from a probe; the
//! bytes read are then replayed to whichever side takes the connection.

use super::conn;
use crate::auth;
use crate::state::Shared;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tracing::debug;

/// A request head larger than this is not a probe nor a WebSocket handshake we accept.
const MAX_HEAD: usize = 16 * 1024;

/// Reads the request head and hands the connection to the WebSocket side or the HTTP routes.
pub(super) async fn route(shared: Arc<Shared>, mut stream: TcpStream, peer: SocketAddr) {
    let timeout = Duration::from_millis(shared.config.at_start.gateway.handshake_timeout_ms);
    let head = match tokio::time::timeout(timeout, read_head(&mut stream)).await {
        Ok(Ok(Some(head))) => head,
        Ok(Ok(None)) => return,
        Ok(Err(e)) => {
            debug!(%peer, error = %e, "connection closed before a request");
            return;
        }
        Err(_) => {
            debug!(%peer, "no request within the handshake timeout");
            return;
        }
    };
    let upgrade = is_websocket_upgrade(&head);
    let stream = Replay::new(head, stream);
    if upgrade {
        if shared.shutdown.is_cancelled() {
            // Draining: probes are still answered, new sessions are not taken.
            let mut stream = stream;
            let _ = stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 25\r\n\r\nthe gateway is stopping\r\n")
                .await;
            return;
        }
        conn::serve(shared, stream, peer).await;
    } else {
        serve_http(shared, stream, peer).await;
    }
}

/// Reads until the end of the request head (`\r\n\r\n`); `None` when the peer closed first.
async fn read_head(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        let searched_from = buf.len().saturating_sub(3);
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if buf
            .get(searched_from..)
            .is_some_and(|tail| tail.windows(4).any(|w| w == b"\r\n\r\n"))
            || buf.len() >= MAX_HEAD
        {
            return Ok(Some(buf));
        }
    }
}

/// Whether a request head asks for a WebSocket (`Upgrade: websocket`).
fn is_websocket_upgrade(head: &[u8]) -> bool {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    if req.parse(head).is_err() {
        return false;
    }
    req.headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("upgrade")
            && std::str::from_utf8(h.value).is_ok_and(|v| {
                v.split(',')
                    .any(|p| p.trim().eq_ignore_ascii_case("websocket"))
            })
    })
}

/// A stream that first yields bytes already read from it.
pub(super) struct Replay {
    head: Vec<u8>,
    at: usize,
    inner: TcpStream,
}

impl Replay {
    fn new(head: Vec<u8>, inner: TcpStream) -> Replay {
        Replay { head, at: 0, inner }
    }
}

impl AsyncRead for Replay {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(rest) = self.head.get(self.at..)
            && !rest.is_empty()
        {
            let n = rest.len().min(buf.remaining());
            buf.put_slice(rest.get(..n).unwrap_or_default());
            self.at += n;
            if self.at == self.head.len() {
                self.head = Vec::new();
                self.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Replay {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn routes(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/health", get(healthz))
        .route("/readyz", get(readyz))
        .route("/ready", get(readyz))
        .route("/metrics", get(metrics_text))
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "not found: this gateway serves /healthz, /readyz and /metrics over HTTP, everything else over its WebSocket\n") })
        .with_state(shared)
}

async fn serve_http(shared: Arc<Shared>, stream: Replay, peer: SocketAddr) {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;
    let shutdown = shared.shutdown.clone();
    // The peer address, for the auth rate limit (counted per address).
    let router = routes(shared).layer(axum::Extension(ConnectInfo(peer)));
    let service = TowerToHyperService::new(router);
    // While draining, a new connection gets its one answer and is closed (no keep-alive).
    let draining = shutdown.is_cancelled();
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(!draining)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    if draining {
        if let Err(e) = conn.await {
            debug!(%peer, error = %e, "http connection ended");
        }
        return;
    }
    let drained = shutdown.clone();
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                debug!(%peer, error = %e, "http connection ended");
            }
            return;
        }
        () = drained.cancelled() => {}
    }
    // Stopping: finish the request in progress, then close (no more keep-alive).
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = (status, text).into_response();
    no_store(r.headers_mut());
    r
}

fn no_store(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    no_store(r.headers_mut());
    r
}

async fn healthz() -> Response {
    json(
        StatusCode::OK,
        serde_json::json!({ "ok": true, "status": "live" }),
    )
}

/// What keeps the gateway from taking traffic, by name (`draining`, `sessions`); empty when
/// ready.
pub(crate) async fn failing(shared: &Shared) -> Vec<&'static str> {
    let mut failing = Vec::new();
    if shared.shutdown.is_cancelled() {
        failing.push("draining");
    }
    let db = shared.chat.store.pool();
    let probe = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&db);
    if !matches!(
        tokio::time::timeout(Duration::from_secs(2), probe).await,
        Ok(Ok(1))
    ) {
        failing.push("sessions");
    }
    failing
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    let failing = failing(&shared).await;
    let ready = failing.is_empty();
    json(
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        serde_json::json!({ "ready": ready, "failing": failing, "uptimeMs": shared.uptime_ms() }),
    )
}

async fn metrics_text(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let now = Instant::now();
    let limiter = &shared.server.auth_limiter;
    if let Some(wait) = limiter.blocked(peer.ip(), now) {
        let mut r = plain(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed attempts from this address; wait and retry with the gateway token\n",
        );
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    if let Err(failure) = auth::verify(&shared.server.credential, bearer, None) {
        if bearer.is_some() {
            limiter.failed(peer.ip(), now);
        }
        let mut r = plain(
            StatusCode::UNAUTHORIZED,
            match failure {
                auth::AuthFailure::Missing(_) => {
                    "/metrics needs the gateway token: send it as Authorization: Bearer <token>\n"
                }
                auth::AuthFailure::Mismatch(_) => {
                    "the token sent to /metrics is not this gateway's token\n"
                }
            },
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"tidepool\""),
        );
        return r;
    }
    let pending = shared.chat.approvals.pending().len();
    match shared.chat.metrics.encode(pending) {
        Ok(text) => {
            let mut r = (StatusCode::OK, text).into_response();
            no_store(r.headers_mut());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            );
            r
        }
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the metrics could not be encoded\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_websocket_upgrades_from_probes() {
        let table: &[(&[u8], bool)] = &[
            (
                b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                true,
            ),
            (b"GET / HTTP/1.1\r\nupgrade: WebSocket\r\n\r\n", true),
            (b"GET / HTTP/1.1\r\nUpgrade: h2c, websocket\r\n\r\n", true),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", false),
            (b"GET /healthz HTTP/1.1\r\nUpgrade: h2c\r\n\r\n", false),
            (b"not http at all\r\n\r\n", false),
            (b"", false),
        ];
        for (head, want) in table {
            assert_eq!(
                is_websocket_upgrade(head),
                *want,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }
}
