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

impl<R: Runtime> Tray<R> {
    /// Reflects a status in the icon, tooltip and menu.
    pub fn update(&self, status: &Status) {
        let (label, icon, running, busy) = match &status.state {
            GatewayState::Running { port, .. } => (
                format!("Gateway: running on port {port}"),
                ICON_RUNNING,
                true,
                false,
            ),
            GatewayState::Starting => ("Gateway: starting…".into(), ICON_STARTING, false, true),
            GatewayState::Stopping => ("Gateway: stopping…".into(), ICON_STARTING, false, true),
            GatewayState::Restarting { retry_in_ms } => (
                format!("Gateway: restarting in {} s", retry_in_ms.div_ceil(1000)),
                ICON_STARTING,
                false,
                true,
            ),
            GatewayState::Crashed { .. } => ("Gateway: crashed".into(), ICON_ERROR, false, false),
            GatewayState::Stopped => ("Gateway: stopped".into(), ICON_STOPPED, false, false),
        };
        let _ = self.status.set_text(&label);
        let _ = self.start.set_enabled(!running && !busy);
        let _ = self.stop.set_enabled(running || busy);
        let _ = self.restart.set_enabled(running);
        if let Ok(img) = Image::from_bytes(icon) {
            let _ = self.icon.set_icon(Some(img));
        }
        let _ = self.icon.set_tooltip(Some(format!(
            "Tidepool — {}",
            label.trim_start_matches("Gateway: ")
        )));
    }
}
