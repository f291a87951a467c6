//! The gateway sidecar supervisor: starts `tidepool gateway run` as a child, waits for its ready
//! line and a real `hello-ok`, health-checks it, restarts it after a crash with exponential
//! backoff (giving up, with the reason, after repeated fast crashes), and stops it gracefully
//! (SIGTERM and stdin closed, then kill after a bound). All state changes are published on a
//! watch channel. With a [`RemoteGateway`] set it runs nothing: it connects to that gateway,
//! health-checks the link and reconnects with the same backoff when it drops.

mod child;
mod link;
mod service;

use crate::remote::{HostRef, RemoteGateway, RemoteSource};
use child::{LaunchError, Running, kill_child, stop_child};
use serde::Serialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tidepool_client::Client;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::warn;

/// How to run and supervise the sidecar.
#[derive(Clone)]
pub struct SidecarConfig {
    /// The `tidepool` binary.
    pub program: PathBuf,
    /// Its state directory.
    pub state_dir: PathBuf,
    /// Port (0 = any free port).
    pub port: u16,
    /// Token passed as `TIDEPOOL_GATEWAY_TOKEN`; `None` = the gateway's own `gateway.token`.
    pub token: Option<String>,
    /// Time allowed from spawn to the ready line.
    pub ready_timeout: Duration,
    /// Time allowed for a graceful stop before the process group is killed.
    pub stop_timeout: Duration,
    /// First restart delay; doubles per crash up to `backoff_max`.
    pub backoff_initial: Duration,
    /// Longest restart delay.
    pub backoff_max: Duration,
    /// This many crashes within `crash_window` and the supervisor gives up.
    pub crash_limit: usize,
    /// See `crash_limit`.
    pub crash_window: Duration,
    /// Interval of health checks while running.
    pub health_interval: Duration,
    /// Consecutive failed health checks that count as a hang (the process is restarted).
    pub health_failures: u32,
    /// Time one health check may take.
    pub health_timeout: Duration,
    /// Connect to this gateway instead of running one (`None`: run the sidecar).
    pub remote: Option<RemoteGateway>,
    /// Connect to the gateway this source finds anew at each attempt (a host's, through an
    /// SSH tunnel); takes precedence over `remote`.
    pub via: Option<Arc<dyn RemoteSource>>,
}

impl std::fmt::Debug for SidecarConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SidecarConfig")
            .field("program", &self.program)
            .field("state_dir", &self.state_dir)
            .field("port", &self.port)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("remote", &self.remote)
            .field("via", &self.via.as_ref().map(|v| v.host()))
            .finish_non_exhaustive()
    }
}

impl SidecarConfig {
    /// Defaults for `program` with state in `state_dir`.
    pub fn new(program: PathBuf, state_dir: PathBuf) -> Self {
        SidecarConfig {
            program,
            state_dir,
            port: tidepool_protocol::DEFAULT_PORT,
            token: None,
            ready_timeout: Duration::from_secs(10),
            stop_timeout: Duration::from_secs(5),
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            crash_limit: 5,
            crash_window: Duration::from_secs(60),
            health_interval: Duration::from_secs(5),
            health_failures: 3,
            health_timeout: Duration::from_secs(2),
            remote: None,
            via: None,
        }
    }

    /// The app connects to a gateway elsewhere instead of running its own.
    pub fn is_remote(&self) -> bool {
        self.remote.is_some() || self.via.is_some()
    }

    /// What the status names as the gateway elsewhere: the host, or the remote URL.
    fn elsewhere(&self) -> (Option<String>, Option<HostRef>) {
        match &self.via {
            Some(v) => (None, Some(v.host())),
            None => (self.remote.as_ref().map(|r| r.url.clone()), None),
        }
    }
}

/// The supervisor's view of the gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum GatewayState {
    /// Not running, by request (or never started).
    Stopped,
    /// Spawned, waiting for the ready line and `hello-ok`.
    Starting,
    /// Ready and answering.
    #[serde(rename_all = "camelCase")]
    Running {
        /// Process id (`None` for a remote gateway).
        pid: Option<u32>,
        /// Listening port.
        port: u16,
        /// Gateway version.
        version: String,
    },
    /// Asked to stop; waiting for it to exit.
    Stopping,
    /// Crashed (or, for a remote gateway, the link dropped); a new attempt starts after the
    /// delay.
    #[serde(rename_all = "camelCase")]
    Restarting {
        /// Delay before the next attempt.
        retry_in_ms: u64,
    },
    /// Gave up: a failure restarting cannot fix (invalid config, state dir locked, binary
    /// missing) or too many crashes in a row.
    #[serde(rename_all = "camelCase")]
    Crashed {
        /// What happened, in words.
        reason: String,
        /// The last exit code, if the process exited.
        exit_code: Option<i32>,
    },
}

