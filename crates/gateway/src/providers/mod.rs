//! LLM providers: the Anthropic Messages API and OpenAI Chat Completions (with every
//! OpenAI-compatible server: Ollama, LM Studio, vLLM, llama.cpp). Streaming over SSE, retries
//! with backoff on 429/5xx (honouring `retry-after`), cancellation, and errors that say what to do.

mod anthropic;
mod openai;
pub mod types;

use crate::config::Config;
use crate::config::agents::{ModelEntry, ProviderApi, ProviderConfig};
use backon::BackoffBuilder;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
pub use types::*;

/// Why a model call failed. `Display` is one sentence a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// The key was refused (401/403).
    #[error("{provider} refused the API key ({message}); check the key in Config or Settings")]
    Auth {
        /// Provider id.
        provider: String,
        /// The provider's words.
        message: String,
    },
    /// The model does not exist (404).
    #[error("{provider} has no model \"{model}\" ({message}); pick one from models.list")]
    ModelNotFound {
        /// Provider id.
        provider: String,
        /// Model id.
        model: String,
        /// The provider's words.
        message: String,
    },
    /// Too many requests (429), after the retries.
    #[error("{provider} is rate limiting requests ({message}){}", retry_after.map(|d| format!("; try again in {} s", d.as_secs().max(1))).unwrap_or_default())]
    RateLimited {
        /// Provider id.
        provider: String,
        /// When the provider said to retry.
        retry_after: Option<Duration>,
        /// The provider's words.
        message: String,
    },
    /// The provider failed (5xx), after the retries.
    #[error(
        "{provider} failed with HTTP {status} ({message}); this is on the provider's side, try again later"
    )]
    Server {
        /// Provider id.
        provider: String,
        /// HTTP status.
        status: u16,
        /// The provider's words.
        message: String,
    },
    /// The request was refused as invalid (other 4xx).
    #[error("{provider} rejected the request with HTTP {status}: {message}")]
    BadRequest {
        /// Provider id.
        provider: String,
        /// HTTP status.
        status: u16,
        /// The provider's words.
        message: String,
    },
    /// No connection.
    #[error(
        "cannot reach {provider} at {url}: {message}; is the server running and the URL right?"
    )]
    Unreachable {
        /// Provider id.
        provider: String,
        /// Base URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// The stream broke off or carried something unreadable.
    #[error("{provider} sent a broken response: {message}")]
    Protocol {
        /// Provider id.
        provider: String,
        /// What was wrong.
        message: String,
    },
    /// Not configured well enough to call.
    #[error("{0}")]
    Config(String),
    /// Aborted by the user.
    #[error("cancelled")]
    Cancelled,
}

impl ProviderError {
    /// Whether trying again may help (and nothing was streamed yet).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Unreachable { .. }
        )
    }

    /// A stable short code for the UI and the protocol error.
    pub fn kind(&self) -> &'static str {
        match self {
            ProviderError::Auth { .. } => "auth",
            ProviderError::ModelNotFound { .. } => "model_not_found",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Server { .. } => "provider_error",
            ProviderError::BadRequest { .. } => "bad_request",
            ProviderError::Unreachable { .. } => "unreachable",
            ProviderError::Protocol { .. } => "protocol",
            ProviderError::Config(_) => "config",
            ProviderError::Cancelled => "cancelled",
        }
    }
}

/// A provider ready to call.
#[derive(Clone)]
pub struct Provider {
    /// Id (`anthropic`, `openai`, `local`, ...).
    pub id: String,
    /// Wire format.
    pub api: ProviderApi,
    /// Base URL without a trailing slash.
    pub base_url: String,
    api_key: Option<String>,
    headers: BTreeMap<String, String>,
    /// Models listed in the config.
    pub models: Vec<ModelEntry>,
    http: reqwest::Client,
    /// Retries after the first attempt.
    pub max_retries: usize,
    /// Longest `retry-after` honoured; longer waits fail at once.
    pub max_retry_wait: Duration,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("api", &self.api)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The built-in providers: (id, api, base URL, environment variable of the key).
const BUILT_IN: &[(&str, ProviderApi, &str, Option<&str>)] = &[
    (
        "anthropic",
        ProviderApi::AnthropicMessages,
        "https://api.anthropic.com",
        Some("ANTHROPIC_API_KEY"),
    ),
    (
        "openai",
        ProviderApi::OpenaiCompletions,
        "https://api.openai.com/v1",
        Some("OPENAI_API_KEY"),
    ),
    (
        "ollama",
        ProviderApi::Ollama,
        "http://127.0.0.1:11434/v1",
        None,
    ),
    (
        "lmstudio",
        ProviderApi::OpenaiCompletions,
        "http://127.0.0.1:1234/v1",
        None,
    ),
];

/// Whether `id` is a built-in provider (`anthropic`, `openai`, `ollama`, `lmstudio`).
pub fn is_built_in(id: &str) -> bool {
    BUILT_IN.iter().any(|b| b.0 == id)
}

/// The environment variable a built-in provider takes its key from, if it has one.
pub fn built_in_key_env(id: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|b| b.0 == id).and_then(|b| b.3)
}

