//! Chat for the desktop: the gateway's OpenClaw-shaped messages, session rows and `chat` /
//! `agent` events turned into typed views, and the calls behind the Chat page (the session
//! list and what the Sessions page does are in `sessions`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tidepool_client::{Client, ClientError, decode_event};
use tidepool_protocol::EventFrame;
use tidepool_protocol::chat::{
    ChatAbortParams, ChatHistoryParams, ChatRetryParams, ChatSendParams, SessionsCreateParams,
    SessionsPatchParams,
};
use tidepool_protocol::contract::NoParams;
use tidepool_protocol::sessions::{
    self as protocol, Agent, Chat as ChatEventDesc, ChatAbort, ChatHistory, ChatRetry, ChatSend,
    ChatState, ContentBlock, ModelsList, SessionsChanged, SessionsCreate, SessionsPatch,
    TranscriptMessage,
};

/// A tool call inside an assistant message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ToolCallView {
    /// Call id.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments, pretty JSON.
    pub arguments: String,
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageView {
    /// Entry id.
    pub id: String,
    /// `user`, `assistant`, `toolResult` or `compaction`.
    pub role: String,
    /// Text (Markdown for the assistant; the output for a tool result; the summary).
    pub text: String,
    /// Tools the assistant called.
    pub tool_calls: Vec<ToolCallView>,
    /// For a tool result: the call it answers.
    pub tool_call_id: Option<String>,
    /// For a tool result: the tool.
    pub tool_name: Option<String>,
    /// For a tool result: whether it failed.
    pub is_error: bool,
    /// For a tool result: how long it took, ms.
    pub duration_ms: Option<u64>,
    /// `aborted`, `error`, `incomplete`, `streaming`, or none when complete.
    pub status: Option<String>,
    /// For a failed turn: why.
    pub error_message: Option<String>,
    /// Tokens in / out of this model call.
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
    /// Cost of this call, USD.
    pub cost_usd: Option<f64>,
    /// `provider/model` that wrote it.
    pub model: Option<String>,
    /// When, ms since the epoch.
    pub timestamp: u64,
}

/// Live chat activity, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ChatEventView {
    /// Text streamed.
    #[serde(rename_all = "camelCase")]
    Delta {
        /// Run.
        run_id: String,
        /// Session.
        session_key: String,
        /// The new text.
        text: String,
    },
    /// The reply finished.
    #[serde(rename_all = "camelCase")]
    Final {
        /// Run.
        run_id: String,
        /// Session.
        session_key: String,
    },
    /// Stopped by the user.
    #[serde(rename_all = "camelCase")]
    Aborted {
        /// Run.
        run_id: String,
        /// Session.
        session_key: String,
    },
    /// The turn failed.
    #[serde(rename_all = "camelCase")]
    Error {
        /// Run.
        run_id: String,
        /// Session.
        session_key: String,
        /// Why, and what to do.
        message: String,
    },
    /// A tool started.
    #[serde(rename_all = "camelCase")]
    ToolStart {
        /// Run.
        run_id: String,
        /// Session.
        session_key: String,
        /// Call id.
        call_id: String,
        /// Tool.
        name: String,
        /// Arguments, pretty JSON.
        arguments: String,
    },
    /// A tool finished.
    #[serde(rename_all = "camelCase")]
    ToolResult {
        /// Run.
        run_id: String,
        /// Session.
        session_key: String,
        /// Call id.
        call_id: String,
        /// Tool.
        name: String,
        /// Output (first 4000 characters).
        result: String,
        /// Whether it failed.
        is_error: bool,
        /// Duration, ms.
        duration_ms: u64,
    },
    /// A session was created, changed or deleted.
    #[serde(rename_all = "camelCase")]
    SessionsChanged {
        /// Session.
        key: String,
        /// `message`, `create`, `patch`, `reset`, `delete`, `compact`.
        reason: String,
        /// For `message`: the run that just ended.
        run_id: Option<String>,
    },
}

/// The answer to a send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChatAck {
    /// Run id (events carry it).
    pub run_id: String,
    /// Normalized session key.
    pub session_key: String,
}

/// A model to pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ModelOption {
    /// `provider/model-id`.
    pub id: String,
    /// Display name.
    pub name: String,
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

