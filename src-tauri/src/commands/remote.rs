//! A gateway that runs elsewhere: check an address and token with a real handshake, switch the
//! app to it, or to a host's gateway through an SSH tunnel, or back to the gateway on this
//! computer. The URL or host id lives in the app's store, tokens only in the OS keychain.

use crate::error::{AppError, AppResult};
use crate::keychain;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tauri::State;
use tidepool_control::Status;
use tidepool_control::hosts::Hosts;
use tidepool_control::remote::{self, RemoteCheck, RemoteGateway, RemoteSource};

const KEY: &str = "remote";
const HOST_KEY: &str = "host";

/// What the store keeps about the host whose gateway the app uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedHost {
    /// The host's id.
    pub id: String,
}
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the store keeps about the remote gateway (never its token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRemote {
    /// Its URL.
    pub url: String,
}

fn load_key<R: tauri::Runtime, T: serde::de::DeserializeOwned>(
    app: &tauri::AppHandle<R>,
    key: &str,
) -> Option<T> {
    use tauri_plugin_store::StoreExt;
    app.store(crate::settings::STORE_FILE)
        .ok()
        .and_then(|s| s.get(key))
        .and_then(|v| serde_json::from_value(v).ok())
}

/// The saved remote gateway, if the app connects to one.
pub fn load<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<SavedRemote> {
    load_key(app, KEY)
}

/// The host whose gateway the app uses, if it uses one.
pub fn load_host<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<SavedHost> {
    load_key(app, HOST_KEY)
}

/// Saves the choice of gateway: a remote URL, a host, or (both `None`) this computer's.
fn save_choice<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    remote: Option<&SavedRemote>,
    host: Option<&SavedHost>,
) -> AppResult<()> {
    use tauri_plugin_store::StoreExt;
    let io = |e: String| AppError::Io(format!("cannot save the gateway choice: {e}"));
    let store = app
        .store(crate::settings::STORE_FILE)
        .map_err(|e| io(e.to_string()))?;
    let put = |key: &str, v: Option<serde_json::Value>| match v {
        Some(v) => store.set(key, v),
        None => {
            store.delete(key);
        }
    };
    put(
        KEY,
        remote
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| io(e.to_string()))?,
    );
    put(
        HOST_KEY,
        host.map(serde_json::to_value)
            .transpose()
            .map_err(|e| io(e.to_string()))?,
    );
    store.save().map_err(|e| io(e.to_string()))
}

fn save<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    remote: Option<&SavedRemote>,
) -> AppResult<()> {
    save_choice(app, remote, None)
}

/// The host's gateway as the supervisor's source: its token comes over SSH and is kept in the
/// keychain (used when the token file cannot be read another time).
pub fn host_source(hosts: &Hosts, id: &str) -> AppResult<Arc<dyn RemoteSource>> {
    let saved = keychain::host_token(id).unwrap_or_else(|why| {
        tracing::warn!(%why, "the host gateway's token could not be read from the keychain");
        None
    });
    let key = id.to_owned();
    let sink: tidepool_control::hosts::TokenSink = Arc::new(move |token: &str| {
        if let Err(why) = keychain::set_host_token(&key, Some(token)) {
            tracing::warn!(%why, "the host gateway's token could not be kept in the keychain");
        }
    });
    Ok(Arc::new(hosts.gateway_source(id, saved, Some(sink))?))
}

/// The host's gateway to connect to at start, if the app used one when it quit.
pub fn host_at_start<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    hosts: &Hosts,
) -> Option<Arc<dyn RemoteSource>> {
    let saved = load_host(app)?;
    host_source(hosts, &saved.id)
        .inspect_err(|e| tracing::warn!(error = %e, "the saved host cannot be used"))
        .ok()
}

/// The remote gateway to connect to at start, with its token from the keychain.
pub fn at_start<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<RemoteGateway> {
    let saved = load(app)?;
    let token = keychain::remote_token().unwrap_or_else(|why| {
        tracing::warn!(%why, "the remote gateway's token could not be read");
        None
    });
    Some(RemoteGateway {
        url: saved.url,
        token,
    })
}

