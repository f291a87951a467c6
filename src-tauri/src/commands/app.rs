//! About the app itself.

use crate::keychain::TokenHome;
use crate::state::AppState;
use serde::Serialize;
use tauri::State;

/// Facts for the Settings page and banners.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// App version.
    pub version: String,
    /// The gateway's state dir.
    pub state_dir: String,
    /// Its log dir.
    pub log_dir: String,
    /// Where the gateway token lives.
    pub token_home: TokenHome,
    /// Why the keychain is not used, when it is not.
    pub token_problem: Option<String>,
}

/// Version, paths and where the token lives.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        state_dir: state.paths.state_dir.display().to_string(),
        log_dir: state.paths.log_dir.display().to_string(),
        token_home: state.token_home,
        token_problem: state.token_problem.clone(),
    }
}

/// Quits the app; the gateway is stopped first.
#[tauri::command]
#[specta::specta]
pub fn app_quit<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    app.exit(0);
}