/// State plus the counters the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Current state.
    pub state: GatewayState,
    /// Restarts since the supervisor was created (crashes and requested restarts).
    pub restarts: u32,
    /// The last failure, kept after recovery.
    pub last_error: Option<String>,
    /// When the current process became ready, ms since the epoch.
    pub started_at_ms: Option<u64>,
    /// WebSocket URL while running.
    pub url: Option<String>,
    /// The remote gateway's URL when the app connects to one instead of running its own.
    pub remote: Option<String>,
    /// The host whose gateway the app uses (through an SSH tunnel) instead of its own.
    pub host: Option<HostRef>,
    /// The service manager that runs the local gateway (`systemd`, `launchd`, `task`,
    /// `plain`) when it is installed as a service; then Start and Stop go through it and
    /// quitting the app leaves it running.
    pub managed_by: Option<String>,
}

/// Why a supervisor request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SupervisorError {
    /// The gateway could not be started and the supervisor gave up.
    #[error("{0}")]
    Failed(String),
    /// Stopped by a stop request before it became ready.
    #[error("stopped before the gateway became ready")]
    Cancelled,
    /// The supervisor has shut down.
    #[error("the supervisor has shut down")]
    Gone,
}

enum Cmd {
    Start(oneshot::Sender<Result<(), SupervisorError>>),
    Restart(oneshot::Sender<Result<(), SupervisorError>>),
    Stop(oneshot::Sender<()>),
    Shutdown(oneshot::Sender<()>),
}

/// Handle to the supervisor task. Dropping it stops the gateway.
pub struct Supervisor {
    cfg: Arc<Mutex<SidecarConfig>>,
    tx: mpsc::Sender<Cmd>,
    status: watch::Receiver<Status>,
    status_tx: Arc<watch::Sender<Status>>,
    client: Arc<Mutex<Option<Client>>>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("status", &*self.status.borrow())
            .finish()
    }
}

impl Supervisor {
    /// Creates the supervisor (the gateway is not started yet). Needs a Tokio runtime.
    pub fn new(cfg: SidecarConfig) -> Supervisor {
        let (tx, rx) = mpsc::channel(16);
        let (status_tx, status) = watch::channel(Status {
            state: GatewayState::Stopped,
            restarts: 0,
            last_error: None,
            started_at_ms: None,
            url: None,
            remote: cfg.elsewhere().0,
            host: cfg.elsewhere().1,
            managed_by: None,
        });
        let status_tx = Arc::new(status_tx);
        let client = Arc::new(Mutex::new(None));
        let cfg = Arc::new(Mutex::new(cfg));
        let actor = Actor {
            cfg: cfg.clone(),
            rx,
            status: status_tx.clone(),
            client: client.clone(),
        };
        tokio::spawn(actor.run());
        Supervisor {
            cfg,
            tx,
            status,
            status_tx,
            client,
        }
    }

    /// Changes the config; it applies from the next start (a change of remote gateway is
    /// published at once, so the app shows which gateway a Start will reach).
    pub fn update_config(&self, f: impl FnOnce(&mut SidecarConfig)) {
        let (remote, host) = match self.cfg.lock() {
            Ok(mut c) => {
                f(&mut c);
                c.elsewhere()
            }
            Err(_) => return,
        };
        self.status_tx.send_if_modified(|s| {
            let changed = s.remote != remote || s.host != host;
            s.remote = remote;
            s.host = host;
            changed
        });
    }

    /// Starts the gateway; resolves when it is running, or with the reason it gave up.
    pub async fn start(&self) -> Result<(), SupervisorError> {
        self.ask(Cmd::Start).await?
    }

    /// Stops (if running) and starts again.
    pub async fn restart(&self) -> Result<(), SupervisorError> {
        self.ask(Cmd::Restart).await?
    }

    /// Stops the gateway gracefully; resolves once the process has exited.
    pub async fn stop(&self) -> Result<(), SupervisorError> {
        self.ask(Cmd::Stop).await
    }

    /// Stops the gateway and ends the supervisor.
    pub async fn shutdown(&self) {
        let _ = self.ask(Cmd::Shutdown).await;
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Cmd,
    ) -> Result<T, SupervisorError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(make(tx))
            .await
            .map_err(|_| SupervisorError::Gone)?;
        rx.await.map_err(|_| SupervisorError::Gone)
    }

    /// The current status.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Status changes.
    pub fn watch(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    /// A client connected to the running gateway.
    pub fn client(&self) -> Option<Client> {
        self.client.lock().ok().and_then(|c| c.clone())
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(0))
        .unwrap_or(0)
}

/// How a running gateway ended.
enum Ended {
    Stopped(oneshot::Sender<()>),
    Shutdown(Option<oneshot::Sender<()>>),
    RestartRequested(oneshot::Sender<Result<(), SupervisorError>>),
    Crashed(String, Option<i32>),
}

