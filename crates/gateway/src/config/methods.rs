//! `config.get`, `config.set`, `config.apply`, `config.patch`: read and write the config file
//! through the running gateway, with `baseHash` conflicts, validation before any write, and a
//! `config.changed` event after each change.

use crate::config::edit;
use crate::config::store::{Change, WriteError};
use crate::rpc::{CallCtx, invalid_params, parse_params};
use crate::state::Methods;
use crate::state::Shared;
use serde_json::{Value, json};
use std::sync::Arc;
use tidepool_protocol::config::{
    ConfigApply, ConfigChanged, ConfigChangedPayload, ConfigGet, ConfigGetResult, ConfigPatch,
    ConfigSchema, ConfigSchemaLookup, ConfigSchemaLookupParams, ConfigSchemaResult, ConfigSet,
    ConfigSetPathParams, ConfigWriteParams, ConfigWriteResult,
};
use tidepool_protocol::contract::{Event, Method, NoParams};
use tidepool_protocol::{ErrorCode, ErrorShape, Scope};

/// `config.changed`.
pub const CONFIG_CHANGED: &str = ConfigChanged::NAME;

/// Registers the methods. `config.get` is `operator.read` as in OpenClaw, with credentials
/// written in the file masked for callers without `operator.admin`; writes need admin.
pub fn register(r: &mut Methods) {
    r.method::<ConfigGet, _, _>(get);
    // Two forms told apart by `path`, each parsed on its own so errors name the field.
    r.method_raw::<ConfigSet, _, _>(set);
    r.method::<ConfigApply, _, _>(apply);
    r.method::<ConfigPatch, _, _>(patch);
    r.method::<ConfigSchema, _, _>(|_s, _c, _p: NoParams| async move {
        let schema = crate::config::schema::schema();
        let mut ui_hints = serde_json::Map::new();
        collect_hints(&schema, "", &mut ui_hints);
        Ok(ConfigSchemaResult {
            schema,
            ui_hints,
            version: crate::version().to_owned(),
            generated_at: crate::sysinfo::now_ms().to_string(),
        })
    });
    r.method::<ConfigSchemaLookup, _, _>(|_s, _c, p: ConfigSchemaLookupParams| async move {
        let path = p.path.trim_start_matches('.').to_owned();
        crate::config::schema::lookup(&path).ok_or_else(|| {
            invalid_params(ConfigSchemaLookup::NAME, format!("no config key `{path}`"))
        })
    });
}

/// `uiHints`: a label and help text per property path, from the schema's descriptions.
fn collect_hints(node: &Value, path: &str, out: &mut serde_json::Map<String, Value>) {
    let Some(props) = node.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (k, v) in props {
        let p = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        let mut hint = serde_json::Map::new();
        hint.insert("label".into(), json!(label(k)));
        if let Some(d) = v.get("description").and_then(Value::as_str) {
            hint.insert("help".into(), json!(d));
        }
        if k.contains("token") || k.contains("password") {
            hint.insert("sensitive".into(), json!(true));
        }
        out.insert(p.clone(), Value::Object(hint));
        collect_hints(v, &p, out);
    }
}

/// `maxPayload` → `Max payload`.
fn label(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.trim_start_matches('$').chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

async fn get(s: Arc<Shared>, c: CallCtx, _p: NoParams) -> Result<ConfigGetResult, ErrorShape> {
    let snap = s.config.store.snapshot();
    let (raw, config) = if c.has(Scope::Admin) {
        (snap.raw.clone(), snap.loaded.value.clone())
    } else {
        redacted(&snap.raw, &snap.loaded.value)
    };
    Ok(ConfigGetResult {
        path: s.config.store.path().display().to_string(),
        exists: snap.exists,
        raw,
        hash: snap.hash.clone(),
        parsed: config.clone(),
        config,
        unsupported: snap.loaded.unsupported.clone(),
        redacted: !c.has(Scope::Admin),
    })
}

/// What OpenClaw puts where a credential was (its clients know the marker).
pub const REDACTED: &str = "__OPENCLAW_REDACTED__";

/// Whether a key holds a credential: `token`, `botToken`, `password`, `apiKey`, `secret`,
/// `privateKey`, `Authorization`... (not `maxTokens`, a count).
fn sensitive(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "token",
        "password",
        "secret",
        "apikey",
        "api_key",
        "privatekey",
        "passphrase",
    ]
    .iter()
    .any(|s| k.ends_with(s))
        || ["authorization", "cookie", "x-api-key"].contains(&k.as_str())
}

