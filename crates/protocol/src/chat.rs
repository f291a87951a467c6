//! Chat, agent and session methods: names, params (as in `@openclaw/gateway-protocol`'s
//! `ChatSendParams`, `SessionsListParams`, ...) and the `chat` / `agent` event payloads.
//! Params accept OpenClaw's optional fields Tidepool does not use yet and ignore them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Method names.
pub mod names {
    /// Send a message; answers `{runId}` at once, then streams `chat` events.
    pub const CHAT_SEND: &str = "chat.send";
    /// Tidepool: run the session's last user message again (after an error, say) without
    /// repeating it in the transcript; answers like `chat.send`.
    pub const CHAT_RETRY: &str = "chat.retry";
    /// Stop a session's running reply.
    pub const CHAT_ABORT: &str = "chat.abort";
    /// A session's transcript.
    pub const CHAT_HISTORY: &str = "chat.history";
    /// Run an agent turn (like `chat.send`, by agent).
    pub const AGENT: &str = "agent";
    /// Wait for a run to end.
    pub const AGENT_WAIT: &str = "agent.wait";
    /// Configured agents.
    pub const AGENTS_LIST: &str = "agents.list";
    /// Models the providers offer.
    pub const MODELS_LIST: &str = "models.list";
    /// Sessions, newest first.
    pub const SESSIONS_LIST: &str = "sessions.list";
    /// One session's row.
    pub const SESSIONS_GET: &str = "sessions.get";
    /// The last messages of some sessions.
    pub const SESSIONS_PREVIEW: &str = "sessions.preview";
    /// Create a session.
    pub const SESSIONS_CREATE: &str = "sessions.create";
    /// Start a fresh transcript.
    pub const SESSIONS_RESET: &str = "sessions.reset";
    /// Change a session's label or model.
    pub const SESSIONS_PATCH: &str = "sessions.patch";
    /// Delete a session and its transcripts.
    pub const SESSIONS_DELETE: &str = "sessions.delete";
    /// Summarize older turns.
    pub const SESSIONS_COMPACT: &str = "sessions.compact";
    /// Export a transcript (Tidepool).
    pub const SESSIONS_EXPORT: &str = "sessions.export";
    /// Append a note to a transcript as an assistant message, without running the model.
    pub const CHAT_INJECT: &str = "chat.inject";
    /// `chat.history` plus `chat.metadata` in one call (or a short-id lookup first).
    pub const CHAT_STARTUP: &str = "chat.startup";
    /// The models and commands a chat view offers.
    pub const CHAT_METADATA: &str = "chat.metadata";
    /// One message of a transcript by id.
    pub const CHAT_MESSAGE_GET: &str = "chat.message.get";
}

/// Event names.
pub mod events {
    /// Streaming reply: `delta`, `final`, `aborted`, `error`.
    pub const CHAT: &str = "chat";
    /// Run activity: tool calls and lifecycle.
    pub const AGENT: &str = "agent";
    /// A session was created, changed or deleted (Tidepool).
    pub const SESSIONS_CHANGED: &str = "sessions.changed";
}

/// `chat.send` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSendParams {
    /// Session key (`agent:<id>:<name>` or a bare name).
    pub session_key: String,
    /// The user's message.
    pub message: String,
    /// Makes retries safe: the same key returns the same run.
    pub idempotency_key: String,
    /// Agent (else from the key, else the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Longest the run may take, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// OpenClaw fields Tidepool ignores (`thinking`, `deliver`, `attachments`, ...).
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}

/// `chat.retry` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRetryParams {
    /// Session key.
    pub session_key: String,
    /// Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Repeating it returns the same run.
    pub idempotency_key: String,
}

/// `chat.abort` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatAbortParams {
    /// Session key.
    pub session_key: String,
    /// Only this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// `chat.history` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatHistoryParams {
    /// Session key.
    pub session_key: String,
    /// Last N messages (default 200, at most 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Long texts are cut to this many characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
}

/// `agent` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentParams {
    /// The message.
    pub message: String,
    /// Makes retries safe.
    pub idempotency_key: String,
    /// Agent (default: the default agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Session (default `agent:<id>:main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// `provider/model` for this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Longest the run may take, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Added to the system prompt for this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_system_prompt: Option<String>,
    /// OpenClaw fields Tidepool ignores.
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}

/// `agent.wait` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentWaitParams {
    /// Run id.
    pub run_id: String,
    /// Longest wait, ms (default 30000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// `sessions.list` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsListParams {
    /// Page size (default 50, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Rows skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Only this agent's sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Text in the key, label or title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// OpenClaw fields Tidepool ignores.
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}

/// Params naming one session (`sessions.get`, `sessions.reset`, `sessions.compact`, ...).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionKeyParams {
    /// Session key.
    pub key: String,
    /// Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// OpenClaw fields Tidepool ignores (`reason`, `maxLines`, `deleteTranscript`, ...).
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}

/// `sessions.preview` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsPreviewParams {
    /// Session keys.
    pub keys: Vec<String>,
    /// Messages per session (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Characters per message (default 240).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
}

/// `sessions.create` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsCreateParams {
    /// Key (default: a new `agent:<id>:chat-<ulid>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Name shown in lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `provider/model` for this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// OpenClaw fields Tidepool ignores.
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}

/// `sessions.patch` params: absent leaves a field, `null` clears it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsPatchParams {
    /// Session key.
    pub key: String,
    /// New label (`null` clears).
    #[serde(
        default,
        with = "crate::serde_util::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub label: Option<Option<String>>,
    /// New model (`null` clears).
    #[serde(
        default,
        with = "crate::serde_util::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub model: Option<Option<String>>,
    /// OpenClaw fields Tidepool ignores.
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}

/// `sessions.export` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsExportParams {
    /// Session key.
    pub key: String,
    /// `markdown` (default) or `jsonl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// `chat.inject` params (`ChatInjectParams`, closed).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChatInjectParams {
    /// Session key; the session must exist.
    pub session_key: String,
    /// Agent (else from the key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The note's text.
    pub message: String,
    /// Shown before the note as `[label]` (at most 100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `chat.message.get` params (`ChatMessageGetParams`, closed).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChatMessageGetParams {
    /// Session key.
    pub session_key: String,
    /// Agent (else from the key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The message's id (as in `chat.history`).
    pub message_id: String,
    /// Texts are cut to this many characters (1..=2000000; default 1000000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
}

/// `chat.metadata` params (`ChatMetadataParams`, closed).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChatMetadataParams {
    /// Agent (default: the session's, else the default agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Session the metadata is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
}

/// `chat.startup` params: `chat.history`'s (with `sessionKey`), or a short id to look the
/// session up by (`shortId`, `agentId`, `slugHint?`, `limit?`, `maxBytes?`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatStartupParams {
    /// Session key (the `chat.history` form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// 8 to 32 hex digits a session key's trailing UUID starts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_id: Option<String>,
    /// Narrows several short-id matches by display name (unused: Tidepool has no slugs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug_hint: Option<String>,
    /// Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Last N messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Long texts are cut to this many characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
    /// OpenClaw's other `chat.history` fields (`maxBytes`, `cursor`, ...), ignored as there.
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}
