//! The contract of the chat and session methods the desktop uses: descriptors, the results
//! the gateway answers (OpenClaw's shapes; fields the desktop does not read are left out and
//! ignored when decoding) and the `chat`, `agent` and `sessions.changed` events.

use crate::chat::{
    ChatAbortParams, ChatHistoryParams, ChatRetryParams, ChatSendParams, SessionKeyParams,
    SessionsCreateParams, SessionsExportParams, SessionsListParams, SessionsPatchParams,
};
use crate::contract::NoParams;
use serde::{Deserialize, Serialize};
use serde_json::Value;

crate::method! {
    /// Sends a message; the reply streams as `chat` and `agent` events.
    ChatSend = "chat.send", Write, ChatSendParams => ChatAck;
    /// Runs the session's last message again, without repeating it.
    ChatRetry = "chat.retry", Write, ChatRetryParams => ChatAck;
    /// Stops the reply being written.
    ChatAbort = "chat.abort", Write, ChatAbortParams => ChatAbortResult;
    /// A session's transcript.
    ChatHistory = "chat.history", Read, ChatHistoryParams => ChatHistoryResult;
    /// Sessions, newest first.
    SessionsList = "sessions.list", Read, SessionsListParams => SessionsListResult;
    /// A new session.
    SessionsCreate = "sessions.create", Write, SessionsCreateParams => SessionEntryResult;
    /// Changes a session's label or model.
    SessionsPatch = "sessions.patch", Write, SessionsPatchParams => SessionEntryResult;
    /// A fresh transcript in a session.
    SessionsReset = "sessions.reset", Admin, SessionKeyParams => SessionEntryResult;
    /// Deletes a session and its transcripts.
    SessionsDelete = "sessions.delete", Admin, SessionKeyParams => SessionsDeleteResult;
    /// Summarizes older turns.
    SessionsCompact = "sessions.compact", Admin, SessionKeyParams => SessionsCompactResult;
    /// A transcript as Markdown or JSONL.
    SessionsExport = "sessions.export", Read, SessionsExportParams => SessionsExportResult;
    /// The models the configured providers offer.
    ModelsList = "models.list", Read, NoParams => ModelsListResult;
}

crate::event! {
    /// Streaming reply: `delta`, `final`, `aborted`, `error`.
    Chat = "chat" => ChatEvent;
    /// Run activity: tool calls and lifecycle.
    Agent = "agent" => AgentEvent;
    /// A session was created, changed or deleted (Tidepool).
    SessionsChanged = "sessions.changed" => SessionsChangedPayload;
}

/// `chat.send` / `chat.retry` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatAck {
    /// The run (events carry it).
    pub run_id: String,
    /// The normalized session key.
    pub session_key: String,
    /// `started`, or `in_flight` when the idempotency key's run was already going.
    pub status: String,
}

/// `chat.abort` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatAbortResult {
    /// Always true.
    pub ok: bool,
    /// Whether a run was stopped.
    pub aborted: bool,
    /// The runs stopped.
    #[serde(default)]
    pub run_ids: Vec<String>,
}

/// `chat.history` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatHistoryResult {
    /// The session key.
    pub session_key: String,
    /// The messages, oldest first.
    pub messages: Vec<TranscriptMessage>,
    /// The run writing a reply in this session, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<String>,
}

/// One message of a transcript, in OpenClaw's shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TranscriptMessage {
    /// Entry id.
    pub id: String,
    /// `user`, `assistant`, `toolResult` or `compaction`.
    pub role: String,
    /// Text and tool-call blocks.
    pub content: Vec<ContentBlock>,
    /// For a tool result: the call it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// For a tool result: the tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// For a tool result: whether it failed.
    pub is_error: bool,
    /// For a tool result: how long it took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<ToolResultDetails>,
    /// `aborted`, `error`, `incomplete`, `streaming`, or none when complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// For a failed turn: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Tokens of this model call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<MessageUsage>,
    /// Cost of this call, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// The provider that wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The model that wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// When, ms since the epoch.
    pub timestamp: u64,
}

impl TranscriptMessage {
    /// The text blocks, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A block of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ContentBlock {
    /// Text (Markdown for the assistant).
    Text {
        /// The text.
        text: String,
    },
    /// A tool the assistant called.
    ToolCall {
        /// Call id.
        id: String,
        /// Tool.
        name: String,
        /// Arguments.
        #[serde(default)]
        arguments: Value,
    },
    /// Blocks the desktop does not show (thinking, images).
    #[serde(other)]
    Other,
}