/// Replaces credentials written in clear (not `${VAR}` or `{source, id}` references, which
/// say where a secret is without holding it) by [`REDACTED`].
fn mask(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                match child {
                    Value::String(t) if sensitive(k) && !t.is_empty() && !t.starts_with("${") => {
                        *t = REDACTED.to_owned();
                    }
                    other => mask(other),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask),
        _ => {}
    }
}

/// The raw text (edited in place, comments kept) and the parsed value, masked.
fn redacted(raw: &str, value: &Value) -> (String, Value) {
    let mut config = value.clone();
    mask(&mut config);
    let text = match tidepool_config_text::parse(raw) {
        Ok(mut doc) => {
            mask(&mut doc);
            tidepool_config_text::rewrite(raw, &doc)
                .unwrap_or_else(|_| tidepool_config_text::plain(&doc))
        }
        // Not parseable (cannot happen for a loaded config): show nothing rather than leak.
        Err(_) => String::new(),
    };
    (text, config)
}

/// The error a refused config write answers: the reason, and a detail code with where and
/// what (line and column of a parse error, the current hash of a conflict).
pub(crate) fn write_error(e: WriteError) -> ErrorShape {
    let (code, detail) = match &e {
        WriteError::Conflict { .. } => (ErrorCode::InvalidRequest, "CONFIG_CONFLICT"),
        WriteError::BaseHashRequired => (ErrorCode::InvalidRequest, "BASE_HASH_REQUIRED"),
        WriteError::Invalid { .. } => (ErrorCode::InvalidRequest, "CONFIG_INVALID"),
        WriteError::DropsMost { .. } => (ErrorCode::InvalidRequest, "CONFIG_DROPS_MOST"),
        WriteError::Io { .. } => (ErrorCode::Unavailable, "CONFIG_IO"),
    };
    let mut details = serde_json::Map::new();
    details.insert("code".into(), json!(detail));
    if let WriteError::Invalid { error, saved } = &e {
        details.insert("savedAs".into(), json!(saved));
        if let Some((line, column)) = error.position() {
            details.insert("line".into(), json!(line));
            details.insert("column".into(), json!(column));
        }
    }
    if let WriteError::Conflict { current, .. } = &e {
        details.insert("currentHash".into(), json!(current));
    }
    ErrorShape::new(code, e.to_string()).with_details(Value::Object(details))
}

/// Applies what can change without a restart (the log levels).
pub(crate) fn apply_hot(s: &Shared, change: &Change) {
    if !change
        .changed
        .iter()
        .any(|p| p == "logging.level" || p == "logging.consoleLevel" || p == "logging")
    {
        return;
    }
    let Some(levels) = &s.config.log_levels else {
        tracing::info!("TIDEPOOL_LOG sets the log levels; logging.level applies when it is unset");
        return;
    };
    let snap = s.config.store.snapshot();
    let l = &snap.loaded.config.logging;
    let console = l.console_level.clone().unwrap_or_else(|| l.level.clone());
    match levels.set(&l.level, &console) {
        Ok(()) => tracing::info!(level = %l.level, console = %console, "log levels changed"),
        Err(e) => tracing::warn!(error = %e, "cannot apply the new log level"),
    }
}

/// Applies what can change at once and tells every client: the `config.changed` payload.
pub(crate) fn announce(s: &Shared, change: &Change, source: &str) -> ConfigChangedPayload {
    apply_hot(s, change);
    tracing::info!(
        changed = ?change.changed,
        restart_required = ?change.restart_required,
        source,
        "config changed"
    );
    let payload = ConfigChangedPayload {
        hash: change.hash.clone(),
        changed: change.changed.clone(),
        restart_required: change.restart_required.clone(),
        source: source.to_owned(),
    };
    s.broadcast_event::<ConfigChanged>(&payload);
    payload
}

/// Config writes allowed per window, gateway-wide: a runaway client (or agent) cannot hammer
/// the disk and every client with reloads.
const WRITES_PER_WINDOW: usize = 20;
const WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

/// Records a write, or says how long to wait (every config writer shares this budget).
pub(crate) fn admit(s: &Shared) -> Result<(), ErrorShape> {
    let now = std::time::Instant::now();
    let Ok(mut w) = s.config.writes.lock() else {
        return Ok(());
    };
    while w.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
        w.pop_front();
    }
    if w.len() >= WRITES_PER_WINDOW {
        let wait = w
            .front()
            .map(|t| WINDOW.saturating_sub(now.duration_since(*t)))
            .unwrap_or(WINDOW);
        let ms = u64::try_from(wait.as_millis()).unwrap_or(10_000).max(1);
        return Err(ErrorShape::new(
            ErrorCode::Unavailable,
            format!(
                "too many config writes ({WRITES_PER_WINDOW} per {} s); try again in {ms} ms",
                WINDOW.as_secs()
            ),
        )
        .with_detail_code("RATE_LIMITED")
        .retry_after(Some(ms)));
    }
    w.push_back(now);
    Ok(())
}

