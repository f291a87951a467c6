//! The tray / menu-bar icon. Linux trays often deliver no click events, so every action is in
//! the menu; the icon and the first menu line show the gateway's state. Commands waiting for
//! approval put a badge on the icon, a count beside it, and one menu line each.

use crate::events::ApprovalFocus;
use crate::state::AppState;
use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use tidepool_control::approvals::{ApprovalView, headline};
use tidepool_control::{GatewayState, Status};

/// Menu items whose text or enabled state follows the gateway and the pending approvals.
pub struct Tray<R: Runtime> {
    app: AppHandle<R>,
    icon: TrayIcon<R>,
    menu: Menu<R>,
    status: MenuItem<R>,
    start: MenuItem<R>,
    stop: MenuItem<R>,
    restart: MenuItem<R>,
    live: Mutex<Live<R>>,
}

/// What the tray shows now.
struct Live<R: Runtime> {
    kind: TrayIconKind,
    label: String,
    pending: usize,
    /// The approval lines in the menu (removed and rebuilt when the set changes).
    approval_items: Vec<Box<dyn IsMenuItem<R> + Send + Sync>>,
}

/// Menu lines for pending approvals beyond this are summed up in one line.
const MENU_APPROVALS: usize = 5;

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
        app: app.clone(),
        icon,
        menu,
        status,
        start,
        stop,
        restart,
        live: Mutex::new(Live {
            kind: TrayIconKind::Stopped,
            label: "Gateway: stopped".into(),
            pending: 0,
            approval_items: Vec::new(),
        }),
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
        "approvals" => {
            show_main(app);
            let _ = ApprovalFocus(String::new()).emit(app);
        }
        _ if id.starts_with(APPROVAL_ITEM) => {
            show_main(app);
            let _ = ApprovalFocus(id[APPROVAL_ITEM.len()..].to_owned()).emit(app);
        }
        "start" | "stop" | "restart" => {
            let app = app.clone();
            let id = id.to_owned();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                // GTK still runs a greyed-out line when a panel sends its click (a menu shown
                // a moment before the state changed): act only on what the menu offers now.
                if !allowed(&view(&state.supervisor.status()), &id) {
                    tracing::info!(action = %id, "tray action not available in this state; ignored");
                    return;
                }
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

const APPROVAL_ITEM: &str = "approval:";

/// The approval lines of the tray menu: `(menu id, text)`, the first a heading.
pub fn approval_lines(pending: &[ApprovalView]) -> Vec<(String, String)> {
    if pending.is_empty() {
        return Vec::new();
    }
    let n = pending.len();
    let mut out = vec![(
        "approvals".to_owned(),
        if n == 1 {
            "1 command waits for approval".to_owned()
        } else {
            format!("{n} commands wait for approval")
        },
    )];
    for a in pending.iter().take(MENU_APPROVALS) {
        out.push((
            format!("{APPROVAL_ITEM}{}", a.id),
            format!("    Review: {}", headline(a, 48)),
        ));
    }
    if n > MENU_APPROVALS {
        out.push((
            "approvals".to_owned(),
            format!("    … and {} more", n - MENU_APPROVALS),
        ));
    }
    out
}

/// Paints the approval badge (an amber disc with a white ring, top right) onto an RGBA icon.
pub fn paint_badge(rgba: &mut [u8], width: u32, height: u32) {
    let (w, h) = (f64::from(width), f64::from(height));
    let r = w.min(h) * 0.24;
    let (cx, cy) = (w - r - 1.0, r + 1.0);
    for y in 0..height {
        for x in 0..width {
            let d = ((f64::from(x) + 0.5 - cx).powi(2) + (f64::from(y) + 0.5 - cy).powi(2)).sqrt();
            let color: [u8; 4] = if d <= r * 0.72 {
                [245, 158, 11, 255]
            } else if d <= r {
                [255, 255, 255, 255]
            } else {
                continue;
            };
            let i = usize::try_from((y * width + x) * 4).unwrap_or(usize::MAX);
            if let Some(px) = rgba.get_mut(i..i + 4) {
                px.copy_from_slice(&color);
            }
        }
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

/// Whether the tray's `action` (`start`, `stop`, `restart`) is enabled in `view`.
pub fn allowed(view: &TrayView, action: &str) -> bool {
    match action {
        "start" => view.can_start,
        "stop" => view.can_stop,
        "restart" => view.can_restart,
        _ => false,
    }
}

/// Maps a status to the tray's label, icon and enabled actions.
pub fn view(status: &Status) -> TrayView {
    let host = match &status.host {
        Some(h) => Some(h.name.as_str()),
        None => status.remote.as_deref().map(host_of),
    };
    let (label, icon, running, busy) = match (&status.state, host) {
        (GatewayState::Running { .. }, Some(host)) => (
            format!("Gateway: connected to {host}"),
            TrayIconKind::Running,
            true,
            false,
        ),
        (GatewayState::Restarting { retry_in_ms }, Some(_)) => (
            format!("Gateway: reconnecting in {} s", retry_in_ms.div_ceil(1000)),
            TrayIconKind::Busy,
            false,
            true,
        ),
        (GatewayState::Crashed { .. }, Some(_)) => (
            "Gateway: cannot connect".into(),
            TrayIconKind::Error,
            false,
            false,
        ),
        (GatewayState::Stopped, Some(host)) => (
            format!("Gateway: not connected to {host}"),
            TrayIconKind::Stopped,
            false,
            false,
        ),
        (GatewayState::Running { port, .. }, None) => (
            format!("Gateway: running on port {port}"),
            TrayIconKind::Running,
            true,
            false,
        ),
        (GatewayState::Starting, _) => {
            ("Gateway: starting…".into(), TrayIconKind::Busy, false, true)
        }
        (GatewayState::Stopping, _) => {
            ("Gateway: stopping…".into(), TrayIconKind::Busy, false, true)
        }
        (GatewayState::Restarting { retry_in_ms }, _) => (
            format!("Gateway: restarting in {} s", retry_in_ms.div_ceil(1000)),
            TrayIconKind::Busy,
            false,
            true,
        ),
        (GatewayState::Crashed { .. }, _) => {
            ("Gateway: crashed".into(), TrayIconKind::Error, false, false)
        }
        (GatewayState::Stopped, _) => (
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

/// `host[:port]` of a gateway URL, for short labels.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

impl<R: Runtime> Tray<R> {
    /// Reflects a status in the icon, tooltip and menu.
    pub fn update(&self, status: &Status) {
        let v = view(status);
        let _ = self.status.set_text(&v.label);
        let _ = self.start.set_enabled(v.can_start);
        let _ = self.stop.set_enabled(v.can_stop);
        let _ = self.restart.set_enabled(v.can_restart);
        if let Ok(mut live) = self.live.lock() {
            live.kind = v.icon;
            live.label = v.label;
            self.paint(&live);
        }
    }

    /// Reflects the pending approvals in the badge, the count and the menu.
    pub fn set_pending(&self, pending: &[ApprovalView]) {
        let Ok(mut live) = self.live.lock() else {
            return;
        };
        for item in live.approval_items.drain(..) {
            let _ = self.menu.remove(item.as_ref());
        }
        let lines = approval_lines(pending);
        let mut items: Vec<Box<dyn IsMenuItem<R> + Send + Sync>> = Vec::new();
        for (id, text) in &lines {
            if let Ok(item) = MenuItem::with_id(&self.app, id, text, true, None::<&str>) {
                items.push(Box::new(item));
            }
        }
        if !items.is_empty()
            && let Ok(sep) = PredefinedMenuItem::separator(&self.app)
        {
            items.push(Box::new(sep));
        }
        // Right under "Open Tidepool" and its separator, where they are seen first.
        for (i, item) in items.iter().enumerate() {
            let _ = self.menu.insert(item.as_ref(), 2 + i);
        }
        live.approval_items = items;
        live.pending = pending.len();
        self.paint(&live);
    }

    fn paint(&self, live: &Live<R>) {
        let bytes = match live.kind {
            TrayIconKind::Running => ICON_RUNNING,
            TrayIconKind::Stopped => ICON_STOPPED,
            TrayIconKind::Busy => ICON_STARTING,
            TrayIconKind::Error => ICON_ERROR,
        };
        if let Ok(img) = Image::from_bytes(bytes) {
            let img = if live.pending > 0 {
                let (w, h) = (img.width(), img.height());
                let mut rgba = img.rgba().to_vec();
                paint_badge(&mut rgba, w, h);
                Image::new_owned(rgba, w, h)
            } else {
                img
            };
            let _ = self.icon.set_icon(Some(img));
        }
        let state = live.label.trim_start_matches("Gateway: ");
        let tip = match live.pending {
            0 => format!("Tidepool — {state}"),
            1 => format!("Tidepool — {state} · 1 command waits for approval"),
            n => format!("Tidepool — {state} · {n} commands wait for approval"),
        };
        let _ = self.icon.set_tooltip(Some(tip));
        let _ = self
            .icon
            .set_title((live.pending > 0).then(|| live.pending.to_string()));
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
            remote: None,
            host: None,
            managed_by: None,
        }
    }

    fn pending(n: usize) -> Vec<ApprovalView> {
        (0..n)
            .map(|i| {
                let record = serde_json::from_value(serde_json::json!({
                    "id": format!("a{i}"), "kind": "exec", "requestedBy": "agent:main",
                    "command": format!("ls -la /some/rather/long/path/that/goes/on/and/on/{i}"),
                    "status": "pending", "rulesAdded": [], "createdAtMs": 0, "expiresAtMs": 1,
                    "detail": { "decision": "ask", "mode": "ask", "reason": "", "parts": [],
                                "suggestedRules": [] },
                }))
                .unwrap();
                tidepool_control::approvals::approval_view(&record)
            })
            .collect()
    }

    #[test]
    fn the_menu_lists_pending_approvals_and_sums_up_the_rest() {
        assert!(approval_lines(&[]).is_empty());
        let one = approval_lines(&pending(1));
        assert_eq!(one[0].1, "1 command waits for approval");
        assert_eq!(one[1].0, "approval:a0");
        assert!(one[1].1.starts_with("    Review: ls -la /some"));
        assert!(one[1].1.ends_with('…'), "{}", one[1].1);
        let many = approval_lines(&pending(8));
        assert_eq!(many[0].1, "8 commands wait for approval");
        assert_eq!(many.len(), 1 + MENU_APPROVALS + 1);
        assert_eq!(many.last().map(|l| l.1.as_str()), Some("    … and 3 more"));
    }

    #[test]
    fn only_the_actions_the_menu_enables_are_carried_out() {
        let stopped = view(&status(GatewayState::Stopped));
        assert!(allowed(&stopped, "start"));
        assert!(
            !allowed(&stopped, "restart"),
            "a stale Restart click would start it"
        );
        assert!(!allowed(&stopped, "stop"));
        let starting = view(&status(GatewayState::Starting));
        // While it starts, only Stop is offered.
        assert!(!allowed(&starting, "start"));
        assert!(allowed(&starting, "stop"));
        assert!(!allowed(&starting, "restart"));
        let running = view(&status(GatewayState::Running {
            pid: Some(1),
            port: 18789,
            version: "0.1.0".into(),
        }));
        assert!(!allowed(&running, "start"));
        assert!(allowed(&running, "restart") && allowed(&running, "stop"));
        assert!(!allowed(&stopped, "open"), "not a gateway action");
    }

    #[test]
    fn the_badge_paints_the_top_right_corner_only() {
        let (w, h) = (64u32, 64u32);
        let mut rgba = vec![0u8; (w * h * 4) as usize];
        paint_badge(&mut rgba, w, h);
        let px = |x: u32, y: u32| {
            let i = ((y * w + x) * 4) as usize;
            [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
        };
        // Centre of the badge: amber; its rim: white; elsewhere untouched.
        let r = 64.0 * 0.24;
        let (cx, cy) = ((64.0 - r - 1.0) as u32, (r + 1.0) as u32);
        assert_eq!(px(cx, cy), [245, 158, 11, 255]);
        assert_eq!(px(cx, 1), [255, 255, 255, 255]);
        assert_eq!(px(5, 60), [0, 0, 0, 0]);
        assert_eq!(px(32, 32), [0, 0, 0, 0]);
        // A short buffer is not written past its end.
        let mut short = vec![0u8; 10];
        paint_badge(&mut short, w, h);
    }

    #[test]
    fn every_state_has_a_label_an_icon_and_the_right_actions() {
        let running = view(&status(GatewayState::Running {
            pid: Some(1),
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

    #[test]
    fn a_remote_gateway_is_named_by_its_host() {
        let remote = |state| Status {
            remote: Some("wss://gw.example.com:8443/ws".into()),
            ..status(state)
        };
        let connected = view(&remote(GatewayState::Running {
            pid: None,
            port: 8443,
            version: "0.1.0".into(),
        }));
        assert_eq!(connected.label, "Gateway: connected to gw.example.com:8443");
        assert!(connected.can_stop && connected.can_restart);
        let retry = view(&remote(GatewayState::Restarting { retry_in_ms: 4000 }));
        assert_eq!(retry.label, "Gateway: reconnecting in 4 s");
        let down = view(&remote(GatewayState::Stopped));
        assert_eq!(down.label, "Gateway: not connected to gw.example.com:8443");
        assert!(down.can_start);
    }

    #[test]
    fn a_hosts_gateway_is_named_by_the_host_not_its_tunnel() {
        let on_host = |state| Status {
            url: Some("ws://127.0.0.1:41234".into()),
            host: Some(tidepool_control::remote::HostRef {
                id: "h1".into(),
                name: "Home server".into(),
            }),
            ..status(state)
        };
        let connected = view(&on_host(GatewayState::Running {
            pid: None,
            port: 41234,
            version: "0.1.0".into(),
        }));
        assert_eq!(connected.label, "Gateway: connected to Home server");
        let down = view(&on_host(GatewayState::Stopped));
        assert_eq!(down.label, "Gateway: not connected to Home server");
    }
}
