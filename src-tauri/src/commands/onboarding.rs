//! First-run setup: thin adapters over `tidepool_control::onboarding`. The wizard's progress is
//! kept in the app's store after every step (never a key: keys go straight to the secrets
//! store), so quitting midway resumes where it stopped.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tauri::State;
use tidepool_control::config::{ConfigAccess, SaveOutcome};
use tidepool_control::onboarding::{
    self, ImportReport, ModelChoice, OnboardingError, ProviderCheck, ProviderKind, SetupPlan,
};

/// Where the wizard stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SetupStatus {
    /// Never started.
    #[default]
    New,
    /// Started, not finished.
    InProgress,
    /// Finished (or not needed: a config was already there).
    Done,
}

/// The wizard's saved progress (no secret in it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct SetupProgress {
    /// Where it stands.
    pub status: SetupStatus,
    /// The step shown: `welcome`, `import`, `provider`, `model`, `workspace`, `finish`.
    pub step: String,
    /// The provider picked.
    pub provider: ProviderKind,
    /// Its URL, when not the provider's own.
    pub base_url: Option<String>,
    /// Where its key was stored, once checked.
    pub key_name: Option<String>,
    /// The provider's models, once checked.
    pub models: Vec<ModelChoice>,
    /// The model picked.
    pub model: Option<String>,
    /// The workspace folder (`None`: the default).
    pub workspace: Option<String>,
    /// `deny`, `ask` or `allowlist`.
    pub exec_mode: String,
    /// The config came from an OpenClaw import.
    pub imported: bool,
}

impl Default for SetupProgress {
    fn default() -> Self {
        SetupProgress {
            status: SetupStatus::New,
            step: "welcome".into(),
            provider: ProviderKind::Anthropic,
            base_url: None,
            key_name: None,
            models: vec![],
            model: None,
            workspace: None,
            exec_mode: "ask".into(),
            imported: false,
        }
    }
}

/// What the wizard needs to open.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupInfo {
    /// Show the wizard now.
    pub needed: bool,
    /// Saved progress.
    pub progress: SetupProgress,
    /// An OpenClaw folder to import from, when there is one.
    pub openclaw: Option<String>,
    /// The default workspace folder.
    pub default_workspace: String,
    /// The usual local server address.
    pub local_default_url: String,
}

const KEY: &str = "onboarding";

fn load<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> SetupProgress {
    use tauri_plugin_store::StoreExt;
    app.store(crate::settings::STORE_FILE)
        .ok()
        .and_then(|s| s.get(KEY))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

fn save<R: tauri::Runtime>(app: &tauri::AppHandle<R>, p: &SetupProgress) -> AppResult<()> {
    use tauri_plugin_store::StoreExt;
    let io = |e: String| AppError::Io(format!("cannot save the setup progress: {e}"));
    let store = app
        .store(crate::settings::STORE_FILE)
        .map_err(|e| io(e.to_string()))?;
    store.set(KEY, serde_json::to_value(p).map_err(|e| io(e.to_string()))?);
    store.save().map_err(|e| io(e.to_string()))
}

fn err(e: OnboardingError) -> AppError {
    match e {
        OnboardingError::Invalid(m) => AppError::InvalidInput(m),
        OnboardingError::Cli(m) | OnboardingError::Gateway(m) => AppError::Gateway(m),
    }
}

/// The saved progress and whether the wizard should open. A state dir that already has a
/// config (an existing user) needs no setup.
#[tauri::command]
#[specta::specta]
pub fn onboarding_info<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<SetupInfo> {
    let mut progress = load(&app);
    let config = state.paths.state_dir.join("tidepool.json");
    let has_config = std::fs::read_to_string(&config).is_ok_and(|t| !t.trim().is_empty());
    if progress.status == SetupStatus::New && has_config {
        progress.status = SetupStatus::Done;
        save(&app, &progress)?;
    }
    Ok(SetupInfo {
        needed: progress.status != SetupStatus::Done,
        progress,
        openclaw: onboarding::openclaw_dir(&tidepool_platform::home_dir())
            .map(|d| d.display().to_string()),
        default_workspace: state
            .paths
            .state_dir
            .join("workspace")
            .display()
            .to_string(),
        local_default_url: onboarding::LOCAL_DEFAULT_URL.into(),
    })
}

/// Saves the wizard's progress (after every step).
#[tauri::command]
#[specta::specta]
pub fn onboarding_save<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    progress: SetupProgress,
) -> AppResult<()> {
    save(&app, &progress)
}

