//! Agent runs outside a chat (`agent`, `agent.wait`) and the agent list (`agents.list`), in the
//! shapes a real OpenClaw gateway answers with; the chat extras (`chat.inject`,
//! `chat.message.get`, `chat.metadata`, `chat.startup`) and the session reads
//! (`sessions.get`, `sessions.preview`).

use crate::agents::CommandEntry;
use crate::chat::{
    AgentParams, AgentWaitParams, ChatInjectParams, ChatMessageGetParams, ChatMetadataParams,
    ChatStartupParams, SessionKeyParams, SessionsPreviewParams,
};
use crate::contract::NoParams;
use crate::sessions::{ChatHistoryResult, SessionEntryResult, TranscriptMessage};
use serde::{Deserialize, Serialize};

crate::method! {
    /// Runs the agent on one message: `accepted` at once, the run's result as a second
    /// response with the same id (a JSON-RPC caller gets `accepted` only).
    AgentRun = "agent", Write, AgentParams => AgentResponse;
    /// Waits for a run to end.
    AgentWait = "agent.wait", Write, AgentWaitParams => AgentWaitResult;
    /// The configured agents.
    AgentsList = "agents.list", Read, NoParams => AgentsListResult;
    /// Appends a note to a session's transcript that is shown but never sent to a model.
    ChatInject = "chat.inject", Admin, ChatInjectParams => ChatInjectResult;
    /// One transcript message by id.
    ChatMessageGet = "chat.message.get", Read, ChatMessageGetParams => ChatMessageGetResult;
    /// What a chat with an agent can use: models, commands, account selection.
    ChatMetadata = "chat.metadata", Read, ChatMetadataParams => ChatMetadataResult;
    /// `chat.history` with the chat's metadata, or a session looked up by a short id.
    ChatStartup = "chat.startup", Read, ChatStartupParams => ChatStartupResult;
    /// One session.
    SessionsGet = "sessions.get", Read, SessionKeyParams => SessionEntryResult;
    /// The last messages of up to 100 sessions.
    SessionsPreview = "sessions.preview", Read, SessionsPreviewParams => SessionsPreviewResult;
}

/// Every answer `agent` gives: `accepted` (with the session and agent), then `ok` with the
/// reply, `aborted`, or `timeout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentResponse {
    /// The run.
    pub run_id: String,
    /// `accepted`, `ok`, `aborted` or `timeout`.
    pub status: String,
    /// `completed`, `aborted`, or why the wait ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `accepted`: the session the run writes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// `accepted`: the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `accepted`: when, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<u64>,
    /// `ok`: the reply and what it cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<AgentRunResult>,
}

/// `agent`'s `result`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRunResult {
    /// The reply (one text payload).
    pub payloads: Vec<AgentPayload>,
    /// Duration, model and usage.
    pub meta: AgentRunMeta,
}

/// One reply payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPayload {
    /// The text.
    pub text: String,
    /// Attached media (Tidepool sends none: always `null`).
    pub media_url: Option<String>,
}

/// `agent`'s `result.meta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRunMeta {
    /// How long the run took.
    pub duration_ms: u64,
    /// The session, model and tokens.
    pub agent_meta: AgentMeta,
    /// Always false (an aborted run answers `status: aborted`).
    pub aborted: bool,
}

/// `agent`'s `result.meta.agentMeta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentMeta {
    /// The session's id.
    pub session_id: Option<String>,
    /// The session key (OpenClaw's transcript file).
    pub session_file: String,
    /// The provider of the last reply.
    pub provider: Option<String>,
    /// The model of the last reply.
    pub model: Option<String>,
    /// Tokens of the run.
    pub usage: AgentUsage,
}

/// Tokens of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentUsage {
    /// Input tokens.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Tokens read from the provider's cache.
    pub cache_read: u64,
    /// Tokens written to the provider's cache.
    pub cache_write: u64,
    /// Input and output.
    pub total: u64,
}

/// `agent.wait` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentWaitResult {
    /// The run.
    pub run_id: String,
    /// `ok`, `aborted`, `error` or `timeout` (still running).
    pub status: String,
    /// `error`: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `agents.list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsListResult {
    /// The default agent.
    pub default_id: String,
    /// The main session's name (`main`).
    pub main_key: String,
    /// How sessions are keyed (`per-sender`).
    pub scope: String,
    /// The agents, the default first.
    pub agents: Vec<AgentSummary>,
}

/// One agent of `agents.list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSummary {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Workspace folder.
    pub workspace: String,
    /// Its model, when it has one of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<AgentModel>,
}

/// An agent's model and fallbacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentModel {
    /// `provider/model`.
    pub primary: String,
    /// Tried in order when the primary fails.
    pub fallbacks: Vec<String>,
}

/// `chat.inject` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatInjectResult {
    /// Always true.
    pub ok: bool,
    /// The note's message id.
    pub message_id: String,
}

/// `chat.message.get` result: the message, or why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageGetResult {
    /// Whether `message` is there.
    pub ok: bool,
    /// The message (texts cut to `maxChars`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<TranscriptMessage>,
    /// `not_found` or `oversized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable_reason: Option<String>,
}

/// `chat.metadata` result (and `chat.startup`'s `metadata`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMetadataResult {
    /// The models a chat can pick.
    pub models: Vec<ChatModelOption>,
    /// Slash commands (none yet).
    pub commands: Vec<CommandEntry>,
    /// Multi-agent swarms (not in Tidepool: false).
    pub swarm_enabled: bool,
    /// Which account pays.
    pub account_selection: AccountSelection,
    /// For a session: whether its model may still change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_selection_locked: Option<bool>,
}

/// A model of `chat.metadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatModelOption {
    /// The model's id at its provider.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Provider id.
    pub provider: String,
    /// Whether it reasons.
    pub reasoning: bool,
    /// `default` for the agent's model.
    pub tags: Vec<String>,
    /// Thinking levels offered (Tidepool: `off` only).
    pub thinking_levels: Vec<ThinkingLevel>,
    /// The level used unless one is chosen.
    pub thinking_default: String,
    /// Whether its provider's credential resolves.
    pub available: bool,
    /// Context window, tokens, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
}

/// A thinking level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingLevel {
    /// Id.
    pub id: String,
    /// Label.
    pub label: String,
}

/// `chat.metadata`'s `accountSelection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSelection {
    /// `automatic`.
    pub kind: String,
    /// Label.
    pub label: String,
}

/// `chat.startup` result: the history and metadata of the session, and how a short id
/// resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatStartupResult {
    /// `chat.history`'s answer, when a session was found.
    #[serde(flatten)]
    pub history: Option<ChatHistoryResult>,
    /// The chat's metadata, when a session was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ChatMetadataResult>,
    /// With `shortId`: the session it named, or none, or the candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ShortIdResolution>,
}

/// How `chat.startup`'s `shortId` resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShortIdResolution {
    /// Whether exactly one session matched.
    pub ok: bool,
    /// The one session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Its agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Its display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Several matched: the first ten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<ShortIdCandidate>>,
}

/// A session a short id may mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShortIdCandidate {
    /// Session key.
    pub key: String,
    /// Agent.
    pub agent_id: String,
    /// Display name.
    pub display_name: Option<String>,
}

/// `sessions.preview` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsPreviewResult {
    /// One per key asked for, in order.
    pub previews: Vec<SessionPreview>,
}

/// One session's last messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionPreview {
    /// Session key.
    pub key: String,
    /// The last messages, oldest first (texts cut to `maxChars`).
    pub items: Vec<TranscriptMessage>,
}
