//! Compaction: older turns are summarized by the model into one `compaction` entry; the recent
//! turns (about `keepRecentTokens`) stay word for word. Automatic when the context nears the
//! model's window, or on `sessions.compact`.

use super::{ChatRuntime, history};
use crate::config::agents::{CompactionConfig, CompactionMode};
use crate::providers::{Block, CompletionRequest, Message, Provider, ProviderError};
use crate::sessions::{Entry, EntryKind, NewEntry};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Compacted {
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

/// Whether the context is close enough to the window to compact first.
pub fn needed(c: &CompactionConfig, approx_tokens: u64, window: u64, max_tokens: u64) -> bool {
    c.mode == CompactionMode::Default
        && approx_tokens + max_tokens.min(window / 4) + c.reserve_tokens_floor.min(window / 4)
            > window
}

/// Index of the first entry to keep: the start of a user turn such that the kept tail is at
/// most `keep_tokens` (but at least the last user turn). `None` when there is nothing older.
pub fn split_point(entries: &[Entry], keep_tokens: u64) -> Option<usize> {
    let is_turn_start =
        |e: &Entry| e.kind == EntryKind::Message && e.role.as_deref() == Some("user");
    let mut tokens = 0u64;
    let mut best = None;
    for (i, e) in entries.iter().enumerate().rev() {
        tokens += e
            .content
            .iter()
            .map(|b| match b {
                Block::Text { text } => text.len() as u64 / 4,
                Block::ToolUse { input, .. } => input.to_string().len() as u64 / 4,
                Block::ToolResult { content, .. } => content.len() as u64 / 4,
            })
            .sum::<u64>()
            + 4;
        if is_turn_start(e) {
            if best.is_some() && tokens > keep_tokens {
                break;
            }
            best = Some(i);
        }
    }
    best.filter(|i| *i > 0)
}

const INSTRUCTIONS: &str = "Summarize the conversation above for your own future reference. Keep: the user's goals and preferences, decisions made, facts learned, names of files and things created, and open tasks. Be concise; use short bullet points. Do not address the user.";

/// Compacts a session now. `Ok(None)` when there is too little to summarize.
pub async fn compact(
    rt: &ChatRuntime,
    provider: &Provider,
    model: &str,
    key: &str,
    c: &CompactionConfig,
    reason: &str,
    cancel: &CancellationToken,
) -> Result<Option<Compacted>, ProviderError> {
    let store_err = |e: crate::sessions::StoreError| ProviderError::Config(e.to_string());
    let (summary, entries) = rt.store.context(key).await.map_err(store_err)?;
    let Some(split) = split_point(&entries, c.keep_recent_tokens) else {
        return Ok(None);
    };
    let (old, kept) = entries.split_at(split);
    let tokens_before: u64 = history::context(summary.as_deref(), &entries)
        .iter()
        .map(Message::approx_tokens)
        .sum();
    let mut messages = history::context(summary.as_deref(), old);
    messages.push(Message::user_text(INSTRUCTIONS));
    let req = CompletionRequest {
        model: model.to_owned(),
        system: "You write faithful, compact summaries of conversations.".into(),
        messages,
        tools: vec![],
        max_tokens: 2048,
    };
    let done = provider.stream(&req, cancel, &mut |_| {}).await?;
    let text = crate::providers::text_of(&done.content);
    if text.trim().is_empty() {
        return Err(ProviderError::Config(
            "the model returned an empty summary; the session was not compacted".into(),
        ));
    }
    let first_kept_seq = kept.first().map(|e| e.seq).unwrap_or(i64::MAX);
    let tokens_after: u64 = history::context(Some(&text), kept)
        .iter()
        .map(Message::approx_tokens)
        .sum();
    rt.store
        .append(
            key,
            NewEntry {
                kind: EntryKind::Compaction,
                role: None,
                run_id: None,
                content: vec![Block::Text { text: text.clone() }],
                meta: json!({
                    "firstKeptSeq": first_kept_seq,
                    "tokensBefore": tokens_before,
                    "tokensAfter": tokens_after,
                    "reason": reason,
                    "model": format!("{}/{model}", provider.id),
                }),
                status: "complete",
            },
        )
        .await
        .map_err(store_err)?;
    tracing::info!(session_id = %key, tokens_before, tokens_after, reason, "session compacted");
    Ok(Some(Compacted {
        tokens_before,
        tokens_after,
        summarized: old.len(),
        kept: kept.len(),
        first_kept_seq,
        summary: text,
    }))
}