/// Checks the provider with a real model list; on success the key is in the secrets store.
#[tauri::command]
#[specta::specta]
pub async fn onboarding_check_provider(
    state: State<'_, AppState>,
    provider: ProviderKind,
    base_url: Option<String>,
    key: Option<String>,
) -> AppResult<ProviderCheck> {
    onboarding::check_provider(
        &state.paths.sidecar,
        &state.paths.state_dir,
        provider,
        base_url.as_deref(),
        key.as_deref(),
    )
    .await
    .map_err(err)
}

/// Imports the OpenClaw setup (`dry_run`: only the report).
#[tauri::command]
#[specta::specta]
pub async fn onboarding_import(
    state: State<'_, AppState>,
    dry_run: bool,
) -> AppResult<ImportReport> {
    let from = onboarding::openclaw_dir(&tidepool_platform::home_dir())
        .ok_or_else(|| AppError::InvalidInput("no OpenClaw setup was found".into()))?;
    onboarding::import_openclaw(&state.paths.sidecar, &state.paths.state_dir, &from, dry_run)
        .await
        .map_err(err)
}

/// Writes the config from the wizard's choices (through the gateway when it runs).
#[tauri::command]
#[specta::specta]
pub async fn onboarding_write_config(state: State<'_, AppState>, plan: SetupPlan) -> AppResult<()> {
    let raw = onboarding::config_text(&plan).map_err(err)?;
    let access = ConfigAccess {
        program: state.paths.sidecar.clone(),
        state_dir: state.paths.state_dir.clone(),
    };
    // The wizard sets up the gateway on this computer, even when the app used a remote one.
    let client = if state.supervisor.status().remote.is_some() {
        None
    } else {
        state.supervisor.client()
    };
    let doc = access.load(client.clone()).await?;
    match access.save(client, &raw, &doc.hash).await? {
        SaveOutcome::Saved { .. } => Ok(()),
        SaveOutcome::Invalid { problem } => Err(AppError::InvalidInput(problem.message)),
        SaveOutcome::Conflict { message, .. } => Err(AppError::Conflict(message)),
        SaveOutcome::Refused { message } => Err(AppError::Gateway(message)),
    }
}

/// (Re)starts the gateway on the new config; resolves once it answers.
#[tauri::command]
#[specta::specta]
pub async fn onboarding_start_gateway<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<()> {
    crate::commands::remote::use_local(&app, &state).await?;
    if state.supervisor.client().is_some() {
        state.supervisor.restart().await?;
    } else {
        state.supervisor.start().await?;
    }
    state
        .client()?
        .wait_connected(Duration::from_secs(20))
        .await
        .map_err(|e| AppError::Gateway(format!("the gateway did not answer: {e}")))
}

/// Sends the first message and returns the reply; marks the setup done.
#[tauri::command]
#[specta::specta]
pub async fn onboarding_finish<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    message: String,
) -> AppResult<String> {
    let client = state.client()?;
    let reply = onboarding::first_reply(&client, &message, Duration::from_secs(120))
        .await
        .map_err(err)?;
    let mut p = load(&app);
    p.status = SetupStatus::Done;
    p.step = "welcome".into();
    save(&app, &p)?;
    Ok(reply)
}

/// Asks for a folder with the system's own dialog, opened at `start` when that exists (else
/// at its nearest existing parent). `None` when the user cancels: the field keeps its value.
#[tauri::command]
#[specta::specta]
pub async fn pick_folder<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    start: Option<String>,
) -> Result<Option<String>, crate::error::AppError> {
    use tauri_plugin_dialog::DialogExt;
    let mut dialog = app.dialog().file().set_title("Choose a folder");
    if let Some(dir) = start
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| {
            std::path::Path::new(s)
                .ancestors()
                .find(|p| p.is_dir())
                .map(std::path::Path::to_path_buf)
        })
    {
        dialog = dialog.set_directory(dir);
    }
    if let Some(w) = tauri::Manager::get_webview_window(&app, "main") {
        dialog = dialog.set_parent(&w);
    }
    // The callback form: the dialog runs on the main thread while this command waits.
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.pick_folder(move |picked| {
        let _ = tx.send(picked);
    });
    let Ok(Some(picked)) = rx.await else {
        return Ok(None);
    };
    picked
        .into_path()
        .map(|p| Some(p.display().to_string()))
        .map_err(|e| crate::error::AppError::Io(format!("cannot use that folder: {e}")))
}
