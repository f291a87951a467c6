//! Resolving which gateway a client command talks to, and with which token.

use crate::Connection;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use tidepool_client::{Client, ClientError, ConnectOptions};
use tidepool_gateway::{StatePaths, auth, config};
use tidepool_protocol::Scope;

/// Written by `gateway run` once it listens, removed when it stops.
#[derive(Debug, Serialize, Deserialize)]
pub struct RuntimeInfo {
    /// Gateway pid.
    pub pid: u32,
    /// Bound port.
    pub port: u16,
    /// URL clients should use.
    pub url: String,
    /// Gateway version.
    pub version: String,
}

/// The runtime file of a state dir.
pub fn runtime_file(paths: &StatePaths) -> std::path::PathBuf {
    paths.root().join("gateway.runtime.json")
}

fn read_runtime(path: &Path) -> Option<RuntimeInfo> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Where the token a command uses comes from, in words for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    /// `--token`.
    Flag,
    /// `TIDEPOOL_GATEWAY_TOKEN`.
    Env,
    /// `gateway.auth.token` in the config, as written there (text, env, file or store).
    Config(String),
    /// The state dir's token file.
    File(String),
    /// None found; why, and where it would be.
    Missing(String),
}

impl std::fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenOrigin::Flag => f.write_str("the token given with --token"),
            TokenOrigin::Env => write!(f, "the token in {}", auth::TOKEN_ENV),
            TokenOrigin::Config(w) => write!(f, "the token {w}"),
            TokenOrigin::File(p) => write!(f, "the token in {p}"),
            TokenOrigin::Missing(why) => f.write_str(why),
        }
    }
}

/// URL and token for a client command.
pub fn resolve(conn: &Connection) -> (String, Option<String>) {
    let (url, token, _) = resolve_with_origin(conn);
    (url, token)
}

/// URL, token and where the token came from. The token is the one the gateway of this state
/// dir uses, however its config names it: in clear, `${VAR}`, or a `{source: env|file|store}`
/// reference (the store is the same keychain or vault the gateway reads).
pub fn resolve_with_origin(conn: &Connection) -> (String, Option<String>, TokenOrigin) {
    let paths = StatePaths::resolve(conn.state_dir.clone());
    let cfg = config::load(paths.config()).ok().map(|l| l.config);
    let url = conn.url.clone().unwrap_or_else(|| {
        if let Some(rt) = read_runtime(&runtime_file(&paths)) {
            return rt.url;
        }
        let port = cfg
            .as_ref()
            .map(|c| c.gateway.port)
            .unwrap_or(tidepool_protocol::DEFAULT_PORT);
        format!("ws://127.0.0.1:{port}")
    });
    if let Some(t) = conn.token.clone() {
        return (url, Some(t), TokenOrigin::Flag);
    }
    if let Some(t) = std::env::var(auth::TOKEN_ENV)
        .ok()
        .filter(|t| !t.is_empty())
    {
        return (url, Some(t), TokenOrigin::Env);
    }
    let config_file = paths.config().display().to_string();
    if let Some(secret) = cfg.and_then(|c| c.gateway.auth.token) {
        let dir = paths
            .config()
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .to_path_buf();
        let named = describe(&secret, &config_file);
        let resolved = match &secret {
            config::secret::Secret::Ref(r) if r.source == config::secret::SecretSource::Store => {
                let store = tidepool_gateway::secrets::Secrets::open(
                    paths.root(),
                    tidepool_gateway::redact::Redactor::new(),
                );
                secret.resolve(&dir, &store)
            }
            _ => secret.resolve(&dir, &config::secret::NoStore),
        };
        return match resolved {
            Ok(t) if !t.is_empty() => (url, Some(t), TokenOrigin::Config(named)),
            Ok(_) => (
                url,
                None,
                TokenOrigin::Missing(format!("the token {named} is empty")),
            ),
            Err(why) => (
                url,
                None,
                TokenOrigin::Missing(format!("the token {named} cannot be read: {why}")),
            ),
        };
    }
    let file = paths.token();
    match auth::read_token_file(&file).ok().flatten() {
        Some(t) => (url, Some(t), TokenOrigin::File(file.display().to_string())),
        None => (
            url,
            None,
            TokenOrigin::Missing(format!(
                "no token was found: {} does not exist and {config_file} sets no gateway.auth.token",
                file.display()
            )),
        ),
    }
}

/// `gateway.auth.token` as the config names it, without its value.
fn describe(secret: &config::secret::Secret, config_file: &str) -> String {
    use config::secret::{Secret, SecretSource as Source};
    match secret {
        Secret::Plain(_) => format!("written as gateway.auth.token in {config_file}"),
        Secret::Ref(r) => match r.source {
            Source::Store => format!(
                "in the secrets store as {} (gateway.auth.token in {config_file})",
                r.id
            ),
            Source::Env => format!(
                "in the environment variable {} (gateway.auth.token in {config_file})",
                r.id
            ),
            Source::File => format!("in the file {} (gateway.auth.token in {config_file})", r.id),
        },
    }
}

/// Connection options for a CLI command.
pub fn options(conn: &Connection, scopes: Vec<Scope>) -> ConnectOptions {
    let (url, token) = resolve(conn);
    let mut o = ConnectOptions::new(url, "cli", env!("CARGO_PKG_VERSION"))
        .token(token)
        .scopes(scopes);
    o.connect_timeout = Duration::from_secs(conn.timeout.max(1));
    o.request_timeout = Duration::from_secs(conn.timeout.max(1) * 3);
    o
}

/// Connects once. A refused token is explained with where this command found it, or why it
/// found none (the gateway itself cannot know where a client looked).
pub async fn connect(conn: &Connection, scopes: Vec<Scope>) -> Result<Client, ClientError> {
    Client::connect(options(conn, scopes))
        .await
        .map_err(|e| explain(conn, e))
}

/// Adds where the token came from to an authentication refusal.
pub fn explain(conn: &Connection, e: ClientError) -> ClientError {
    match e {
        ClientError::Rejected(mut shape)
            if shape
                .detail_code()
                .is_some_and(|c| c.starts_with("AUTH_TOKEN")) =>
        {
            let (_, _, origin) = resolve_with_origin(conn);
            let head = shape
                .message
                .split(" (")
                .next()
                .unwrap_or(&shape.message)
                .to_owned();
            shape.message = match origin {
                TokenOrigin::Missing(why) => {
                    format!("{head}: {why}; pass --token or set {}", auth::TOKEN_ENV)
                }
                found => format!(
                    "{head}: this command used {found}, which this gateway does not accept; pass --token or set {}",
                    auth::TOKEN_ENV
                ),
            };
            ClientError::Rejected(shape)
        }
        other => other,
    }
}
