//! Shared by the control crate's integration tests (the fake gateway in this folder is a
//! separate binary target).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

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
