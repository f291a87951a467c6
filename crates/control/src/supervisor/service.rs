//! A local gateway run by a service manager (`tidepool gateway install`: systemd, launchd, the
//! Task Scheduler or the plain backend). The app then runs no sidecar of its own: Start starts
//! the service (through the `tidepool` CLI, which owns the service's files), the app connects
//! to it on loopback, Stop stops the service, and quitting the app leaves it running.

use super::child::{LaunchError, Running};
use super::{Actor, GatewayState, SidecarConfig, now_ms};
use crate::{cli, remote};
use serde::Deserialize;
use serde_json::Value;
use tidepool_client::Client;
use tidepool_protocol::service::ServiceStatus;
use tracing::info;

/// Runs `tidepool gateway ARGS --state-dir DIR --json` and reads its one JSON document.
async fn gateway_cli(cfg: &SidecarConfig, args: &[&str]) -> Result<Value, String> {
    let dir = cfg.state_dir.display().to_string();
    let mut full = vec!["gateway"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--state-dir", &dir, "--json"]);
    let out = cli::run(&cfg.program, &full, None)
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_str(out.stdout.trim()).map_err(|_| {
        if out.stderr.is_empty() {
            format!("`tidepool gateway {}` printed no JSON", args.join(" "))
        } else {
            out.stderr
        }
    })
}

/// What `gateway start|stop --json` prints.
#[derive(Deserialize)]
struct Outcome {
    ok: bool,
    pid: Option<u32>,
    port: Option<u16>,
    error: Option<OutcomeError>,
}

#[derive(Deserialize)]
struct OutcomeError {
    message: String,
}

impl Outcome {
    fn read(v: Value) -> Result<Outcome, String> {
        serde_json::from_value(v)
            .map_err(|e| format!("unexpected output from the tidepool CLI: {e}"))
    }

    fn reason(self) -> String {
        self.error
            .map_or_else(|| "it gave no reason".to_owned(), |e| e.message)
    }
}

/// `Some(manager)` when a service is installed for the state dir. The record's file is the
/// quick check (no process run for the common case, a sidecar); the CLI has the last word.
pub(super) async fn installed(cfg: &SidecarConfig) -> Result<Option<ServiceStatus>, String> {
    if !cfg.state_dir.join("service.json").exists() {
        return Ok(None);
    }
    let v = gateway_cli(cfg, &["status"]).await?;
    let status: ServiceStatus = serde_json::from_value(v)
        .map_err(|e| format!("cannot read `tidepool gateway status --json`: {e}"))?;
    Ok(status.service.installed.then_some(status))
}

/// Stops the service's gateway.
pub(super) async fn stop(cfg: &SidecarConfig) -> Result<(), String> {
    let o = Outcome::read(gateway_cli(cfg, &["stop"]).await?)?;
    if o.ok { Ok(()) } else { Err(o.reason()) }
}

impl Actor {
    /// Starts the service's gateway if it is down, and connects to it.
    pub(super) async fn connect_service(
        &mut self,
        cfg: &SidecarConfig,
        status: ServiceStatus,
    ) -> Result<Running, LaunchError> {
        let manager = status.service.manager.clone();
        self.set(|s| s.managed_by = Some(manager.clone()));
        let (port, pid) = if status.rpc.ok {
            (status.gateway.port, status.service.pid)
        } else {
            let o = gateway_cli(cfg, &["start"])
                .await
                .and_then(Outcome::read)
                .map_err(|e| LaunchError::Transient(e, None))?;
            if !o.ok {
                // The service's own start failed (a bad config, a port in use): trying again
                // will not help until the cause is fixed.
                return Err(LaunchError::Fatal(
                    format!("the {manager} service did not start: {}", o.reason()),
                    None,
                ));
            }
            (o.port.unwrap_or(status.gateway.port), o.pid)
        };
        let url = format!("ws://127.0.0.1:{port}");
        // The service reads the state dir's token (its env file is made from it).
        let token = std::fs::read_to_string(cfg.state_dir.join("gateway.token"))
            .ok()
            .map(|t| t.trim().to_owned())
            .or_else(|| cfg.token.clone());
        let opts = remote::connect_options(&url, token, env!("CARGO_PKG_VERSION"));
        let client = Client::connect(opts).await.map_err(|e| {
            if e.is_fatal() {
                LaunchError::Fatal(
                    format!("the {manager} service's gateway refused the desktop app: {e}"),
                    None,
                )
            } else {
                LaunchError::Transient(
                    format!("the {manager} service's gateway does not answer on port {port}: {e}"),
                    None,
                )
            }
        })?;
        let version = client
            .hello()
            .map(|h| h.server.version)
            .unwrap_or_else(|| "unknown".into());
        if let Ok(mut c) = self.client.lock() {
            *c = Some(client.clone());
        }
        info!(port, %version, %manager, "connected to the gateway the service manager runs");
        self.set(|s| {
            s.state = GatewayState::Running { pid, port, version };
            s.url = Some(url);
            s.remote = None;
            s.host = None;
            s.started_at_ms = Some(now_ms());
        });
        Ok(Running {
            local: None,
            client,
            service: true,
        })
    }
}
