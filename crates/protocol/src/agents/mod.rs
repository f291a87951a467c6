//! Agent management, workspace files, identity, the tool and command catalogues and model
//! credential status: names, params and results as in `@openclaw/gateway-protocol`
//! (`AgentsCreateParams`, `AgentsFilesListResult`, `ToolsCatalogResult`, ...). Params are
//! closed there (`additionalProperties: false`), so unknown fields are refused by name.

use serde::{Deserialize, Serialize};

mod catalog;
pub use catalog::*;

/// Method names (from the descriptors, so each is spelled once).
pub mod names {
    use crate::contract::Method;
    /// Add an agent to the config and create its workspace.
    pub const AGENTS_CREATE: &str = <super::AgentsCreate as Method>::NAME;
    /// Change an agent's name, workspace, model, emoji or avatar.
    pub const AGENTS_UPDATE: &str = <super::AgentsUpdate as Method>::NAME;
    /// Remove an agent from the config (optionally its workspace).
    pub const AGENTS_DELETE: &str = <super::AgentsDelete as Method>::NAME;
    /// The agent's workspace bootstrap files.
    pub const AGENTS_FILES_LIST: &str = <super::AgentsFilesList as Method>::NAME;
    /// One workspace bootstrap file with its content.
    pub const AGENTS_FILES_GET: &str = <super::AgentsFilesGet as Method>::NAME;
    /// Write one workspace bootstrap file.
    pub const AGENTS_FILES_SET: &str = <super::AgentsFilesSet as Method>::NAME;
    /// How an agent presents itself (name, emoji, avatar).
    pub const AGENT_IDENTITY_GET: &str = <super::AgentIdentityGet as Method>::NAME;
    /// Every tool the gateway has, by group.
    pub const TOOLS_CATALOG: &str = <super::ToolsCatalog as Method>::NAME;
    /// The tools an agent really gets in a session.
    pub const TOOLS_EFFECTIVE: &str = <super::ToolsEffective as Method>::NAME;
    /// Slash commands the chat understands.
    pub const COMMANDS_LIST: &str = <super::CommandsList as Method>::NAME;
    /// Whether each provider's credential is configured and resolvable.
    pub const MODELS_AUTH_STATUS: &str = <super::ModelsAuthStatus as Method>::NAME;
}

crate::method! {
    /// Adds an agent to the config and creates its workspace.
    AgentsCreate = "agents.create", Admin, AgentsCreateParams => AgentsCreateResult;
    /// Changes an agent's name, workspace, model, emoji or avatar.
    AgentsUpdate = "agents.update", Admin, AgentsUpdateParams => AgentsUpdateResult;
    /// Removes an agent from the config (optionally its workspace).
    AgentsDelete = "agents.delete", Admin, AgentsDeleteParams => AgentsDeleteResult;
    /// The agent's workspace bootstrap files.
    AgentsFilesList = "agents.files.list", Read, AgentsFilesListParams => AgentsFilesListResult;
    /// One workspace bootstrap file with its content.
    AgentsFilesGet = "agents.files.get", Read, AgentsFilesGetParams => AgentsFilesGetResult;
    /// Writes one workspace bootstrap file.
    AgentsFilesSet = "agents.files.set", Admin, AgentsFilesSetParams => AgentsFilesSetResult;
    /// How an agent presents itself (name, emoji, avatar).
    AgentIdentityGet = "agent.identity.get", Read, AgentIdentityParams => AgentIdentityResult;
    /// Every tool the gateway has, by group.
    ToolsCatalog = "tools.catalog", Read, ToolsCatalogParams => ToolsCatalogResult;
    /// The tools an agent really gets in a session.
    ToolsEffective = "tools.effective", Read, ToolsEffectiveParams => ToolsEffectiveResult;
    /// Slash commands the chat understands.
    CommandsList = "commands.list", Read, CommandsListParams => CommandsListResult;
    /// Whether each provider's credential is configured and resolvable.
    ModelsAuthStatus = "models.authStatus", Read, ModelsAuthStatusParams => ModelsAuthStatusResult;
}

/// Codes in `details.code` of these methods' errors.
pub mod detail_codes {
    /// No agent has this id (`details.agentId` names it), as in OpenClaw.
    pub const UNKNOWN_AGENT_ID: &str = "UNKNOWN_AGENT_ID";
    /// `agents.create`: an agent with this id or name exists.
    pub const AGENT_EXISTS: &str = "AGENT_EXISTS";
    /// `agents.delete`: the default or only agent cannot be deleted.
    pub const AGENT_REQUIRED: &str = "AGENT_REQUIRED";
    /// `agents.files.*`: the name is not one of the workspace bootstrap files.
    pub const AGENT_FILE_NOT_ALLOWED: &str = "AGENT_FILE_NOT_ALLOWED";
    /// `agents.files.*`: the file is a link or not a regular file, so it is not touched.
    pub const AGENT_FILE_UNSAFE: &str = "AGENT_FILE_UNSAFE";
    /// `agents.files.set`: `expectedHash` is not the file's current hash.
    pub const AGENT_FILE_CONFLICT: &str = "AGENT_FILE_CONFLICT";
}

