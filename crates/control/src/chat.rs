//! Chat for the desktop: the gateway's OpenClaw-shaped messages, session rows and `chat` /
//! `agent` events turned into typed views, and the calls behind the Chat and Sessions pages.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tidepool_client::{Client, ClientError};
use tidepool_protocol::chat::{events, names};

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

/// A session in the switcher and the Sessions table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// `agent:<id>:<name>`.
    pub key: String,
    /// Label, else the first message, else the name.
    pub title: String,
    /// The last message, shortened.
    pub preview: Option<String>,
    /// Agent.
    pub agent_id: String,
    /// Last change, ms.
    pub updated_at: u64,
    /// Messages in the transcript.
    pub message_count: u64,
    /// Tokens used, all turns.
    pub total_tokens: u64,
    /// Estimated cost, USD.
    pub cost_usd: f64,
    /// Model override.
    pub model: Option<String>,
    /// A reply is being written.
    pub running: bool,
    /// The last turn's error.
    pub last_error: Option<String>,
}

/// A page of sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SessionPage {
    /// Rows.
    pub sessions: Vec<SessionView>,
    /// Matching sessions in all.
    pub total: u64,
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

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn u(v: &Value, k: &str) -> Option<u64> {
    v.get(k).and_then(Value::as_u64)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// One OpenClaw-shaped message as a view.
pub fn message_view(m: &Value) -> ChatMessageView {
    let blocks = m
        .get("content")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text: String = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("");
    let tool_calls = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("toolCall"))
        .map(|b| ToolCallView {
            id: s(b, "id").unwrap_or_default(),
            name: s(b, "name").unwrap_or_default(),
            arguments: pretty(b.get("arguments").unwrap_or(&Value::Null)),
        })
        .collect();
    let usage = m.get("usage").cloned().unwrap_or(Value::Null);
    let model = match (s(m, "provider"), s(m, "model")) {
        (Some(p), Some(md)) => Some(format!("{p}/{md}")),
        _ => None,
    };
    ChatMessageView {
        id: s(m, "id").unwrap_or_default(),
        role: s(m, "role").unwrap_or_else(|| "user".into()),
        text,
        tool_calls,
        tool_call_id: s(m, "toolCallId"),
        tool_name: s(m, "toolName"),
        is_error: m.get("isError").and_then(Value::as_bool).unwrap_or(false),
        duration_ms: m.get("details").and_then(|d| u(d, "durationMs")),
        status: s(m, "status"),
        error_message: s(m, "errorMessage"),
        input_tokens: u(&usage, "input"),
        output_tokens: u(&usage, "output"),
        cost_usd: m.get("costUsd").and_then(Value::as_f64),
        model,
        timestamp: u(m, "timestamp").unwrap_or(0),
    }
}

/// One `SessionRow` as a view.
pub fn session_view(r: &Value) -> SessionView {
    let model = match (s(r, "modelProvider"), s(r, "model")) {
        (Some(p), Some(m)) => Some(format!("{p}/{m}")),
        _ => None,
    };
    SessionView {
        key: s(r, "key").unwrap_or_default(),
        title: s(r, "displayName").unwrap_or_default(),
        preview: s(r, "lastMessagePreview"),
        agent_id: s(r, "agentId").unwrap_or_default(),
        updated_at: r
            .get("updatedAt")
            .and_then(Value::as_f64)
            .map(|f| f as u64)
            .unwrap_or(0),
        message_count: u(r, "messageCount").unwrap_or(0),
        total_tokens: u(r, "totalTokens").unwrap_or(0),
        cost_usd: r
            .get("estimatedCostUsd")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
        model,
        running: r.get("status").and_then(Value::as_str) == Some("running"),
        last_error: s(r, "lastRunError"),
    }
}

/// A gateway event as a chat view, if it is one.
pub fn event_view(event: &str, p: &Value) -> Option<ChatEventView> {
    let run_id = s(p, "runId").unwrap_or_default();
    match event {
        events::CHAT => {
            let session_key = s(p, "sessionKey")?;
            Some(match p.get("state").and_then(Value::as_str)? {
                "delta" => ChatEventView::Delta {
                    run_id,
                    session_key,
                    text: s(p, "deltaText").unwrap_or_default(),
                },
                "final" => ChatEventView::Final {
                    run_id,
                    session_key,
                },
                "aborted" => ChatEventView::Aborted {
                    run_id,
                    session_key,
                },
                "error" => ChatEventView::Error {
                    run_id,
                    session_key,
                    message: s(p, "errorMessage").unwrap_or_else(|| "the reply failed".into()),
                },
                _ => return None,
            })
        }
        events::AGENT if p.get("stream").and_then(Value::as_str) == Some("tool") => {
            let d = p.get("data")?;
            let session_key = s(d, "sessionKey")?;
            let call_id = s(d, "toolCallId").unwrap_or_default();
            let name = s(d, "name").unwrap_or_default();
            match d.get("phase").and_then(Value::as_str)? {
                "start" => Some(ChatEventView::ToolStart {
                    run_id,
                    session_key,
                    call_id,
                    name,
                    arguments: pretty(d.get("args").unwrap_or(&Value::Null)),
                }),
                "result" => Some(ChatEventView::ToolResult {
                    run_id,
                    session_key,
                    call_id,
                    name,
                    result: s(d, "result").unwrap_or_default(),
                    is_error: d.get("isError").and_then(Value::as_bool).unwrap_or(false),
                    duration_ms: u(d, "durationMs").unwrap_or(0),
                }),
                _ => None,
            }
        }
        events::SESSIONS_CHANGED => Some(ChatEventView::SessionsChanged {
            key: s(p, "key")?,
            reason: s(p, "reason").unwrap_or_default(),
            run_id: s(p, "runId"),
        }),
        _ => None,
    }
}

