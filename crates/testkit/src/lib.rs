//! An HTTP fake of LLM providers that speaks their real wire formats, for tests.
//!
//! [`FakeProvider::start`] serves on `127.0.0.1:<random port>`:
//!
//! - OpenAI Chat Completions: `POST /v1/chat/completions` (auth `Authorization: Bearer KEY`),
//!   streamed as `data: {chat.completion.chunk}` lines ending in `data: [DONE]`, or one
//!   `chat.completion` JSON object when `stream` is false or absent. Errors are
//!   `{"error":{"message","type","param","code"}}`.
//! - Anthropic Messages: `POST /v1/messages` (auth `x-api-key`, `anthropic-version` required),
//!   streamed as `event:`/`data:` SSE (`message_start`, `content_block_start`, `ping`,
//!   `content_block_delta`, `content_block_stop`, `message_delta`, `message_stop`), or one
//!   `message` JSON object. Errors are `{"type":"error","error":{"type","message"},"request_id"}`.
//! - `GET /v1/models`: Anthropic's list shape when the request carries `anthropic-version` or
//!   `x-api-key`, OpenAI's otherwise.
//!
//! Each completion request that passes validation (auth, JSON body, `model` among
//! [`FakeOptions::models`], required fields) consumes one [`Script`] from the FIFO queue filled by
//! [`FakeProvider::push`]. Requests refused by validation consume none. With an empty queue the
//! reply is a text stream `"echo: <last user text>"` in about 3 chunks. Every request, refused or
//! not, is recorded ([`FakeProvider::requests`]).
//!
//! # Magic prompts (binary mode)
//!
//! With [`FakeOptions::magic_prompts`] (always on in the `fake-provider` binary), an empty queue
//! replies according to the conversation, so an end-to-end test can drive the fake from the UI:
//!
//! - if a tool result (OpenAI `role: "tool"` message, Anthropic `tool_result` block) comes after
//!   the last user text: the text `"done: <first 200 characters of that tool result>"`;
//! - else if the last user text contains `[[tool:NAME {json args}]]` tags (args optional, `{}` by
//!   default): a tool call for each tag, with ids `call_fake_N` (OpenAI) or `toolu_fake_N`
//!   (Anthropic);
//! - else if the last user text has `[[status:CODE message]]`: that HTTP error, in the
//!   provider's error format; `[[fail-once:CODE message]]`: the same the first time this text
//!   is seen, the usual reply after that (a retry succeeds); `[[hold]]`: the first part of the
//!   echo, then nothing until the client leaves (for a Stop button);
//! - else the usual echo.
//!
//! The binary reads `FAKE_PROVIDER_API_KEY` and `FAKE_PROVIDER_MODELS` (comma-separated), prints
//! `{"port":N}` on one stdout line once listening, and runs until its stdin closes or it gets
//! SIGTERM (`--ignore-stdin` makes it wait for the signal only, for a caller whose stdin is
//! `/dev/null`).

mod anthropic;
mod conversation;
mod json;
mod openai;
#[cfg(unix)]
pub mod sshd;
mod stream;

use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, oneshot};

/// Options of a [`FakeProvider`].
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// If set, requests without this key (Bearer for OpenAI, `x-api-key` for Anthropic) get 401
    /// in the provider's error format.
    pub api_key: Option<String>,
    /// Model ids listed by `GET /v1/models`; a completion for another model gets 404.
    pub models: Vec<String>,
    /// Reply from `[[tool:...]]` tags and tool results when the queue is empty (see crate docs).
    pub magic_prompts: bool,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            api_key: None,
            models: vec!["fake-model".to_owned(), "fake-large".to_owned()],
            magic_prompts: false,
        }
    }
}

/// What the fake answers to one completion request.
#[derive(Debug, Clone, PartialEq)]
pub enum Script {
    /// Streamed text deltas, then a normal finish with usage.
    Text { chunks: Vec<String> },
    /// Optional text (one delta), then tool calls whose arguments are split over several deltas;
    /// finish reason `tool_calls` (OpenAI) / stop reason `tool_use` (Anthropic).
    ToolCalls {
        text: Option<String>,
        calls: Vec<ToolCall>,
    },
    /// An error response with this status in the provider's error shape (also when streaming);
    /// `retry_after` becomes a `retry-after` header. With the OpenAI API, `{authorization}` in
    /// the message is replaced by the request's Authorization header (as some proxies echo it).
    Status {
        status: u16,
        retry_after: Option<u64>,
        message: String,
    },
    /// Sends these deltas, then drops the connection without the final events.
    CutAfter { chunks: Vec<String> },
    /// A stream (or body) that is not valid JSON where JSON is expected.
    Malformed,
    /// Sends these deltas, then waits for [`FakeProvider::release_hold`] (or the client leaving),
    /// then finishes normally.
    Hold { chunks: Vec<String> },
}

