//! `tidepool update` for real, with the plain service backend: a copy of the binary under test
//! is installed and running; the update replaces it with the same build stamped with another
//! version (it must then answer as that version), and then with a build that passes every
//! check but cannot start (it must be rolled back, and the previous version answer again).
//! Every refusal leaves the installed binary and the running gateway as they were.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::{BIN, Reaper, cli_json};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Runs `BINARY ARGS --state-dir DIR --json`: (exit code, stdout JSON).
fn tp(binary: &Path, dir: &Path, args: &[&str]) -> (i32, Value) {
    let (code, v, _) = cli_json(binary, dir, args);
    (code, v)
}

/// `BINARY version --json`: (exit code, JSON).
fn version_of(binary: &Path) -> (i32, Value) {
    let o = std::process::Command::new(binary)
        .args(["version", "--json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap();
    (o.status.code().unwrap_or(-1), v)
}

fn write_exe(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The binary under test, stamped with another version (the same build, as a release
/// pipeline would stamp it).
fn stamped(path: &Path, version: &str) {
    let mut bytes = std::fs::read(BIN).unwrap();
    tidepool_gateway::version::stamp(&mut bytes, version).unwrap();
    write_exe(path, &bytes);
}

/// `tidepool-testkit`'s broken build (passes the checks, exits at start).
fn broken_bin() -> PathBuf {
    let bin = Path::new(BIN)
        .parent()
        .unwrap()
        .join(format!("broken-tidepool{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p tidepool-testkit` first (or test the whole workspace)",
        bin.display()
    );
    bin
}

/// A copy of the binary under test installed as a plain service and started.
fn installed(tmp: &Path) -> (PathBuf, PathBuf, u32) {
    let bin = tmp.join("bin").join("tidepool");
    write_exe(&bin, &std::fs::read(BIN).unwrap());
    let dir = tmp.join("state");
    let (code, r) = tp(
        &bin,
        &dir,
        &["gateway", "install", "--manager", "plain", "--port", "0"],
    );
    assert_eq!(code, 0, "{r}");
    let (code, r) = tp(&bin, &dir, &["gateway", "start"]);
    assert_eq!(code, 0, "{r}");
    (bin, dir, r["pid"].as_u64().unwrap() as u32)
}

fn running_version(dir: &Path) -> Value {
    let (code, st) = tp(Path::new(BIN), dir, &["gateway", "status"]);
    assert_eq!(code, 0, "{st}");
    st
}

fn step_names(run: &Value) -> Vec<(String, String)> {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn a_good_update_answers_as_the_new_version_and_a_bad_one_is_rolled_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (bin, dir, pid) = installed(tmp.path());
    let _reaper = Reaper(dir.clone());
    let original = sha256(&bin);
    let crate_version = env!("CARGO_PKG_VERSION");

    let (code, v) = version_of(&bin);
    assert_eq!(code, 0);
    assert_eq!(v["version"], crate_version);
    let next = tmp.path().join("download").join("tidepool");
    stamped(&next, "0.2.0-test.1");
    let (_, v) = version_of(&next);
    assert_eq!(
        v["version"], "0.2.0-test.1",
        "the stamp is what the build reports"
    );
    let (_, ours) = version_of(&bin);
    assert_eq!(v["target"], ours["target"]);

    // Good update, with its checksum: swapped in, restarted, gated on the new version.
    let sum = sha256(&next);
    let (code, run) = tp(
        &bin,
        &dir,
        &["update", "--from", next.to_str().unwrap(), "--sha256", &sum],
    );
    assert_eq!(code, 0, "{run}");
    assert_eq!(run["outcome"], "updated");
    assert_eq!(run["fromVersion"], crate_version);
    assert_eq!(run["toVersion"], "0.2.0-test.1");
    assert_eq!(run["restarted"], true);
    assert_eq!(
        step_names(&run),
        pairs(&[
            ("fetch", "ok"),
            ("checksum", "ok"),
            ("verify", "ok"),
            ("swap", "ok"),
            ("restart", "ok"),
            ("gate", "ok"),
        ])
    );
    let st = running_version(&dir);
    assert_eq!(st["rpc"]["server"]["version"], "0.2.0-test.1", "{st}");
    assert_ne!(st["rpc"]["server"]["pid"], pid, "a new process");
    assert_eq!(st["version"]["binary"], "0.2.0-test.1");
    assert_eq!(st["version"]["match"], true);
    assert_eq!(sha256(&bin), sum);
    let previous = bin.with_file_name("tidepool.previous");
    assert_eq!(
        sha256(&previous),
        original,
        "the replaced binary is kept beside it"
    );

    // The same file again: nothing to do, nothing restarted.
    let (code, run) = tp(&bin, &dir, &["update", "--from", next.to_str().unwrap()]);
    assert_eq!(
        (code, run["outcome"].as_str()),
        (0, Some("unchanged")),
        "{run}"
    );
    assert_eq!(run["restarted"], false);

    // A build that passes every check but cannot start: rolled back, the old one answers.
    let broken = broken_bin();
    let (code, run) = tp(
        &bin,
        &dir,
        &[
            "update",
            "--from",
            broken.to_str().unwrap(),
            "--timeout",
            "20",
        ],
    );
    assert_eq!(code, 1, "{run}");
    assert_eq!(run["ok"], false);
    assert_eq!(run["outcome"], "rolled_back");
    assert_eq!(run["error"]["kind"], "gate_failed");
    let msg = run["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("9.9.9-broken") && msg.contains("rolled back to 0.2.0-test.1"),
        "{msg}"
    );
    assert!(
        msg.contains("broken on purpose"),
        "the new build's last words: {msg}"
    );
    assert_eq!(
        step_names(&run),
        pairs(&[
            ("fetch", "ok"),
            ("checksum", "skipped"),
            ("verify", "ok"),
            ("swap", "ok"),
            ("restart", "failed"),
            ("rollback", "ok"),
        ])
    );
    let st = running_version(&dir);
    assert_eq!(st["rpc"]["server"]["version"], "0.2.0-test.1", "{st}");
    assert_eq!(sha256(&bin), sum, "the previous binary is back in place");

    // `update status` keeps the last run: which step failed and why.
    let (code, last) = tp(Path::new(BIN), &dir, &["update", "status"]);
    assert_eq!(code, 0);
    assert_eq!(last["outcome"], "rolled_back");
    assert_eq!(last["steps"][4]["name"], "restart");
    assert_eq!(last["steps"][4]["status"], "failed");
    assert!(
        last["steps"][4]["detail"]
            .as_str()
            .unwrap()
            .contains("broken on purpose")
    );

    let (code, r) = tp(&bin, &dir, &["gateway", "stop"]);
    assert_eq!(code, 0, "{r}");
}

/// A server that announces `announced` bytes, sends `sent`, and hangs up.
fn truncating_server(announced: usize, sent: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let mut s = stream.unwrap();
            let mut buf = [0u8; 2048];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            if head.starts_with("GET /missing") {
                let _ = s.write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
                continue;
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {announced}\r\nconnection: close\r\n\r\n"
            );
            let _ = s.write_all(&vec![0x7f; sent]);
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// An ELF header for another architecture than this host's: the kernel refuses to run it.
fn foreign_elf() -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // 64-bit
    h[5] = 1; // little endian
    h[6] = 1;
    h[16] = 2; // ET_EXEC
    let machine: u16 = if cfg!(target_arch = "aarch64") {
        62
    } else {
        183
    }; // x86-64 : AArch64
    h[18..20].copy_from_slice(&machine.to_le_bytes());
    h[20] = 1;
    h.extend_from_slice(&[0u8; 4096]);
    h
}

#[cfg(unix)]
#[test]
fn refused_updates_change_nothing_and_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let (bin, dir, pid) = installed(tmp.path());
    let _reaper = Reaper(dir.clone());
    let original = sha256(&bin);
    let downloads = tmp.path().join("download");
    let next = downloads.join("tidepool");
    stamped(&next, "0.3.0");

    let script = |name: &str, body: &str| {
        let p = downloads.join(name);
        write_exe(&p, format!("#!/bin/sh\n{body}\n").as_bytes());
        p.to_str().unwrap().to_owned()
    };
    let wrong_target = script(
        "other-target",
        r#"echo '{"version":"0.3.0","target":"riscv64gc-unknown-linux-gnu"}'"#,
    );
    let not_tidepool = script("not-tidepool", "echo hello");
    let failing = script("failing", "echo 'cannot load libfoo.so' >&2; exit 127");
    let foreign = downloads.join("arm64-tidepool");
    write_exe(&foreign, &foreign_elf());
    let server = truncating_server(100_000, 1_000);
    let wrong_sum = "0".repeat(64);

    let table: Vec<(Vec<String>, i32, &str, &str)> = vec![
        (vec![], 64, "usage", "--from"),
        (
            vec!["--from".into(), "/nonexistent/tidepool".into()],
            66,
            "bad_source",
            "/nonexistent/tidepool",
        ),
        (
            vec![
                "--from".into(),
                next.to_str().unwrap().into(),
                "--sha256".into(),
                wrong_sum.clone(),
            ],
            65,
            "checksum_mismatch",
            "not the file you meant",
        ),
        (
            vec![
                "--from".into(),
                next.to_str().unwrap().into(),
                "--sha256".into(),
                "abc".into(),
            ],
            64,
            "usage",
            "64 hex digits",
        ),
        (
            vec!["--from".into(), foreign.to_str().unwrap().into()],
            65,
            "not_runnable",
            "another OS or architecture",
        ),
        (
            vec!["--from".into(), wrong_target],
            65,
            "wrong_target",
            "riscv64gc-unknown-linux-gnu",
        ),
        (
            vec!["--from".into(), not_tidepool],
            65,
            "not_tidepool",
            "hello",
        ),
        (
            vec!["--from".into(), failing],
            65,
            "not_runnable",
            "cannot load libfoo.so",
        ),
        (
            vec!["--from".into(), format!("{server}/tidepool")],
            65,
            "truncated",
            "got 1000 of 100000 bytes",
        ),
        (
            vec!["--from".into(), format!("{server}/missing")],
            69,
            "download_failed",
            "404",
        ),
        (
            vec!["--from".into(), "http://example.com/tidepool".into()],
            64,
            "insecure_source",
            "--sha256",
        ),
    ];
    for (args, want_code, kind, says) in &table {
        let mut full = vec!["update"];
        full.extend(args.iter().map(String::as_str));
        let (code, r) = tp(&bin, &dir, &full);
        let err = if r["error"].is_object() {
            &r["error"]
        } else {
            &Value::Null
        };
        assert_eq!(
            (code, err["kind"].as_str()),
            (*want_code, Some(*kind)),
            "{args:?}: {r}"
        );
        assert!(
            err["message"].as_str().unwrap().contains(says),
            "{args:?}: {r}"
        );
        assert_eq!(
            sha256(&bin),
            original,
            "{args:?} changed the installed binary"
        );
        let left: Vec<_> = std::fs::read_dir(bin.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            left,
            vec!["tidepool".to_owned()],
            "{args:?} left files behind"
        );
    }

    // A dry run checks everything and changes nothing (nor the record of the last run).
    let before = std::fs::read_to_string(dir.join("update.json")).unwrap();
    let (code, r) = tp(
        &bin,
        &dir,
        &["update", "--from", next.to_str().unwrap(), "--dry-run"],
    );
    assert_eq!((code, r["outcome"].as_str()), (0, Some("planned")), "{r}");
    assert_eq!(r["toVersion"], "0.3.0");
    assert!(
        r["steps"][3]["detail"]
            .as_str()
            .unwrap()
            .starts_with("would replace")
    );
    assert_eq!(sha256(&bin), original);
    assert_eq!(
        std::fs::read_to_string(dir.join("update.json")).unwrap(),
        before
    );

    // Through all of it the gateway ran on, untouched.
    let st = running_version(&dir);
    assert_eq!(st["rpc"]["server"]["pid"], pid);
    let (code, r) = tp(&bin, &dir, &["gateway", "stop"]);
    assert_eq!(code, 0, "{r}");

    // Without a service the binary itself is replaced and nothing is restarted.
    let (code, r) = tp(
        &bin,
        &tmp.path().join("elsewhere"),
        &["update", "--from", next.to_str().unwrap()],
    );
    assert_eq!((code, r["outcome"].as_str()), (0, Some("updated")), "{r}");
    assert_eq!(r["restarted"], false);
    assert!(
        r["steps"][4]["detail"]
            .as_str()
            .unwrap()
            .contains("no service is installed")
    );
    let (_, v) = version_of(&bin);
    assert_eq!(v["version"], "0.3.0");
}