fn idempotency_key() -> String {
    let mut b = [0u8; 12];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Sessions, newest first.
pub async fn sessions(
    c: &Client,
    search: Option<&str>,
    limit: u32,
    offset: u32,
) -> Result<SessionPage, ClientError> {
    let v = c
        .request(
            names::SESSIONS_LIST,
            json!({ "search": search, "limit": limit.max(1), "offset": offset }),
        )
        .await?;
    Ok(SessionPage {
        sessions: v
            .get("sessions")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(session_view).collect())
            .unwrap_or_default(),
        total: u(&v, "total").unwrap_or(0),
    })
}

/// A session's transcript (the last `limit` messages).
pub async fn history(
    c: &Client,
    key: &str,
    limit: u32,
) -> Result<Vec<ChatMessageView>, ClientError> {
    let v = c
        .request(
            names::CHAT_HISTORY,
            json!({ "sessionKey": key, "limit": limit.max(1) }),
        )
        .await?;
    Ok(v.get("messages")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(message_view).collect())
        .unwrap_or_default())
}

/// Sends a message; the reply arrives as events.
pub async fn send(c: &Client, key: &str, message: &str) -> Result<ChatAck, ClientError> {
    let v = c
        .request(
            names::CHAT_SEND,
            json!({ "sessionKey": key, "message": message, "idempotencyKey": idempotency_key() }),
        )
        .await?;
    Ok(ChatAck {
        run_id: s(&v, "runId").unwrap_or_default(),
        session_key: s(&v, "sessionKey").unwrap_or_else(|| key.to_owned()),
    })
}

/// Runs the session's last message again (after a failed reply) without repeating it.
pub async fn retry(c: &Client, key: &str) -> Result<ChatAck, ClientError> {
    let v = c
        .request(
            names::CHAT_RETRY,
            json!({ "sessionKey": key, "idempotencyKey": idempotency_key() }),
        )
        .await?;
    Ok(ChatAck {
        run_id: s(&v, "runId").unwrap_or_default(),
        session_key: s(&v, "sessionKey").unwrap_or_else(|| key.to_owned()),
    })
}

/// Stops the reply being written in a session.
pub async fn abort(c: &Client, key: &str) -> Result<bool, ClientError> {
    let v = c
        .request(names::CHAT_ABORT, json!({ "sessionKey": key }))
        .await?;
    Ok(v.get("aborted").and_then(Value::as_bool).unwrap_or(false))
}

/// Creates a new chat; returns its key.
pub async fn create(c: &Client) -> Result<String, ClientError> {
    let v = c.request(names::SESSIONS_CREATE, json!({})).await?;
    Ok(s(&v, "key").unwrap_or_default())
}

/// Runs a session operation (`sessions.reset`, `.delete`, `.compact`) and returns its reply.
pub async fn operate(c: &Client, method: &str, key: &str) -> Result<Value, ClientError> {
    c.request(method, json!({ "key": key })).await
}

/// A transcript as Markdown or JSONL: (file name, content).
pub async fn export(c: &Client, key: &str, format: &str) -> Result<(String, String), ClientError> {
    let v = c
        .request(
            names::SESSIONS_EXPORT,
            json!({ "key": key, "format": format }),
        )
        .await?;
    Ok((
        s(&v, "fileName").unwrap_or_else(|| "session.md".into()),
        s(&v, "content").unwrap_or_default(),
    ))
}

/// Models the providers offer, as `provider/model` choices.
pub async fn models(c: &Client) -> Result<Vec<ModelOption>, ClientError> {
    let v = c.request(names::MODELS_LIST, json!({})).await?;
    Ok(v.get("models")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| {
                    let id = format!(
                        "{}/{}",
                        s(m, "provider").unwrap_or_default(),
                        s(m, "id").unwrap_or_default()
                    );
                    ModelOption {
                        name: s(m, "name").unwrap_or_else(|| id.clone()),
                        id,
                    }
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Sets (or clears) a session's model.
pub async fn set_model(c: &Client, key: &str, model: Option<&str>) -> Result<(), ClientError> {
    c.request(names::SESSIONS_PATCH, json!({ "key": key, "model": model }))
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_events_become_views() {
        let m = message_view(&json!({
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
        let t = message_view(
            &json!({ "role": "toolResult", "toolCallId": "t1", "toolName": "read", "isError": true, "details": { "durationMs": 4 }, "content": [{ "type": "text", "text": "nope" }] }),
        );
        assert!(t.is_error && t.duration_ms == Some(4) && t.text == "nope");

        let d = event_view(
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
        let e = event_view(
            "chat",
            &json!({ "runId": "r", "sessionKey": "k", "seq": 1, "state": "error", "errorMessage": "bad key" }),
        );
        assert!(matches!(e, Some(ChatEventView::Error { message, .. }) if message == "bad key"));
        let t = event_view(
            "agent",
            &json!({ "runId": "r", "seq": 0, "stream": "tool", "ts": 1, "data": { "phase": "result", "sessionKey": "k", "toolCallId": "t", "name": "list", "result": "a/", "isError": false, "durationMs": 3 } }),
        );
        assert!(matches!(
            t,
            Some(ChatEventView::ToolResult { duration_ms: 3, .. })
        ));
        assert_eq!(
            event_view("agent", &json!({ "stream": "lifecycle", "data": {} })),
            None
        );
        assert_eq!(event_view("tick", &json!({})), None);
        assert_eq!(
            event_view("chat", &json!({ "state": "delta" })),
            None,
            "no session key"
        );
    }
}