fn token_of(token: Option<String>) -> Option<String> {
    token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Connects to `url` with `token` (a real handshake) and says what it found; changes nothing.
#[tauri::command]
#[specta::specta]
/// A plain `ws://` address on another machine is only contacted with `allow_plain` (the user
/// agreed that the network is private): the handshake carries the token.
pub async fn remote_check(url: String, token: Option<String>, allow_plain: bool) -> RemoteCheck {
    let token = token_of(token);
    checked(&url, token.as_deref(), allow_plain).await
}

async fn checked(url: &str, token: Option<&str>, allow_plain: bool) -> RemoteCheck {
    if allow_plain {
        remote::check_allowing_plain(url, token, HANDSHAKE_TIMEOUT).await
    } else {
        remote::check(url, token, HANDSHAKE_TIMEOUT).await
    }
}

/// Checks `url` and `token` (a plain `ws://` address elsewhere only with `allow_plain`); if the gateway accepts them, saves them (the token in the keychain)
/// and switches the app to that gateway. A failed check changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn remote_connect<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
    token: Option<String>,
    allow_plain: bool,
) -> AppResult<RemoteCheck> {
    let token = token_of(token);
    let check = checked(&url, token.as_deref(), allow_plain).await;
    let RemoteCheck::Ok { url: checked, .. } = &check else {
        return Ok(check);
    };
    keychain::set_remote_token(token.as_deref()).map_err(|why| {
        AppError::Keychain(format!(
            "Tidepool keeps a remote gateway's token in the system keychain, and {why}"
        ))
    })?;
    save(
        &app,
        Some(&SavedRemote {
            url: checked.clone(),
        }),
    )?;
    let remote = RemoteGateway {
        url: checked.clone(),
        token,
    };
    state.supervisor.update_config(|c| {
        c.remote = Some(remote);
        c.via = None;
    });
    // Stops this computer's gateway (if it runs) and connects to the remote one.
    state.supervisor.restart().await?;
    Ok(check)
}

/// Switches back to the gateway on this computer and starts it; the remote token is deleted.
#[tauri::command]
#[specta::specta]
pub async fn remote_forget<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<Status> {
    use_local(&app, &state).await?;
    state.supervisor.start().await?;
    Ok(state.supervisor.status())
}

/// Disconnects from a remote gateway (if the app uses one) and makes the next start run the
/// gateway on this computer.
pub async fn use_local<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    state: &AppState,
) -> AppResult<()> {
    let status = state.supervisor.status();
    if status.remote.is_none()
        && status.host.is_none()
        && load(app).is_none()
        && load_host(app).is_none()
    {
        return Ok(());
    }
    state.supervisor.stop().await?;
    state.supervisor.update_config(|c| {
        c.remote = None;
        c.via = None;
    });
    save(app, None)?;
    if let Err(why) = keychain::set_remote_token(None) {
        tracing::warn!(%why, "the remote gateway's token could not be deleted");
    }
    Ok(())
}

/// Uses the gateway on host `id` (through an SSH tunnel): the tunnel is opened and the token
/// read first, and only when that works does the app switch to it (the choice is kept for the
/// next start). A failure changes nothing and says why.
#[tauri::command]
#[specta::specta]
pub async fn hosts_use<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> AppResult<Status> {
    let source = host_source(&state.hosts, &id)?;
    source
        .resolve()
        .await
        .map_err(|e| AppError::NotConnected(e.message))?;
    save_choice(&app, None, Some(&SavedHost { id }))?;
    if let Err(why) = keychain::set_remote_token(None) {
        tracing::warn!(%why, "the remote gateway's token could not be deleted");
    }
    state.supervisor.update_config(|c| {
        c.remote = None;
        c.via = Some(source);
    });
    // Stops (or disconnects from) the gateway in use and connects to the host's.
    state.supervisor.restart().await?;
    Ok(state.supervisor.status())
}

/// Forgets a host's gateway token, and switches back to this computer's gateway if the app
/// uses that host's (before the host is removed).
pub async fn forget_host<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    state: &AppState,
    id: &str,
) -> AppResult<()> {
    let in_use = state.supervisor.status().host.is_some_and(|h| h.id == id)
        || load_host(app).is_some_and(|h| h.id == id);
    if in_use {
        use_local(app, state).await?;
    }
    if let Err(why) = keychain::set_host_token(id, None) {
        tracing::warn!(%why, "the host gateway's token could not be deleted");
    }
    Ok(())
}
