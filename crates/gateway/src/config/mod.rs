//! The part of the OpenClaw-style JSON5 config that the gateway core reads: listener, auth,
//! limits and logging. Every key of OpenClaw's config is known (`known`): implemented, or
//! accepted and reported as not supported by Tidepool yet; only a key neither knows is an error
//! that names its path.

pub mod agents;
pub mod edit;
pub mod env;
mod error;
pub mod exec;
pub mod include;
pub mod known;
mod known_keys;
pub mod methods;
pub mod schema;
pub mod secret;
pub mod source;
pub mod store;
pub(crate) mod watch;

use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

pub use error::ConfigError;

/// The whole config as the gateway core sees it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
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
    /// The assistants.
    #[serde(default)]
    pub agents: agents::AgentsConfig,
    /// LLM providers and their models.
    #[serde(default)]
    pub models: agents::ModelsConfig,
    /// What agents' tools may do.
    #[serde(default)]
    pub tools: agents::ToolsConfig,
}

/// Gateway: where it listens, who may connect, and its limits.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    /// How edits to the config file are applied.
    #[serde(default)]
    pub reload: ReloadConfig,
}

/// `gateway.reload`: OpenClaw's live-reload policy.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReloadConfig {
    /// `hybrid` (default): edits to the file apply at once where they can and say which need a
    /// restart; `off`: edits to the file wait for the next start.
    #[serde(default)]
    pub mode: ReloadMode,
}

/// How file edits are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReloadMode {
    /// Apply what can be applied live; announce what needs a restart.
    #[default]
    Hybrid,
    /// Ignore edits until the next start.
    Off,
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
            reload: ReloadConfig::default(),
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

/// A bind value that is none of `loopback`, `lan` or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a bind mode: use loopback, lan, or an IP address like 127.0.0.1")]
pub struct BindError(pub String);

impl Bind {
    /// Parses `loopback`, `lan` or an IP address.
    pub fn parse(s: &str) -> Result<Bind, BindError> {
        match s {
            "loopback" | "localhost" => Ok(Bind::Loopback),
            "lan" | "all" => Ok(Bind::Lan),
            other => other
                .parse::<IpAddr>()
                .map(Bind::Addr)
                .map_err(|_| BindError(other.to_owned())),
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

impl schemars::JsonSchema for Bind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Where the gateway listens: `loopback` (this computer only), `lan` (all interfaces), or an IP address.",
            "examples": ["loopback", "lan", "127.0.0.1"],
            "default": "loopback",
        })
    }
}

impl<'de> Deserialize<'de> for Bind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Bind::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Authentication: how clients prove they may use the gateway.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthConfig {
    /// `token` (default), `password` or `none`.
    #[serde(default)]
    pub mode: AuthMode,
    /// Fixed token, or a secret reference like `{ source: "env", id: "GATEWAY_TOKEN" }`; if
    /// absent one is generated into the state dir.
    #[serde(default)]
    pub token: Option<secret::Secret>,
    /// Password for `password` mode (text or a secret reference).
    #[serde(default)]
    pub password: Option<secret::Secret>,
}

/// How clients authenticate.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema, serde::Serialize,
)]
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

/// Logging: log files and console output.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    /// A day's log file is rolled over (to `tidepool-DATE.N.jsonl`) at this size, bytes.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: default_level(),
            console_level: None,
            retention_days: default_retention(),
            max_file_bytes: default_max_file_bytes(),
        }
    }
}

fn default_level() -> String {
    "info".into()
}
fn default_retention() -> u32 {
    7
}
fn default_max_file_bytes() -> u64 {
    crate::logs::DEFAULT_MAX_FILE_BYTES
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
    /// The resolved value (includes merged, variables substituted) before typing.
    pub value: Value,
    /// The `$include`d files, so a change to one of them is a change of the config.
    pub includes: Vec<std::path::PathBuf>,
    /// SHA-256 over the included files' paths and texts as read ("" without includes).
    pub includes_hash: String,
}

/// Loads the config at `path`; a missing file is the default config. `.env` files come from the
/// working directory and the config's directory.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = match include::read_capped(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut loaded = parse_with(&text, path, &env::DotEnv::load(dir))?;
    loaded.exists = true;
    Ok(loaded)
}

/// Parses config text as if it were the file `path` (used for messages and includes).
pub fn parse(text: &str, path: &str) -> Result<Loaded, ConfigError> {
    parse_with(text, Path::new(path), &env::DotEnv::default())
}

/// The file's value with includes merged but `${VAR}` left as written (safe to print: values
/// from the environment, often secrets, are not expanded).
pub fn resolve_unexpanded(text: &str, path: &Path) -> Result<Value, ConfigError> {
    parse_and_include(text, path).map(|(v, _)| v)
}

/// JSON5 text to a value with every `$include` merged, and where each value came from.
fn parse_and_include(text: &str, path: &Path) -> Result<(Value, source::Positions), ConfigError> {
    let file = path.display().to_string();
    let (value, mut positions) = source::parse(text, path).map_err(|e| ConfigError::Syntax {
        file: e.location.file.display().to_string(),
        line: e.location.line,
        column: e.location.column,
        message: e.message,
    })?;
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let value = include::resolve(value, &mut positions, path, root).map_err(|e| {
        let (f, line, column) = locate(e.location.as_ref(), &file);
        ConfigError::Include {
            file: f,
            line,
            column,
            at: e.at,
            message: e.message,
        }
    })?;
    Ok((value, positions))
}

