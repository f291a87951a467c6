//! The tool and command catalogues and model credential status (`tools.catalog`,
//! `tools.effective`, `commands.list`, `models.authStatus`): params and results.

use serde::{Deserialize, Serialize};

/// `tools.catalog` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolsCatalogParams {
    /// The agent (default: the default agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Include plugin tools (Tidepool has none yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_plugins: Option<bool>,
}

/// A tool profile (`minimal`, `coding`, `messaging`, `full`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCatalogProfile {
    /// Profile id.
    pub id: String,
    /// Label.
    pub label: String,
}

/// A tool in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCatalogEntry {
    /// The name the model calls.
    pub id: String,
    /// Label.
    pub label: String,
    /// One sentence.
    pub description: String,
    /// `core` (built in) or `plugin`.
    pub source: String,
    /// `low`, `medium` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    /// Profiles that include it.
    pub default_profiles: Vec<String>,
}

/// A group of tools (`group:<id>` in allow/deny lists).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCatalogGroup {
    /// Group id (`fs`, `runtime`, `web`).
    pub id: String,
    /// Label.
    pub label: String,
    /// `core` or `plugin`.
    pub source: String,
    /// Its tools.
    pub tools: Vec<ToolCatalogEntry>,
}

/// `tools.catalog` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsCatalogResult {
    /// The agent.
    pub agent_id: String,
    /// Tool profiles (Tidepool has none: it uses `tools.allow` / `tools.deny`).
    pub profiles: Vec<ToolCatalogProfile>,
    /// The groups.
    pub groups: Vec<ToolCatalogGroup>,
}

/// `tools.effective` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolsEffectiveParams {
    /// The agent (must be the session's when both are given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The session.
    pub session_key: String,
}

/// A tool the agent gets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsEffectiveEntry {
    /// The name the model calls.
    pub id: String,
    /// Label.
    pub label: String,
    /// One sentence.
    pub description: String,
    /// What the model is told.
    pub raw_description: String,
    /// `core`.
    pub source: String,
    /// `low`, `medium` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
}

/// Tools by source.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsEffectiveGroup {
    /// `core`.
    pub id: String,
    /// Label.
    pub label: String,
    /// `core`.
    pub source: String,
    /// The tools.
    pub tools: Vec<ToolsEffectiveEntry>,
}

/// Why the list is what it is (a tool turned off, commands that ask).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsEffectiveNotice {
    /// Stable id.
    pub id: String,
    /// `info` or `warning`.
    pub severity: String,
    /// What and why, with the setting that changes it.
    pub message: String,
}

/// `tools.effective` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsEffectiveResult {
    /// The agent.
    pub agent_id: String,
    /// Tool profile (Tidepool has none, so `full`: only the allow/deny lists filter).
    pub profile: String,
    /// The tools, by source.
    pub groups: Vec<ToolsEffectiveGroup>,
    /// Why tools are missing or ask first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<ToolsEffectiveNotice>,
}

/// `commands.list` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandsListParams {
    /// Session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Channel provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `text`, `native` or `both`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Include argument descriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_args: Option<bool>,
}

/// A slash command.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandEntry {
    /// Name without the slash.
    pub name: String,
    /// What it does.
    pub description: String,
    /// `native`, `skill` or `plugin`.
    pub source: String,
    /// `text`, `native` or `both`.
    pub scope: String,
    /// Whether it takes arguments.
    pub accepts_args: bool,
}

/// `commands.list` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandsListResult {
    /// The commands.
    pub commands: Vec<CommandEntry>,
}

/// `models.authStatus` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelsAuthStatusParams {
    /// Resolve again (Tidepool resolves every time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<bool>,
    /// The agent (credentials are gateway-wide in Tidepool; only checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// Where a provider's API key comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeySource {
    /// `env` (an environment variable) or `config` (the config file, a file or the secrets
    /// store).
    pub source: String,
    /// The variable, for `env`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_var: Option<String>,
}

/// One provider's credential status (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderAuthStatus {
    /// Provider id.
    pub provider: String,
    /// The id credentials are kept under (the same in Tidepool).
    pub auth_provider: String,
    /// Name to show.
    pub display_name: String,
    /// `static` (an API key is configured and resolves) or `missing`.
    pub status: String,
    /// Sign-in profiles (Tidepool has none: API keys only).
    pub profiles: Vec<serde_json::Value>,
    /// Where the key comes from, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKeySource>,
    /// Tidepool: whether Tidepool refuses to call this provider without a key.
    pub key_required: bool,
    /// Tidepool: why the status is `missing`, and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `models.authStatus` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelsAuthStatusResult {
    /// When this was checked, ms since the epoch.
    pub ts: u64,
    /// The providers.
    pub providers: Vec<ProviderAuthStatus>,
}
