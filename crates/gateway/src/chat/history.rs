//! Transcript entries as OpenClaw-shaped message objects (`role` user / assistant /
//! toolResult, blocks `text` and `toolCall`), and as the provider-neutral context.

use crate::providers::{Block, Message, Role};
use crate::sessions::{Entry, EntryKind};
use serde_json::{Value, json};

fn cut(s: &str, max: Option<usize>) -> String {
    match max {
        Some(m) if s.chars().count() > m => {
            let mut t: String = s.chars().take(m).collect();
            t.push('…');
            t
        }
        _ => s.to_owned(),
    }
}

/// One entry as a message object.
pub fn message_json(e: &Entry) -> Value {
    message_json_cut(e, None)
}

/// One entry as a message object, long texts cut to `max_chars`.
pub fn message_json_cut(e: &Entry, max_chars: Option<usize>) -> Value {
    if e.kind == EntryKind::Compaction {
        let summary = crate::providers::text_of(&e.content);
        return json!({
            "id": e.id,
            "role": "compaction",
            "content": [{ "type": "text", "text": cut(&summary, max_chars) }],
            "timestamp": e.created_at,
            "firstKeptSeq": e.meta.get("firstKeptSeq"),
            "tokensBefore": e.meta.get("tokensBefore"),
            "tokensAfter": e.meta.get("tokensAfter"),
        });
    }
    let role = e.role.as_deref().unwrap_or("user");
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(e.id));
    m.insert("seq".into(), json!(e.seq));
    m.insert("role".into(), json!(role));
    m.insert("timestamp".into(), json!(e.created_at));
    if role == "toolResult" {
        if let Some(Block::ToolResult {
            tool_use_id,
            content,
            is_error,
        }) = e.content.first()
        {
            m.insert("toolCallId".into(), json!(tool_use_id));
            m.insert(
                "content".into(),
                json!([{ "type": "text", "text": cut(content, max_chars) }]),
            );
            m.insert("isError".into(), json!(is_error));
        }
        m.insert(
            "toolName".into(),
            e.meta.get("toolName").cloned().unwrap_or(Value::Null),
        );
        if let Some(d) = e.meta.get("durationMs") {
            m.insert("details".into(), json!({ "durationMs": d }));
        }
        return Value::Object(m);
    }
    let content: Vec<Value> = e
        .content
        .iter()
        .filter_map(|b| match b {
            Block::Text { text } => Some(json!({ "type": "text", "text": cut(text, max_chars) })),
            Block::ToolUse { id, name, input } => {
                Some(json!({ "type": "toolCall", "id": id, "name": name, "arguments": input }))
            }
            Block::ToolResult { .. } => None,
        })
        .collect();
    m.insert("content".into(), Value::Array(content));
    if role == "assistant" {
        for k in [
            "provider",
            "model",
            "usage",
            "errorMessage",
            "costUsd",
            "durationMs",
        ] {
            if let Some(v) = e.meta.get(k) {
                m.insert(k.into(), v.clone());
            }
        }
        let stop = match e.status.as_str() {
            "aborted" => json!("aborted"),
            "error" => json!("error"),
            _ => e.meta.get("stopReason").cloned().unwrap_or(json!("stop")),
        };
        m.insert("stopReason".into(), stop);
    }
    if e.status != "complete" {
        m.insert("status".into(), json!(e.status));
        if e.status == "incomplete" || e.status == "streaming" {
            m.insert("incomplete".into(), json!(true));
        }
    }
    if let Some(r) = &e.run_id {
        m.insert("runId".into(), json!(r));
    }
    Value::Object(m)
}

/// Whether an entry is a note for the people reading the transcript, never sent to a model:
/// `chat.inject`'s notes (OpenClaw's provider `openclaw`, model `gateway-injected`, and its
/// `delivery-mirror` copies in an imported transcript).
pub fn is_transcript_only(e: &Entry) -> bool {
    e.role.as_deref() == Some("assistant")
        && e.meta.get("provider").and_then(Value::as_str) == Some("openclaw")
        && matches!(
            e.meta.get("model").and_then(Value::as_str),
            Some("gateway-injected" | "delivery-mirror")
        )
}

