//! The part of the OpenClaw-style JSON5 config that the gateway core reads: listener, auth,
//! limits and logging. Unknown keys are errors that name their path; OpenClaw sections that
//! Tidepool does not implement yet are accepted and reported as such.

use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// Largest config file read (OpenClaw's cap).
const MAX_CONFIG_BYTES: u64 = 2 * 1024 * 1024;

/// OpenClaw top-level sections that Tidepool accepts but does not act on yet.
pub const NOT_YET_SUPPORTED: &[&str] = &[
    "agents",
    "models",
    "tools",
    "session",
    "skills",
    "memory",
    "secrets",
    "env",
    "channels",
    "plugins",
    "hooks",
    "cron",
    "ui",
    "messages",
    "commands",
    "browser",
    "talk",
    "wizard",
    "update",
    "diagnostics",
    "auth",
    "meta",
    "web",
    "discovery",
    "canvasHost",
    "broadcast",
    "audio",
    "approvals",
    "nodeHost",
    "bindings",
    "mcp",
    "media",
];

/// The whole config as the gateway core sees it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `$schema` is allowed for editors.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// Listener and auth.
    #[serde(default)]
    pub gateway: GatewayConfig,
    /// Log files.
    #[serde(default)]
    pub logging: LoggingConfig,
}

/// `gateway.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayConfig {
    /// Port (default 18789; 0 = any free port).
    #[serde(default = "default_port")]
    pub port: u16,
    /// `loopback` (default), `lan`, or an IP address.
    #[serde(default)]
    pub bind: Bind,
    /// Authentication.
    #[serde(default)]
    pub auth: AuthConfig,
    /// Largest frame accepted after `connect`, bytes.
    #[serde(default = "default_max_payload")]
    pub max_payload: usize,
    /// Outbound bytes buffered for a client that does not read before it is dropped.
    #[serde(default = "default_max_buffered")]
    pub max_buffered_bytes: usize,
    /// Interval of `tick` keepalive events, ms.
    #[serde(default = "default_tick")]
    pub tick_interval_ms: u64,
    /// How long in-flight requests may take to finish on shutdown, ms.
    #[serde(default = "default_drain")]
    pub drain_timeout_ms: u64,
    /// Time a new socket has to send a valid `connect`, ms.
    #[serde(default = "default_handshake_timeout")]
    pub handshake_timeout_ms: u64,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            port: default_port(),
            bind: Bind::default(),
            auth: AuthConfig::default(),
            max_payload: default_max_payload(),
            max_buffered_bytes: default_max_buffered(),
            tick_interval_ms: default_tick(),
            drain_timeout_ms: default_drain(),
            handshake_timeout_ms: default_handshake_timeout(),
        }
    }
}

fn default_port() -> u16 {
    tidepool_protocol::DEFAULT_PORT
}
fn default_max_payload() -> usize {
    25 * 1024 * 1024
}
fn default_max_buffered() -> usize {
    50 * 1024 * 1024
}
fn default_tick() -> u64 {
    30_000
}
fn default_drain() -> u64 {
    5_000
}
fn default_handshake_timeout() -> u64 {
    10_000
}

/// Where the gateway listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bind {
    /// 127.0.0.1 only.
    #[default]
    Loopback,
    /// All interfaces (0.0.0.0).
    Lan,
    /// One address.
    Addr(IpAddr),
}

impl Bind {
    /// Parses `loopback`, `lan` or an IP address.
    pub fn parse(s: &str) -> Result<Bind, String> {
        match s {
            "loopback" | "localhost" => Ok(Bind::Loopback),
            "lan" | "all" => Ok(Bind::Lan),
            other => other.parse::<IpAddr>().map(Bind::Addr).map_err(|_| {
                format!("\"{other}\" is not a bind mode: use loopback, lan, or an IP address like 127.0.0.1")
            }),
        }
    }

    /// The IP address to bind.
    pub fn ip(self) -> IpAddr {
        match self {
            Bind::Loopback => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Bind::Lan => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Bind::Addr(ip) => ip,
        }
    }

    /// Whether only this machine can connect.
    pub fn is_loopback(self) -> bool {
        self.ip().is_loopback()
    }
}

impl fmt::Display for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bind::Loopback => f.write_str("loopback"),
            Bind::Lan => f.write_str("lan"),
            Bind::Addr(ip) => write!(f, "{ip}"),
        }
    }
}

impl<'de> Deserialize<'de> for Bind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Bind::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// `gateway.auth.*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthConfig {
    /// `token` (default), `password` or `none`.
    #[serde(default)]
    pub mode: AuthMode,
    /// Fixed token; if absent one is generated into the state dir.
    #[serde(default)]
    pub token: Option<String>,
    /// Password for `password` mode.
    #[serde(default)]
    pub password: Option<String>,
}

/// How clients authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// Shared token (default).
    #[default]
    Token,
    /// Shared password.
    Password,
    /// No authentication: only allowed on loopback.
    None,
}

impl AuthMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Token => "token",
            AuthMode::Password => "password",
            AuthMode::None => "none",
        }
    }
}

