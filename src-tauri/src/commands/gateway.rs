//! Start, stop, restart and observe the gateway.

use crate::error::AppResult;
use crate::events::GatewayMetrics;
use crate::state::AppState;
use tauri::State;
use tidepool_control::Status;

/// The supervisor's current status.
#[tauri::command]
#[specta::specta]
pub fn gateway_status(state: State<'_, AppState>) -> Status {
    state.supervisor.status()
}

/// Starts the gateway; resolves when it runs (or with why it could not).
#[tauri::command]
#[specta::specta]
pub async fn gateway_start(state: State<'_, AppState>) -> AppResult<Status> {
    state.supervisor.start().await?;
    Ok(state.supervisor.status())
}

/// Stops the gateway gracefully.
#[tauri::command]
#[specta::specta]
pub async fn gateway_stop(state: State<'_, AppState>) -> AppResult<Status> {
    state.supervisor.stop().await?;
    Ok(state.supervisor.status())
}

/// Restarts the gateway.
#[tauri::command]
#[specta::specta]
pub async fn gateway_restart(state: State<'_, AppState>) -> AppResult<Status> {
    state.supervisor.restart().await?;
    Ok(state.supervisor.status())
}

/// Recent metric samples, oldest first.
#[tauri::command]
#[specta::specta]
pub fn gateway_metrics(state: State<'_, AppState>) -> Vec<GatewayMetrics> {
    state
        .metrics
        .lock()
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default()
}
