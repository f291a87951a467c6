//! The dashboard's cost and token tiles: a thin adapter over `tidepool_control::usage`.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tauri::State;
use tidepool_control::usage::{self, RecentUsage};

/// Tokens and cost per day over the last week (today last).
#[tauri::command]
#[specta::specta]
pub async fn usage_recent(state: State<'_, AppState>) -> AppResult<RecentUsage> {
    usage::recent(&state.client()?)
        .await
        .map_err(AppError::from)
}
