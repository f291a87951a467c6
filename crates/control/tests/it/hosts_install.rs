//! Tidepool on a host over a real sshd: the install job (fresh host, upgrade behind the gate,
//! another target refused, a cancel during the upload) and the host's gateway started, stopped
//! and restarted through its service.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// The local CLI is run directly to look at the "host" (this machine) from outside.
#![allow(clippy::disallowed_methods)]

use crate::hosts::{auth, trust, world};
use tidepool_control::hosts::HostSpec;
use tidepool_testkit::sshd::Sshd;
/// `tidepool gateway ARGS --state-dir DIR --json` run here (the "host" is this machine).
pub(crate) fn local_gateway(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let o = std::process::Command::new(crate::support::tidepool_bin())
        .arg("gateway")
        .args(args)
        .arg("--state-dir")
        .arg(dir)
        .arg("--json")
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null)
}

/// Stops the installed gateway if a test failed with it running.
pub(crate) struct StopRemote(pub(crate) std::path::PathBuf);
impl Drop for StopRemote {
    fn drop(&mut self) {
        let _ = local_gateway(&self.0, &["stop"]);
    }
}

/// The binary under test stamped with another version (the release stamp's format).
fn stamped(to: &std::path::Path, version: &str) {
    let mut bytes = std::fs::read(crate::support::tidepool_bin()).unwrap();
    let marker = b"TIDEPOOL-VERSION-STAMP:";
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    bytes[at..at + 40].fill(0);
    bytes[at..at + version.len()].copy_from_slice(version.as_bytes());
    std::fs::write(to, bytes).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".tidepool.upload-"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn tidepool_is_installed_on_a_fresh_host_started_and_upgraded_behind_its_gate() {
    use tidepool_control::hosts::{INSTALL_STEPS, InstallRequest, install};
    use tidepool_control::jobs::{JobState, Jobs, StepState};

    let sshd = Sshd::start();
    let w = world(&sshd);
    let spec = HostSpec::parse(&sshd.address()).unwrap();
    trust(&w, &spec, &sshd).await;
    let host = tempfile::tempdir().unwrap();
    let (bin_dir, state) = (host.path().join("bin"), host.path().join("state"));
    let _stop = StopRemote(state.clone());
    let jobs = Jobs::new();
    let request = |binary: std::path::PathBuf| InstallRequest {
        binary,
        install_dir: Some(bin_dir.display().to_string()),
        state_dir: Some(state.display().to_string()),
        port: Some(0),
        manager: None,
    };
    let run = |req: InstallRequest| {
        let (pool, spec, auth) = (w.pool.clone(), spec.clone(), auth(&sshd));
        jobs.spawn(
            "host.install",
            &spec.to_string(),
            &INSTALL_STEPS,
            move |ctx| async move { install(pool, spec, auth, req, ctx).await.map(|i| i.summary) },
        )
    };

    // A fresh host: uploaded, verified, moved in place, a plain service (no systemd here), started.
    let id = run(request(crate::support::tidepool_bin()));
    let job = jobs.wait(&id).await.unwrap();
    let JobState::Succeeded { summary } = &job.state else {
        panic!("{:#?}", job)
    };
    assert!(summary.contains("plain service"), "{summary}");
    assert!(
        job.steps.iter().all(|s| s.state == StepState::Done),
        "{:#?}",
        job.steps
    );
    assert_eq!(job.progress, 1.0);
    assert_eq!(
        std::fs::read(bin_dir.join("tidepool")).unwrap(),
        std::fs::read(crate::support::tidepool_bin()).unwrap()
    );
    assert!(leftovers(&bin_dir).is_empty());
    let st = local_gateway(&state, &["status"]);
    assert_eq!(st["rpc"]["ok"], true, "{st}");
    assert_eq!(st["service"]["manager"], "plain");
    let first_pid = st["service"]["pid"].clone();

    // Again with a newer build: through `tidepool update`, gated on the new version.
    let next = host.path().join("tidepool-next");
    stamped(&next, "0.2.0-host");
    let id = run(request(next));
    let job = jobs.wait(&id).await.unwrap();
    assert!(
        matches!(job.state, JobState::Succeeded { .. }),
        "{:#?}",
        job
    );
    let put = job.steps[3].detail.clone().unwrap_or_default();
    assert!(put.contains("→ 0.2.0-host behind the health gate"), "{put}");
    let st = local_gateway(&state, &["status"]);
    assert_eq!(st["rpc"]["server"]["version"], "0.2.0-host", "{st}");
    assert_ne!(st["service"]["pid"], first_pid);
    assert!(leftovers(&bin_dir).is_empty());

    // A binary for another architecture is refused before anything is uploaded.
    let foreign = host.path().join("tidepool-arm");
    std::fs::write(
        &foreign,
        "#!/bin/sh\necho '{\"version\":\"0.3.0\",\"target\":\"aarch64-unknown-linux-musl\"}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o755)).unwrap();
    let id = run(request(foreign));
    let job = jobs.wait(&id).await.unwrap();
    let JobState::Failed { reason } = &job.state else {
        panic!("{:#?}", job)
    };
    assert!(
        reason.contains("needs a Tidepool built for")
            && reason.contains("aarch64-unknown-linux-musl"),
        "{reason}"
    );
    assert_eq!(job.steps[0].state, StepState::Failed);
    assert!(job.steps[1..].iter().all(|s| s.state == StepState::Pending));
    assert_eq!(
        local_gateway(&state, &["status"])["rpc"]["server"]["version"],
        "0.2.0-host"
    );

    // Cancelled during the upload: nothing half-written stays, the running gateway is untouched.
    let mut rx = jobs.subscribe();
    let id = run(request(crate::support::tidepool_bin()));
    loop {
        let j = rx.recv().await.unwrap();
        if j.id == id && j.steps[1].state == StepState::Running {
            break;
        }
    }
    assert!(jobs.cancel(&id));
    let job = jobs.wait(&id).await.unwrap();
    assert_eq!(job.state, JobState::Cancelled, "{:#?}", job);
    assert!(leftovers(&bin_dir).is_empty(), "{:?}", leftovers(&bin_dir));
    assert_eq!(
        local_gateway(&state, &["status"])["rpc"]["server"]["version"],
        "0.2.0-host"
    );

    // Use it from here: a local forward through the master, with the token read over SSH.
    let remote_bin = bin_dir.join("tidepool").display().to_string();
    let state_arg = state.display().to_string();
    let tunnel = tidepool_control::hosts::open_tunnel(
        &w.pool,
        &spec,
        &auth(&sshd),
        &remote_bin,
        Some(&state_arg),
    )
    .await
    .unwrap();
    assert_eq!(
        tunnel.token,
        std::fs::read_to_string(state.join("gateway.token"))
            .unwrap()
            .trim()
    );
    assert!(
        !format!("{tunnel:?}").contains(&tunnel.token),
        "the token stays out of Debug"
    );
    assert_eq!(tunnel.version.as_deref(), Some("0.2.0-host"));
    let client = tidepool_client::Client::connect(
        tidepool_client::ConnectOptions::new(&tunnel.url, "test", "hosts-test")
            .token(Some(tunnel.token.clone()))
            .scopes(vec![tidepool_protocol::Scope::Read]),
    )
    .await
    .unwrap();
    let st = client
        .request("status", serde_json::Value::Null)
        .await
        .unwrap();
    assert_eq!(st["version"], "0.2.0-host", "{st}");
    assert_eq!(st["port"].as_u64(), Some(u64::from(tunnel.remote_port)));
    assert_ne!(tunnel.local_port, tunnel.remote_port);
    client.close();

    assert_eq!(local_gateway(&state, &["stop"])["ok"], true);
    let e = tidepool_control::hosts::open_tunnel(
        &w.pool,
        &spec,
        &auth(&sshd),
        &remote_bin,
        Some(&state_arg),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("not running"), "{e}");
    w.pool.close_all().await;
}

#[tokio::test]
async fn a_hosts_gateway_is_started_stopped_and_restarted_through_its_service() {
    use tidepool_control::hosts::{GatewayAction, Hosts, HostsError, InstallPlace};
    use tidepool_control::jobs::{JobState, Jobs};
    let sshd = Sshd::start();
    let w = world(&sshd);
    let data = tempfile::tempdir().unwrap();
    let hosts = Hosts::with_pool(data.path(), w.pool.clone());
    let address = sshd.address();
    let key = Some(sshd.client_key().display().to_string());
    let check = hosts.check(&address).await.unwrap();
    let h = hosts
        .add(
            &address,
            Some("Service box".into()),
            key,
            &check.key.fingerprint,
        )
        .await
        .unwrap();
    let e = hosts
        .gateway(&h.id, GatewayAction::Status)
        .await
        .unwrap_err();
    assert!(matches!(e, HostsError::NotInstalled(_)), "{e:?}");

    let server = tempfile::tempdir().unwrap();
    let (bin_dir, state) = (server.path().join("bin"), server.path().join("state"));
    let _stop = StopRemote(state.clone());
    let jobs = Jobs::new();
    let id = hosts
        .install(
            &jobs,
            &h.id,
            crate::support::tidepool_bin(),
            Some(state.display().to_string()),
            Some(bin_dir.display().to_string()),
            Some(0),
        )
        .unwrap();
    let job = jobs.wait(&id).await.unwrap();
    assert!(matches!(job.state, JobState::Succeeded { .. }), "{job:#?}");
    assert_eq!(
        hosts.list().unwrap()[0].installed,
        Some(InstallPlace {
            binary: bin_dir.join("tidepool").display().to_string(),
            state_dir: Some(state.display().to_string()),
        }),
        "the entry remembers where it went"
    );

    let pid = |st: &tidepool_protocol::service::ServiceStatus| st.service.pid;
    let st = hosts.gateway(&h.id, GatewayAction::Status).await.unwrap();
    assert!(st.rpc.ok, "{st:?}");
    let first = pid(&st);
    let st = hosts.gateway(&h.id, GatewayAction::Stop).await.unwrap();
    assert!(!st.service.active && !st.rpc.ok, "{st:?}");
    assert!(st.service.installed);
    hosts.gateway(&h.id, GatewayAction::Stop).await.unwrap();
    let st = hosts.gateway(&h.id, GatewayAction::Start).await.unwrap();
    assert!(st.rpc.ok, "{st:?}");
    assert_ne!(pid(&st), first);
    let second = pid(&st);
    let st = hosts.gateway(&h.id, GatewayAction::Restart).await.unwrap();
    assert!(st.rpc.ok, "{st:?}");
    assert_ne!(pid(&st), second);

    // A start the host refuses is named with the host's own reason.
    std::fs::write(
        state.join("tidepool.json"),
        "{ gateway: { port: \"many\" } }",
    )
    .unwrap();
    let e = hosts
        .gateway(&h.id, GatewayAction::Restart)
        .await
        .unwrap_err();
    let HostsError::Service { host, message } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(host, "Service box");
    assert!(
        message.contains("gateway.port") || message.contains("config"),
        "{message}"
    );
    std::fs::remove_file(state.join("tidepool.json")).unwrap();
    w.pool.close_all().await;
}
