//! Log history and export.

use crate::error::{AppError, AppResult};
use crate::events::LogBatch;
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

/// Batches follower output into one event per ~50 ms so a log flood cannot swamp the UI.
pub(crate) fn forward(
    app: tauri::AppHandle,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Vec<tidepool_control::LogLine>>,
) {
    tauri::async_runtime::spawn(async move {
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
            if let Ok(mut buf) = app.state::<AppState>().logs.lock() {
                buf.extend(batch.iter().cloned());
            }
            let _ = LogBatch(batch).emit(&app);
        }
    });
}
