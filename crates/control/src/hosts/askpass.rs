//! Handing a password or passphrase to `ssh` without a terminal, a command line, a file or an
//! environment variable holding it: `ssh` runs `SSH_ASKPASS` (the `tidepool` binary, which acts
//! as the helper when `TIDEPOOL_ASKPASS_SOCKET` is set) and the helper reads the secret from a
//! Unix socket in an owner-only directory that this side serves a bounded number of times.

use super::HostError;
use std::path::{Path, PathBuf};

/// The environment variable that makes `tidepool` print the secret served at that socket.
pub use tidepool_platform::ASKPASS_SOCKET_ENV as SOCKET_ENV;

/// A secret served to at most `times` askpass requests while this lives.
pub struct Askpass {
    dir: PathBuf,
    socket: PathBuf,
    helper: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Askpass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Askpass")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

impl Askpass {
    /// Serves `secret` from a fresh socket under `runtime_dir`; `helper` is the `tidepool`
    /// binary `ssh` will run. Needs a Tokio runtime.
    #[cfg(unix)]
    pub fn serve(
        runtime_dir: &Path,
        helper: &Path,
        secret: String,
        times: usize,
    ) -> Result<Askpass, HostError> {
        use tokio::io::AsyncWriteExt;
        let local =
            |e: std::io::Error| HostError::Local(format!("cannot hand the secret to ssh: {e}"));
        let dir = runtime_dir.join(format!("askpass-{}", tidepool_platform::random_hex(6)));
        tidepool_platform::create_private_dir(&dir).map_err(local)?;
        let socket = dir.join("s");
        // Our uid: the owner of the directory just created.
        let me = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(&dir).map_err(local)?.uid()
        };
        let listener = tokio::net::UnixListener::bind(&socket).map_err(local)?;
        let task = tokio::spawn(async move {
            for _ in 0..times {
                let Ok((mut conn, _)) = listener.accept().await else {
                    return;
                };
                // Only our own user can reach the socket (0700 dir); check the peer anyway.
                let same_user = conn.peer_cred().is_ok_and(|c| c.uid() == me);
                if same_user {
                    let _ = conn.write_all(secret.as_bytes()).await;
                }
                let _ = conn.shutdown().await;
            }
        });
        Ok(Askpass {
            dir,
            socket,
            helper: helper.to_path_buf(),
            task,
        })
    }

    /// Not on this OS yet: a clear refusal instead of a hang at a prompt nobody sees.
    #[cfg(not(unix))]
    pub fn serve(
        _runtime_dir: &Path,
        _helper: &Path,
        _secret: String,
        _times: usize,
    ) -> Result<Askpass, HostError> {
        Err(HostError::Local(
            "signing in with a password is not supported on this OS yet: use a key or your SSH agent".into(),
        ))
    }

    /// Makes `cmd` (an `ssh` or `ssh-add`) ask this helper instead of a terminal.
    pub fn apply(&self, cmd: &mut tokio::process::Command) {
        cmd.env("SSH_ASKPASS", &self.helper)
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env(
                "DISPLAY",
                std::env::var_os("DISPLAY").unwrap_or_else(|| ":0".into()),
            )
            .env(SOCKET_ENV, &self.socket)
            .stdin(std::process::Stdio::null());
    }
}

impl Drop for Askpass {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}
