//! `config.*` and `secrets.store.set`: reading and writing the gateway's config file through
//! the gateway, and the `config.changed` event that follows every change.

use crate::contract::NoParams;
use serde::{Deserialize, Serialize};
use serde_json::Value;

crate::method! {
    /// The config file: its text, parsed value and hash (credentials masked without admin).
    ConfigGet = "config.get", Read, NoParams => ConfigGetResult;
    /// Replaces the whole file (validated first; `baseHash` guards against lost edits).
    ConfigApply = "config.apply", Admin, ConfigWriteParams => ConfigWriteResult;
    /// Applies a JSON merge patch (RFC 7396) to the file's own text.
    ConfigPatch = "config.patch", Admin, ConfigWriteParams => ConfigWriteResult;
    /// The config's JSON Schema with a label and help per setting.
    ConfigSchema = "config.schema", Read, NoParams => ConfigSchemaResult;
    /// One setting's schema and its children.
    ConfigSchemaLookup = "config.schema.lookup", Read, ConfigSchemaLookupParams => ConfigSchemaLookupResult;
    /// Replaces the whole text (`raw`, as OpenClaw), or sets one value at a dotted `path`.
    ConfigSet = "config.set", Admin, ConfigSetParams => ConfigWriteResult;
    /// Stores a secret where `{source: "store", id}` references resolve.
    SecretsStoreSet = "secrets.store.set", Admin, SecretsStoreSetParams => SecretsStoreSetResult;
    /// The stored names (and the values of `env` entries; secrets' values never leave).
    SecretsStoreList = "secrets.store.list", Admin, crate::contract::NoParams => SecretsStoreListResult;
    /// Deletes one entry.
    SecretsStoreDelete = "secrets.store.delete", Admin, SecretNameParams => SecretsStoreSetResult;
    /// Reads the store again from disk (after `tidepool secrets set` from another process).
    SecretsReload = "secrets.reload", Admin, crate::contract::NoParams => SecretsReloadResult;
}

crate::event! {
    /// The config changed (through a method, or an edit of the file).
    ConfigChanged = "config.changed" => ConfigChangedPayload;
}

/// `config.get` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigGetResult {
    /// The file.
    pub path: String,
    /// Whether it exists.
    pub exists: bool,
    /// Its text (credentials written in clear masked for callers without admin).
    pub raw: String,
    /// SHA-256 of the file's text: send it back as `baseHash`.
    pub hash: String,
    /// The parsed config.
    pub config: Value,
    /// The same (OpenClaw's name).
    pub parsed: Value,
    /// OpenClaw settings in it that Tidepool accepts but does not act on yet.
    #[serde(default)]
    pub unsupported: Vec<String>,
    /// Whether credentials were masked.
    #[serde(default)]
    pub redacted: bool,
}

/// `config.apply` / `config.patch` / `config.set` (whole text) params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigWriteParams {
    /// The new text (`apply`, `set`) or a merge patch (`patch`), JSON5.
    pub raw: String,
    /// The hash the edit was based on; a stale one is a conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_hash: Option<String>,
    /// Tidepool: allow a write that removes most of the settings.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
    /// OpenClaw fields, accepted for compatibility and not used by Tidepool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<Value>,
    /// OpenClaw: where to report the restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_context: Option<Value>,
    /// OpenClaw: a note for the restart message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// OpenClaw: delay before its restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_delay_ms: Option<u64>,
    /// OpenClaw: paths replaced rather than merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_paths: Option<Vec<String>>,
}

impl ConfigWriteParams {
    /// `raw` based on `base_hash` (none or empty: no check).
    pub fn new(raw: impl Into<String>, base_hash: Option<&str>) -> Self {
        ConfigWriteParams {
            raw: raw.into(),
            base_hash: base_hash.filter(|b| !b.is_empty()).map(str::to_owned),
            ..Default::default()
        }
    }
}