/// The conversation as the model sees it: a summary (if compacted) and the kept messages.
/// Consecutive tool results become one user turn; failed or empty assistant turns are left
/// out, and a tool call whose result is missing (a crash mid-tool) gets an error result so
/// the provider accepts the sequence.
pub fn context(summary: Option<&str>, entries: &[Entry]) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    if let Some(s) = summary {
        out.push(Message::user_text(format!(
            "[Summary of the earlier conversation]\n{s}"
        )));
        out.push(Message {
            role: Role::Assistant,
            content: vec![Block::Text {
                text: "Understood; I have the summary of our earlier conversation.".into(),
            }],
        });
    }
    for e in entries.iter().filter(|e| e.kind == EntryKind::Message) {
        match e.role.as_deref() {
            // A reply that failed half-way is not fed back: a retry starts it afresh.
            Some("assistant") if e.status == "error" => {}
            Some("assistant") if is_transcript_only(e) => {}
            Some("assistant") => {
                let content: Vec<Block> = e
                    .content
                    .iter()
                    .filter(|b| !matches!(b, Block::Text { text } if text.is_empty()))
                    .cloned()
                    .collect();
                if content.is_empty() {
                    continue;
                }
                close_pending_calls(&mut out);
                out.push(Message {
                    role: Role::Assistant,
                    content,
                });
            }
            Some("toolResult") => match out.last_mut() {
                Some(last)
                    if last.role == Role::User
                        && last
                            .content
                            .iter()
                            .all(|b| matches!(b, Block::ToolResult { .. })) =>
                {
                    last.content.extend(e.content.iter().cloned());
                }
                _ => out.push(Message {
                    role: Role::User,
                    content: e.content.clone(),
                }),
            },
            _ => {
                close_pending_calls(&mut out);
                match out.last_mut() {
                    // Two user turns in a row (the reply between them failed) are merged.
                    Some(last)
                        if last.role == Role::User
                            && last.content.iter().all(|b| matches!(b, Block::Text { .. })) =>
                    {
                        last.content.push(Block::Text {
                            text: "\n\n".into(),
                        });
                        last.content.extend(e.content.iter().cloned());
                    }
                    _ => out.push(Message {
                        role: Role::User,
                        content: e.content.clone(),
                    }),
                }
            }
        }
    }
    close_pending_calls(&mut out);
    out
}

/// Adds error results for tool calls of the last assistant turn that have none.
fn close_pending_calls(out: &mut Vec<Message>) {
    let Some(last_assistant) = out.iter().rposition(|m| m.role == Role::Assistant) else {
        return;
    };
    let calls: Vec<String> = out
        .get(last_assistant)
        .map(|m| {
            m.content
                .iter()
                .filter_map(|b| match b {
                    Block::ToolUse { id, .. } => Some(id.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if calls.is_empty() {
        return;
    }
    let answered: Vec<String> = out
        .iter()
        .skip(last_assistant + 1)
        .flat_map(|m| m.content.iter())
        .filter_map(|b| match b {
            Block::ToolResult { tool_use_id, .. } => Some(tool_use_id.clone()),
            _ => None,
        })
        .collect();
    let missing: Vec<Block> = calls
        .into_iter()
        .filter(|c| !answered.contains(c))
        .map(|c| Block::ToolResult {
            tool_use_id: c,
            content: "the tool did not finish (interrupted)".into(),
            is_error: true,
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let has_following = out.len() > last_assistant + 1;
    if has_following
        && let Some(last) = out.last_mut()
        && last.role == Role::User
    {
        last.content.extend(missing);
        return;
    }
    out.push(Message {
        role: Role::User,
        content: missing,
    });
}
