//! One gateway per state directory: an exclusive OS lock on `gateway.lock`, which also records
//! the holder's pid so a second start can say who holds it. The OS drops the lock when the
//! process dies, however it dies, so a stale file never blocks a start.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held state-dir lock; released on drop.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "another gateway is already running for state dir {dir} (pid {pid}); stop it first or use another --state-dir"
    )]
    Held {
        /// The state dir.
        dir: String,
        /// The pid in the lock file, or `unknown`.
        pid: String,
    },
    /// The lock file could not be opened.
    #[error("cannot open lock file {path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

impl StateLock {
    /// Takes the lock at `path` without waiting, and writes our pid into it.
    pub fn acquire(path: &Path) -> Result<StateLock, LockError> {
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut file = opts.open(path).map_err(io)?;
        // A lock file left by an older version may be 0644.
        crate::fsutil::restrict_file(path);
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(LockError::Held {
                    dir: path
                        .parent()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    pid: if pid.is_empty() {
                        "unknown".into()
                    } else {
                        pid.to_owned()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(StateLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Who holds the lock at `path` now: `Some(pid)` (0 when the file names none) while a
    /// gateway runs for that state dir, `None` when nobody does.
    pub fn holder(path: &Path) -> Option<u32> {
        let mut file = OpenOptions::new().read(true).open(path).ok()?;
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                Some(pid.trim().parse().unwrap_or(0))
            }
            Err(TryLockError::Error(_)) => None,
        }
    }

    /// Waits until nobody holds the lock at `path` (the gateway has exited and the OS released
    /// it), at most `timeout`; true when released.
    pub fn wait_released(path: &Path, timeout: std::time::Duration) -> bool {
        let Ok(file) = OpenOptions::new().read(true).open(path) else {
            return true;
        };
        let (tx, rx) = std::sync::mpsc::channel();
        // A blocking lock wakes the moment the holder's lock goes; the thread ends with it (or
        // with the process, if the holder never lets go).
        std::thread::spawn(move || {
            let released = file.lock_shared().is_ok();
            let _ = file.unlock();
            let _ = tx.send(released);
        });
        rx.recv_timeout(timeout).unwrap_or(false)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Leave the file (another starter may have it open); clearing the pid avoids naming a
        // dead process if anything reads it without taking the lock.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_names_the_holder_and_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gateway.lock");
        let first = StateLock::acquire(&path).unwrap();
        let err = StateLock::acquire(&path).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert_eq!(StateLock::holder(&path), Some(std::process::id()));
        assert!(!StateLock::wait_released(
            &path,
            std::time::Duration::from_millis(50)
        ));
        drop(first);
        assert_eq!(StateLock::holder(&path), None);
        assert!(StateLock::wait_released(
            &path,
            std::time::Duration::from_secs(5)
        ));
        assert!(StateLock::acquire(&path).is_ok());
    }
}