/// `logging.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoggingConfig {
    /// Minimum level written: `error`, `warn`, `info` (default), `debug`, `trace`.
    #[serde(default = "default_level")]
    pub level: String,
    /// Level for the human-readable stderr output (default: same as `level`).
    #[serde(default)]
    pub console_level: Option<String>,
    /// Days of daily log files kept.
    #[serde(default = "default_retention")]
    pub retention_days: u32,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: default_level(),
            console_level: None,
            retention_days: default_retention(),
        }
    }
}

fn default_level() -> String {
    "info".into()
}
fn default_retention() -> u32 {
    7
}

/// Why a config could not be loaded. `Display` is one line: what, where, what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is too big.
    #[error("config {path} is {size} bytes; the limit is 2 MiB")]
    TooBig {
        /// File.
        path: String,
        /// Size.
        size: u64,
    },
    /// Not valid JSON5.
    #[error("config {path}:{line}:{column}: {message}")]
    Syntax {
        /// File.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Parser message.
        message: String,
    },
    /// Valid JSON5 that does not match the schema.
    #[error("config {path}: at `{at}`: {message}")]
    Invalid {
        /// File.
        path: String,
        /// Dotted path of the offending key.
        at: String,
        /// What was wrong.
        message: String,
    },
    /// Valid on its own but not allowed (e.g. no auth on a public bind).
    #[error("config {path}: {message}")]
    Rejected {
        /// File.
        path: String,
        /// Why.
        message: String,
    },
}

/// A loaded config and the sections it has that Tidepool does not act on yet.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The config.
    pub config: Config,
    /// Whether the file existed.
    pub exists: bool,
    /// Top-level OpenClaw sections present but not supported by Tidepool yet.
    pub unsupported: Vec<String>,
}

/// Loads the config at `path`; a missing file is the default config.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let display = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: display,
                source,
            });
        }
    };
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooBig {
            path: display,
            size: meta.len(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: display.clone(),
        source,
    })?;
    let mut loaded = parse(&text, &display)?;
    loaded.exists = true;
    Ok(loaded)
}

/// Parses config text; `path` is only used in messages.
pub fn parse(text: &str, path: &str) -> Result<Loaded, ConfigError> {
    let mut value: Value = if text.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        json5::from_str(text).map_err(|e| syntax_error(&e, path))?
    };
    let mut unsupported = Vec::new();
    match value.as_object_mut() {
        Some(obj) => {
            for key in NOT_YET_SUPPORTED {
                if obj.remove(*key).is_some() {
                    unsupported.push((*key).to_owned());
                }
            }
        }
        None => {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                at: "(root)".into(),
                message: "the config must be an object like { gateway: { port: 18789 } }".into(),
            });
        }
    }
    let config: Config =
        serde_path_to_error::deserialize(value).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            at: match e.path().to_string() {
                p if p == "." => "(root)".into(),
                p => p,
            },
            message: e.inner().to_string(),
        })?;
    Ok(Loaded {
        config,
        exists: false,
        unsupported,
    })
}

fn syntax_error(e: &json5::Error, path: &str) -> ConfigError {
    let (line, column) = e
        .position()
        .map(|p| (p.line + 1, p.column + 1))
        .unwrap_or((1, 1));
    ConfigError::Syntax {
        path: path.to_owned(),
        line,
        column,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let c = parse("", "t.json").map(|l| l.config).unwrap();
        assert_eq!(c.gateway.port, 18789);
        assert_eq!(c.gateway.bind, Bind::Loopback);
        assert_eq!(c.gateway.auth.mode, AuthMode::Token);
    }

    #[test]
    fn json5_with_comments_and_trailing_commas() {
        let text = "// mine\n{ gateway: { port: 19000, bind: 'lan', auth: { mode: 'password', password: 'x', }, }, }";
        let c = parse(text, "t.json").unwrap().config;
        assert_eq!(c.gateway.port, 19000);
        assert_eq!(c.gateway.bind, Bind::Lan);
        assert_eq!(c.gateway.auth.mode, AuthMode::Password);
    }

    #[test]
    fn table_of_bad_configs() {
        let cases = [
            (
                "{ gateway: { prot: 1 } }",
                "at `gateway.prot`: unknown field `prot`, expected one of `port`",
            ),
            (
                "{ gateway: { port: 'x' } }",
                "at `gateway.port`: invalid type",
            ),
            ("{ gateway: { port: 70000 } }", "at `gateway.port`"),
            ("{ gateway: { bind: 'everywhere' } }", "not a bind mode"),
            (
                "{ gateway: { auth: { mode: 'tokn' } } }",
                "at `gateway.auth.mode`: unknown variant `tokn`",
            ),
            ("{ nonsense: true }", "unknown field `nonsense`"),
            ("{ gateway: { port: 1 ", "t.json:1:"),
            ("[1]", "must be an object"),
        ];
        for (text, expected) in cases {
            let err = parse(text, "t.json")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(expected), "{text}: {err:?} lacks {expected:?}");
            assert!(!err.contains('\n'), "error must be one line: {err:?}");
        }
    }

    #[test]
    fn openclaw_sections_are_reported_not_rejected() {
        let l = parse("{ agents: { defaults: {} }, models: {} }", "t.json").unwrap();
        assert_eq!(
            l.unsupported,
            vec!["agents".to_string(), "models".to_string()]
        );
    }
}