/// Result of a config write: the `config.changed` payload with `ok`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigWriteResult {
    /// Always true.
    pub ok: bool,
    /// What changed.
    #[serde(flatten)]
    pub change: ConfigChangedPayload,
}

/// `config.changed` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigChangedPayload {
    /// The new hash.
    pub hash: String,
    /// Dotted paths that changed.
    pub changed: Vec<String>,
    /// Of those, the ones that need a gateway restart.
    pub restart_required: Vec<String>,
    /// `rpc` (a method) or `file` (an edit of the file).
    pub source: String,
}

/// `config.schema` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSchemaResult {
    /// JSON Schema of the config.
    pub schema: Value,
    /// A label and help text per property path.
    pub ui_hints: serde_json::Map<String, Value>,
    /// Gateway version.
    pub version: String,
    /// When generated, ms since the epoch (a string, as OpenClaw).
    pub generated_at: String,
}

/// What a stored secret holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretKind {
    /// An API key, token or password.
    Secret,
    /// A plain setting kept beside them.
    Env,
}

/// `secrets.store.set` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretsStoreSetParams {
    /// The name references use.
    pub name: String,
    /// The value (never logged).
    pub value: String,
    /// What it is.
    pub kind: SecretKind,
    /// OpenClaw: hosts the secret may go to (not supported by Tidepool yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_hosts: Option<Vec<String>>,
}

/// `secrets.store.set` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsStoreSetResult {
    /// Always true.
    pub ok: bool,
    /// References now resolve to the new value.
    pub reloaded: bool,
}

/// `secrets.store.delete` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretNameParams {
    /// The entry.
    pub name: String,
}

/// One entry of `secrets.store.list`, in OpenClaw's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretEntry {
    /// The name references use.
    pub name: String,
    /// OpenClaw's scope: always `team` here.
    pub scope_kind: String,
    /// OpenClaw's scope id: always empty here.
    pub scope_id: String,
    /// Created, ms.
    pub created_at_ms: u64,
    /// Last set, ms.
    pub updated_at_ms: u64,
    /// What it is.
    pub kind: SecretKind,
    /// The value, for `env` entries only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `secrets.store.list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsStoreListResult {
    /// The entries.
    pub entries: Vec<SecretEntry>,
}

/// `secrets.reload` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsReloadResult {
    /// Always true.
    pub ok: bool,
    /// Entries in the store now.
    pub count: u64,
}

/// `config.set` params: OpenClaw's whole text, or Tidepool's one value at a path. The gateway
/// tells the forms apart by `path`, so each form's own errors name the field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConfigSetParams {
    /// One value.
    Path(ConfigSetPathParams),
    /// The whole text.
    Whole(ConfigWriteParams),
}

/// `config.set {path, value}` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigSetPathParams {
    /// Dotted path, e.g. `gateway.port`.
    pub path: String,
    /// The value to put there.
    pub value: Value,
    /// The hash the edit was based on (default: the file as it is now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_hash: Option<String>,
}

/// `config.schema.lookup` params.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSchemaLookupParams {
    /// Dotted path (empty or `.` for the root).
    pub path: String,
}

/// `config.schema.lookup` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSchemaLookupResult {
    /// The path looked up (`.` for the root).
    pub path: String,
    /// Its JSON Schema node.
    pub schema: Value,
    /// What a change takes: `none`, `hot` or `restart`.
    pub reload_kind: String,
    /// Its settings.
    pub children: Vec<ConfigSchemaChild>,
}

/// A setting below a looked-up path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSchemaChild {
    /// Its key.
    pub key: String,
    /// Its dotted path.
    pub path: String,
    /// Its JSON Schema type (a name or a list of names).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Value>,
    /// Whether the parent requires it.
    pub required: bool,
    /// Whether it has settings of its own.
    pub has_children: bool,
    /// What a change takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reload_kind: Option<String>,
    /// Its help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<ConfigHint>,
}

/// A setting's help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigHint {
    /// The description.
    pub help: String,
}
