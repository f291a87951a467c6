//! Start, stop, restart and observe the gateway.

use crate::error::AppResult;
use crate::events::{GatewayMetrics, GatewayStatusChanged};
use crate::state::{AppState, METRIC_SAMPLES};
use crate::tray;
use std::time::Duration;
use tauri::{Manager, State};
use tauri_specta::Event;
use tidepool_control::Status;

/// The supervisor's current status.
#[tauri::command]
#[specta::specta]
pub fn gateway_status(state: State<'_, AppState>) -> Status {
    state.supervisor.status()
}

/// Starts the gateway; resolves when it runs (or with why it could not).
#[tauri::command]
#[specta::specta]
pub async fn gateway_start(state: State<'_, AppState>) -> AppResult<Status> {
    state.supervisor.start().await?;
    Ok(state.supervisor.status())
}

/// Stops the gateway gracefully.
#[tauri::command]
#[specta::specta]
pub async fn gateway_stop(state: State<'_, AppState>) -> AppResult<Status> {
    state.supervisor.stop().await?;
    Ok(state.supervisor.status())
}

/// Restarts the gateway.
#[tauri::command]
#[specta::specta]
pub async fn gateway_restart(state: State<'_, AppState>) -> AppResult<Status> {
    state.supervisor.restart().await?;
    Ok(state.supervisor.status())
}

/// Recent metric samples, oldest first.
#[tauri::command]
#[specta::specta]
pub fn gateway_metrics(state: State<'_, AppState>) -> Vec<GatewayMetrics> {
    state
        .metrics
        .lock()
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default()
}

/// Sends every supervisor status to the window and the tray.
pub(crate) fn forward_status(
    app: tauri::AppHandle,
    mut rx: tokio::sync::watch::Receiver<tidepool_control::Status>,
    tray: Option<std::sync::Arc<tray::Tray<tauri::Wry>>>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            let status = rx.borrow_and_update().clone();
            if let Some(t) = &tray {
                // On the main thread, without waiting: the tray's calls wait for the main
                // thread, and a Tokio worker blocked on them could starve the runtime while
                // the main thread waits for the gateway to stop (at exit): a deadlock.
                let (t, s) = (t.clone(), status.clone());
                let _ = app.run_on_main_thread(move || t.update(&s));
            }
            let _ = GatewayStatusChanged(status).emit(&app);
            if rx.changed().await.is_err() {
                break;
            }
        }
    });
}

/// Hands the running gateway's events to the features that show them (config, approvals, chat),
/// following restarts; the pending approvals are re-read at each (re)connect.
pub(crate) fn forward_events(
    app: tauri::AppHandle,
    mut status: tokio::sync::watch::Receiver<tidepool_control::Status>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            let client = app.state::<AppState>().supervisor.client();
            match client {
                Some(c) => {
                    let mut events = c.events();
                    crate::approvals::refresh(&app).await;
                    loop {
                        tokio::select! {
                            ev = events.recv() => match ev {
                                // Each feature takes the events it knows; the first to take one wins.
                                Ok(ev) if crate::commands::config::on_gateway_event(&app, &ev) => {}
                                Ok(ev) if crate::approvals::on_gateway_event(&app, &ev) => {}
                                Ok(ev) if crate::commands::chat::on_gateway_event(&app, &ev) => {}
                                Ok(_) => {}
                                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                                    // Missed events may include approvals: re-read them.
                                    crate::approvals::refresh(&app).await;
                                }
                                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                            },
                            changed = status.changed() => {
                                if changed.is_err() {
                                    return;
                                }
                                break;
                            }
                        }
                    }
                }
                None => {
                    crate::approvals::refresh(&app).await;
                    if status.changed().await.is_err() {
                        return;
                    }
                }
            }
        }
    });
}

/// Samples the gateway's memory, connections and uptime every 2 s for the dashboard's charts.
pub(crate) fn sample_metrics(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let state = app.state::<AppState>();
            let Some(client) = state.supervisor.client() else {
                continue;
            };
            let Ok(s) = tidepool_control::supervisor::sample(&client).await else {
                continue;
            };
            let sample = GatewayMetrics {
                ts: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(0))
                    .unwrap_or(0),
                rss_bytes: s.rss_bytes,
                connections: s.connections,
                requests: s.requests,
                uptime_ms: s.uptime_ms,
                active_runs: s.active_runs,
                runs: s.runs,
                pending_approvals: s.pending_approvals,
                providers: s.providers,
            };
            if let Ok(mut m) = state.metrics.lock() {
                if m.len() == METRIC_SAMPLES {
                    m.pop_front();
                }
                m.push_back(sample.clone());
            }
            let _ = sample.emit(&app);
        }
    });
}
