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
    /// Started with `--self-test`: the window reports when the dashboard shows the gateway
    /// running, and the app quits.
    pub self_test: bool,
}

/// Present when the app was started with `--self-test`.
pub struct SelfTest {
    /// When the app started.
    pub started: std::time::Instant,
}

/// How long a self-test may take before it fails (a cold first start of the gateway included).
pub const SELF_TEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Version, paths and where the token lives.
#[tauri::command]
#[specta::specta]
pub fn app_info<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppInfo {
    use tauri::Manager;
    AppInfo {
        self_test: app.try_state::<SelfTest>().is_some(),
        version: env!("CARGO_PKG_VERSION").into(),
        state_dir: state.paths.state_dir.display().to_string(),
        log_dir: state.paths.log_dir.display().to_string(),
        token_home: state.token_home,
        token_problem: state.token_problem.clone(),
    }
}

/// The window saw what the self-test waits for: says so on stdout and quits (exit 0; the
/// gateway is stopped first, as on every exit).
#[tauri::command]
#[specta::specta]
pub fn app_self_test_passed<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    what: String,
) -> Result<(), crate::error::AppError> {
    use tauri::Manager;
    let Some(t) = app.try_state::<SelfTest>() else {
        return Err(crate::error::AppError::InvalidInput(
            "the app was not started with --self-test".into(),
        ));
    };
    println!(
        "self-test passed: {what} ({} ms after launch)",
        t.started.elapsed().as_millis()
    );
    app.exit(0);
    Ok(())
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

/// Opens a web page or a mail link from the window (a link in a reply, the docs) in the
/// system's browser or mail app; anything else is refused with the reason.
#[tauri::command]
#[specta::specta]
pub fn app_open_link<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    url: String,
) -> Result<(), crate::error::AppError> {
    use tauri_plugin_opener::OpenerExt;
    let url = tidepool_control::links::external(&url)
        .map_err(|e| crate::error::AppError::InvalidInput(e.to_string()))?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| {
            crate::error::AppError::Io(format!(
                "could not open {url}: {e}; copy the address into your browser instead"
            ))
        })
}

/// Shows the gateway's data folder (config, sessions, logs) in the system's file manager.
#[tauri::command]
#[specta::specta]
pub fn app_reveal_data_folder<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<(), crate::error::AppError> {
    use tauri_plugin_opener::OpenerExt;
    let dir = &state.paths.state_dir;
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| {
            crate::error::AppError::Io(format!(
                "could not show {} in the file manager: {e}",
                dir.display()
            ))
        })
}

/// Whether the app opens when the user logs in.
#[tauri::command]
#[specta::specta]
pub fn app_autostart_get<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
) -> Result<bool, crate::error::AppError> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch()
        .is_enabled()
        .map_err(|e| crate::error::AppError::Io(format!("cannot read the login items: {e}")))
}

/// Opens the app at login (or stops doing so); answers the state the system now reports.
#[tauri::command]
#[specta::specta]
pub fn app_autostart_set<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    enabled: bool,
) -> Result<bool, crate::error::AppError> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let done = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    done.map_err(|e| {
        crate::error::AppError::Io(format!(
            "could not {} opening at login: {e}",
            if enabled { "turn on" } else { "turn off" }
        ))
    })?;
    launcher
        .is_enabled()
        .map_err(|e| crate::error::AppError::Io(format!("cannot read the login items: {e}")))
}
