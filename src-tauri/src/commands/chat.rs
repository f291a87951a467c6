//! The Chat page: thin adapters over `tidepool_control::chat` on the running gateway's
//! connection (the session list it shares with the Sessions page comes from `sessions`).

use crate::error::{AppError, AppResult};
use crate::events::ChatStream;
use crate::state::AppState;
use tauri::State;
use tidepool_control::chat::{self, ChatAck, ChatMessageView, ModelOption};
use tidepool_control::sessions::{self, SessionPage};

/// A page of sessions, newest first (optionally those matching `search`), after `offset`.
#[tauri::command]
#[specta::specta]
pub async fn chat_sessions(
    state: State<'_, AppState>,
    search: Option<String>,
    limit: u32,
    offset: u32,
) -> AppResult<SessionPage> {
    sessions::list(&state.client()?, search.as_deref(), limit, offset)
        .await
        .map_err(AppError::from)
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
        .map_err(AppError::from)
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
        .map_err(AppError::from)
}

/// Runs the session's last message again after a failed reply; streams like `chat_send`.
#[tauri::command]
#[specta::specta]
pub async fn chat_retry(state: State<'_, AppState>, key: String) -> AppResult<ChatAck> {
    chat::retry(&state.client()?, &key)
        .await
        .map_err(AppError::from)
}

/// Stops the reply being written in a session.
#[tauri::command]
#[specta::specta]
pub async fn chat_abort(state: State<'_, AppState>, key: String) -> AppResult<bool> {
    chat::abort(&state.client()?, &key)
        .await
        .map_err(AppError::from)
}

/// Starts a new chat; returns its key.
#[tauri::command]
#[specta::specta]
pub async fn chat_new(state: State<'_, AppState>) -> AppResult<String> {
    chat::create(&state.client()?).await.map_err(AppError::from)
}

/// The models the configured providers offer.
#[tauri::command]
#[specta::specta]
pub async fn chat_models(state: State<'_, AppState>) -> AppResult<Vec<ModelOption>> {
    chat::models(&state.client()?).await.map_err(AppError::from)
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
        .map_err(AppError::from)
}

/// Shows the gateway's chat and agent events in the window; false for other events.
pub(crate) fn on_gateway_event(app: &tauri::AppHandle, ev: &tidepool_protocol::EventFrame) -> bool {
    use tauri_specta::Event;
    match chat::event_view(ev) {
        Some(v) => {
            let _ = ChatStream(v).emit(app);
            true
        }
        None => false,
    }
}