/// Parses with a given set of `.env` variables.
pub fn parse_with(text: &str, path: &Path, dotenv: &env::DotEnv) -> Result<Loaded, ConfigError> {
    let file = path.display().to_string();
    let (mut value, positions) = parse_and_include(text, path)?;
    env::substitute(&mut value, dotenv).map_err(|e| {
        let (f, line, column) = locate(positions.find(&e.at).as_ref(), &file);
        ConfigError::MissingVar {
            file: f,
            line,
            column,
            at: e.at,
            name: e.name,
        }
    })?;
    let mut loaded = typed(value, &positions, &file)?;
    loaded.includes = positions.included().map(|(p, _)| p.to_path_buf()).collect();
    loaded.includes_hash = include::fingerprint(positions.included());
    Ok(loaded)
}

/// Types a config value that has no file behind it (includes merged, variables substituted),
/// e.g. one built by an import. Errors carry the path, not a line.
pub fn check_value(value: Value) -> Result<Loaded, ConfigError> {
    typed(value, &source::Positions::default(), "(generated)")
}

fn typed(value: Value, positions: &source::Positions, file: &str) -> Result<Loaded, ConfigError> {
    let mut unsupported = Vec::new();
    // Only the sections Tidepool reads are copied and typed (cloning the rest, often large
    // channel sections, would cost time on big files).
    let typed = match value.as_object() {
        Some(obj) => {
            let mut t = Map::new();
            for (k, v) in obj {
                if known::tidepool_knows(k) {
                    t.insert(k.clone(), v.clone());
                } else if known::openclaw_knows(k) {
                    unsupported.push(k.clone());
                } else {
                    // Left in: the walk below names it with a suggestion.
                    t.insert(k.clone(), Value::Null);
                }
            }
            let mut t = Value::Object(t);
            openclaw_bind(&mut t).map_err(|message| {
                let (f, line, column) = locate(positions.find("gateway.bind").as_ref(), file);
                ConfigError::Invalid {
                    file: f,
                    line,
                    column,
                    at: "gateway.bind".into(),
                    message,
                    hint: None,
                }
            })?;
            if let Err(u) = known::sort_out(&mut t, &mut unsupported) {
                let (f, line, column) = locate(positions.find(&u.at).as_ref(), file);
                return Err(ConfigError::Invalid {
                    file: f,
                    line,
                    column,
                    message: format!(
                        "unknown setting `{}`: neither Tidepool nor OpenClaw has it",
                        u.key
                    ),
                    hint: u.suggestion.map(|s| format!("did you mean `{s}`?")),
                    at: u.at,
                });
            }
            unsupported.sort();
            t
        }
        None => {
            let (f, line, column) = locate(positions.find(".").as_ref(), file);
            return Err(ConfigError::Invalid {
                file: f,
                line,
                column,
                at: "(root)".into(),
                message: "the config must be an object like { gateway: { port: 18789 } }".into(),
                hint: None,
            });
        }
    };
    let config: Config = serde_path_to_error::deserialize(typed).map_err(|e| {
        let at = match e.path().to_string() {
            p if p == "." => "(root)".to_owned(),
            p => p,
        };
        let message = e.inner().to_string();
        let (f, line, column) = locate(positions.find(&at).as_ref(), file);
        ConfigError::Invalid {
            file: f,
            line,
            column,
            hint: did_you_mean(&message),
            at,
            message,
        }
    })?;
    Ok(Loaded {
        config,
        exists: false,
        unsupported,
        value,
        includes: vec![],
        includes_hash: String::new(),
    })
}

/// OpenClaw's bind modes in Tidepool's terms: `auto` is loopback (OpenClaw's choice outside a
/// container; Tidepool never widens exposure on its own), `custom` is `gateway.customBindHost`.
fn openclaw_bind(v: &mut Value) -> Result<(), String> {
    let Some(gw) = v.get_mut("gateway").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let host = gw.remove("customBindHost");
    match gw.get("bind").and_then(Value::as_str) {
        Some("auto") => {
            gw.insert("bind".into(), Value::from("loopback"));
        }
        Some("custom") => match host {
            Some(Value::String(h)) => {
                gw.insert("bind".into(), Value::String(h));
            }
            _ => {
                return Err("bind is \"custom\" but gateway.customBindHost is not set: add the address to listen on, e.g. customBindHost: \"192.168.1.10\"".into());
            }
        },
        Some("tailnet") => {
            return Err("bind \"tailnet\" (the Tailscale address) is not supported by Tidepool yet: use \"loopback\", \"lan\", or \"custom\" with gateway.customBindHost".into());
        }
        _ => {}
    }
    Ok(())
}

fn locate(l: Option<&source::Location>, file: &str) -> (String, usize, usize) {
    match l {
        Some(l) => (l.file.display().to_string(), l.line, l.column),
        None => (file.to_owned(), 1, 1),
    }
}

/// From serde's "unknown field `prot`, expected one of `port`, `bind`" (or "unknown variant"),
/// the closest expected name, if it is close.
fn did_you_mean(message: &str) -> Option<String> {
    if !(message.starts_with("unknown field") || message.starts_with("unknown variant")) {
        return None;
    }
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let (given, expected) = quoted.split_first()?;
    let given = given.to_ascii_lowercase();
    expected
        .iter()
        .map(|e| (strsim::jaro_winkler(&given, &e.to_ascii_lowercase()), *e))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, e)| format!("did you mean `{e}`?"))
}

#[cfg(test)]
mod tests;