async fn write(
    s: Arc<Shared>,
    raw: String,
    base: Option<String>,
    force: bool,
) -> Result<ConfigWriteResult, ErrorShape> {
    admit(&s)?;
    let store = s.config.store.clone();
    let change = tokio::task::spawn_blocking(move || store.write(&raw, base.as_deref(), force))
        .await
        .map_err(|e| ErrorShape::new(ErrorCode::Unavailable, format!("config writer failed: {e}")))?
        .map_err(write_error)?;
    let change = announce(&s, &change, "rpc");
    Ok(ConfigWriteResult { ok: true, change })
}

async fn apply(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ConfigWriteParams,
) -> Result<ConfigWriteResult, ErrorShape> {
    write(s, p.raw, p.base_hash, p.force).await
}

fn encode(r: ConfigWriteResult) -> Result<Value, ErrorShape> {
    serde_json::to_value(r).map_err(|e| ErrorShape::new(ErrorCode::Unavailable, e.to_string()))
}

/// `config.set`: the whole text (`raw`, as OpenClaw), or one value at a dotted `path`.
async fn set(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    if p.get("path").is_some() {
        let p: ConfigSetPathParams = parse_params(ConfigSet::NAME, p)?;
        let snap = s.config.store.snapshot();
        let mut doc = file_value(&snap.raw)?;
        edit::set_path(&mut doc, &p.path)
            .map_err(|m| invalid_params(ConfigSet::NAME, m))?
            .clone_from(&p.value);
        let raw = edit::rewrite(&snap.raw, &doc);
        let base = p.base_hash.or_else(|| Some(snap.hash.clone()));
        return encode(write(s, raw, base, false).await?);
    }
    let p: ConfigWriteParams = parse_params(ConfigSet::NAME, p)?;
    encode(write(s, p.raw, p.base_hash, p.force).await?)
}

/// `config.patch`: `raw` is a JSON merge patch (RFC 7396) applied to the file's own text.
async fn patch(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ConfigWriteParams,
) -> Result<ConfigWriteResult, ErrorShape> {
    let patch: Value = crate::config::source::parse(&p.raw, std::path::Path::new("patch"))
        .map(|(v, _)| v)
        .map_err(|e| {
            invalid_params(
                "config.patch",
                format!(
                    "raw is not JSON5 at {}:{}: {}",
                    e.location.line, e.location.column, e.message
                ),
            )
        })?;
    let snap = s.config.store.snapshot();
    let mut doc = file_value(&snap.raw)?;
    edit::merge_patch(&mut doc, patch);
    write(s, edit::rewrite(&snap.raw, &doc), p.base_hash, p.force).await
}

/// Appends rules to `tools.exec.rules` in the file (as "allow always" does), with the same
/// checks as any config write.
pub(crate) async fn add_exec_rules(
    s: Arc<Shared>,
    rules: Vec<Value>,
) -> Result<ConfigWriteResult, ErrorShape> {
    let snap = s.config.store.snapshot();
    let mut doc = file_value(&snap.raw)?;
    let slot = edit::set_path(&mut doc, "tools.exec.rules")
        .map_err(|m| invalid_params("exec.approval.resolve", m))?;
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    if let Value::Array(list) = slot {
        list.extend(rules);
    }
    write(
        s,
        edit::rewrite(&snap.raw, &doc),
        Some(snap.hash.clone()),
        false,
    )
    .await
}

/// Rewrites `tools.exec` in the file with `f` (as `exec.approvals.set` does), if the file is
/// still at `base` (when given), with the same checks as any config write.
pub(crate) async fn edit_exec(
    s: Arc<Shared>,
    base: Option<String>,
    f: impl FnOnce(&mut Value),
) -> Result<ConfigWriteResult, ErrorShape> {
    let snap = s.config.store.snapshot();
    let mut doc = file_value(&snap.raw)?;
    let slot = edit::set_path(&mut doc, "tools.exec")
        .map_err(|m| invalid_params("exec.approvals.set", m))?;
    if !slot.is_object() {
        *slot = Value::Object(serde_json::Map::new());
    }
    f(slot);
    write(
        s,
        edit::rewrite(&snap.raw, &doc),
        Some(base.unwrap_or(snap.hash.clone())),
        false,
    )
    .await
}

fn file_value(raw: &str) -> Result<Value, ErrorShape> {
    crate::config::source::parse(raw, std::path::Path::new("tidepool.json"))
        .map(|(v, _)| v)
        .map_err(|e| {
            ErrorShape::new(
                ErrorCode::Unavailable,
                format!("the config file on disk does not parse: {}", e.message),
            )
        })
}