struct Actor {
    cfg: Arc<Mutex<SidecarConfig>>,
    rx: mpsc::Receiver<Cmd>,
    status: Arc<watch::Sender<Status>>,
    client: Arc<Mutex<Option<Client>>>,
}

type StartReply = Option<oneshot::Sender<Result<(), SupervisorError>>>;

impl Actor {
    fn set(&self, f: impl FnOnce(&mut Status)) {
        self.status.send_modify(f);
    }

    fn set_state(&self, state: GatewayState) {
        self.set(|s| {
            if !matches!(state, GatewayState::Running { .. }) {
                s.url = None;
                s.started_at_ms = None;
            }
            s.state = state;
        });
    }

    async fn run(mut self) {
        while let Some(cmd) = self.rx.recv().await {
            match cmd {
                Cmd::Start(reply) | Cmd::Restart(reply) => {
                    if self.supervise(Some(reply)).await {
                        break;
                    }
                }
                Cmd::Stop(reply) => {
                    let _ = reply.send(());
                }
                Cmd::Shutdown(reply) => {
                    let _ = reply.send(());
                    break;
                }
            }
        }
        self.set_state(GatewayState::Stopped);
    }

    /// Runs the gateway until a stop (returns false) or a shutdown (returns true).
    fn cfg(&self) -> SidecarConfig {
        match self.cfg.lock() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    async fn supervise(&mut self, mut reply: StartReply) -> bool {
        let mut crashes: VecDeque<Instant> = VecDeque::new();
        loop {
            self.set_state(GatewayState::Starting);
            let (reason, code) = match self.launch().await {
                Ok(running) => {
                    if let Some(r) = reply.take() {
                        let _ = r.send(Ok(()));
                    }
                    match self.monitor(running).await {
                        Ended::Stopped(r) => {
                            self.set_state(GatewayState::Stopped);
                            let _ = r.send(());
                            return false;
                        }
                        Ended::Shutdown(r) => {
                            self.set_state(GatewayState::Stopped);
                            if let Some(r) = r {
                                let _ = r.send(());
                            }
                            return true;
                        }
                        Ended::RestartRequested(r) => {
                            self.set(|s| s.restarts += 1);
                            reply = Some(r);
                            crashes.clear();
                            continue;
                        }
                        Ended::Crashed(reason, code) => (reason, code),
                    }
                }
                Err(LaunchError::Fatal(reason, code)) => {
                    warn!(%reason, "gateway cannot start");
                    self.set(|s| s.last_error = Some(reason.clone()));
                    self.give_up(reason, code, &mut reply);
                    return false;
                }
                Err(LaunchError::Transient(reason, code)) => (reason, code),
                Err(LaunchError::Interrupted(cmd)) => {
                    if let Some(r) = reply.take() {
                        let _ = r.send(Err(SupervisorError::Cancelled));
                    }
                    return self.after_interrupt(cmd);
                }
            };
            // A crash: count it, give up on a crash loop, else back off and retry.
            warn!(%reason, "gateway crashed");
            self.set(|s| s.last_error = Some(reason.clone()));
            let cfg = self.cfg();
            if cfg.is_remote() {
                // A link can be down for hours (a laptop on a train): keep trying, but tell
                // a waiting Start now instead of after the next success.
                if let Some(r) = reply.take() {
                    let _ = r.send(Err(SupervisorError::Failed(reason.clone())));
                }
            }
            let now = Instant::now();
            crashes.push_back(now);
            while crashes
                .front()
                .is_some_and(|t| now.duration_since(*t) > cfg.crash_window)
            {
                crashes.pop_front();
            }
            if !cfg.is_remote() && crashes.len() >= cfg.crash_limit {
                let reason = format!(
                    "{reason} (gave up after {} crashes within {} s; fix the cause, then Start again)",
                    crashes.len(),
                    cfg.crash_window.as_secs()
                );
                self.give_up(reason, code, &mut reply);
                return false;
            }
            let exp = u32::try_from(crashes.len().saturating_sub(1))
                .unwrap_or(u32::MAX)
                .min(16);
            let delay = cfg
                .backoff_initial
                .saturating_mul(1 << exp)
                .min(cfg.backoff_max);
            self.set(|s| s.restarts += 1);
            self.set_state(GatewayState::Restarting {
                retry_in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            });
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                cmd = self.rx.recv() => match cmd {
                    Some(Cmd::Start(r) | Cmd::Restart(r)) => {
                        // Start now; answer both waiters when it is up.
                        if let Some(old) = reply.replace(r) {
                            let _ = old.send(Err(SupervisorError::Cancelled));
                        }
                    }
                    Some(other) => {
                        if let Some(r) = reply.take() {
                            let _ = r.send(Err(SupervisorError::Cancelled));
                        }
                        return self.after_interrupt(other);
                    }
                    None => return true,
                },
            }
        }
    }

