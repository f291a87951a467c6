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

/// Closes the window into the tray (Ctrl/Cmd+W); returns false, doing nothing, when there is
/// no tray to come back from or the user turned "Keep running in the tray" off.
#[tauri::command]
#[specta::specta]
pub fn app_hide<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>) -> bool {
    use tauri::Manager;
    let has_tray = app
        .try_state::<crate::approvals::TrayHandle<R>>()
        .is_some_and(|t| t.0.is_some());
    if !(has_tray && state.settings().close_to_tray) {
        return false;
    }
    app.get_webview_window("main")
        .is_some_and(|w| w.hide().is_ok())
}
