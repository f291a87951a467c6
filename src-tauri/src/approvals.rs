//! Pending exec approvals, followed for the whole app: whenever the set changes the window
//! gets the list, the tray its badge and menu, and each new one raises a native notification
//! and brings the window forward (where the prompt is), even from the tray.

use crate::events::ApprovalsPending;
use crate::state::AppState;
use crate::tray::Tray;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;
use tidepool_control::approvals::{self, ApprovalView};

/// What the app knows about pending approvals.
#[derive(Default)]
pub struct ApprovalWatch {
    seen: Mutex<HashSet<String>>,
    /// Serializes refreshes so two events cannot announce the same arrival twice.
    refresh: tokio::sync::Mutex<()>,
}

/// The tray, when the desktop has one.
pub struct TrayHandle<R: Runtime>(pub Option<Arc<Tray<R>>>);

/// Re-reads the pending approvals when the gateway announces a change to them; false for
/// other events.
pub fn on_gateway_event(app: &AppHandle, ev: &tidepool_protocol::EventFrame) -> bool {
    if !tidepool_protocol::exec::is_approval_event(&ev.event) {
        return false;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move { refresh(&app).await });
    true
}

/// Fetches the pending approvals and announces what changed.
pub async fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let watch = app.state::<ApprovalWatch>();
    let _one = watch.refresh.lock().await;
    let list = match state.supervisor.client() {
        Some(c) => match approvals::pending(&c).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list pending approvals");
                return;
            }
        },
        None => Vec::new(),
    };
    let new: Vec<ApprovalView> = {
        let Ok(mut seen) = watch.seen.lock() else {
            return;
        };
        let new = approvals::arrivals(&seen, &list)
            .into_iter()
            .cloned()
            .collect();
        *seen = list.iter().map(|a| a.id.clone()).collect();
        new
    };
    let _ = ApprovalsPending(list.clone()).emit(app);
    if let Some(t) = &app.state::<TrayHandle<R>>().0 {
        // On the main thread, without waiting (see `forward_status`).
        let (t, l) = (t.clone(), list.clone());
        let _ = app.run_on_main_thread(move || t.set_pending(&l));
    }
    if let Some(w) = app.get_webview_window("main") {
        let n = i64::try_from(list.len()).unwrap_or(i64::MAX);
        let _ = w.set_badge_count((n > 0).then_some(n));
    }
    if new.is_empty() {
        return;
    }
    for a in &new {
        notify(app, a);
    }
    if state.settings().approval_popup {
        crate::tray::show_main(app);
        if let Some(w) = app.get_webview_window("main") {
            let _ = w.request_user_attention(Some(tauri::UserAttentionType::Critical));
        }
    }
}

fn notify<R: Runtime>(app: &AppHandle<R>, a: &ApprovalView) {
    let who = a.agent_id.as_deref().unwrap_or("An agent");
    let r = app
        .notification()
        .builder()
        .title("Tidepool: allow this command?")
        .body(format!(
            "{who} wants to run: {}",
            approvals::headline(a, 120)
        ))
        .show();
    if let Err(e) = r {
        tracing::debug!(error = %e, "no desktop notification");
    }
}
