//! The gateway as a service: `tidepool gateway install|uninstall|start|stop|restart|status`.
//!
//! One record per state dir (`<state>/service.json`) says which manager runs the gateway and
//! with what; the backends do the rest: a systemd unit (Linux), a launchd agent (macOS), a
//! Scheduled Task (Windows), or a plain detached process where there is no service manager
//! (containers, WSL without systemd, Alpine). The token never goes into a unit: systemd reads
//! it from a 0600 environment file, the others from the state dir's `gateway.token`.

mod error;
pub use error::ServiceError;
mod plain;
mod record;
pub use plain::{last_error, last_words};
pub use record::{Record, Spec, pid_file, read_record, record_file};
pub mod render;
mod system;
mod systemd;

use crate::StatePaths;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The systemd unit's name.
pub const SYSTEMD_UNIT: &str = "tidepool-gateway.service";
/// The launchd label.
pub const LAUNCHD_LABEL: &str = "ai.tidepool.gateway";
/// The Windows Scheduled Task's name.
pub const TASK_NAME: &str = "Tidepool Gateway";
/// The exit code the gateway uses for a bad config; a service manager must not restart on it.
pub const EXIT_CONFIG: i32 = 78;

/// What starts and supervises the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    /// systemd (Linux).
    Systemd,
    /// launchd (macOS).
    Launchd,
    /// Task Scheduler (Windows).
    Task,
    /// A detached process with a pid file, anywhere.
    Plain,
}

impl Manager {
    /// The manager this host has: systemd when it runs as init, launchd on macOS, Task
    /// Scheduler on Windows, otherwise plain.
    pub fn detect() -> Manager {
        if cfg!(target_os = "macos") {
            Manager::Launchd
        } else if cfg!(windows) {
            Manager::Task
        } else if cfg!(target_os = "linux") && Path::new("/run/systemd/system").is_dir() {
            Manager::Systemd
        } else {
            Manager::Plain
        }
    }

    /// The name users and `--manager` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Systemd => "systemd",
            Manager::Launchd => "launchd",
            Manager::Task => "task",
            Manager::Plain => "plain",
        }
    }

    /// The unit, label or task name this manager knows the gateway by.
    pub fn label(self) -> &'static str {
        match self {
            Manager::Systemd => SYSTEMD_UNIT,
            Manager::Launchd => LAUNCHD_LABEL,
            Manager::Task => TASK_NAME,
            Manager::Plain => "gateway.pid",
        }
    }
}

impl std::fmt::Display for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Manager {
    type Err = String;
    fn from_str(s: &str) -> Result<Manager, String> {
        match s {
            "systemd" => Ok(Manager::Systemd),
            "launchd" => Ok(Manager::Launchd),
            "task" => Ok(Manager::Task),
            "plain" => Ok(Manager::Plain),
            other => Err(format!(
                "unknown service manager {other:?}: use systemd, launchd, task or plain"
            )),
        }
    }
}

/// Whose service: the user's (default) or the machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Runs as the installing user (systemd user unit, LaunchAgent, logon task).
    User,
    /// Runs for the machine (system unit, LaunchDaemon, boot task); needs root / admin.
    System,
}

impl Scope {
    /// `user` or `system`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::System => "system",
        }
    }
}

/// The service as its manager sees it now.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceState {
    /// Manager.
    pub manager: Manager,
    /// Unit, label or task.
    pub label: String,
    /// User or system (as installed, else the default).
    pub scope: Scope,
    /// A record exists (and the manager knows the unit, where it can tell).
    pub installed: bool,
    /// The unit file, plist or task XML.
    pub file: Option<PathBuf>,
    /// Running now.
    pub active: bool,
    /// The gateway's pid, when running.
    pub pid: Option<u32>,
    /// `running`, `stopped`, `failed`, `unknown`.
    pub status: String,
    /// The manager's own words (systemd's `ActiveState/SubState`, …).
    pub detail: Option<String>,
}

/// What an install did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Installed {
    /// The record written (or found).
    pub record: Record,
    /// False when the same install was there already.
    pub changed: bool,
    /// Things the user should know (linger off, …).
    pub notes: Vec<String>,
}

