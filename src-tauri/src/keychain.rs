//! The gateway token in the OS keychain (Keychain on macOS, Credential Manager on Windows,
//! Secret Service on Linux). The token is created here once, moved from the gateway's own
//! `gateway.token` file if one exists, and passed to the sidecar through its environment.

use std::path::Path;

const SERVICE: &str = "ai.tidepool.desktop";
const ACCOUNT: &str = "gateway-token";
const REMOTE_ACCOUNT: &str = "remote-gateway-token";

/// Why the OS keychain could not be used (its message says so in words).
#[derive(Debug, thiserror::Error)]
#[error("the system keychain is not available ({0})")]
pub struct KeychainError(#[from] keyring::Error);

/// The app's own keychain entry for `account` (the one place the desktop opens entries).
#[allow(clippy::disallowed_methods)] // This module is the desktop's home of keychain entries.
fn entry(account: &str) -> Result<keyring::Entry, KeychainError> {
    Ok(keyring::Entry::new(SERVICE, account)?)
}

/// Where the token lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TokenHome {
    /// In the OS keychain.
    Keychain,
    /// No keychain available: the gateway keeps its own 0600 token file.
    StateFile,
}

/// Gets the token from the keychain, creating it (or moving the gateway's token file into the
/// keychain) on first use. `Err` carries why the keychain could not be used.
pub fn gateway_token(state_dir: &Path) -> Result<String, KeychainError> {
    let entry = entry(ACCOUNT)?;
    match entry.get_password() {
        Ok(t) if !t.is_empty() => return Ok(t),
        Ok(_) | Err(keyring::Error::NoEntry) => {}
        Err(e) => return Err(e.into()),
    }
    let file = state_dir.join("gateway.token");
    let existing = std::fs::read_to_string(&file)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| t.len() >= 16);
    let token = existing
        .clone()
        .unwrap_or_else(tidepool_platform::new_token);
    entry.set_password(&token).map_err(KeychainError::from)?;
    if existing.is_some() {
        // Moved: the keychain is now the only copy.
        let _ = std::fs::remove_file(&file);
    }
    Ok(token)
}

/// The token of the remote gateway the app connects to, if one is saved.
pub fn remote_token() -> Result<Option<String>, KeychainError> {
    read(REMOTE_ACCOUNT)
}

/// Saves (or, with `None`, deletes) the remote gateway's token.
pub fn set_remote_token(token: Option<&str>) -> Result<(), KeychainError> {
    write(REMOTE_ACCOUNT, token)
}

fn host_account(id: &str) -> String {
    format!("host-gateway-token:{id}")
}

/// The token last read over SSH from the gateway on host `id`.
pub fn host_token(id: &str) -> Result<Option<String>, KeychainError> {
    read(&host_account(id))
}

/// Saves (or, with `None`, deletes) the token of the gateway on host `id`.
pub fn set_host_token(id: &str, token: Option<&str>) -> Result<(), KeychainError> {
    write(&host_account(id), token)
}

fn read(account: &str) -> Result<Option<String>, KeychainError> {
    let entry = entry(account)?;
    match entry.get_password() {
        Ok(t) if !t.is_empty() => Ok(Some(t)),
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn write(account: &str, token: Option<&str>) -> Result<(), KeychainError> {
    let entry = entry(account)?;
    match token {
        Some(t) => entry.set_password(t).map_err(KeychainError::from),
        None => match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        },
    }
}