/// `agents.create` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentsCreateParams {
    /// Display name; the id is derived from it (lowercase `a-z0-9-`).
    pub name: String,
    /// Workspace folder (default `<state dir>/workspace-<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// `provider/model-id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// An emoji for the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Avatar: a workspace-relative path, an http(s) URL or a data URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// `agents.create` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsCreateResult {
    /// Always true.
    pub ok: bool,
    /// The new agent's id.
    pub agent_id: String,
    /// Its display name.
    pub name: String,
    /// Its workspace folder.
    pub workspace: String,
    /// Its model, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// `agents.update` params: absent leaves a field as it is; `model: null` clears the model
/// (the agent then uses `agents.defaults.model`); an empty `emoji` or `avatar` clears it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentsUpdateParams {
    /// The agent.
    pub agent_id: String,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New workspace folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// New model (`null` clears).
    #[serde(
        default,
        with = "crate::serde_util::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub model: Option<Option<String>>,
    /// New emoji (`""` clears).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// New avatar (`""` clears).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// `agents.update` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsUpdateResult {
    /// Always true.
    pub ok: bool,
    /// The agent.
    pub agent_id: String,
}

/// `agents.delete` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentsDeleteParams {
    /// The agent.
    pub agent_id: String,
    /// Also move its workspace to the trash and delete its sessions (default false). Only
    /// a workspace inside the state dir is moved; another is reported under `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_files: Option<bool>,
}

/// A path `agents.delete` removed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedPath {
    /// Where it was.
    pub path: String,
    /// `trash` (moved to `<state dir>/trash/`) or `missing` (it did not exist).
    pub method: String,
}

/// A path `agents.delete` left in place, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedPath {
    /// The path.
    pub path: String,
    /// Why it was not removed, and what to do.
    pub reason: String,
}

/// `agents.delete` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsDeleteResult {
    /// Always true.
    pub ok: bool,
    /// The agent.
    pub agent_id: String,
    /// Channel bindings removed (Tidepool has none: 0).
    pub removed_bindings: u64,
    /// What was removed (with `deleteFiles`).
    pub removed: Vec<RemovedPath>,
    /// What was left in place, and why.
    pub failed: Vec<FailedPath>,
}

/// `agents.files.list` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentsFilesListParams {
    /// The agent.
    pub agent_id: String,
}

/// `agents.files.get` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentsFilesGetParams {
    /// The agent.
    pub agent_id: String,
    /// One of the bootstrap file names (`AGENTS.md`, `SOUL.md`, ...).
    pub name: String,
}

/// `agents.files.set` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentsFilesSetParams {
    /// The agent.
    pub agent_id: String,
    /// One of the bootstrap file names.
    pub name: String,
    /// The whole new text.
    pub content: String,
    /// OpenClaw: write only if the file's SHA-256 (hex) is still this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_hash: Option<String>,
}

/// A workspace bootstrap file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsFileEntry {
    /// File name.
    pub name: String,
    /// Full path.
    pub path: String,
    /// Whether the file does not exist.
    pub missing: bool,
    /// A missing file is normal (every bootstrap file is optional in Tidepool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_absent: Option<bool>,
    /// Bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Last change, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at_ms: Option<u64>,
    /// The text (`get` and `set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// `agents.files.list` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsFilesListResult {
    /// The agent.
    pub agent_id: String,
    /// Its workspace.
    pub workspace: String,
    /// The files.
    pub files: Vec<AgentsFileEntry>,
}

/// `agents.files.get` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsFilesGetResult {
    /// The agent.
    pub agent_id: String,
    /// Its workspace.
    pub workspace: String,
    /// The file.
    pub file: AgentsFileEntry,
}

/// `agents.files.set` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsFilesSetResult {
    /// Always true.
    pub ok: bool,
    /// The agent.
    pub agent_id: String,
    /// Its workspace.
    pub workspace: String,
    /// The file as written.
    pub file: AgentsFileEntry,
}

/// `agent.identity.get` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentIdentityParams {
    /// The agent (default: the session's, else the default agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// A session whose agent is meant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
}

/// `agent.identity.get` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentIdentityResult {
    /// The agent.
    pub agent_id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the name came from: `agent` (its `identity.name`), `config` (its `name`),
    /// `workspace` (`IDENTITY.md`) or `default` (the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_source: Option<String>,
    /// Avatar to show: a URL, a data URI, a workspace-relative path, or the emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// The configured avatar source, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_source: Option<String>,
    /// `remote`, `data`, `local` or `none` (configured but unusable, see `avatarReason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_status: Option<String>,
    /// Why a configured avatar cannot be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_reason: Option<String>,
    /// The agent's emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_tells_an_absent_model_from_null() {
        let p: AgentsUpdateParams = serde_json::from_str(r#"{"agentId":"a"}"#).unwrap();
        assert_eq!(p.model, None);
        let p: AgentsUpdateParams =
            serde_json::from_str(r#"{"agentId":"a","model":null}"#).unwrap();
        assert_eq!(p.model, Some(None));
        let p: AgentsUpdateParams =
            serde_json::from_str(r#"{"agentId":"a","model":"x/y"}"#).unwrap();
        assert_eq!(p.model, Some(Some("x/y".into())));
    }

    #[test]
    fn unknown_params_are_refused() {
        assert!(serde_json::from_str::<AgentsCreateParams>(r#"{"name":"a","nope":1}"#).is_err());
    }
}