/// What a start or stop did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// `started`, `already-running`, `stopped`, `not-running`, `killed`.
    pub result: &'static str,
    /// The gateway's pid (started or stopped).
    pub pid: Option<u32>,
    /// The port it listens on (started).
    pub port: Option<u16>,
    /// The version that answered (started).
    pub version: Option<String>,
}

/// How long `start` waits for the gateway to be ready.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Installs the service for `spec` with `manager`. Installing the same thing twice changes
/// nothing; other settings need `force`. The config must load first (a unit that can only
/// fail is not installed).
pub async fn install(
    paths: &StatePaths,
    spec: &Spec,
    manager: Manager,
    force: bool,
) -> Result<Installed, ServiceError> {
    system::check_state_dir_owner(paths.root())?;
    if spec.scope == Scope::System && !system::is_root() {
        return Err(ServiceError::NeedsRoot);
    }
    let prepared = crate::prepare(
        paths.clone(),
        &crate::Overrides {
            port: spec.port,
            bind: None,
        },
    )
    .map_err(|e| ServiceError::Config(e.to_string()))?;
    let port = prepared.config.gateway.port;
    if port != 0
        && crate::lock::StateLock::holder(&paths.lock()).is_none()
        && system::port_busy(port)
    {
        return Err(ServiceError::PortInUse { port });
    }

    let file = match manager {
        Manager::Systemd => Some(systemd::unit_path(spec.scope)?),
        Manager::Launchd => Some(system::launchd_plist_path(spec.scope)),
        Manager::Task => Some(paths.root().join("tidepool-gateway.task.xml")),
        Manager::Plain => None,
    };
    let env_file = matches!(manager, Manager::Systemd | Manager::Plain).then(|| spec.env_file());
    let record = Record {
        manager,
        scope: spec.scope,
        label: manager.label().to_owned(),
        file: file.clone(),
        binary: spec.binary.clone(),
        state_dir: spec.state_dir.clone(),
        port: spec.port,
        env_file: env_file.clone(),
        version: crate::version().to_owned(),
        installed_at_ms: now_ms(),
    };
    if let Some(old) = read_record(paths)? {
        let differs = differences(&old, &record);
        if differs.is_empty() && !force {
            let notes = notes(manager, spec.scope).await;
            return Ok(Installed {
                record: old,
                changed: false,
                notes,
            });
        }
        if !differs.is_empty() && !force {
            return Err(ServiceError::InstalledDifferently {
                state_dir: paths.root().display().to_string(),
                differs: differs.join(", "),
            });
        }
    }
    if manager == Manager::Systemd {
        systemd::check_available(spec.scope).await?;
    }

    if let Some(env_file) = &env_file {
        let text = render::env_file(spec, token_for_env(&prepared)?.as_deref());
        crate::fsutil::write_private(env_file, text.as_bytes())
            .map_err(ServiceError::io("write", env_file))?;
    }
    if let Some(file) = &file {
        let bytes = match manager {
            Manager::Systemd => render::systemd_unit(spec).into_bytes(),
            Manager::Launchd => render::launchd_plist(spec),
            Manager::Task => render::task_xml(spec),
            Manager::Plain => Vec::new(),
        };
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(ServiceError::io("create", dir))?;
        }
        crate::fsutil::write_private(file, &bytes).map_err(ServiceError::io("write", file))?;
    }
    match manager {
        Manager::Systemd => systemd::enable(spec.scope).await?,
        Manager::Launchd | Manager::Task => system::register(manager, &record).await?,
        Manager::Plain => {}
    }
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    let rf = record_file(paths);
    crate::fsutil::write_private(&rf, text.as_bytes()).map_err(ServiceError::io("write", &rf))?;
    Ok(Installed {
        record,
        changed: true,
        notes: notes(manager, spec.scope).await,
    })
}

