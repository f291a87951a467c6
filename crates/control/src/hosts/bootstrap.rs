//! For a user who only has a password: the app creates an ed25519 key of its own, logs in once
//! with the password (handed to `ssh` through [`Askpass`], never on a command line, in a file or
//! in the store) to append the public key to the account's `authorized_keys`, and uses the key
//! from then on. The host key is checked as strictly as for every other connection.

use super::{Askpass, HostError, HostSpec, PoolConfig};
use std::path::{Path, PathBuf};

/// What runs on the host: fixed text, no part of it comes from the user (the key arrives on
/// stdin).
const APPEND_KEY: &str =
    "umask 077 && mkdir -p \"$HOME/.ssh\" && cat >> \"$HOME/.ssh/authorized_keys\"";

/// Creates a key in `key_dir`, installs its public half on `spec` by logging in once with
/// `password` (`helper`: the `tidepool` binary, `ssh`'s askpass), and returns the private key's
/// path. A refused password or an unreachable host leaves no key behind.
pub async fn install_key_with_password(
    cfg: &PoolConfig,
    spec: &HostSpec,
    password: String,
    key_dir: &Path,
    helper: &Path,
) -> Result<PathBuf, HostError> {
    spec.validate().map_err(HostError::Address)?;
    if password.is_empty() {
        return Err(HostError::Local("enter the account's password".into()));
    }
    let local = |what: &str, e: &dyn std::fmt::Display| HostError::Local(format!("{what}: {e}"));
    tidepool_platform::create_private_dir(key_dir)
        .map_err(|e| local(&format!("cannot create {}", key_dir.display()), &e))?;
    let key = key_dir.join(format!("id_ed25519_{}", tidepool_platform::random_hex(6)));
    let out = crate::process::command("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C"])
        .arg(format!("tidepool@{}", spec.host))
        .arg("-f")
        .arg(&key)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| local("cannot run ssh-keygen", &e))?;
    if !out.status.success() {
        return Err(HostError::Local(format!(
            "ssh-keygen could not create a key: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let result = append_key(cfg, spec, password, &key, helper).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&key);
        let _ = std::fs::remove_file(key.with_extension("pub"));
    }
    result.map(|()| key)
}

async fn append_key(
    cfg: &PoolConfig,
    spec: &HostSpec,
    password: String,
    key: &Path,
    helper: &Path,
) -> Result<(), HostError> {
    use tokio::io::AsyncWriteExt;
    let public = std::fs::read(key.with_extension("pub"))
        .map_err(|e| HostError::Local(format!("cannot read the new public key: {e}")))?;
    // One answer: a wrong password is not asked again (ssh then gives up).
    let askpass = Askpass::serve(&cfg.control_dir, helper, password, 1)?;
    let mut cmd = crate::process::command("ssh");
    cmd.arg("-o")
        .arg(format!("UserKnownHostsFile={}", cfg.known_hosts.display()));
    for o in [
        "StrictHostKeyChecking=yes",
        "GlobalKnownHostsFile=/dev/null",
        "BatchMode=no",
        "PubkeyAuthentication=no",
        "PreferredAuthentications=password,keyboard-interactive",
        "NumberOfPasswordPrompts=1",
        "ControlMaster=no",
        "ControlPath=none",
    ] {
        cmd.args(["-o", o]);
    }
    cmd.arg("-o").arg(format!(
        "ConnectTimeout={}",
        cfg.connect_timeout.as_secs().max(1)
    ));
    if let Some(c) = &cfg.ssh_config {
        cmd.arg("-F").arg(c);
    }
    if let Some(p) = spec.port {
        cmd.arg("-p").arg(p.to_string());
    }
    if let Some(u) = &spec.user {
        cmd.arg("-l").arg(u);
    }
    // The host was validated; `--` ends the options all the same.
    cmd.arg("--").arg(&spec.host).arg(APPEND_KEY);
    askpass.apply(&mut cmd);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| HostError::Local(format!("cannot run ssh: {e}")))?;
    if let Some(mut w) = child.stdin.take() {
        let _ = w.write_all(&public).await;
    }
    let out = tokio::time::timeout(
        cfg.connect_timeout + std::time::Duration::from_secs(20),
        child.wait_with_output(),
    )
    .await
    .map_err(|_| HostError::Unreachable {
        host: spec.to_string(),
        detail: "no answer (a firewall, or the host is down)".into(),
    })?
    .map_err(|e| HostError::Local(format!("ssh failed: {e}")))?;
    drop(askpass);
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(255) {
        // Logged in; the command there failed (a read-only home, a full disk).
        return Err(HostError::Remote(format!(
            "logged in to {spec}, but the key could not be added to ~/.ssh/authorized_keys: {}",
            said.lines().last().unwrap_or("no reason given")
        )));
    }
    Err(match HostError::from_ssh_text(spec, &said) {
        HostError::AuthRefused { host, user, .. } => HostError::AuthRefused {
            host,
            user,
            detail: "the password was not accepted".into(),
        },
        other => other,
    })
}
