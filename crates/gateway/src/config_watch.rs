//! Hot reload: watches the config file, re-validates it after an edit (100 ms debounce) and
//! swaps it in; an invalid edit is logged and ignored, and the running config stays.

use crate::config_methods::CONFIG_CHANGED;
use crate::server::Shared;
use notify::{RecursiveMode, Watcher};
use std::sync::Arc;
use std::time::Duration;

const DEBOUNCE: Duration = Duration::from_millis(100);

/// Starts the watcher task (it ends when the gateway shuts down).
pub(crate) fn spawn(shared: Arc<Shared>) {
    let path = shared.config_store.path().to_path_buf();
    let Some(dir) = path.parent().map(|d| d.to_path_buf()) else {
        return;
    };
    let name = path.file_name().map(|n| n.to_os_string());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(16);
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && ev
                .paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_os_string()) == name)
        {
            let _ = tx.try_send(());
        }
    })
    .and_then(|mut w| w.watch(&dir, RecursiveMode::NonRecursive).map(|()| w));
    let watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the config file; edits apply at the next start");
            return;
        }
    };
    tokio::spawn(async move {
        let _keep = watcher;
        loop {
            tokio::select! {
                _ = shared.shutdown.cancelled() => return,
                ev = rx.recv() => if ev.is_none() { return },
            }
            // Editors write in several steps: wait for the burst to end.
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(DEBOUNCE) => break,
                    more = rx.recv() => if more.is_none() { return },
                }
            }
            let store = shared.config_store.clone();
            match tokio::task::spawn_blocking(move || store.reload()).await {
                Ok(Ok(Some(change))) => {
                    crate::config_methods::apply_hot(&shared, &change);
                    tracing::info!(changed = ?change.changed, restart_required = ?change.restart_required, "config file changed");
                    shared.broadcast(
                        CONFIG_CHANGED,
                        serde_json::json!({
                            "hash": change.hash,
                            "changed": change.changed,
                            "restartRequired": change.restart_required,
                            "source": "file",
                        }),
                    );
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "config edit ignored: the file is not valid; the running config stays");
                }
                Err(e) => tracing::warn!(error = %e, "config reload failed"),
            }
        }
    });
}
