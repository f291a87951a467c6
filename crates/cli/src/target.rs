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

/// URL and token for a client command.
pub fn resolve(conn: &Connection) -> (String, Option<String>) {
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
    let token = conn
        .token
        .clone()
        .or_else(|| {
            std::env::var(auth::TOKEN_ENV)
                .ok()
                .filter(|t| !t.is_empty())
        })
        .or_else(|| {
            let dir = paths.config().parent()?;
            cfg.and_then(|c| c.gateway.auth.token)?
                .resolve(dir, &tidepool_gateway::config::secret::NoStore)
                .ok()
        })
        .or_else(|| auth::read_token_file(&paths.token()).ok().flatten());
    (url, token)
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

/// Connects once.
pub async fn connect(conn: &Connection, scopes: Vec<Scope>) -> Result<Client, ClientError> {
    Client::connect(options(conn, scopes)).await
}
