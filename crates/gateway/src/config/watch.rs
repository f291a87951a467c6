//! Hot reload: watches the config file and the files it `$include`s, re-validates after an edit
//! (100 ms debounce) and swaps it in; an invalid edit is logged and ignored, and the running
//! config stays. `gateway.reload.mode: "off"` leaves edits for the next start.

use crate::state::Shared;
use notify::{RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DEBOUNCE: Duration = Duration::from_millis(100);

/// The real path of a file that may not exist (yet): its directory's real path and its name.
fn real(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(d), Some(n)) => d
            .canonicalize()
            .map(|d| d.join(n))
            .unwrap_or(p.to_path_buf()),
        _ => p.to_path_buf(),
    }
}

/// The files whose edits matter: the config and what it includes now.
fn relevant(shared: &Shared) -> HashSet<PathBuf> {
    let mut files: HashSet<PathBuf> = shared
        .config
        .store
        .snapshot()
        .loaded
        .includes
        .iter()
        .map(|p| real(p))
        .collect();
    files.insert(real(shared.config.store.path()));
    files
}

/// Watches the folders of `files` not watched yet.
fn follow(watcher: &mut impl Watcher, files: &HashSet<PathBuf>, dirs: &mut HashSet<PathBuf>) {
    for dir in files.iter().filter_map(|f| f.parent()) {
        if !dirs.contains(dir) {
            match watcher.watch(dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    dirs.insert(dir.to_path_buf());
                }
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot watch an included file's folder")
                }
            }
        }
    }
}

/// Starts the watcher task (it ends when the gateway shuts down).
pub(crate) fn spawn(shared: Arc<Shared>) {
    let files = Arc::new(Mutex::new(relevant(&shared)));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(16);
    let seen = files.clone();
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && let Ok(files) = seen.lock()
            && ev.paths.iter().any(|p| files.contains(p))
        {
            let _ = tx.try_send(());
        }
    })
    .and_then(|mut w| {
        let main = real(shared.config.store.path());
        let dir = main.parent().unwrap_or(Path::new(".")).to_path_buf();
        w.watch(&dir, RecursiveMode::NonRecursive).map(|()| w)
    });
    let watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the config file; edits apply at the next start");
            return;
        }
    };
    // Every folder is watched before the gateway says it is ready, so an edit made right after
    // start-up is seen.
    let mut watcher = watcher;
    let mut dirs = HashSet::new();
    if let Some(d) = real(shared.config.store.path()).parent() {
        dirs.insert(d.to_path_buf());
    }
    if let Ok(f) = files.lock() {
        follow(&mut watcher, &f, &mut dirs);
    }
    tokio::spawn(async move {
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
            let mode = shared
                .config
                .store
                .snapshot()
                .loaded
                .config
                .gateway
                .reload
                .mode;
            if mode == crate::config::ReloadMode::Off {
                tracing::info!(
                    "config file edited; not applied because gateway.reload.mode is \"off\": restart the gateway to apply it"
                );
                continue;
            }
            let store = shared.config.store.clone();
            let reloaded = tokio::task::spawn_blocking(move || store.reload()).await;
            // Includes may have been added or removed: follow the new set before anyone hears
            // of the change, so an edit made right after `config.changed` is not missed.
            let now = relevant(&shared);
            follow(&mut watcher, &now, &mut dirs);
            if let Ok(mut f) = files.lock() {
                *f = now;
            }
            match reloaded {
                Ok(Ok(Some(change))) => {
                    shared.chat.metrics.config_reload("applied");
                    crate::config::methods::announce(&shared, &change, "file");
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => {
                    shared.chat.metrics.config_reload("rejected");
                    tracing::warn!(error = %e, "config edit ignored: the file is not valid; the running config stays");
                }
                Err(e) => tracing::warn!(error = %e, "config reload failed"),
            }
        }
    });
}
