//! Shared by the control crate's integration tests (the fake gateway in this folder is a
//! separate binary target).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;
use tidepool_control::{SidecarConfig, Status, Supervisor};

/// The real gateway binary, built by the same workspace build (`cargo nextest run --workspace`).
pub fn tidepool_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("tidepool");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p tidepool-cli` first",
        bin.display()
    );
    bin
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
    let mut cfg = SidecarConfig::new(tidepool_bin(), state_dir.to_path_buf());
    cfg.port = 0;
    let sup = Supervisor::new(cfg);
    sup.start().await.unwrap();
    sup
}