/// A tool result's details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ToolResultDetails {
    /// How long it took, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// A model call's tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageUsage {
    /// Input tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<u64>,
    /// Output tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<u64>,
}

/// `sessions.list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsListResult {
    /// The page.
    pub sessions: Vec<SessionRow>,
    /// Matching sessions in all.
    pub total: u64,
}

/// A session as OpenClaw's `SessionRow` (the fields the desktop reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionRow {
    /// `agent:<id>:<name>`.
    pub key: String,
    /// The agent.
    pub agent_id: String,
    /// Label, else the first message, else the name.
    pub display_name: String,
    /// The last message, shortened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_message_preview: Option<String>,
    /// Last change, ms (a number, sometimes fractional).
    pub updated_at: f64,
    /// Messages in the transcript.
    pub message_count: u64,
    /// Tokens used, all turns.
    pub total_tokens: u64,
    /// Estimated cost, USD.
    pub estimated_cost_usd: f64,
    /// The model override's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    /// `running` while a reply is being written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The last turn's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_error: Option<String>,
}

/// The result of methods answering with the session (`sessions.create`, `.patch`, `.reset`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEntryResult {
    /// Always true.
    pub ok: bool,
    /// The session key.
    pub key: String,
    /// The session.
    pub entry: SessionRow,
}

/// `sessions.delete` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsDeleteResult {
    /// Always true.
    pub ok: bool,
    /// The session key.
    pub key: String,
    /// Whether it existed.
    pub deleted: bool,
}

/// `sessions.compact` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsCompactResult {
    /// Always true.
    pub ok: bool,
    /// The session key.
    pub key: String,
    /// Whether older turns were summarized.
    pub compacted: bool,
    /// What was done, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Compaction>,
    /// Why not, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Compaction {
    /// Approximate context tokens before.
    pub tokens_before: u64,
    /// After.
    pub tokens_after: u64,
    /// Messages summarized.
    pub summarized: usize,
    /// Messages kept.
    pub kept: usize,
    /// Seq of the first kept message.
    pub first_kept_seq: i64,
    /// The summary.
    pub summary: String,
}

/// `sessions.export` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsExportResult {
    /// The session key.
    pub key: String,
    /// `markdown` or `jsonl`.
    pub format: String,
    /// A file name to save it as.
    pub file_name: String,
    /// The transcript.
    pub content: String,
}

/// `models.list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelsListResult {
    /// The models.
    pub models: Vec<ModelChoice>,
}

/// A model a provider offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelChoice {
    /// Its id at the provider.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The provider.
    pub provider: String,
}

/// `chat` event payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEvent {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// The session.
    pub session_key: String,
    /// What happened.
    pub state: ChatState,
    /// For `delta`: the new text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_text: Option<String>,
    /// For `error`: why, and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// A `chat` event's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChatState {
    /// Text streamed.
    Delta,
    /// The reply finished.
    Final,
    /// Stopped by the user.
    Aborted,
    /// The turn failed.
    Error,
}

/// `agent` event payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentEvent {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// `tool`, `lifecycle`, ...
    pub stream: String,
    /// The stream's data (for `tool`: [`ToolActivity`]).
    #[serde(default)]
    pub data: Value,
}

impl AgentEvent {
    /// The tool activity, for a `tool` stream event that has one.
    pub fn tool(&self) -> Option<ToolActivity> {
        (self.stream == "tool")
            .then(|| ToolActivity::deserialize(&self.data).ok())
            .flatten()
    }
}

/// A tool starting or finishing (an `agent` event on the `tool` stream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolActivity {
    /// `start` or `result`.
    pub phase: String,
    /// The session.
    pub session_key: String,
    /// Call id.
    #[serde(default)]
    pub tool_call_id: String,
    /// Tool.
    #[serde(default)]
    pub name: String,
    /// For `start`: the arguments.
    #[serde(default)]
    pub args: Value,
    /// For `result`: the output (first 4000 characters).
    #[serde(default)]
    pub result: Option<String>,
    /// For `result`: whether it failed.
    #[serde(default)]
    pub is_error: bool,
    /// For `result`: how long it took, ms.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

/// `sessions.changed` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsChangedPayload {
    /// The session.
    pub key: String,
    /// `message`, `create`, `patch`, `reset`, `delete`, `compact`.
    #[serde(default)]
    pub reason: String,
    /// For `message`: the run that just ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}
