//! `tidepool gateway install|start|stop|restart|status|uninstall` with the plain backend, for
//! real: the gateway is detached into its own session, survives its starter, is killed with
//! SIGKILL and started again, and every failure says what to do with a stable `--json` kind.
//! (The systemd, launchd and Task Scheduler files are checked in `service::render`'s tests.)

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
use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_gateway::lock::StateLock;

/// Runs `tidepool gateway ARGS --state-dir DIR --json`: (exit code, stdout JSON, stderr).
fn svc(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let full: Vec<&str> = std::iter::once("gateway")
        .chain(args.iter().copied())
        .collect();
    cli_json(Path::new(BIN), dir, &full)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn plain_service_installs_starts_survives_kill_9_and_uninstalls_keeping_the_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let _reaper = Reaper(dir.clone());

    // Down and not installed: status still answers, exit 3.
    let (code, st, _) = svc(&dir, &["status"]);
    assert_eq!(code, 3, "{st}");
    assert_eq!(st["service"]["installed"], false);
    assert_eq!(st["service"]["manager"], "plain");
    assert_eq!(st["rpc"]["ok"], false);
    assert!(
        st["rpc"]["error"]
            .as_str()
            .unwrap()
            .contains("cannot reach")
    );

    let (code, inst, err) = svc(&dir, &["install", "--manager", "plain", "--port", "0"]);
    assert_eq!(code, 0, "{inst} {err}");
    assert_eq!(inst["changed"], true);
    assert_eq!(inst["service"]["manager"], "plain");
    // The token is in the 0600 env file and is the one clients find in the state dir.
    let env = dir.join("service.env");
    let text = std::fs::read_to_string(&env).unwrap();
    let token = std::fs::read_to_string(dir.join("gateway.token")).unwrap();
    assert!(text.contains(&format!("TIDEPOOL_GATEWAY_TOKEN='{}'", token.trim())));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&env).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Twice is harmless.
    let (code, again, _) = svc(&dir, &["install", "--manager", "plain", "--port", "0"]);
    assert_eq!((code, again["changed"].clone()), (0, Value::Bool(false)));

    let (code, started, err) = svc(&dir, &["start"]);
    assert_eq!(code, 0, "{started} {err}");
    assert_eq!(started["result"], "started");
    let pid = started["pid"].as_u64().unwrap() as u32;
    let port = started["port"].as_u64().unwrap();
    assert!(port > 0);
    // The starter has exited; the gateway runs on, in its own session.
    let (code, st, _) = svc(&dir, &["status"]);
    assert_eq!(code, 0, "{st}");
    assert_eq!(st["service"]["installed"], true);
    assert_eq!(st["service"]["active"], true);
    assert_eq!(st["service"]["pid"], pid);
    assert_eq!(st["rpc"]["ok"], true);
    assert_eq!(st["rpc"]["server"]["pid"], pid);
    assert_eq!(st["gateway"]["port"], port);
    assert_eq!(st["version"]["match"], true);
    assert_eq!(st["config"]["valid"], true);
    let (code, again, _) = svc(&dir, &["start"]);
    assert_eq!(
        (code, again["result"].as_str()),
        (0, Some("already-running"))
    );

    // kill -9: the lock goes with the process; status says stopped; start brings it back.
    assert!(tidepool_process::kill(pid));
    assert!(StateLock::wait_released(
        &dir.join("gateway.lock"),
        Duration::from_secs(10)
    ));
    let (code, st, _) = svc(&dir, &["status"]);
    assert_eq!(code, 3, "{st}");
    assert_eq!(st["service"]["active"], false);
    assert_eq!(st["rpc"]["ok"], false);
    let (code, started, err) = svc(&dir, &["start"]);
    assert_eq!(code, 0, "{started} {err}");
    let pid2 = started["pid"].as_u64().unwrap() as u32;
    assert_ne!(pid2, pid);

    let (code, restarted, _) = svc(&dir, &["restart"]);
    assert_eq!(code, 0, "{restarted}");
    assert_eq!(restarted["stopped"]["pid"], pid2);
    assert_eq!(restarted["result"], "started");

    let (code, stopped, _) = svc(&dir, &["stop"]);
    assert_eq!((code, stopped["result"].as_str()), (0, Some("stopped")));
    assert!(StateLock::holder(&dir.join("gateway.lock")).is_none());
    let (code, stopped, _) = svc(&dir, &["stop"]);
    assert_eq!((code, stopped["result"].as_str()), (0, Some("not-running")));

    let (code, un, _) = svc(&dir, &["uninstall"]);
    assert_eq!(code, 0, "{un}");
    assert_eq!(un["stateDirDeleted"], false);
    assert!(!dir.join("service.json").exists() && !env.exists());
    assert!(
        dir.join("sessions.sqlite").exists() && dir.join("gateway.token").exists(),
        "the state dir is kept"
    );
    let (code, st, _) = svc(&dir, &["start"]);
    assert_eq!(code, 3);
    assert_eq!(st["error"]["kind"], "not_installed");
}

