//! `tidepool config ...` on a state dir, with and without a running gateway.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::BIN;
use std::path::Path;
use std::process::Output;

fn tp(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .arg("config")
        .args(args)
        .arg("--state-dir")
        .arg(dir)
        .env_remove("TIDEPOOL_CONFIG_PATH")
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}
fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_owned()
}

#[test]
fn set_get_unset_validate_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("tidepool.json");
    assert_eq!(out(&tp(d, &["path"])), file.display().to_string());
    assert!(out(&tp(d, &["validate"])).contains("does not exist"));

    let o = tp(d, &["set", "gateway.port", "19000"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("Updated gateway.port (takes effect when the gateway restarts)"),
        "{}",
        out(&o)
    );
    let o = tp(d, &["set", "gateway.bind", "lan"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&tp(d, &["get", "gateway.port"])), "19000");
    assert_eq!(out(&tp(d, &["get", "gateway.bind"])), "lan");
    assert!(out(&tp(d, &["validate"])).contains("is valid"));

    // A value the schema refuses: nothing written, the reason names the key.
    let before = std::fs::read_to_string(&file).unwrap();
    let o = tp(d, &["set", "gateway.port", "eighty"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(err(&o).contains("gateway.port"), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);

    let o = tp(d, &["unset", "gateway.bind"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = tp(d, &["unset", "gateway.bind"]);
    assert_eq!(o.status.code(), Some(64));
    assert!(err(&o).contains("is not set"));

    // Break the file by hand; restore the last good one.
    std::fs::write(&file, "{ gateway: { port: 'x' } }").unwrap();
    let o = tp(d, &["validate"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(err(&o).contains("tidepool.json:1:"), "{}", err(&o));
    let o = tp(d, &["set", "logging.level", "debug"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(err(&o).contains("restore-last-good"), "{}", err(&o));
    let o = tp(d, &["restore-last-good"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("the replaced file is kept as"),
        "{}",
        out(&o)
    );
    assert!(out(&tp(d, &["validate"])).contains("is valid"));
    assert_eq!(out(&tp(d, &["get", "gateway.port"])), "19000");
}

#[test]
fn get_shows_variables_as_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tidepool.json"),
        "{ gateway: { auth: { mode: 'password', password: '${TP_CLI_SECRET_PW}' } } }",
    )
    .unwrap();
    let o = std::process::Command::new(BIN)
        .args(["config", "get", "gateway.auth.password", "--state-dir"])
        .arg(dir.path())
        .env("TP_CLI_SECRET_PW", "hunter2-hunter2")
        .output()
        .unwrap();
    assert_eq!(out(&o), "${TP_CLI_SECRET_PW}");
    let schema = out(&tp(dir.path(), &["schema"]));
    assert!(schema.contains("\"x-reloadKind\""));
}
