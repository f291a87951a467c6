//! The tray / menu-bar icon. Linux trays often deliver no click events, so every action is in
//! the menu; the icon and the first menu line show the gateway's state.

use crate::state::AppState;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};
use tidepool_control::{GatewayState, Status};

/// Menu items whose text or enabled state follows the gateway.
pub struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    status: MenuItem<R>,
    start: MenuItem<R>,
    stop: MenuItem<R>,
    restart: MenuItem<R>,
}

const ICON_RUNNING: &[u8] = include_bytes!("../../icons/tray-running.png");
const ICON_STOPPED: &[u8] = include_bytes!("../../icons/tray-stopped.png");
const ICON_STARTING: &[u8] = include_bytes!("../../icons/tray-starting.png");
const ICON_ERROR: &[u8] = include_bytes!("../../icons/tray-error.png");

/// Builds the tray.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Tray<R>> {
    let open = MenuItem::with_id(app, "open", "Open Tidepool", true, None::<&str>)?;
    let status = MenuItem::with_id(app, "status", "Gateway: stopped", false, None::<&str>)?;
    let start = MenuItem::with_id(app, "start", "Start gateway", true, None::<&str>)?;
    let stop = MenuItem::with_id(app, "stop", "Stop gateway", false, None::<&str>)?;
    let restart = MenuItem::with_id(app, "restart", "Restart gateway", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Tidepool", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &PredefinedMenuItem::separator(app)?,
            &status,
            &start,
            &stop,
            &restart,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let icon = TrayIconBuilder::with_id("main")
        .icon(Image::from_bytes(ICON_STOPPED)?)
        .tooltip("Tidepool")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, ev| on_menu(app, ev.id.as_ref()))
        .build(app)?;
    Ok(Tray {
        icon,
        status,
        start,
        stop,
        restart,
    })
}

/// Shows and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "open" => show_main(app),
        "quit" => app.exit(0),
        "start" | "stop" | "restart" => {
            let app = app.clone();
            let id = id.to_owned();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                let r = match id.as_str() {
                    "start" => state.supervisor.start().await,
                    "stop" => state.supervisor.stop().await,
                    _ => state.supervisor.restart().await,
                };
                if let Err(e) = r {
                    tracing::warn!(error = %e, action = %id, "tray action failed");
                }
            });
        }
        _ => {}
    }
}

/// Which tray icon to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIconKind {
    /// Green dot.
    Running,
    /// Grey dot.
    Stopped,
    /// Amber dot: starting, stopping, restarting.
    Busy,
    /// Red dot: crashed.
    Error,
}

/// What the tray shows for a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    /// The disabled first menu line, e.g. "Gateway: running on port 18789".
    pub label: String,
    /// The icon.
    pub icon: TrayIconKind,
    /// Whether "Start gateway" is enabled.
    pub can_start: bool,
    /// Whether "Stop gateway" is enabled.
    pub can_stop: bool,
    /// Whether "Restart gateway" is enabled.
    pub can_restart: bool,
}

/// Maps a status to the tray's label, icon and enabled actions.
pub fn view(status: &Status) -> TrayView {
    let (label, icon, running, busy) = match &status.state {
        GatewayState::Running { port, .. } => (
            format!("Gateway: running on port {port}"),
            TrayIconKind::Running,
            true,
            false,
        ),
        GatewayState::Starting => ("Gateway: starting…".into(), TrayIconKind::Busy, false, true),
        GatewayState::Stopping => ("Gateway: stopping…".into(), TrayIconKind::Busy, false, true),
        GatewayState::Restarting { retry_in_ms } => (
            format!("Gateway: restarting in {} s", retry_in_ms.div_ceil(1000)),
            TrayIconKind::Busy,
            false,
            true,
        ),
        GatewayState::Crashed { .. } => {
            ("Gateway: crashed".into(), TrayIconKind::Error, false, false)
        }
        GatewayState::Stopped => (
            "Gateway: stopped".into(),
            TrayIconKind::Stopped,
            false,
            false,
        ),
    };
    TrayView {
        label,
        icon,
        can_start: !running && !busy,
        can_stop: running || busy,
        can_restart: running,
    }
}

impl<R: Runtime> Tray<R> {
    /// Reflects a status in the icon, tooltip and menu.
    pub fn update(&self, status: &Status) {
        let v = view(status);
        let _ = self.status.set_text(&v.label);
        let _ = self.start.set_enabled(v.can_start);
        let _ = self.stop.set_enabled(v.can_stop);
        let _ = self.restart.set_enabled(v.can_restart);
        let bytes = match v.icon {
            TrayIconKind::Running => ICON_RUNNING,
            TrayIconKind::Stopped => ICON_STOPPED,
            TrayIconKind::Busy => ICON_STARTING,
            TrayIconKind::Error => ICON_ERROR,
        };
        if let Ok(img) = Image::from_bytes(bytes) {
            let _ = self.icon.set_icon(Some(img));
        }
        let _ = self.icon.set_tooltip(Some(format!(
            "Tidepool — {}",
            v.label.trim_start_matches("Gateway: ")
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: GatewayState) -> Status {
        Status {
            state,
            restarts: 0,
            last_error: None,
            started_at_ms: None,
            url: None,
        }
    }

    #[test]
    fn every_state_has_a_label_an_icon_and_the_right_actions() {
        let running = view(&status(GatewayState::Running {
            pid: 1,
            port: 18789,
            version: "0.1.0".into(),
        }));
        assert_eq!(running.label, "Gateway: running on port 18789");
        assert_eq!(running.icon, TrayIconKind::Running);
        assert!(!running.can_start && running.can_stop && running.can_restart);

        let stopped = view(&status(GatewayState::Stopped));
        assert_eq!(stopped.icon, TrayIconKind::Stopped);
        assert!(stopped.can_start && !stopped.can_stop && !stopped.can_restart);

        let restarting = view(&status(GatewayState::Restarting { retry_in_ms: 1500 }));
        assert_eq!(restarting.label, "Gateway: restarting in 2 s");
        assert_eq!(restarting.icon, TrayIconKind::Busy);
        assert!(!restarting.can_start && restarting.can_stop);

        let crashed = view(&status(GatewayState::Crashed {
            reason: "x".into(),
            exit_code: Some(78),
        }));
        assert_eq!(crashed.icon, TrayIconKind::Error);
        assert!(crashed.can_start && !crashed.can_stop);
    }
}
