//! Watches that end the gateway when the app that started it goes away: a parent pid that
//! exits, or a stdin pipe that closes. Both resolve within ~0.5 s of the event.

use std::time::Duration;

/// Why the gateway is stopping on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCause {
    /// The process given by `--parent-pid` exited.
    ParentExited,
    /// Our stdin pipe reached end-of-file (the parent closed it or died).
    StdinClosed,
}

impl ExitCause {
    /// The `shutdown` event reason.
    pub fn reason(self) -> &'static str {
        match self {
            ExitCause::ParentExited => "parent-exited",
            ExitCause::StdinClosed => "stdin-closed",
        }
    }
}

const POLL: Duration = Duration::from_millis(250);

/// Resolves when `pid` no longer runs.
pub async fn parent_exit(pid: u32) -> ExitCause {
    loop {
        if !process_alive(pid) {
            return ExitCause::ParentExited;
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks that the process exists; no signal is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    // EPERM: it exists but belongs to another user.
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(windows)]
#[allow(unsafe_code)]
fn process_alive(pid: u32) -> bool {
    use windows_sys::Win32::Foundation::{CloseHandle, WAIT_TIMEOUT};
    use windows_sys::Win32::System::Threading::{
        OpenProcess, PROCESS_SYNCHRONIZE, WaitForSingleObject,
    };
    // SAFETY: plain Win32 calls on a handle we own and close.
    unsafe {
        let h = OpenProcess(PROCESS_SYNCHRONIZE, 0, pid);
        if h.is_null() {
            return false;
        }
        let r = WaitForSingleObject(h, 0);
        CloseHandle(h);
        r == WAIT_TIMEOUT
    }
}

/// Whether stdin is a pipe, the only case in which EOF means "the parent is gone". A terminal,
/// `/dev/null` (services) or a file never triggers the watch.
pub fn stdin_is_pipe() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata("/dev/stdin")
            .map(|m| m.file_type().is_fifo() || m.file_type().is_socket())
            .unwrap_or(false)
    }
    #[cfg(windows)]
    {
        windows_stdin_is_pipe()
    }
}

#[cfg(windows)]
#[allow(unsafe_code)]
fn windows_stdin_is_pipe() -> bool {
    use windows_sys::Win32::Storage::FileSystem::{FILE_TYPE_PIPE, GetFileType};
    use windows_sys::Win32::System::Console::{GetStdHandle, STD_INPUT_HANDLE};
    // SAFETY: querying the type of our own standard handle.
    unsafe {
        let h = GetStdHandle(STD_INPUT_HANDLE);
        !h.is_null() && GetFileType(h) == FILE_TYPE_PIPE
    }
}

/// Resolves when stdin reaches end-of-file. Input is read and discarded.
pub async fn stdin_closed() -> ExitCause {
    // A plain thread: tokio's stdin also uses a blocking thread, and this one must not keep
    // the runtime from shutting down.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 1024];
            let mut stdin = std::io::stdin();
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
    if spawned.is_err() {
        return std::future::pending().await;
    }
    let _ = rx.await;
    ExitCause::StdinClosed
}
