//! The Config page: load, save (with the hash it loaded), restore the last good file.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tauri::State;
use tidepool_control::config::{ConfigAccess, ConfigDoc, LastGood, SaveOutcome};

fn access(state: &AppState) -> ConfigAccess {
    ConfigAccess {
        program: state.paths.sidecar.clone(),
        state_dir: state.paths.state_dir.clone(),
    }
}

/// A remote gateway's files are on its machine: restoring (or comparing) happens there.
fn refuse_remote(state: &AppState) -> AppResult<()> {
    match state.supervisor.status().remote {
        Some(url) => Err(AppError::InvalidInput(format!(
            "the config being edited belongs to the gateway at {url}; restore its last good \
             config on that machine with `tidepool config restore-last-good`"
        ))),
        None => Ok(()),
    }
}

/// The config text, its hash, whether it is live (through the running gateway) and, when it
/// does not validate, why and where.
#[tauri::command]
#[specta::specta]
pub async fn config_load(state: State<'_, AppState>) -> AppResult<ConfigDoc> {
    access(&state)
        .load(state.config_client()?)
        .await
        .map_err(AppError::from)
}

/// Saves `raw` if the file still has `base_hash`; says what happened.
#[tauri::command]
#[specta::specta]
pub async fn config_save(
    state: State<'_, AppState>,
    raw: String,
    base_hash: String,
) -> AppResult<SaveOutcome> {
    access(&state)
        .save(state.config_client()?, &raw, &base_hash)
        .await
        .map_err(AppError::from)
}

/// Puts `tidepool.json.last-good` back; returns what was done.
#[tauri::command]
#[specta::specta]
pub async fn config_restore_last_good(state: State<'_, AppState>) -> AppResult<String> {
    refuse_remote(&state)?;
    access(&state)
        .restore_last_good()
        .await
        .map_err(AppError::from)
}

/// The config file's text beside `tidepool.json.last-good` (absent when there is none), for
/// the diff shown before restoring. Read from the files: it works while the gateway is down.
#[tauri::command]
#[specta::specta]
pub async fn config_last_good(state: State<'_, AppState>) -> AppResult<LastGood> {
    refuse_remote(&state)?;
    access(&state).last_good().map_err(AppError::from)
}

/// Stores `value` as secret `name` in the gateway's secrets store (the OS keychain, or its
/// vault), for a `{source: "store", id: name}` reference in the config. The value is never
/// returned or kept by the app.
#[tauri::command]
#[specta::specta]
pub async fn config_store_secret(
    state: State<'_, AppState>,
    name: String,
    value: String,
) -> AppResult<()> {
    access(&state)
        .store_secret(state.config_client()?, name.trim(), &value)
        .await
        .map_err(AppError::from)
}

/// The config's JSON Schema as JSON text (fields, help, defaults, enums, `x-reloadKind`).
#[tauri::command]
#[specta::specta]
pub async fn config_schema(state: State<'_, AppState>) -> AppResult<String> {
    let v = access(&state)
        .schema(state.supervisor.client())
        .await
        .map_err(AppError::from)?;
    Ok(v.to_string())
}

/// The settings form's edit: `text` with the setting at `path` set to `value` (JSON; removed
/// when absent), keeping the file's comments and layout. Nothing is saved: the page shows the
/// result in the raw view and the diff before saving.
#[tauri::command]
#[specta::specta]
pub async fn config_edit(
    text: String,
    path: Vec<String>,
    value: Option<String>,
) -> AppResult<String> {
    let value = value
        .map(|v| serde_json::from_str::<serde_json::Value>(&v))
        .transpose()
        .map_err(|e| AppError::InvalidInput(format!("the new value is not JSON: {e}")))?;
    tidepool_control::config::edit_text(&text, &path, value.as_ref())
        .map_err(|e| AppError::InvalidInput(e.to_string()))
}

/// Tells the window the config changed (`config.changed`); false for other events.
pub(crate) fn on_gateway_event(app: &tauri::AppHandle, ev: &tidepool_protocol::EventFrame) -> bool {
    use tauri_specta::Event;
    use tidepool_protocol::config::ConfigChanged;
    use tidepool_protocol::contract::Event as _;
    if ev.event != ConfigChanged::NAME {
        return false;
    }
    match tidepool_client::decode_event::<ConfigChanged>(ev) {
        Some(Ok(p)) => {
            let _ = crate::events::GatewayConfigChanged::from(p).emit(app);
        }
        Some(Err(e)) => tracing::warn!(error = %e, "a config.changed event did not decode"),
        None => {}
    }
    true
}