/// Stops and removes the service; the state dir (config, sessions, token) stays.
pub async fn uninstall(paths: &StatePaths) -> Result<Record, ServiceError> {
    let record = read_record(paths)?.ok_or_else(|| ServiceError::NotInstalled {
        state_dir: paths.root().display().to_string(),
    })?;
    stop(paths).await?;
    match record.manager {
        Manager::Systemd => systemd::disable(record.scope).await?,
        Manager::Launchd | Manager::Task => system::unregister(record.manager, &record).await?,
        Manager::Plain => {}
    }
    for f in [record.file.as_ref(), record.env_file.as_ref()]
        .into_iter()
        .flatten()
    {
        remove_if_exists(f)?;
    }
    if record.manager == Manager::Systemd {
        systemd::daemon_reload(record.scope).await?;
    }
    remove_if_exists(&record_file(paths))?;
    remove_if_exists(&pid_file(paths))?;
    Ok(record)
}

/// Starts the installed service and waits until the gateway is ready.
pub async fn start(paths: &StatePaths) -> Result<Outcome, ServiceError> {
    let record = installed(paths)?;
    match record.manager {
        Manager::Plain => plain::start(paths, &record).await,
        Manager::Systemd => {
            if let Some(pid) = crate::lock::StateLock::holder(&paths.lock()) {
                return Ok(already(pid));
            }
            systemd::systemctl(record.scope, &["start", SYSTEMD_UNIT]).await?;
            wait_ready(paths, &record).await
        }
        Manager::Launchd | Manager::Task => {
            if let Some(pid) = crate::lock::StateLock::holder(&paths.lock()) {
                return Ok(already(pid));
            }
            system::start(record.manager, &record).await?;
            wait_ready(paths, &record).await
        }
    }
}

/// Stops the gateway gracefully (SIGTERM, the drain, exit); says so when it was not running.
pub async fn stop(paths: &StatePaths) -> Result<Outcome, ServiceError> {
    let record = installed(paths)?;
    match record.manager {
        Manager::Plain => plain::stop(paths).await,
        Manager::Systemd => {
            let pid = crate::lock::StateLock::holder(&paths.lock());
            systemd::systemctl(record.scope, &["stop", SYSTEMD_UNIT]).await?;
            Ok(stopped(pid))
        }
        Manager::Launchd | Manager::Task => {
            let pid = crate::lock::StateLock::holder(&paths.lock());
            system::stop(record.manager, &record).await?;
            Ok(stopped(pid))
        }
    }
}

/// The service's state now; answers whether or not anything is installed or running.
pub async fn state(paths: &StatePaths) -> Result<ServiceState, ServiceError> {
    let record = read_record(paths)?;
    let holder = crate::lock::StateLock::holder(&paths.lock());
    let manager = record
        .as_ref()
        .map(|r| r.manager)
        .unwrap_or_else(Manager::detect);
    let scope = record.as_ref().map(|r| r.scope).unwrap_or(Scope::User);
    let mut st = ServiceState {
        manager,
        label: manager.label().to_owned(),
        scope,
        installed: record.is_some(),
        file: record.as_ref().and_then(|r| r.file.clone()),
        active: holder.is_some(),
        pid: holder.filter(|p| *p != 0),
        status: if holder.is_some() {
            "running"
        } else {
            "stopped"
        }
        .to_owned(),
        detail: None,
    };
    if record.is_some() && manager == Manager::Systemd {
        // systemd knows about restarts and failures the lock cannot tell.
        if let Ok(show) = systemd::show(scope).await {
            st.detail = Some(format!("{}/{}", show.active_state, show.sub_state));
            if show.active_state == "failed" {
                st.status = "failed".to_owned();
            }
            if st.pid.is_none() && show.main_pid > 0 {
                st.pid = Some(show.main_pid);
            }
        }
    }
    Ok(st)
}

fn installed(paths: &StatePaths) -> Result<Record, ServiceError> {
    read_record(paths)?.ok_or_else(|| ServiceError::NotInstalled {
        state_dir: paths.root().display().to_string(),
    })
}

fn already(pid: u32) -> Outcome {
    Outcome {
        result: "already-running",
        pid: Some(pid).filter(|p| *p != 0),
        port: None,
        version: None,
    }
}

