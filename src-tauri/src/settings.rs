//! The app's own settings, persisted with tauri-plugin-store (`settings.json` in the app data
//! dir). Secrets never go here.

use serde::{Deserialize, Serialize};

/// Light, dark, or follow the OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    /// Follow the OS.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// Everything on the Settings page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Colour theme.
    pub theme: Theme,
    /// Start the gateway when the app starts.
    pub start_on_launch: bool,
    /// Closing the window keeps the app (and the gateway) running in the tray.
    pub close_to_tray: bool,
    /// Gateway port (applies at the next start).
    pub port: u16,
    /// Bring the window forward when a command waits for approval.
    pub approval_popup: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: Theme::System,
            start_on_launch: true,
            close_to_tray: true,
            port: tidepool_protocol::DEFAULT_PORT,
            approval_popup: true,
        }
    }
}

/// A setting that cannot be used, or a store that cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A privileged port.
    #[error("port {0} needs administrator rights; choose 1024-65535 (or 0 for any free port)")]
    PrivilegedPort(u16),
    /// The settings file could not be written.
    #[error("{0}")]
    Store(String),
}

impl Settings {
    /// Checks values a user can type.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.port != 0 && self.port < 1024 {
            return Err(SettingsError::PrivilegedPort(self.port));
        }
        Ok(())
    }
}

/// The store file name.
pub const STORE_FILE: &str = "settings.json";
const KEY: &str = "settings";

/// Loads the settings (defaults for anything missing or unreadable).
pub fn load<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Settings {
    use tauri_plugin_store::StoreExt;
    app.store(STORE_FILE)
        .ok()
        .and_then(|s| s.get(KEY))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Saves the settings.
pub fn save<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    s: &Settings,
) -> Result<(), SettingsError> {
    use tauri_plugin_store::StoreExt;
    let store = |e: &dyn std::fmt::Display| SettingsError::Store(e.to_string());
    let file = app.store(STORE_FILE).map_err(|e| store(&e))?;
    file.set(KEY, serde_json::to_value(s).map_err(|e| store(&e))?);
    file.save().map_err(|e| store(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileged_ports_are_refused_with_a_reason() {
        let s = Settings {
            port: 80,
            ..Settings::default()
        };
        assert!(s.validate().unwrap_err().to_string().contains("1024-65535"));
        assert!(Settings::default().validate().is_ok());
        let any = Settings {
            port: 0,
            ..Settings::default()
        };
        assert!(any.validate().is_ok());
    }

    #[test]
    fn missing_fields_take_defaults() {
        let s: Settings = serde_json::from_str(r#"{"theme":"dark"}"#).unwrap();
        assert_eq!(s.theme, Theme::Dark);
        assert!(s.start_on_launch);
        assert_eq!(s.port, 18789);
        assert!(s.approval_popup);
    }
}
