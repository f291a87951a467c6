//! `tidepool config ...` on a state dir, with and without a running gateway.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

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
fn set_and_unset_keep_the_file_s_comments() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("tidepool.json");
    let start = "// mine\n{\n  gateway: {\n    port: 19000, // fixed for my firewall\n  },\n  /* later */\n  logging: { level: 'info' },\n}\n";
    std::fs::write(&file, start).unwrap();
    let o = tp(d, &["set", "gateway.bind", "lan"]);
    assert!(o.status.success(), "{}", err(&o));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        start.replace("firewall\n", "firewall\n    bind: 'lan',\n"),
        "the new key in the file's own style, everything else as written"
    );
    let o = tp(d, &["unset", "gateway.bind"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), start);
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

#[test]
fn apply_from_stdin_replaces_an_invalid_file_without_making_it_last_good() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("tidepool.json.last-good"),
        "{ logging: { level: 'info' } }",
    )
    .unwrap();
    std::fs::write(d.join("tidepool.json"), "{ gateway: { port: 'x' } }").unwrap();
    let raw: serde_json::Value = serde_json::from_str(&out(&tp(d, &["get-raw"]))).unwrap();
    assert_eq!(raw["problem"]["line"], 1);
    assert!(
        raw["problem"]["message"]
            .as_str()
            .unwrap()
            .contains("gateway.port")
    );
    let apply = |text: &str, base: Option<&str>| {
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(["config", "apply", "--state-dir"]).arg(d);
        if let Some(b) = base {
            cmd.args(["--base-hash", b]);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let hash = raw["hash"].as_str().unwrap();
    let bad = apply("{ gateway: { prot: 1 } }", Some(hash));
    assert_eq!(bad["code"], "CONFIG_INVALID");
    assert_eq!(bad["line"], 1);
    let stale = apply("{ gateway: { port: 1 } }", Some(&"0".repeat(64)));
    assert_eq!(stale["code"], "CONFIG_CONFLICT");
    let ok = apply("{ gateway: { port: 19000 } }", Some(hash));
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(
        std::fs::read_to_string(d.join("tidepool.json.last-good")).unwrap(),
        "{ gateway: { port: 19000 } }",
        "the invalid text never becomes last-good; the valid one that replaced it does"
    );
}

#[test]
fn the_ui_schema_fixture_matches_the_gateway() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/src/features/config/config-schema.json");
    let dir = tempfile::tempdir().unwrap();
    let now: serde_json::Value = serde_json::from_str(&out(&tp(dir.path(), &["schema"]))).unwrap();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    assert!(
        now == saved,
        "ui/src/features/config/config-schema.json is stale: run `tidepool config schema > ui/src/features/config/config-schema.json`"
    );
}
