//! A gateway that runs elsewhere: check an address and token with a real handshake, switch the
//! app to it, or back to the gateway on this computer. The URL lives in the app's store, the
//! token only in the OS keychain.

use crate::error::{AppError, AppResult};
use crate::keychain;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tauri::State;
use tidepool_control::Status;
use tidepool_control::remote::{self, RemoteCheck, RemoteGateway};

const KEY: &str = "remote";
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the store keeps about the remote gateway (never its token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRemote {
    /// Its URL.
    pub url: String,
}

/// The saved remote gateway, if the app connects to one.
pub fn load<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<SavedRemote> {
    use tauri_plugin_store::StoreExt;
    app.store(crate::settings::STORE_FILE)
        .ok()
        .and_then(|s| s.get(KEY))
        .and_then(|v| serde_json::from_value(v).ok())
}

fn save<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    remote: Option<&SavedRemote>,
) -> AppResult<()> {
    use tauri_plugin_store::StoreExt;
    let io = |e: String| AppError::Io(format!("cannot save the gateway choice: {e}"));
    let store = app
        .store(crate::settings::STORE_FILE)
        .map_err(|e| io(e.to_string()))?;
    match remote {
        Some(r) => store.set(KEY, serde_json::to_value(r).map_err(|e| io(e.to_string()))?),
        None => {
            store.delete(KEY);
        }
    }
    store.save().map_err(|e| io(e.to_string()))
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
    state.supervisor.update_config(|c| c.remote = Some(remote));
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
    if state.supervisor.status().remote.is_none() && load(app).is_none() {
        return Ok(());
    }
    state.supervisor.stop().await?;
    state.supervisor.update_config(|c| c.remote = None);
    save(app, None)?;
    if let Err(why) = keychain::set_remote_token(None) {
        tracing::warn!(%why, "the remote gateway's token could not be deleted");
    }
    Ok(())
}
