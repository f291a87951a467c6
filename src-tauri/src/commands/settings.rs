//! Settings page.

use crate::error::{AppError, AppResult};
use crate::settings::{self, Settings};
use crate::state::AppState;
use tauri::State;

/// The current settings.
#[tauri::command]
#[specta::specta]
pub fn settings_get(state: State<'_, AppState>) -> Settings {
    state.settings()
}

/// Validates, applies and saves settings; a new port applies at the next gateway start.
#[tauri::command]
#[specta::specta]
pub fn settings_set<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> AppResult<Settings> {
    settings
        .validate()
        .map_err(|e| AppError::InvalidInput(e.to_string()))?;
    settings::save(&app, &settings)
        .map_err(|e| AppError::Io(format!("cannot save settings: {e}")))?;
    state.supervisor.update_config(|c| c.port = settings.port);
    if let Ok(mut s) = state.settings.lock() {
        *s = settings.clone();
    }
    Ok(settings)
}
