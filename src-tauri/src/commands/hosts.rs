//! The Hosts page: servers over SSH. A thin adapter over `tidepool_control::hosts` (the
//! domain) and `tidepool_control::jobs` (installs run as jobs; their changes reach the window
//! as `job-changed` events).

use crate::error::{AppError, AppResult};
use crate::events::JobChanged;
use crate::state::AppState;
use tauri::{Manager, State};
use tauri_specta::Event;
use tidepool_control::hosts::{ConfigHost, GatewayAction, HostCheck, HostEntry, Hosts};
use tidepool_control::jobs::Job;
use tidepool_protocol::service::ServiceStatus;

/// The hosts in the app's data dir; the masters' sockets in the runtime dir when there is one
/// (a short path: sockets have a length limit), else beside them.
pub fn open<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Result<Hosts, AppError> {
    let data = app
        .path()
        .app_data_dir()
        .map_err(|e| AppError::Io(format!("no data folder for the app: {e}")))?
        .join("hosts");
    let control = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .filter(|d| d.is_dir())
        .map_or_else(|| data.join("ssh"), |d| d.join("tidepool-ssh"));
    Ok(Hosts::new(&data, control))
}

/// Sends every job change to the window.
pub fn forward_jobs<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    let mut rx = app.state::<AppState>().jobs.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(job) => {
                    let _ = JobChanged(job).emit(&app);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// The hosts the user added.
#[tauri::command]
#[specta::specta]
pub fn hosts_list(state: State<'_, AppState>) -> AppResult<Vec<HostEntry>> {
    Ok(state.hosts.list()?)
}

/// The named hosts of the user's `~/.ssh/config`, as `ssh` resolves them (to pick from).
#[tauri::command]
#[specta::specta]
pub async fn hosts_from_ssh_config() -> Vec<ConfigHost> {
    tidepool_control::hosts::config_hosts(&tidepool_control::hosts::user_config()).await
}

/// Reads an address and the key its host offers, for the user to judge before adding it.
#[tauri::command]
#[specta::specta]
pub async fn hosts_check(state: State<'_, AppState>, address: String) -> AppResult<HostCheck> {
    Ok(state.hosts.check(&address).await?)
}

/// Adds a host with the fingerprint the user accepted (checked again), after a working login.
#[tauri::command]
#[specta::specta]
pub async fn hosts_add(
    state: State<'_, AppState>,
    address: String,
    name: Option<String>,
    key_file: Option<String>,
    fingerprint: String,
) -> AppResult<HostEntry> {
    Ok(state
        .hosts
        .add(&address, name, key_file, &fingerprint)
        .await?)
}

/// Adds a host for a user who only has a password: it is used once to install a key the app
/// creates (ssh reads it through the askpass helper, the app's own `tidepool`), never stored.
#[tauri::command]
#[specta::specta]
pub async fn hosts_add_with_password(
    state: State<'_, AppState>,
    address: String,
    name: Option<String>,
    password: String,
    fingerprint: String,
) -> AppResult<HostEntry> {
    let helper = state.paths.sidecar.clone();
    Ok(state
        .hosts
        .add_with_password(&address, name, password, &fingerprint, helper)
        .await?)
}

/// Reads the host's facts again.
#[tauri::command]
#[specta::specta]
pub async fn hosts_probe(state: State<'_, AppState>, id: String) -> AppResult<HostEntry> {
    Ok(state.hosts.probe(&id).await?)
}

/// Removes a host, the key recorded for it and its gateway's token; if the app used that
/// host's gateway, it switches back to this computer's first.
#[tauri::command]
#[specta::specta]
pub async fn hosts_remove<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> AppResult<()> {
    state
        .hosts
        .list()?
        .iter()
        .find(|h| h.id == id)
        .ok_or_else(|| AppError::NotFound(format!("there is no host {id} (removed meanwhile?)")))?;
    crate::commands::remote::forget_host(&app, &state, &id).await?;
    state.hosts.remove(&id).await?;
    Ok(())
}

/// Closes SSH masters nobody used for a while (a tunnel in use keeps its master open).
pub fn close_idle_masters<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let closed = app.state::<AppState>().hosts.pool().close_idle().await;
            if closed > 0 {
                tracing::info!(closed, "closed idle SSH connections");
            }
        }
    });
}

/// Installs (or upgrades) Tidepool on a host with the app's own gateway binary, as a job.
#[tauri::command]
#[specta::specta]
pub async fn hosts_install(state: State<'_, AppState>, id: String) -> AppResult<String> {
    let binary = state.paths.sidecar.clone();
    Ok(state
        .hosts
        .install(&state.jobs, &id, binary, None, None, None)?)
}

/// Starts, stops or restarts a host's gateway through its service, or reads its status.
#[tauri::command]
#[specta::specta]
pub async fn hosts_gateway(
    state: State<'_, AppState>,
    id: String,
    action: GatewayAction,
) -> AppResult<ServiceStatus> {
    Ok(state.hosts.gateway(&id, action).await?)
}

/// Every job of this run of the app, newest first.
#[tauri::command]
#[specta::specta]
pub fn jobs_list(state: State<'_, AppState>) -> Vec<Job> {
    state.jobs.list()
}

/// Asks a job to stop (it finishes its step cleanly).
#[tauri::command]
#[specta::specta]
pub fn jobs_cancel(state: State<'_, AppState>, id: String) -> AppResult<()> {
    if state.jobs.cancel(&id) {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("there is no job {id}")))
    }
}