pub(crate) fn model_ref(provider: Option<&String>, model: Option<&String>) -> Option<String> {
    match (provider, model) {
        (Some(p), Some(m)) => Some(format!("{p}/{m}")),
        _ => None,
    }
}

/// One OpenClaw-shaped message as a view.
pub fn message_view(m: &TranscriptMessage) -> ChatMessageView {
    let tool_calls = m
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolCall {
                id,
                name,
                arguments,
            } => Some(ToolCallView {
                id: id.clone(),
                name: name.clone(),
                arguments: pretty(arguments),
            }),
            _ => None,
        })
        .collect();
    let usage = m.usage.clone().unwrap_or_default();
    ChatMessageView {
        id: m.id.clone(),
        role: if m.role.is_empty() {
            "user".into()
        } else {
            m.role.clone()
        },
        text: m.text(),
        tool_calls,
        tool_call_id: m.tool_call_id.clone(),
        tool_name: m.tool_name.clone(),
        is_error: m.is_error,
        duration_ms: m.details.as_ref().and_then(|d| d.duration_ms),
        status: m.status.clone(),
        error_message: m.error_message.clone(),
        input_tokens: usage.input,
        output_tokens: usage.output,
        cost_usd: m.cost_usd,
        model: model_ref(m.provider.as_ref(), m.model.as_ref()),
        timestamp: m.timestamp,
    }
}

/// A gateway event as a chat view, if it is one the chat shows.
pub fn event_view(frame: &EventFrame) -> Option<ChatEventView> {
    if let Some(Ok(p)) = decode_event::<ChatEventDesc>(frame) {
        let (run_id, session_key) = (p.run_id, p.session_key);
        return Some(match p.state {
            ChatState::Delta => ChatEventView::Delta {
                run_id,
                session_key,
                text: p.delta_text.unwrap_or_default(),
            },
            ChatState::Final => ChatEventView::Final {
                run_id,
                session_key,
            },
            ChatState::Aborted => ChatEventView::Aborted {
                run_id,
                session_key,
            },
            ChatState::Error => ChatEventView::Error {
                run_id,
                session_key,
                message: p.error_message.unwrap_or_else(|| "the reply failed".into()),
            },
        });
    }
    if let Some(Ok(p)) = decode_event::<Agent>(frame) {
        let t = p.tool()?;
        return match t.phase.as_str() {
            "start" => Some(ChatEventView::ToolStart {
                run_id: p.run_id,
                session_key: t.session_key,
                call_id: t.tool_call_id,
                name: t.name,
                arguments: pretty(&t.args),
            }),
            "result" => Some(ChatEventView::ToolResult {
                run_id: p.run_id,
                session_key: t.session_key,
                call_id: t.tool_call_id,
                name: t.name,
                result: t.result.unwrap_or_default(),
                is_error: t.is_error,
                duration_ms: t.duration_ms.unwrap_or(0),
            }),
            _ => None,
        };
    }
    if let Some(Ok(p)) = decode_event::<SessionsChanged>(frame) {
        return Some(ChatEventView::SessionsChanged {
            key: p.key,
            reason: p.reason,
            run_id: p.run_id,
        });
    }
    None
}

/// A fresh idempotency key (a retried request with the same key is the same run).
pub use tidepool_platform::idempotency_key;

fn ack(a: protocol::ChatAck) -> ChatAck {
    ChatAck {
        run_id: a.run_id,
        session_key: a.session_key,
    }
}

/// A session's transcript (the last `limit` messages).
pub async fn history(
    c: &Client,
    key: &str,
    limit: u32,
) -> Result<Vec<ChatMessageView>, ClientError> {
    let params = ChatHistoryParams {
        session_key: key.to_owned(),
        limit: Some(i64::from(limit.max(1))),
        ..Default::default()
    };
    let r = c.call::<ChatHistory>(&params).await?;
    Ok(r.messages.iter().map(message_view).collect())
}

/// Sends a message; the reply arrives as events.
pub async fn send(c: &Client, key: &str, message: &str) -> Result<ChatAck, ClientError> {
    let params = ChatSendParams {
        session_key: key.to_owned(),
        message: message.to_owned(),
        idempotency_key: idempotency_key(),
        ..Default::default()
    };
    Ok(ack(c.call::<ChatSend>(&params).await?))
}

