//! The gateway token in the OS keychain (Keychain on macOS, Credential Manager on Windows,
//! Secret Service on Linux). The token is created here once, moved from the gateway's own
//! `gateway.token` file if one exists, and passed to the sidecar through its environment.

use std::path::Path;

const SERVICE: &str = "ai.tidepool.desktop";
const ACCOUNT: &str = "gateway-token";
const REMOTE_ACCOUNT: &str = "remote-gateway-token";

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
pub fn gateway_token(state_dir: &Path) -> Result<String, String> {
    let entry = keyring::Entry::new(SERVICE, ACCOUNT).map_err(describe)?;
    match entry.get_password() {
        Ok(t) if !t.is_empty() => return Ok(t),
        Ok(_) | Err(keyring::Error::NoEntry) => {}
        Err(e) => return Err(describe(e)),
    }
    let file = state_dir.join("gateway.token");
    let existing = std::fs::read_to_string(&file)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| t.len() >= 16);
    let token = existing.clone().unwrap_or_else(new_token);
    entry.set_password(&token).map_err(describe)?;
    if existing.is_some() {
        // Moved: the keychain is now the only copy.
        let _ = std::fs::remove_file(&file);
    }
    Ok(token)
}

/// The token of the remote gateway the app connects to, if one is saved.
pub fn remote_token() -> Result<Option<String>, String> {
    let entry = keyring::Entry::new(SERVICE, REMOTE_ACCOUNT).map_err(describe)?;
    match entry.get_password() {
        Ok(t) if !t.is_empty() => Ok(Some(t)),
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(describe(e)),
    }
}

/// Saves (or, with `None`, deletes) the remote gateway's token.
pub fn set_remote_token(token: Option<&str>) -> Result<(), String> {
    let entry = keyring::Entry::new(SERVICE, REMOTE_ACCOUNT).map_err(describe)?;
    match token {
        Some(t) => entry.set_password(t).map_err(describe),
        None => match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(e)),
        },
    }
}

fn new_token() -> String {
    // Like the gateway's generator: 32 bytes from the OS RNG, hex.
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Never fall back to a weak token.
        std::process::abort();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn describe(e: keyring::Error) -> String {
    format!("the system keychain is not available ({e})")
}