fn stopped(pid: Option<u32>) -> Outcome {
    Outcome {
        result: if pid.is_some() {
            "stopped"
        } else {
            "not-running"
        },
        pid: pid.filter(|p| *p != 0),
        port: None,
        version: None,
    }
}

/// Waits for a manager-started gateway: its runtime file, then `/readyz` on its port.
async fn wait_ready(paths: &StatePaths, record: &Record) -> Result<Outcome, ServiceError> {
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    let client = crate::providers::http_client().ok();
    let mut delay = Duration::from_millis(50);
    // The manager gives no ready signal of its own (Type=simple); the probe is the signal.
    while tokio::time::Instant::now() < deadline {
        if let Some(rt) = read_runtime(paths)
            && let Some(client) = &client
            && client
                .get(format!("http://127.0.0.1:{}/readyz", rt.port))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        {
            return Ok(Outcome {
                result: "started",
                pid: Some(rt.pid),
                port: Some(rt.port),
                version: Some(rt.version),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
    Err(ServiceError::NotReady {
        secs: START_TIMEOUT.as_secs(),
        log: record.spec().stderr_log().display().to_string(),
    })
}

/// The runtime file `gateway run` writes once it listens.
#[derive(Debug, Deserialize)]
struct Runtime {
    pid: u32,
    port: u16,
    version: String,
}

fn read_runtime(paths: &StatePaths) -> Option<Runtime> {
    let text = std::fs::read_to_string(paths.root().join("gateway.runtime.json")).ok()?;
    let rt: Runtime = serde_json::from_str(&text).ok()?;
    // A runtime file left by a gateway that was killed names a dead pid.
    crate::lock::StateLock::holder(&paths.lock())
        .is_some_and(|p| p == rt.pid || p == 0)
        .then_some(rt)
}

/// The token to put in the environment file: the one the gateway would use, unless the config
/// names it itself (the environment would override the config's choice).
fn token_for_env(prepared: &crate::Prepared) -> Result<Option<String>, ServiceError> {
    use crate::config::AuthMode;
    let auth = &prepared.config.gateway.auth;
    if auth.mode != AuthMode::Token || auth.token.is_some() {
        return Ok(None);
    }
    if let Some(t) = crate::auth::env_token() {
        return Ok(Some(t));
    }
    let file = prepared.paths.token();
    let err = |e: crate::auth::AuthSetupError| ServiceError::Config(e.to_string());
    if let Some(t) = crate::auth::read_token_file(&file).map_err(err)? {
        return Ok(Some(t));
    }
    let t = crate::auth::generate_token();
    crate::fsutil::write_private(&file, t.as_bytes()).map_err(ServiceError::io("write", &file))?;
    Ok(Some(t))
}

fn differences(old: &Record, new: &Record) -> Vec<String> {
    let mut d = Vec::new();
    if old.manager != new.manager {
        d.push(format!("manager {} → {}", old.manager, new.manager));
    }
    if old.scope != new.scope {
        d.push(format!(
            "{} → {} service",
            old.scope.as_str(),
            new.scope.as_str()
        ));
    }
    if old.port != new.port {
        let p = |p: Option<u16>| p.map_or("the config's".to_owned(), |p| p.to_string());
        d.push(format!("port {} → {}", p(old.port), p(new.port)));
    }
    if old.binary != new.binary {
        d.push(format!(
            "binary {} → {}",
            old.binary.display(),
            new.binary.display()
        ));
    }
    d
}

async fn notes(manager: Manager, scope: Scope) -> Vec<String> {
    let mut notes = Vec::new();
    if manager == Manager::Systemd
        && scope == Scope::User
        && let Some(user) = system::user_name()
        && systemd::linger(&user).await == Some(false)
    {
        notes.push(format!(
            "linger is off for {user}: the gateway stops when your last login session ends; `loginctl enable-linger {user}` keeps it running"
        ));
    }
    notes
}

fn remove_if_exists(path: &Path) -> Result<(), ServiceError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ServiceError::Io {
            what: "remove",
            path: path.display().to_string(),
            source: e,
        }),
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
