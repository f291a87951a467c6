//! The Sessions page: thin adapters over `tidepool_control::sessions` on the running
//! gateway's connection, plus the save dialog of an export.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tauri::State;
use tauri_plugin_dialog::DialogExt;
use tidepool_control::sessions;

/// Starts a fresh transcript in a session.
#[tauri::command]
#[specta::specta]
pub async fn sessions_reset(state: State<'_, AppState>, key: String) -> AppResult<()> {
    sessions::reset(&state.client()?, &key)
        .await
        .map_err(AppError::from)
}

/// Names a conversation (blank gives it back its automatic title); returns the title it shows.
#[tauri::command]
#[specta::specta]
pub async fn sessions_rename(
    state: State<'_, AppState>,
    key: String,
    name: String,
) -> AppResult<String> {
    let label = sessions::label_for(&name).map_err(|e| AppError::InvalidInput(e.to_string()))?;
    sessions::rename(&state.client()?, &key, label)
        .await
        .map_err(AppError::from)
}

/// Deletes a session and its transcripts.
#[tauri::command]
#[specta::specta]
pub async fn sessions_delete(state: State<'_, AppState>, key: String) -> AppResult<()> {
    sessions::delete(&state.client()?, &key)
        .await
        .map_err(AppError::from)
}

/// Summarizes older turns; returns what happened, in words.
#[tauri::command]
#[specta::specta]
pub async fn sessions_compact(state: State<'_, AppState>, key: String) -> AppResult<String> {
    sessions::compact(&state.client()?, &key)
        .await
        .map_err(AppError::from)
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
    let (name, content) = sessions::export(&state.client()?, &key, &format)
        .await
        .map_err(AppError::from)?;
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
