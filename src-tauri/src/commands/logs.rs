//! Log history and export.

use crate::error::{AppError, AppResult};
use crate::events::{LogBatch, LogsSource};
use crate::state::AppState;
use std::time::Duration;
use tauri::Manager;
use tauri::State;
use tauri_plugin_dialog::DialogExt;
use tauri_specta::Event;
use tidepool_control::LogLine;

/// The most recent `limit` lines (the live ones arrive as `LogBatch` events).
#[tauri::command]
#[specta::specta]
pub fn logs_recent(state: State<'_, AppState>, limit: u32) -> Vec<LogLine> {
    state
        .logs
        .lock()
        .map(|l| l.last(limit as usize))
        .unwrap_or_default()
}

/// Asks where to save, then writes `text` there; returns the path, or `Cancelled`.
#[tauri::command]
#[specta::specta]
pub async fn logs_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    text: String,
) -> AppResult<String> {
    let name = format!("tidepool-logs-{}.log", chrono_like_now());
    let picked = app
        .dialog()
        .file()
        .set_title("Export logs")
        .set_file_name(&name)
        .add_filter("Log file", &["log", "txt", "jsonl"])
        .blocking_save_file()
        .ok_or(AppError::Cancelled)?;
    let path = picked
        .into_path()
        .map_err(|e| AppError::Io(format!("cannot use that location: {e}")))?;
    std::fs::write(&path, text)
        .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(path.display().to_string())
}

fn chrono_like_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    secs.to_string()
}

/// Which gateway's log the app shows: `None` for this computer's (read from its files), else
/// the host's name or the remote gateway's URL (read through the connection).
fn source_of(s: &tidepool_control::Status) -> Option<String> {
    s.host
        .as_ref()
        .map(|h| h.name.clone())
        .or_else(|| s.remote.clone())
}

/// Follows the log of the gateway in use: this computer's files, or the gateway elsewhere
/// through its connection (`logs.tail` with a cursor). When the app switches gateway the old
/// follower stops, the kept lines are dropped and the window hears `LogsSource`.
pub(crate) fn follow_source(
    app: tauri::AppHandle,
    mut status: tokio::sync::watch::Receiver<tidepool_control::Status>,
    tx: tokio::sync::mpsc::UnboundedSender<Vec<tidepool_control::LogLine>>,
) {
    tauri::async_runtime::spawn(async move {
        let mut current = source_of(&status.borrow_and_update());
        let mut remote = None;
        loop {
            if current.is_some() && remote.is_none() {
                let state = app.state::<AppState>();
                if let Ok(mut f) = state.follower.lock() {
                    *f = None;
                }
                let handle = app.clone();
                let client: tidepool_control::remote_logs::ClientSource =
                    std::sync::Arc::new(move || handle.state::<AppState>().supervisor.client());
                remote = Some(tidepool_control::remote_logs::RemoteLogFollower::start(
                    client,
                    2_000,
                    0,
                    tx.clone(),
                ));
            }
            if status.changed().await.is_err() {
                return;
            }
            let next = source_of(&status.borrow_and_update());
            if next == current {
                continue;
            }
            remote = None;
            let state = app.state::<AppState>();
            if let Ok(mut l) = state.logs.lock() {
                l.clear();
            }
            if next.is_none()
                && let Ok(mut f) = state.follower.lock()
            {
                *f = Some(tidepool_control::LogFollower::start_into(
                    state.paths.log_dir.clone(),
                    2_000,
                    tx.clone(),
                ));
            }
            let _ = LogsSource {
                remote: next.clone(),
            }
            .emit(&app);
            current = next;
        }
    });
}

/// Batches follower output into one event per ~50 ms so a log flood cannot swamp the UI, and
/// numbers the lines in one sequence whichever follower read them.
pub(crate) fn forward(
    app: tauri::AppHandle,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Vec<tidepool_control::LogLine>>,
) {
    tauri::async_runtime::spawn(async move {
        let mut seq = 0u64;
        while let Some(first) = rx.recv().await {
            let mut batch = first;
            let deadline = tokio::time::sleep(Duration::from_millis(50));
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    more = rx.recv() => match more {
                        Some(m) => batch.extend(m),
                        None => break,
                    },
                }
            }
            for line in &mut batch {
                line.seq = seq;
                seq += 1;
            }
            if let Ok(mut buf) = app.state::<AppState>().logs.lock() {
                buf.extend(batch.iter().cloned());
            }
            let _ = LogBatch(batch).emit(&app);
        }
    });
}
