//! The Chat and Sessions pages: thin adapters over `tidepool_control::chat` on the running
//! gateway's connection.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tauri::State;
use tauri_plugin_dialog::DialogExt;
use tidepool_client::ClientError;
use tidepool_control::chat::{self, ChatAck, ChatMessageView, ModelOption, SessionPage};

fn err(e: ClientError) -> AppError {
    AppError::Gateway(e.to_string())
}

/// A page of sessions, newest first (optionally those matching `search`), after `offset`.
#[tauri::command]
#[specta::specta]
pub async fn chat_sessions(
    state: State<'_, AppState>,
    search: Option<String>,
    limit: u32,
    offset: u32,
) -> AppResult<SessionPage> {
    chat::sessions(&state.client()?, search.as_deref(), limit, offset)
        .await
        .map_err(err)
}

/// A session's last `limit` messages.
#[tauri::command]
#[specta::specta]
pub async fn chat_history(
    state: State<'_, AppState>,
    key: String,
    limit: u32,
) -> AppResult<Vec<ChatMessageView>> {
    chat::history(&state.client()?, &key, limit)
        .await
        .map_err(err)
}

/// Sends a message; the reply streams as `ChatStream` events.
#[tauri::command]
#[specta::specta]
pub async fn chat_send(
    state: State<'_, AppState>,
    key: String,
    message: String,
) -> AppResult<ChatAck> {
    if message.trim().is_empty() {
        return Err(AppError::InvalidInput("the message is empty".into()));
    }
    chat::send(&state.client()?, &key, &message)
        .await
        .map_err(err)
}

/// Runs the session's last message again after a failed reply; streams like `chat_send`.
#[tauri::command]
#[specta::specta]
pub async fn chat_retry(state: State<'_, AppState>, key: String) -> AppResult<ChatAck> {
    chat::retry(&state.client()?, &key).await.map_err(err)
}

/// Stops the reply being written in a session.
#[tauri::command]
#[specta::specta]
pub async fn chat_abort(state: State<'_, AppState>, key: String) -> AppResult<bool> {
    chat::abort(&state.client()?, &key).await.map_err(err)
}

/// Starts a new chat; returns its key.
#[tauri::command]
#[specta::specta]
pub async fn chat_new(state: State<'_, AppState>) -> AppResult<String> {
    chat::create(&state.client()?).await.map_err(err)
}

/// The models the configured providers offer.
#[tauri::command]
#[specta::specta]
pub async fn chat_models(state: State<'_, AppState>) -> AppResult<Vec<ModelOption>> {
    chat::models(&state.client()?).await.map_err(err)
}

/// Sets (or clears, with `null`) a session's model.
#[tauri::command]
#[specta::specta]
pub async fn chat_set_model(
    state: State<'_, AppState>,
    key: String,
    model: Option<String>,
) -> AppResult<()> {
    chat::set_model(&state.client()?, &key, model.as_deref())
        .await
        .map_err(err)
}

/// Starts a fresh transcript in a session.
#[tauri::command]
#[specta::specta]
pub async fn sessions_reset(state: State<'_, AppState>, key: String) -> AppResult<()> {
    chat::reset(&state.client()?, &key).await.map_err(err)
}

/// Deletes a session and its transcripts.
#[tauri::command]
#[specta::specta]
pub async fn sessions_delete(state: State<'_, AppState>, key: String) -> AppResult<()> {
    chat::delete(&state.client()?, &key).await.map_err(err)
}

/// Summarizes older turns; returns what happened, in words.
#[tauri::command]
#[specta::specta]
pub async fn sessions_compact(state: State<'_, AppState>, key: String) -> AppResult<String> {
    chat::compact(&state.client()?, &key).await.map_err(err)
}

/// Asks where to save, then writes the transcript (`markdown` or `jsonl`); returns the path.
#[tauri::command]
#[specta::specta]
pub async fn sessions_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    key: String,
    format: String,
) -> AppResult<String> {
    let (name, content) = chat::export(&state.client()?, &key, &format)
        .await
        .map_err(err)?;
    let ext = if format == "jsonl" { "jsonl" } else { "md" };
    let picked = app
        .dialog()
        .file()
        .set_title("Export conversation")
        .set_file_name(&name)
        .add_filter(
            if ext == "md" {
                "Markdown"
            } else {
                "JSON lines"
            },
            &[ext],
        )
        .blocking_save_file()
        .ok_or(AppError::Cancelled)?;
    let path = picked
        .into_path()
        .map_err(|e| AppError::Io(format!("cannot use that location: {e}")))?;
    std::fs::write(&path, content)
        .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(path.display().to_string())
}
