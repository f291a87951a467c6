//! The `agents`, `models` and `tools` sections: who the assistants are, which LLM providers they
//! talk to, and what their tools may do. Key names follow OpenClaw's.

use super::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Agents: defaults shared by all, and each agent's own settings.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentsConfig {
    /// Settings every agent starts from.
    #[serde(default)]
    pub defaults: AgentDefaults,
    /// Agents by id (e.g. `main`).
    #[serde(default)]
    pub entries: BTreeMap<String, AgentEntry>,
    /// Older OpenClaw releases' list form of `entries` (each item has an `id`).
    #[serde(default)]
    pub list: Vec<AgentListEntry>,
}

/// Settings every agent starts from.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentDefaults {
    /// Model as `provider/model-id` (e.g. `anthropic/claude-sonnet-4-5`), or
    /// `{ primary, fallbacks }`.
    #[serde(default)]
    pub model: Option<ModelRef>,
    /// Folder the agent works in (its files, `AGENTS.md`); default `<state dir>/workspace`.
    #[serde(default)]
    pub workspace: Option<String>,
    /// Extra instructions placed before the workspace files in the system prompt.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// Most model calls in one turn (each tool round is one); default 12.
    #[serde(default)]
    pub max_steps: Option<u32>,
    /// Context window to plan for when the model entry does not say, tokens.
    #[serde(default)]
    pub context_tokens: Option<u64>,
    /// Longest a turn may run, seconds (default 600).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// Summarizing older turns when the context fills up.
    #[serde(default)]
    pub compaction: CompactionConfig,
}

/// One agent's settings; absent keys come from `agents.defaults`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentEntry {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The agent used when a request names none.
    #[serde(default)]
    pub default: bool,
    /// Model (`provider/model-id`).
    #[serde(default)]
    pub model: Option<ModelRef>,
    /// Workspace folder.
    #[serde(default)]
    pub workspace: Option<String>,
    /// Extra instructions.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// Most model calls in one turn.
    #[serde(default)]
    pub max_steps: Option<u32>,
    /// Tool allow/deny lists for this agent.
    #[serde(default)]
    pub tools: Option<ToolPolicy>,
    /// How the agent presents itself: name, emoji, avatar.
    #[serde(default)]
    pub identity: Option<AgentIdentity>,
}

/// How an agent presents itself to people (OpenClaw's `identity`); `IDENTITY.md` in the
/// workspace says the same to the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentIdentity {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Tone or vibe, in a few words.
    #[serde(default)]
    pub theme: Option<String>,
    /// An emoji that stands for the agent.
    #[serde(default)]
    pub emoji: Option<String>,
    /// Avatar: a workspace-relative path, an http(s) URL, or a data URI.
    #[serde(default)]
    pub avatar: Option<String>,
}

/// An `agents.list[]` item (legacy form). The fields repeat `AgentEntry`'s because serde's
/// `flatten` cannot be combined with `deny_unknown_fields`, and unknown keys must stay errors.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentListEntry {
    /// Agent id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The agent used when a request names none.
    #[serde(default)]
    pub default: bool,
    /// Model (`provider/model-id`).
    #[serde(default)]
    pub model: Option<ModelRef>,
    /// Workspace folder.
    #[serde(default)]
    pub workspace: Option<String>,
    /// Extra instructions.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// Most model calls in one turn.
    #[serde(default)]
    pub max_steps: Option<u32>,
    /// Tool allow/deny lists for this agent.
    #[serde(default)]
    pub tools: Option<ToolPolicy>,
    /// How the agent presents itself.
    #[serde(default)]
    pub identity: Option<AgentIdentity>,
}

impl From<AgentListEntry> for (String, AgentEntry) {
    fn from(l: AgentListEntry) -> Self {
        (
            l.id,
            AgentEntry {
                name: l.name,
                default: l.default,
                model: l.model,
                workspace: l.workspace,
                system_prompt: l.system_prompt,
                max_steps: l.max_steps,
                tools: l.tools,
                identity: l.identity,
            },
        )
    }
}

/// A model choice: `"provider/model"` or `{ primary, fallbacks }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ModelRef {
    /// `provider/model-id`.
    Id(String),
    /// A primary model and the ones to try when it fails.
    Spec {
        /// `provider/model-id`.
        primary: String,
        /// Tried in order when the primary fails with a retryable error.
        #[serde(default)]
        fallbacks: Vec<String>,
    },
}

impl ModelRef {
    /// The primary model id.
    pub fn primary(&self) -> &str {
        match self {
            ModelRef::Id(s) => s,
            ModelRef::Spec { primary, .. } => primary,
        }
    }
}

/// When and how older turns are summarized.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CompactionConfig {
    /// `default` compacts automatically near the context window; `off` never does on its own.
    #[serde(default)]
    pub mode: CompactionMode,
    /// Recent conversation kept word for word, tokens (default 20000).
    #[serde(default = "default_keep_recent")]
    pub keep_recent_tokens: u64,
    /// Tokens left free for the reply; compaction starts when less than this remains.
    #[serde(default = "default_reserve")]
    pub reserve_tokens_floor: u64,
}

