//! Session exports: Markdown for people, JSONL (OpenClaw's transcript shape) for programs.

use super::{Entry, EntryKind, SessionRow};
use crate::providers::Block;
use serde_json::json;
use std::fmt::Write as _;

/// The transcript as Markdown.
pub fn to_markdown(row: &SessionRow, entries: &[Entry]) -> String {
    let mut out = String::new();
    let title = row
        .label
        .as_deref()
        .or(row.title.as_deref())
        .unwrap_or(&row.key);
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(
        out,
        "Session `{}` (agent `{}`), {} messages, {} tokens in / {} out.\n",
        row.key, row.agent_id, row.message_count, row.input_tokens, row.output_tokens
    );
    for e in entries {
        if e.kind == EntryKind::Compaction {
            let _ = writeln!(out, "---\n\n*Earlier conversation, summarized:*\n");
            for b in &e.content {
                if let Block::Text { text } = b {
                    let _ = writeln!(out, "> {}\n", text.replace('\n', "\n> "));
                }
            }
            continue;
        }
        let who = match e.role.as_deref() {
            Some("user") => "You",
            Some("assistant") => "Assistant",
            _ => "Tool",
        };
        let mut heading = format!("## {who}");
        if e.status != "complete" {
            let _ = write!(heading, " ({})", e.status);
        }
        let _ = writeln!(out, "{heading}\n");
        for b in &e.content {
            match b {
                Block::Text { text } => {
                    let _ = writeln!(out, "{text}\n");
                }
                Block::ToolUse { name, input, .. } => {
                    let args = serde_json::to_string_pretty(input).unwrap_or_default();
                    let _ = writeln!(out, "Tool call `{name}`:\n\n```json\n{args}\n```\n");
                }
                Block::ToolResult {
                    content, is_error, ..
                } => {
                    let label = if *is_error { "Error" } else { "Result" };
                    let fence = if content.contains("```") {
                        "~~~~"
                    } else {
                        "```"
                    };
                    let _ = writeln!(out, "{label}:\n\n{fence}\n{content}\n{fence}\n");
                }
            }
        }
    }
    out
}

/// The transcript as JSON lines: a `session` header, then one `message` (or `compaction`) line
/// per entry.
pub fn to_jsonl(row: &SessionRow, entries: &[Entry]) -> String {
    let mut out = String::new();
    let header = json!({
        "type": "session",
        "key": row.key,
        "sessionId": row.session_id,
        "agentId": row.agent_id,
        "createdAt": row.created_at,
        "label": row.label,
    });
    out.push_str(&header.to_string());
    out.push('\n');
    for e in entries {
        let line = match e.kind {
            EntryKind::Compaction => json!({
                "type": "compaction",
                "id": e.id,
                "seq": e.seq,
                "summary": crate::providers::text_of(&e.content),
                "firstKeptSeq": e.meta.get("firstKeptSeq"),
                "timestamp": e.created_at,
            }),
            EntryKind::Message => json!({
                "type": "message",
                "id": e.id,
                "seq": e.seq,
                "status": e.status,
                "message": super::super::chat::history::message_json(e),
            }),
        };
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}