/// Runs the session's last message again (after a failed reply) without repeating it.
pub async fn retry(c: &Client, key: &str) -> Result<ChatAck, ClientError> {
    let params = ChatRetryParams {
        session_key: key.to_owned(),
        idempotency_key: idempotency_key(),
        agent_id: None,
    };
    Ok(ack(c.call::<ChatRetry>(&params).await?))
}

/// Stops the reply being written in a session.
pub async fn abort(c: &Client, key: &str) -> Result<bool, ClientError> {
    let params = ChatAbortParams {
        session_key: key.to_owned(),
        ..Default::default()
    };
    Ok(c.call::<ChatAbort>(&params).await?.aborted)
}

/// Creates a new chat; returns its key.
pub async fn create(c: &Client) -> Result<String, ClientError> {
    Ok(c.call::<SessionsCreate>(&SessionsCreateParams::default())
        .await?
        .key)
}

/// Models the providers offer, as `provider/model` choices.
pub async fn models(c: &Client) -> Result<Vec<ModelOption>, ClientError> {
    let r = c.call::<ModelsList>(&NoParams {}).await?;
    Ok(r.models
        .into_iter()
        .map(|m| {
            let id = format!("{}/{}", m.provider, m.id);
            ModelOption {
                name: m.name.unwrap_or_else(|| id.clone()),
                id,
            }
        })
        .collect())
}

/// Sets (or clears) a session's model.
pub async fn set_model(c: &Client, key: &str, model: Option<&str>) -> Result<(), ClientError> {
    let params = SessionsPatchParams {
        key: key.to_owned(),
        model: Some(model.map(str::to_owned)),
        ..Default::default()
    };
    c.call::<SessionsPatch>(&params).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(v: Value) -> ChatMessageView {
        message_view(&serde_json::from_value(v).unwrap())
    }

    fn ev(event: &str, p: &Value) -> Option<ChatEventView> {
        event_view(&EventFrame::new(event, p.clone()))
    }

    #[test]
    fn messages_and_events_become_views() {
        let m = msg(json!({
            "id": "e1", "role": "assistant", "provider": "fake", "model": "m",
            "content": [{ "type": "text", "text": "Hi " }, { "type": "text", "text": "there" },
                        { "type": "toolCall", "id": "t1", "name": "read", "arguments": { "path": "a" } }],
            "usage": { "input": 10, "output": 5 }, "costUsd": 0.01, "timestamp": 7, "status": "aborted"
        }));
        assert_eq!(m.text, "Hi there");
        assert_eq!(m.tool_calls[0].name, "read");
        assert!(m.tool_calls[0].arguments.contains("\"path\": \"a\""));
        assert_eq!((m.input_tokens, m.output_tokens), (Some(10), Some(5)));
        assert_eq!(m.model.as_deref(), Some("fake/m"));
        assert_eq!(m.status.as_deref(), Some("aborted"));
        let t = msg(
            json!({ "role": "toolResult", "toolCallId": "t1", "toolName": "read", "isError": true, "details": { "durationMs": 4 }, "content": [{ "type": "text", "text": "nope" }] }),
        );
        assert!(t.is_error && t.duration_ms == Some(4) && t.text == "nope");

        let d = ev(
            "chat",
            &json!({ "runId": "r", "sessionKey": "k", "seq": 0, "state": "delta", "deltaText": "x" }),
        );
        assert_eq!(
            d,
            Some(ChatEventView::Delta {
                run_id: "r".into(),
                session_key: "k".into(),
                text: "x".into()
            })
        );
        let e = ev(
            "chat",
            &json!({ "runId": "r", "sessionKey": "k", "seq": 1, "state": "error", "errorMessage": "bad key" }),
        );
        assert!(matches!(e, Some(ChatEventView::Error { message, .. }) if message == "bad key"));
        let t = ev(
            "agent",
            &json!({ "runId": "r", "seq": 0, "stream": "tool", "ts": 1, "data": { "phase": "result", "sessionKey": "k", "toolCallId": "t", "name": "list", "result": "a/", "isError": false, "durationMs": 3 } }),
        );
        assert!(matches!(
            t,
            Some(ChatEventView::ToolResult { duration_ms: 3, .. })
        ));
        assert_eq!(
            ev("agent", &json!({ "stream": "lifecycle", "data": {} })),
            None
        );
        assert_eq!(ev("tick", &json!({})), None);
        assert_eq!(
            ev("chat", &json!({ "state": "delta" })),
            None,
            "no session key"
        );
    }
}
