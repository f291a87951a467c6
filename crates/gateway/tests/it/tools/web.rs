//! `web_fetch` against a local axum server on 127.0.0.1.

use super::{call, ctx};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Request};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tidepool_gateway::providers;
use tidepool_gateway::tools::{ToolCtx, ToolError};
use tokio::sync::{Notify, oneshot};

const PAGE: &str = "<!doctype html><html><head><title>T</title><style>body{color:red}</style>\
<script>alert('x')</script></head><body><h1>Tide &amp; Pool</h1><p>First <b>para</b>.</p>\
<ul><li>one</li><li>two</li></ul></body></html>";

/// A local server; dropping it stops it.
struct Server {
    addr: SocketAddr,
    /// Requests received.
    hits: Arc<AtomicUsize>,
    /// Notified when `/hang` was entered.
    hanging: Arc<Notify>,
    _stop: oneshot::Sender<()>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn redirect(UrlPath(n): UrlPath<u32>) -> Response {
    if n == 0 {
        "arrived".into_response()
    } else {
        Redirect::temporary(&format!("/redirect/{}", n - 1)).into_response()
    }
}

async fn server() -> Server {
    // The gateway builds the providers' HTTP client at startup, which installs rustls' crypto
    // provider; web_fetch relies on that (see `web_fetch_needs_no_prior_setup`).
    providers::http_client().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let hanging = Arc::new(Notify::new());
    let counter = Arc::clone(&hits);
    let entered = Arc::clone(&hanging);
    let app = Router::new()
        .route("/hello", get(|| async { "hello world" }))
        .route("/page", get(|| async { Html(PAGE) }))
        .route("/big", get(|| async { "x".repeat(10_000) }))
        .route(
            "/big-chunked",
            get(|| async {
                let chunks = (0..10).map(|_| Ok::<_, std::io::Error>("y".repeat(1000)));
                Body::from_stream(futures_util::stream::iter(chunks))
            }),
        )
        .route("/redirect/{n}", get(redirect))
        .route(
            "/to-file",
            get(|| async { Redirect::temporary("file:///etc/passwd") }),
        )
        .route(
            "/hang",
            get(move || {
                let entered = Arc::clone(&entered);
                async move {
                    entered.notify_one();
                    std::future::pending::<()>().await;
                    "never"
                }
            }),
        )
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            counter.fetch_add(1, Ordering::SeqCst);
            next.run(req)
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Server {
        addr,
        hits,
        hanging,
        _stop: stop,
    }
}

/// A context allowing private addresses (the server is on loopback), with `tweak` applied.
fn web_ctx(tweak: impl FnOnce(&mut ToolCtx)) -> ToolCtx {
    let mut c = ctx(&std::env::temp_dir());
    c.web.allow_private_network = true;
    tweak(&mut c);
    c
}

async fn fetch(c: &ToolCtx, url: &str) -> Result<String, ToolError> {
    call(c, "web_fetch", json!({ "url": url })).await
}

#[tokio::test]
async fn private_addresses_are_refused_by_default() {
    let s = server().await;
    let c = ctx(&std::env::temp_dir());
    assert!(!c.web.allow_private_network);
    let port = s.addr.port();
    for url in [
        s.url("/hello"),
        format!("http://localhost:{port}/hello"),
        format!("http://[::1]:{port}/hello"),
        format!("http://0.0.0.0:{port}/hello"),
        format!("http://[::ffff:127.0.0.1]:{port}/hello"),
        format!("http://2130706433:{port}/hello"),
        "http://10.0.0.1/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let e = fetch(&c, &url).await.unwrap_err().0;
        assert!(
            e.contains("local or private-network address") && e.contains("allowPrivateNetwork"),
            "{url}: {e}"
        );
    }
    assert_eq!(s.hits(), 0, "a refused URL was still requested");
}

#[tokio::test]
async fn private_addresses_are_fetched_when_allowed() {
    let s = server().await;
    let c = web_ctx(|_| {});
    assert_eq!(fetch(&c, &s.url("/hello")).await.unwrap(), "hello world");
    assert_eq!(s.hits(), 1);
}

#[tokio::test]
async fn html_is_returned_as_text() {
    let s = server().await;
    let text = fetch(&web_ctx(|_| {}), &s.url("/page")).await.unwrap();
    assert!(
        !text.contains('<') && !text.contains("alert") && !text.contains("color"),
        "{text}"
    );
    for want in ["Tide & Pool", "First para.", "one", "two"] {
        assert!(text.contains(want), "{want} missing in {text:?}");
    }
}

#[tokio::test]
async fn long_text_is_cut_at_max_chars() {
    let s = server().await;
    let c = web_ctx(|c| c.web.max_chars = 5);
    let text = fetch(&c, &s.url("/hello")).await.unwrap();
    assert!(
        text.starts_with("hello\n") && text.contains("maxChars"),
        "{text}"
    );
}

#[tokio::test]
async fn bodies_over_max_bytes_are_refused() {
    let s = server().await;
    let c = web_ctx(|c| c.web.max_bytes = 1000);
    let e = fetch(&c, &s.url("/big")).await.unwrap_err().0;
    assert!(
        e.contains("10000 bytes, more than the limit of 1000"),
        "{e}"
    );
    // Without a Content-Length the limit is checked while reading.
    let e = fetch(&c, &s.url("/big-chunked")).await.unwrap_err().0;
    assert!(e.contains("larger than the limit of 1000 bytes"), "{e}");
    let c = web_ctx(|c| c.web.max_bytes = 10_000);
    assert_eq!(
        fetch(&c, &s.url("/big-chunked")).await.unwrap().len(),
        10_000
    );
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let s = server().await;
    let c = web_ctx(|c| c.web.max_redirects = 2);
    assert_eq!(fetch(&c, &s.url("/redirect/2")).await.unwrap(), "arrived");
    assert_eq!(s.hits(), 3);
    let e = fetch(&c, &s.url("/redirect/3")).await.unwrap_err().0;
    assert!(e.contains("3 redirects, more than the limit of 2"), "{e}");
    assert_eq!(s.hits(), 6, "the fourth hop was requested");
    let none = web_ctx(|c| c.web.max_redirects = 0);
    let e = fetch(&none, &s.url("/redirect/1")).await.unwrap_err().0;
    assert!(e.contains("more than the limit of 0"), "{e}");
}

#[tokio::test]
async fn a_redirect_to_another_scheme_is_refused() {
    let s = server().await;
    let e = fetch(&web_ctx(|_| {}), &s.url("/to-file"))
        .await
        .unwrap_err()
        .0;
    assert!(e.contains("only http and https"), "{e}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let s = server().await;
    let c = web_ctx(|c| c.web.timeout_seconds = 1);
    let t0 = Instant::now();
    let e = fetch(&c, &s.url("/hang")).await.unwrap_err().0;
    let took = t0.elapsed();
    assert!(e.contains("gave up after 1 s"), "{e}");
    assert!(
        took >= Duration::from_millis(990) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_fetch_stops_when_cancelled() {
    let s = server().await;
    let c = web_ctx(|_| {});
    let task = {
        let c = c.clone();
        let url = s.url("/hang");
        tokio::spawn(async move { fetch(&c, &url).await })
    };
    // Ready signal: the request reached the handler.
    tokio::time::timeout(Duration::from_secs(5), s.hanging.notified())
        .await
        .unwrap();
    let t0 = Instant::now();
    c.cancel.cancel();
    let r = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(r.unwrap_err().0, "cancelled");
}

#[tokio::test]
async fn non_http_urls_and_errors_are_explained() {
    let s = server().await;
    let c = web_ctx(|_| {});
    for url in [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "gopher://localhost/",
    ] {
        let e = fetch(&c, url).await.unwrap_err().0;
        assert!(e.contains("only http and https"), "{url}: {e}");
    }
    let e = fetch(&c, "not a url").await.unwrap_err().0;
    assert!(e.contains("is not a URL"), "{e}");
    let e = fetch(&c, &s.url("/missing")).await.unwrap_err().0;
    assert!(e.contains("HTTP 404"), "{e}");
    let e = call(&c, "web_fetch", json!({})).await.unwrap_err().0;
    assert!(e.contains("invalid arguments for web_fetch"), "{e}");
}

/// Runs without `server()`, so nothing installed rustls' crypto provider in this process (nextest
/// runs each test in its own process; under `cargo test` another test may have done it first).
#[tokio::test]
async fn web_fetch_needs_no_prior_setup() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hello", get(|| async { "hello world" }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let c = web_ctx(|_| {});
    let text = fetch(&c, &format!("http://{addr}/hello")).await;
    assert_eq!(text.unwrap(), "hello world");
}