/// Whether Tidepool refuses to call this provider without an API key.
pub fn key_required(id: &str) -> bool {
    matches!(id, "anthropic" | "openai")
}

/// Installs rustls' ring provider for this process (reqwest is built without a default one;
/// ring needs no C toolchain beyond cc). Idempotent.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One HTTP client for all providers (connection pools are shared).
pub fn http_client() -> Result<reqwest::Client, ProviderError> {
    install_crypto();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(180))
        .user_agent(concat!("tidepool/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProviderError::Config(format!("cannot set up HTTP: {e}")))
}

/// Splits `provider/model-id` (the model id may itself contain `/`).
pub fn split_model_ref(r: &str) -> Result<(&str, &str), ProviderError> {
    match r.split_once('/') {
        Some((p, m)) if !p.is_empty() && !m.is_empty() => Ok((p, m)),
        _ => Err(ProviderError::Config(format!(
            "model \"{r}\" must be written as provider/model-id, e.g. \"anthropic/claude-sonnet-4-5\""
        ))),
    }
}

/// The provider `id` as configured (built-in defaults filled in), with its key resolved.
pub fn resolve(
    config: &Config,
    config_dir: &Path,
    store: &dyn crate::config::secret::StoreLookup,
    id: &str,
    http: &reqwest::Client,
) -> Result<Provider, ProviderError> {
    let configured: Option<&ProviderConfig> = config.models.providers.get(id);
    let replace = config.models.mode.as_deref() == Some("replace");
    let built_in = BUILT_IN
        .iter()
        .find(|b| b.0 == id)
        .filter(|_| !replace || configured.is_some());
    if configured.is_none() && built_in.is_none() {
        let known: Vec<&str> = config
            .models
            .providers
            .keys()
            .map(String::as_str)
            .chain(BUILT_IN.iter().map(|b| b.0))
            .collect();
        return Err(ProviderError::Config(format!(
            "unknown provider \"{id}\" (known: {}); add it under models.providers.{id} with baseUrl and api",
            known.join(", ")
        )));
    }
    let api = configured
        .and_then(|c| c.api)
        .or(built_in.map(|b| b.1))
        .unwrap_or(ProviderApi::OpenaiCompletions);
    if api == ProviderApi::OpenaiResponses {
        return Err(ProviderError::Config(format!(
            "models.providers.{id}.api \"openai-responses\" is not supported by Tidepool yet; use \"openai-completions\""
        )));
    }
    let base_url = configured
        .and_then(|c| c.base_url.clone())
        .or(built_in.map(|b| b.2.to_owned()))
        .ok_or_else(|| {
            ProviderError::Config(format!(
                "models.providers.{id}.baseUrl is missing (e.g. http://127.0.0.1:8000/v1)"
            ))
        })?;
    let api_key =
        match configured.and_then(|c| c.api_key.as_ref()) {
            Some(secret) => Some(secret.resolve(config_dir, store).map_err(|e| {
                ProviderError::Config(format!("models.providers.{id}.apiKey: {e}"))
            })?),
            None => built_in
                .and_then(|b| b.3)
                .and_then(|var| std::env::var(var).ok())
                .inspect(|k| store.remember(k)),
        }
        .filter(|k| !k.is_empty());
    if api_key.is_none() && key_required(id) {
        return Err(ProviderError::Config(format!(
            "no API key for {id}: set models.providers.{id}.apiKey (a secret reference) or the {} environment variable",
            if id == "anthropic" {
                "ANTHROPIC_API_KEY"
            } else {
                "OPENAI_API_KEY"
            }
        )));
    }
    Ok(Provider {
        id: id.to_owned(),
        api,
        base_url: base_url.trim_end_matches('/').to_owned(),
        api_key,
        headers: configured.map(|c| c.headers.clone()).unwrap_or_default(),
        models: configured.map(|c| c.models.clone()).unwrap_or_default(),
        http: http.clone(),
        max_retries: 3,
        max_retry_wait: Duration::from_secs(60),
    })
}

impl Provider {
    /// The config entry of a model, if listed.
    pub fn model_entry(&self, model: &str) -> Option<&ModelEntry> {
        self.models.iter().find(|m| m.id == model)
    }

    /// Streams one model call; `on_text` gets each text delta as it arrives. Retries 429/5xx and
    /// connection failures with backoff while nothing has been streamed yet.
    pub async fn stream(
        &self,
        req: &CompletionRequest,
        cancel: &CancellationToken,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(500))
            .with_max_delay(Duration::from_secs(20))
            .with_max_times(self.max_retries)
            .with_jitter()
            .build();
        loop {
            let mut streamed = false;
            let mut forward = |t: &str| {
                streamed = true;
                on_text(t);
            };
            let result = tokio::select! {
                r = self.stream_once(req, &mut forward) => r,
                () = cancel.cancelled() => Err(ProviderError::Cancelled),
            };
            let err = match result {
                Ok(c) => return Ok(c),
                Err(e) if streamed || !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            let Some(backoff) = delays.next() else {
                return Err(err);
            };
            let wait = match &err {
                ProviderError::RateLimited {
                    retry_after: Some(d),
                    ..
                } if *d > self.max_retry_wait => return Err(err),
                ProviderError::RateLimited {
                    retry_after: Some(d),
                    ..
                } => (*d).max(backoff),
                _ => backoff,
            };
            tracing::warn!(provider = %self.id, wait_ms = wait.as_millis() as u64, error = %err, "model call failed; retrying");
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = cancel.cancelled() => return Err(ProviderError::Cancelled),
            }
        }
    }

    async fn stream_once(
        &self,
        req: &CompletionRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        match self.api {
            ProviderApi::AnthropicMessages => anthropic::stream(self, req, on_text).await,
            _ => openai::stream(self, req, on_text).await,
        }
    }

    /// The models the provider offers, asked from the provider.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        match self.api {
            ProviderApi::AnthropicMessages => anthropic::list_models(self).await,
            _ => openai::list_models(self).await,
        }
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let mut b = self.http.request(method, url);
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        b
    }

    /// Sends a request, mapping transport failures and error statuses.
    async fn send(&self, b: reqwest::RequestBuilder) -> Result<reqwest::Response, ProviderError> {
        let resp = b.send().await.map_err(|e| self.transport_error(&e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let body = resp.text().await.unwrap_or_default();
        Err(self.status_error(status.as_u16(), retry_after, &body))
    }

    fn transport_error(&self, e: &reqwest::Error) -> ProviderError {
        let message = if e.is_connect() {
            "connection refused or no route".to_owned()
        } else if e.is_timeout() {
            "timed out".to_owned()
        } else {
            error_chain(e)
        };
        ProviderError::Unreachable {
            provider: self.id.clone(),
            url: self.base_url.clone(),
            message: self.redact(&message),
        }
    }

    /// Maps an HTTP error status and body (either provider's error JSON) to an error.
    fn status_error(
        &self,
        status: u16,
        retry_after: Option<Duration>,
        body: &str,
    ) -> ProviderError {
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let err = parsed.get("error").unwrap_or(&parsed);
        let message = err
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let mut b: String = body.chars().take(200).collect();
                if b.trim().is_empty() {
                    b = format!("HTTP {status}");
                }
                b
            });
        let message = self.redact(&message);
        let provider = self.id.clone();
        match status {
            401 | 403 => ProviderError::Auth { provider, message },
            404 => ProviderError::ModelNotFound {
                provider,
                model: String::new(),
                message,
            },
            429 => ProviderError::RateLimited {
                provider,
                retry_after,
                message,
            },
            500..=599 => ProviderError::Server {
                provider,
                status,
                message,
            },
            _ => ProviderError::BadRequest {
                provider,
                status,
                message,
            },
        }
    }

    fn protocol(&self, message: impl Into<String>) -> ProviderError {
        ProviderError::Protocol {
            provider: self.id.clone(),
            message: self.redact(&message.into()),
        }
    }

    /// Never lets the key through in a message (some servers echo request headers).
    fn redact(&self, s: &str) -> String {
        match &self.api_key {
            Some(k) if k.len() >= 4 && s.contains(k.as_str()) => {
                s.replace(k.as_str(), "[redacted]")
            }
            _ => s.to_owned(),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Reads an SSE response, handing each event (name, data) to `f`; `f` returns `true` at the
/// provider's terminal event. A stream that ends before that is an error: the reply was cut.
async fn read_sse(
    p: &Provider,
    resp: reqwest::Response,
    mut f: impl FnMut(&str, &str) -> Result<bool, ProviderError>,
) -> Result<(), ProviderError> {
    use eventsource_stream::Eventsource;
    let mut events = resp.bytes_stream().eventsource();
    while let Some(ev) = events.next().await {
        let ev = ev.map_err(|e| p.protocol(format!("the stream broke off: {e}")))?;
        if f(&ev.event, &ev.data)? {
            return Ok(());
        }
    }
    Err(p.protocol("the stream ended before the reply was complete"))
}

/// Fills in the model id for a 404 (the body rarely says which).
fn with_model(e: ProviderError, model: &str) -> ProviderError {
    match e {
        ProviderError::ModelNotFound {
            provider, message, ..
        } => ProviderError::ModelNotFound {
            provider,
            model: model.to_owned(),
            message,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
