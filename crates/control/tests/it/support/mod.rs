//! Shared by the control crate's integration tests: the real gateway and the fake one (from
//! `tidepool-testkit`), found in the build's target dir and refused when stale.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub use tidepool_testkit::sshd;

use std::path::PathBuf;
use std::time::Duration;
use tidepool_control::{SidecarConfig, Status, Supervisor};

/// The real gateway binary, built by the same workspace build (`cargo nextest run --workspace`).
/// Refuses one older than the sources it is built from: a stale binary would test old code.
pub fn tidepool_bin() -> PathBuf {
    workspace_bin(
        "tidepool",
        "tidepool-cli",
        &[
            "cli",
            "gateway",
            "protocol",
            "client",
            "secrets",
            "process",
            "platform",
            "config-text",
        ],
    )
}

/// The fake gateway of `tidepool-testkit` (the supervisor tests' misbehaving stand-in).
pub fn fake_gateway_bin() -> PathBuf {
    workspace_bin("fake-gateway", "tidepool-testkit", &["testkit", "protocol"])
}

/// A binary of another workspace crate in this build's target dir, checked to exist and to be
/// newer than every `.rs` file of `crates` (the crates it is built from).
fn workspace_bin(name: &str, package: &str, crates: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p {package}` first (or test the whole workspace)",
        bin.display()
    );
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let newest = crates
        .iter()
        .filter_map(|c| newest_source(&root.join(c).join("src")))
        .max();
    if let Some((when, file)) = newest {
        assert!(
            when <= built,
            "{} is older than {}: run `cargo build -p {package}` (or test the whole workspace) first",
            bin.display(),
            file.display()
        );
    }
    bin
}

/// `tidepool_bin()` behind a wrapper in `dir` that pins the secrets store to the vault, so a
/// test never writes into the keyring of the developer running it (CI has none; a desktop
/// session has a real one). The wrapper `exec`s, so the pid is the gateway's.
pub fn tidepool_vault(dir: &std::path::Path) -> PathBuf {
    let script = dir.join("tidepool-vault.sh");
    let body = format!(
        "#!/bin/sh\nexport TIDEPOOL_SECRETS_BACKEND=vault\nunset TIDEPOOL_VAULT_PASSPHRASE\nexec '{}' \"$@\"\n",
        tidepool_bin().display()
    );
    std::fs::write(&script, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// The most recently changed `.rs` file under `dir`.
fn newest_source(dir: &std::path::Path) -> Option<(std::time::SystemTime, PathBuf)> {
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && let Ok(t) = entry.metadata().and_then(|m| m.modified())
                && newest.as_ref().is_none_or(|(n, _)| t > *n)
            {
                newest = Some((t, path));
            }
        }
    }
    newest
}

/// Waits (at most 15 s) for a published status that satisfies `pred`.
pub async fn wait_for(sup: &Supervisor, what: &str, pred: impl Fn(&Status) -> bool) -> Status {
    let mut rx = sup.watch();
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let s = rx.borrow_and_update().clone();
            if pred(&s) {
                return s;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never reached {what}; last status {:?}", sup.status()))
}

/// A supervisor running the real gateway for `state_dir` on any free port.
pub async fn start_gateway(state_dir: &std::path::Path) -> Supervisor {
    let mut cfg = SidecarConfig::new(tidepool_vault(state_dir), state_dir.to_path_buf());
    cfg.port = 0;
    let sup = Supervisor::new(cfg);
    sup.start().await.unwrap();
    sup
}
