//! The supervisor with a local gateway installed as a service (`tidepool gateway install`, the
//! plain backend, for real): Start starts the service and connects, the status says who
//! manages it, quitting the app leaves it running, Stop stops it, and a service that cannot
//! start is reported with its reason.
#![cfg(unix)]
// The CLI is run directly, as a user would in a terminal beside the app.
#![allow(clippy::disallowed_methods)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support::{tidepool_vault, wait_for};
use std::path::Path;
use std::time::Duration;
use tidepool_control::{GatewayState, SidecarConfig, Supervisor, SupervisorError};

/// `tidepool gateway ARGS --state-dir DIR --json` through the vault wrapper.
fn gateway(program: &Path, dir: &Path, args: &[&str]) -> serde_json::Value {
    let o = std::process::Command::new(program)
        .arg("gateway")
        .args(args)
        .arg("--state-dir")
        .arg(dir)
        .arg("--json")
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Whether the state dir's gateway runs (the CLI asks the state-dir lock).
fn active(program: &Path, dir: &Path) -> bool {
    gateway(program, dir, &["status"])["service"]["active"] == true
}

fn supervisor(program: &Path, dir: &Path) -> Supervisor {
    let mut cfg = SidecarConfig::new(program.to_path_buf(), dir.to_path_buf());
    cfg.port = 0;
    cfg.health_interval = Duration::from_millis(200);
    Supervisor::new(cfg)
}

/// Stops the service's gateway if a test failed with it running (it is not our child).
struct Stop<'a>(&'a Path, &'a Path);
impl Drop for Stop<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new(self.0)
            .args(["gateway", "stop", "--state-dir"])
            .arg(self.1)
            .output();
    }
}

#[tokio::test]
async fn a_gateway_installed_as_a_service_is_started_and_stopped_through_it_and_outlives_the_app() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    std::fs::create_dir_all(&dir).unwrap();
    let program = tidepool_vault(tmp.path());
    let _stop = Stop(&program, &dir);
    let r = gateway(
        &program,
        &dir,
        &["install", "--manager", "plain", "--port", "0"],
    );
    assert_eq!(r["ok"], true, "{r}");

    // Start: the service is started (not a sidecar) and the app connects to it.
    let sup = supervisor(&program, &dir);
    sup.start().await.unwrap();
    let s = sup.status();
    assert_eq!(s.managed_by.as_deref(), Some("plain"));
    let GatewayState::Running { pid, port, .. } = s.state else {
        panic!("{s:?}")
    };
    let st = gateway(&program, &dir, &["status"]);
    assert_eq!(st["service"]["active"], true, "{st}");
    assert_eq!(st["service"]["pid"].as_u64().map(|p| p as u32), pid);
    assert_eq!(st["gateway"]["port"], port);
    sup.client()
        .unwrap()
        .request("health", serde_json::Value::Null)
        .await
        .unwrap();

    // Quitting the app leaves the service's gateway running; the next app start finds it.
    sup.shutdown().await;
    let st = gateway(&program, &dir, &["status"]);
    assert_eq!(st["rpc"]["ok"], true, "the gateway outlived the app: {st}");
    let sup = supervisor(&program, &dir);
    sup.start().await.unwrap();
    let GatewayState::Running { pid: again, .. } = sup.status().state else {
        panic!("{:?}", sup.status())
    };
    assert_eq!(again, pid, "connected to the running one, started nothing");

    // Stop goes through the service: the gateway is gone, the service stays installed.
    sup.stop().await.unwrap();
    let st = gateway(&program, &dir, &["status"]);
    assert_eq!(st["service"]["active"], false, "{st}");
    assert_eq!(st["service"]["installed"], true);
    assert!(!active(&program, &dir));
    assert!(matches!(sup.status().state, GatewayState::Stopped));

    // Start again starts the service again.
    sup.start().await.unwrap();
    let s = wait_for(&sup, "running again", |s| {
        matches!(s.state, GatewayState::Running { .. })
    })
    .await;
    let GatewayState::Running { pid: third, .. } = s.state else {
        unreachable!()
    };
    assert_ne!(third, pid);
    sup.stop().await.unwrap();

    // A service that cannot start says why, and the app does not spawn a sidecar instead.
    std::fs::write(dir.join("tidepool.json"), "{ gateway: { port: \"many\" } }").unwrap();
    let err = sup.start().await.unwrap_err();
    let SupervisorError::Failed(reason) = err else {
        panic!("{err:?}")
    };
    assert!(
        reason.contains("plain service did not start") && reason.contains("gateway.port"),
        "{reason}"
    );
    assert!(matches!(sup.status().state, GatewayState::Crashed { .. }));
    assert_eq!(sup.status().managed_by.as_deref(), Some("plain"));
    assert!(!active(&program, &dir), "no sidecar took its place");
    sup.shutdown().await;
}