    /// Stops trying: the state says why, and a waiting `start` gets the reason.
    fn give_up(&self, reason: String, exit_code: Option<i32>, reply: &mut StartReply) {
        self.set_state(GatewayState::Crashed {
            reason: reason.clone(),
            exit_code,
        });
        if let Some(r) = reply.take() {
            let _ = r.send(Err(SupervisorError::Failed(reason)));
        }
    }

    /// Answers a stop/shutdown that arrived while nothing runs; returns true on shutdown.
    fn after_interrupt(&self, cmd: Cmd) -> bool {
        self.set_state(GatewayState::Stopped);
        match cmd {
            Cmd::Stop(r) => {
                let _ = r.send(());
                false
            }
            Cmd::Shutdown(r) => {
                let _ = r.send(());
                true
            }
            Cmd::Start(r) | Cmd::Restart(r) => {
                let _ = r.send(Err(SupervisorError::Cancelled));
                false
            }
        }
    }

    async fn monitor(&mut self, mut run: Running) -> Ended {
        let cfg = self.cfg();
        let mut health = tokio::time::interval(cfg.health_interval);
        health.reset();
        let mut failures = 0u32;
        let mut conn = run.client.state();
        conn.borrow_and_update();
        let remote = run.local.is_none();
        let ended = loop {
            tokio::select! {
                status = child::exited(&mut run.local) => {
                    let code = status.ok().and_then(|s| s.code());
                    let mut reason = match code {
                        Some(c) => format!("the gateway exited with code {c}"),
                        None => "the gateway was killed by a signal".to_owned(),
                    };
                    if let Some(local) = run.local.as_mut() {
                        if let Some(h) = local.stderr_done.take() {
                            let _ = tokio::time::timeout(Duration::from_secs(1), h).await;
                        }
                        if let Some(last) = local.stderr_tail.last() {
                            reason.push_str(&format!(": {last}"));
                        }
                    }
                    break Ended::Crashed(reason, code);
                }
                lost = link::lost(&mut conn, remote) => {
                    break Ended::Crashed(format!("lost the connection to {}: {lost}", run.client_url()), None);
                }
                cmd = self.rx.recv() => match cmd {
                    Some(Cmd::Start(r)) => { let _ = r.send(Ok(())); }
                    Some(Cmd::Stop(r)) => { self.graceful(&mut run, true).await; break Ended::Stopped(r); }
                    Some(Cmd::Restart(r)) => { self.graceful(&mut run, true).await; break Ended::RestartRequested(r); }
                    Some(Cmd::Shutdown(r)) => { self.graceful(&mut run, false).await; break Ended::Shutdown(Some(r)); }
                    None => { self.graceful(&mut run, false).await; break Ended::Shutdown(None); }
                },
                _ = health.tick() => {
                    match run.client.call_with_timeout::<tidepool_protocol::methods::Health>(&tidepool_protocol::contract::NoParams {}, cfg.health_timeout).await {
                        Ok(_) => failures = 0,
                        Err(e) => {
                            failures += 1;
                            warn!(error = %e, failures, "gateway health check failed");
                            if failures >= cfg.health_failures {
                                if let Some(local) = run.local.as_mut() {
                                    kill_child(&mut local.child, local.pid).await;
                                }
                                break Ended::Crashed(format!("the gateway stopped answering health checks ({e})"), None);
                            }
                        }
                    }
                }
            }
        };
        run.client.close();
        if let Ok(mut c) = self.client.lock() {
            *c = None;
        }
        ended
    }

    /// Stops a local gateway gracefully; a remote one is only disconnected from. A gateway a
    /// service manager runs is stopped through the service when the user asked (`by_user`),
    /// and left running when the app quits.
    async fn graceful(&self, run: &mut Running, by_user: bool) {
        self.set_state(GatewayState::Stopping);
        run.client.close();
        let cfg = self.cfg();
        if let Some(local) = run.local.as_mut() {
            stop_child(
                &mut local.child,
                local.stdin.take(),
                local.pid,
                cfg.stop_timeout,
            )
            .await;
        } else if run.service
            && by_user
            && let Err(e) = service::stop(&cfg).await
        {
            warn!(error = %e, "the service did not stop");
            self.set(|s| s.last_error = Some(format!("the service did not stop: {e}")));
        }
    }
}

/// One reading of the gateway's vitals for the dashboard's charts (`status`): resident
/// memory, open connections and uptime.
pub async fn sample(
    c: &Client,
) -> Result<tidepool_protocol::methods::StatusResult, tidepool_client::ClientError> {
    c.call::<tidepool_protocol::methods::Status>(&tidepool_protocol::contract::NoParams {})
        .await
}