#[test]
fn service_commands_refuse_bad_input_with_specific_errors_and_install_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let _reaper = Reaper(dir.clone());

    // A config that cannot load: nothing is installed.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tidepool.json"), "{ gateway: { port: \"many\" } }").unwrap();
    let (code, r, _) = svc(&dir, &["install", "--manager", "plain"]);
    assert_eq!(code, 78, "{r}");
    assert_eq!(r["error"]["kind"], "config_invalid");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gateway.port"),
        "{r}"
    );
    assert!(!dir.join("service.json").exists());
    std::fs::remove_file(dir.join("tidepool.json")).unwrap();

    // A port someone else holds.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = held.local_addr().unwrap().port().to_string();
    let (code, r, _) = svc(&dir, &["install", "--manager", "plain", "--port", &busy]);
    assert_eq!(
        (code, r["error"]["kind"].as_str()),
        (69, Some("port_in_use")),
        "{r}"
    );
    assert!(r["error"]["message"].as_str().unwrap().contains(&busy));
    assert!(!dir.join("service.json").exists());

    // systemd asked for where it does not run.
    if !Path::new("/run/systemd/system").exists() {
        let (code, r, _) = svc(&dir, &["install", "--manager", "systemd"]);
        assert_eq!(code, 69, "{r}");
        assert_eq!(r["error"]["kind"], "manager_unavailable");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--manager plain")
        );
        assert!(!dir.join("service.json").exists());
    }

    // Installed on a free port that is taken before the start: the gateway's own reason.
    let port = free_port().to_string();
    let (code, r, _) = svc(&dir, &["install", "--manager", "plain", "--port", &port]);
    assert_eq!(code, 0, "{r}");
    let (code, r, _) = svc(&dir, &["install", "--manager", "plain", "--port", "0"]);
    assert_eq!(
        (code, r["error"]["kind"].as_str()),
        (73, Some("installed_differently"))
    );
    assert!(r["error"]["message"].as_str().unwrap().contains("--force"));
    let _taken = std::net::TcpListener::bind(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    let (code, r, _) = svc(&dir, &["start"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["error"]["kind"], "start_failed");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("exit 69") && msg.contains(&port), "{msg}");
    let (code, st, _) = svc(&dir, &["status"]);
    assert_eq!(code, 3);
    assert!(st["lastError"].as_str().unwrap().contains(&port), "{st}");
    assert_eq!(st["port"]["status"], "busy");

    // A state dir that belongs to someone else: refused before anything is written.
    #[cfg(unix)]
    {
        #[allow(unsafe_code)]
        let root = unsafe { libc::geteuid() } == 0;
        let theirs = tmp.path().join("theirs");
        std::fs::create_dir_all(&theirs).unwrap();
        let mut cmd = if root {
            // Root owns `theirs`; the install runs as nobody.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
            c.env("HOME", &theirs);
            c
        } else {
            std::process::Command::new(BIN)
        };
        // Not root: `/` is root's.
        let target = if root {
            theirs.clone()
        } else {
            PathBuf::from("/")
        };
        let o = cmd
            .args([
                "gateway",
                "install",
                "--manager",
                "plain",
                "--json",
                "--state-dir",
            ])
            .arg(&target)
            .env("TIDEPOOL_SECRETS_BACKEND", "vault")
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        assert_eq!(
            (o.status.code(), r["error"]["kind"].as_str()),
            (Some(77), Some("foreign_state_dir")),
            "{r}"
        );
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("belongs to another user")
        );
        assert!(!target.join("service.json").exists());
    }

    // --purge without a terminal to confirm on: nothing removed.
    let (code, _, err) = {
        let o = std::process::Command::new(BIN)
            .args(["gateway", "uninstall", "--purge", "--state-dir"])
            .arg(&dir)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            (),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(code, 1);
    assert!(err.contains("--yes"), "{err}");
    assert!(dir.join("service.json").exists());
    let (code, r, _) = svc(&dir, &["uninstall", "--purge", "--yes"]);
    assert_eq!(code, 0, "{r}");
    assert!(!dir.exists(), "purged");
}