impl Script {
    /// `Script::Text` from string slices.
    pub fn text(chunks: &[&str]) -> Script {
        Script::Text {
            chunks: chunks.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    /// `Script::Status` without `retry-after`.
    pub fn status(status: u16, message: &str) -> Script {
        Script::Status {
            status,
            retry_after: None,
            message: message.to_owned(),
        }
    }
}

/// One tool call of [`Script::ToolCalls`].
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: Value,
}

impl ToolCall {
    pub fn new(id: &str, name: &str, arguments: Value) -> ToolCall {
        ToolCall {
            id: id.to_owned(),
            name: name.to_owned(),
            arguments,
        }
    }
}

/// A request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    /// The path without the query.
    pub path: String,
    pub query: Option<String>,
    /// Header names lowercased; repeated headers joined with `", "`.
    pub headers: BTreeMap<String, String>,
    /// The body as JSON, `Value::Null` if empty or not JSON.
    pub body: Value,
}

impl Recorded {
    /// A header's value by (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A running fake provider. Dropping it stops the server and releases held streams.
pub struct FakeProvider {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for FakeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeProvider")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeProvider {
    /// Binds `127.0.0.1:0` and serves in a background task of the current tokio runtime.
    pub async fn start(opts: FakeOptions) -> std::io::Result<FakeProvider> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            opts,
            inner: Mutex::new(Inner::default()),
            recorded: Notify::new(),
            holds: Arc::new(Semaphore::new(0)),
            seq: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(openai::chat))
            .route("/v1/messages", post(anthropic::messages))
            .route("/v1/models", get(models))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(64 << 20))
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            let _ = serve.await;
        });
        Ok(FakeProvider {
            addr,
            shared,
            shutdown: Some(shutdown),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// `http://127.0.0.1:PORT` (clients append `/v1/messages`).
    pub fn anthropic_base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a script for the next completion request (either API).
    pub fn push(&self, script: Script) {
        self.shared.lock().queue.push_back(script);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// Waits until at least `n` requests were received or `timeout` passed; returns them all
    /// (fewer than `n` on timeout).
    pub async fn wait_requests(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.recorded.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let requests = self.requests();
            if requests.len() >= n {
                return requests;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.requests();
            }
        }
    }

    /// Lets one [`Script::Hold`] continue: the one waiting now, or the next one to reach its hold.
    pub fn release_hold(&self) {
        self.shared.holds.add_permits(1);
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.shared.holds.close();
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// State shared by the handlers.
pub(crate) struct Shared {
    pub(crate) opts: FakeOptions,
    inner: Mutex<Inner>,
    recorded: Notify,
    pub(crate) holds: Arc<Semaphore>,
    seq: AtomicU64,
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<Script>,
    requests: Vec<Recorded>,
    /// Texts a `[[fail-once:…]]` already failed.
    failed_once: std::collections::HashSet<String>,
}

/// Which provider API a request came through.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Api {
    OpenAi,
    Anthropic,
}

/// A provider-independent description of a reply.
#[derive(Debug)]
pub(crate) enum Plan {
    Reply {
        text: Vec<String>,
        calls: Vec<ToolCall>,
        hold: bool,
    },
    Status {
        status: u16,
        retry_after: Option<u64>,
        message: String,
    },
    Cut {
        text: Vec<String>,
    },
    Malformed,
}

impl From<Script> for Plan {
    fn from(script: Script) -> Plan {
        match script {
            Script::Text { chunks } => Plan::Reply {
                text: chunks,
                calls: Vec::new(),
                hold: false,
            },
            Script::ToolCalls { text, calls } => Plan::Reply {
                text: text.into_iter().collect(),
                calls,
                hold: false,
            },
            Script::Status {
                status,
                retry_after,
                message,
            } => Plan::Status {
                status,
                retry_after,
                message,
            },
            Script::CutAfter { chunks } => Plan::Cut { text: chunks },
            Script::Malformed => Plan::Malformed,
            Script::Hold { chunks } => Plan::Reply {
                text: chunks,
                calls: Vec::new(),
                hold: true,
            },
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a request and returns its body as JSON (`Null` if not JSON).
    pub(crate) fn record(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Value {
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            names
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let recorded = Recorded {
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: names,
            body: json.clone(),
        };
        self.lock().requests.push(recorded);
        self.recorded.notify_waiters();
        json
    }

    /// A fresh number for ids.
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Whether the request's key is acceptable: `Ok` when no key is configured or it matches,
    /// `Err(true)` when a key was given but is wrong, `Err(false)` when none was given.
    pub(crate) fn check_key(&self, given: Option<&str>) -> Result<(), bool> {
        match (&self.opts.api_key, given) {
            (None, _) => Ok(()),
            (Some(want), Some(got)) if want == got => Ok(()),
            (Some(_), Some(_)) => Err(true),
            (Some(_), None) => Err(false),
        }
    }

    /// The reply to a validated completion request: the next script, or the default.
    pub(crate) fn plan(&self, api: Api, body: &Value) -> Plan {
        if let Some(script) = self.lock().queue.pop_front() {
            return Plan::from(script);
        }
        let conv = conversation::analyze(body);
        if self.opts.magic_prompts {
            if let Some(result) = &conv.tool_result_after_user {
                let text = format!("done: {}", conversation::prefix(result, 200));
                return Plan::Reply {
                    text: conversation::split(&text, 3),
                    calls: Vec::new(),
                    hold: false,
                };
            }
            if let Some(tag) = conv
                .last_user_text
                .as_deref()
                .and_then(conversation::control_tag)
            {
                let text = conv.last_user_text.clone().unwrap_or_default();
                match tag {
                    conversation::Control::Status(status, message) => {
                        return Plan::Status {
                            status,
                            retry_after: None,
                            message,
                        };
                    }
                    conversation::Control::FailOnce(status, message) => {
                        if self.lock().failed_once.insert(text.clone()) {
                            return Plan::Status {
                                status,
                                retry_after: None,
                                message,
                            };
                        }
                    }
                    conversation::Control::Hold => {
                        let reply = format!("echo: {text}");
                        return Plan::Reply {
                            text: conversation::split(&reply, 3).into_iter().take(1).collect(),
                            calls: Vec::new(),
                            hold: true,
                        };
                    }
                }
            }
            let tags = conv
                .last_user_text
                .as_deref()
                .map(conversation::tool_tags)
                .unwrap_or_default();
            if !tags.is_empty() {
                let prefix = match api {
                    Api::OpenAi => "call_fake_",
                    Api::Anthropic => "toolu_fake_",
                };
                let calls = tags
                    .into_iter()
                    .map(|(name, arguments)| ToolCall {
                        id: format!("{prefix}{}", self.next_seq()),
                        name,
                        arguments,
                    })
                    .collect();
                return Plan::Reply {
                    text: Vec::new(),
                    calls,
                    hold: false,
                };
            }
        }
        let text = format!("echo: {}", conv.last_user_text.unwrap_or_default());
        Plan::Reply {
            text: conversation::split(&text, 3),
            calls: Vec::new(),
            hold: false,
        }
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether a request looks like it comes from an Anthropic client.
fn is_anthropic(headers: &HeaderMap) -> bool {
    headers.contains_key("anthropic-version") || headers.contains_key("x-api-key")
}

async fn models(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.record(&method, &uri, &headers, &body);
    if is_anthropic(&headers) {
        anthropic::models(&shared, &headers)
    } else {
        openai::models(&shared, &headers)
    }
}

async fn not_found(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.record(&method, &uri, &headers, &body);
    if is_anthropic(&headers) {
        anthropic::error(&shared, 404, "not_found_error", "Not found", None)
    } else {
        let message = format!("Invalid URL ({} {})", method, uri.path());
        openai::error(&shared, 404, &message, "invalid_request_error", None, None)
    }
}

/// Builds a response with these headers; a header or status that `http` refuses gives a bare 500.
pub(crate) fn respond(status: u16, headers: &[(&str, String)], body: Body) -> Response {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut fallback = Response::new(Body::empty());
        *fallback.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
