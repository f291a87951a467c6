//! Sessions for the desktop: the list behind the switcher and the Sessions page, and what the
//! page does to one session (reset, delete, compact, export), through the typed contract.

use crate::chat::model_ref;
use serde::{Deserialize, Serialize};
use tidepool_client::{Client, ClientError};
use tidepool_protocol::chat::{
    SessionKeyParams, SessionsExportParams, SessionsListParams, SessionsPatchParams,
};
use tidepool_protocol::sessions::{
    SessionRow, SessionsCompact, SessionsDelete, SessionsExport, SessionsList, SessionsPatch,
    SessionsReset,
};

/// The longest name a conversation can have (the gateway's limit on a label).
pub const MAX_NAME_CHARS: usize = 512;

/// A name that cannot be given to a conversation.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RenameError {
    /// Longer than [`MAX_NAME_CHARS`].
    #[error("the name is {0} characters long; keep it under {MAX_NAME_CHARS}")]
    TooLong(usize),
    /// Line breaks or other control characters.
    #[error("the name has a line break or another control character; use one line of text")]
    ControlCharacter,
}

/// The label a typed name becomes: trimmed; blank clears the label (the title is then the
/// first message again).
pub fn label_for(name: &str) -> Result<Option<String>, RenameError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().any(char::is_control) {
        return Err(RenameError::ControlCharacter);
    }
    let n = name.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(RenameError::TooLong(n));
    }
    Ok(Some(name.to_owned()))
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

/// One `SessionRow` as a view.
pub fn session_view(r: &SessionRow) -> SessionView {
    SessionView {
        key: r.key.clone(),
        title: r.display_name.clone(),
        preview: r.last_message_preview.clone(),
        agent_id: r.agent_id.clone(),
        updated_at: r.updated_at as u64,
        message_count: r.message_count,
        total_tokens: r.total_tokens,
        cost_usd: r.estimated_cost_usd,
        model: model_ref(r.model_provider.as_ref(), r.model.as_ref()),
        running: r.status.as_deref() == Some("running"),
        last_error: r.last_run_error.clone(),
    }
}

/// Sessions, newest first.
pub async fn list(
    c: &Client,
    search: Option<&str>,
    limit: u32,
    offset: u32,
) -> Result<SessionPage, ClientError> {
    let params = SessionsListParams {
        search: search.map(str::to_owned),
        limit: Some(i64::from(limit.max(1))),
        offset: Some(i64::from(offset)),
        ..Default::default()
    };
    let r = c.call::<SessionsList>(&params).await?;
    Ok(SessionPage {
        sessions: r.sessions.iter().map(session_view).collect(),
        total: r.total,
    })
}

fn session(key: &str) -> SessionKeyParams {
    SessionKeyParams {
        key: key.to_owned(),
        ..Default::default()
    }
}

/// Starts a fresh transcript in a session.
pub async fn reset(c: &Client, key: &str) -> Result<(), ClientError> {
    c.call::<SessionsReset>(&session(key)).await.map(|_| ())
}

/// Names a session (blank gives it back its automatic title); returns the title it now shows.
pub async fn rename(c: &Client, key: &str, label: Option<String>) -> Result<String, ClientError> {
    let params = SessionsPatchParams {
        key: key.to_owned(),
        label: Some(label),
        ..Default::default()
    };
    let r = c.call::<SessionsPatch>(&params).await?;
    Ok(r.entry.display_name)
}

/// Deletes a session and its transcripts.
pub async fn delete(c: &Client, key: &str) -> Result<(), ClientError> {
    c.call::<SessionsDelete>(&session(key)).await.map(|_| ())
}

/// Summarizes older turns; returns what happened, in words.
pub async fn compact(c: &Client, key: &str) -> Result<String, ClientError> {
    let r = c.call::<SessionsCompact>(&session(key)).await?;
    Ok(match r.result {
        Some(r) => format!(
            "Summarized {} messages; kept the last {} word for word (about {} → {} tokens).",
            r.summarized, r.kept, r.tokens_before, r.tokens_after,
        ),
        None => "Nothing to compact yet: the conversation is still short.".into(),
    })
}

/// A transcript as Markdown or JSONL: (file name, content).
pub async fn export(c: &Client, key: &str, format: &str) -> Result<(String, String), ClientError> {
    let params = SessionsExportParams {
        key: key.to_owned(),
        format: Some(format.to_owned()),
    };
    let r = c.call::<SessionsExport>(&params).await?;
    Ok((r.file_name, r.content))
}