impl Default for CompactionConfig {
    fn default() -> Self {
        CompactionConfig {
            mode: CompactionMode::default(),
            keep_recent_tokens: default_keep_recent(),
            reserve_tokens_floor: default_reserve(),
        }
    }
}

fn default_keep_recent() -> u64 {
    20_000
}
fn default_reserve() -> u64 {
    16_000
}

/// Automatic compaction on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CompactionMode {
    /// Compact when the context nears the window.
    #[default]
    Default,
    /// Only when asked (`sessions.compact`).
    Off,
}

/// Models: the LLM providers and the models each offers.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModelsConfig {
    /// `merge` (default: built-in providers plus these) or `replace`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Providers by id; the id is the part before `/` in a model reference.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
}

/// One LLM provider.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProviderConfig {
    /// API base URL, e.g. `http://127.0.0.1:11434/v1` (built-in providers have one).
    #[serde(default)]
    pub base_url: Option<String>,
    /// API key: a secret reference like `{ source: "store", id: "anthropic" }` (or text).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Wire format: `anthropic-messages`, `openai-completions` or `ollama`.
    #[serde(default)]
    pub api: Option<ProviderApi>,
    /// Extra HTTP headers sent with every request.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Models this provider offers (optional; `models.list` asks the provider).
    #[serde(default)]
    pub models: Vec<ModelEntry>,
}

/// A provider's wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderApi {
    /// Anthropic Messages API.
    AnthropicMessages,
    /// OpenAI Chat Completions (and every compatible server).
    OpenaiCompletions,
    /// Ollama's OpenAI-compatible endpoint.
    Ollama,
    /// OpenAI Responses API (not supported by Tidepool yet).
    OpenaiResponses,
}

/// A model entry.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModelEntry {
    /// Model id as the provider knows it.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Context window, tokens.
    #[serde(default)]
    pub context_window: Option<u64>,
    /// Most tokens in one reply.
    #[serde(default)]
    pub max_tokens: Option<u64>,
    /// Whether the model reasons before answering.
    #[serde(default)]
    pub reasoning: Option<bool>,
    /// Input kinds (`text`, `image`).
    #[serde(default)]
    pub input: Vec<String>,
    /// Price per million tokens, for the cost counter.
    #[serde(default)]
    pub cost: Option<ModelCost>,
}

/// Price per million tokens.
#[derive(Debug, Clone, Copy, Default, Deserialize, schemars::JsonSchema, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModelCost {
    /// Input tokens.
    #[serde(default)]
    pub input: f64,
    /// Output tokens.
    #[serde(default)]
    pub output: f64,
    /// Cache reads.
    #[serde(default)]
    pub cache_read: f64,
    /// Cache writes.
    #[serde(default)]
    pub cache_write: f64,
}

/// Tools: which ones agents get, and their limits.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ToolsConfig {
    /// Tool names (or `group:fs`, `group:web`) agents may use; empty means all.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Tool names never offered.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Web tools.
    #[serde(default)]
    pub web: WebToolsConfig,
    /// Shell commands (the `exec` tool) and their approval rules.
    #[serde(default)]
    pub exec: super::exec::ExecConfig,
}

/// Allow and deny lists.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ToolPolicy {
    /// Tool names allowed (empty: all).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Tool names refused.
    #[serde(default)]
    pub deny: Vec<String>,
}

/// Web tools.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebToolsConfig {
    /// `web_fetch`: download a page.
    #[serde(default)]
    pub fetch: WebFetchConfig,
}

/// Limits of `web_fetch`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebFetchConfig {
    /// Whether agents get the tool.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Characters of the page returned to the model (default 50000).
    #[serde(default = "default_max_chars")]
    pub max_chars: usize,
    /// Largest download, bytes (default 2 MiB).
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
    /// Whole request time limit, seconds (default 30).
    #[serde(default = "default_fetch_timeout")]
    pub timeout_seconds: u64,
    /// Redirects followed (default 3).
    #[serde(default = "default_redirects")]
    pub max_redirects: usize,
    /// Allow loopback and private-network addresses (off: protects services on your network).
    #[serde(default)]
    pub allow_private_network: bool,
}

impl Default for WebFetchConfig {
    fn default() -> Self {
        WebFetchConfig {
            enabled: true,
            max_chars: default_max_chars(),
            max_bytes: default_max_bytes(),
            timeout_seconds: default_fetch_timeout(),
            max_redirects: default_redirects(),
            allow_private_network: false,
        }
    }
}

fn yes() -> bool {
    true
}
fn default_max_chars() -> usize {
    50_000
}
fn default_max_bytes() -> u64 {
    2 * 1024 * 1024
}
fn default_fetch_timeout() -> u64 {
    30
}
fn default_redirects() -> usize {
    3
}
