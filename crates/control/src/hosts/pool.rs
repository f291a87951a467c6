//! One multiplexed SSH master per host, shared by every operation (openssh, native mux): opened
//! on first use with strict host-key checking against the app's own `known_hosts`, closed after
//! an idle time, opened again (with backoff) when it died, and at most `per_host` operations at
//! once on a host. Remote commands are argument lists; openssh quotes each one for the remote
//! shell, so no shell string is ever built from what a user typed.

use super::{HostError, HostSpec};
use openssh::{KnownHosts, Session, SessionBuilder};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How the pool connects.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The app's `known_hosts` (strict: unknown and changed keys are refused).
    pub known_hosts: PathBuf,
    /// Where the masters' control sockets live (short path: sockets have a length limit).
    pub control_dir: PathBuf,
    /// An `ssh_config` to use instead of `~/.ssh/config` (tests; `None`: the user's).
    pub ssh_config: Option<PathBuf>,
    /// The agent socket (`None`: `SSH_AUTH_SOCK` as inherited).
    pub agent: Option<PathBuf>,
    /// A master idle this long is closed.
    pub idle: Duration,
    /// Operations at once on one host.
    pub per_host: usize,
    /// `ConnectTimeout`.
    pub connect_timeout: Duration,
}

impl PoolConfig {
    /// Defaults around the app's files.
    pub fn new(known_hosts: PathBuf, control_dir: PathBuf) -> PoolConfig {
        PoolConfig {
            known_hosts,
            control_dir,
            ssh_config: None,
            agent: None,
            idle: Duration::from_secs(300),
            per_host: 4,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// How to log in to one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Auth {
    /// A private key file (else the agent and the config's keys).
    pub key_file: Option<PathBuf>,
}

/// The masters, one per host and login.
type Entries = HashMap<(HostSpec, Auth), Arc<Entry>>;

struct Entry {
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
    permits: Arc<Semaphore>,
    last_used: Mutex<Instant>,
    /// Holders that need the master kept open although no command runs (a tunnel).
    pins: Arc<std::sync::atomic::AtomicUsize>,
}

/// Keeps a host's master from being closed as idle while held (a tunnel lives in the master).
#[derive(Debug)]
pub struct Pin(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Pin {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The pool. Cheap to share (`Arc` inside).
#[derive(Clone)]
pub struct HostPool {
    cfg: Arc<PoolConfig>,
    hosts: Arc<Mutex<Entries>>,
}

impl std::fmt::Debug for HostPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostPool")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

/// A connected master, held with one of the host's operation slots.
pub struct Lease {
    /// The session (run commands on it).
    pub session: Arc<Session>,
    _permit: OwnedSemaphorePermit,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("control_socket", &self.session.control_socket())
            .finish()
    }
}

/// What a remote command printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOutput {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

const RETRIES: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(400),
    Duration::from_millis(1500),
];

impl HostPool {
    /// A pool with no connections yet.
    pub fn new(cfg: PoolConfig) -> HostPool {
        HostPool {
            cfg: Arc::new(cfg),
            hosts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// How it connects.
    pub fn config(&self) -> &PoolConfig {
        &self.cfg
    }

    /// The `known_hosts` file its masters check against.
    pub fn known_hosts(&self) -> &std::path::Path {
        &self.cfg.known_hosts
    }

    fn entry(&self, spec: &HostSpec, auth: &Auth) -> Arc<Entry> {
        let mut hosts = match self.hosts.lock() {
            Ok(h) => h,
            Err(p) => p.into_inner(),
        };
        hosts
            .entry((spec.clone(), auth.clone()))
            .or_insert_with(|| {
                Arc::new(Entry {
                    session: tokio::sync::Mutex::new(None),
                    permits: Arc::new(Semaphore::new(self.cfg.per_host.max(1))),
                    last_used: Mutex::new(Instant::now()),
                    pins: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
                })
            })
            .clone()
    }

    /// The host's master if one is open now (never connects).
    pub async fn open_session(&self, spec: &HostSpec, auth: &Auth) -> Option<Arc<Session>> {
        let entry = self
            .hosts
            .lock()
            .ok()?
            .get(&(spec.clone(), auth.clone()))?
            .clone();
        let s = entry.session.lock().await.clone()?;
        s.check().await.is_ok().then_some(s)
    }

    /// Keeps the host's master open while the returned [`Pin`] is held, however idle.
    pub fn pin(&self, spec: &HostSpec, auth: &Auth) -> Pin {
        let pins = self.entry(spec, auth).pins.clone();
        pins.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Pin(pins)
    }

    /// The host's master (opened, or opened again if it died), with an operation slot.
    pub async fn lease(&self, spec: &HostSpec, auth: &Auth) -> Result<Lease, HostError> {
        spec.validate().map_err(HostError::Address)?;
        let entry = self.entry(spec, auth);
        let permit = entry
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HostError::Closed)?;
        if let Ok(mut t) = entry.last_used.lock() {
            *t = Instant::now();
        }
        let mut slot = entry.session.lock().await;
        if let Some(s) = slot.as_ref()
            && s.check().await.is_ok()
        {
            return Ok(Lease {
                session: s.clone(),
                _permit: permit,
            });
        }
        // Dead or never opened: (re)connect, retrying what may pass (a refused or dropped
        // connection), not what cannot (a key refused, an unknown or changed host key).
        let mut last = None;
        for delay in std::iter::once(Duration::ZERO).chain(RETRIES) {
            tokio::time::sleep(delay).await;
            match self.connect(spec, auth).await {
                Ok(s) => {
                    let s = Arc::new(s);
                    *slot = Some(s.clone());
                    return Ok(Lease {
                        session: s,
                        _permit: permit,
                    });
                }
                Err(e) if e.is_transient() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(HostError::Closed))
    }

    async fn connect(&self, spec: &HostSpec, auth: &Auth) -> Result<Session, HostError> {
        let mut b = SessionBuilder::default();
        b.known_hosts_check(KnownHosts::Strict)
            .user_known_hosts_file(&self.cfg.known_hosts)
            .control_directory(&self.cfg.control_dir)
            .connect_timeout(self.cfg.connect_timeout)
            .server_alive_interval(Duration::from_secs(15));
        if let Some(u) = &spec.user {
            b.user(u.clone());
        }
        if let Some(p) = spec.port {
            b.port(p);
        }
        if let Some(k) = &auth.key_file {
            b.keyfile(k);
        }
        if let Some(c) = &self.cfg.ssh_config {
            b.config_file(c);
        }
        if let Some(a) = &self.cfg.agent {
            b.ssh_auth_sock(a);
        }
        tidepool_platform::create_private_dir(&self.cfg.control_dir).map_err(|e| {
            HostError::Local(format!(
                "cannot create {}: {e}",
                self.cfg.control_dir.display()
            ))
        })?;
        // The host was validated: it cannot read as an option.
        b.connect_mux(&spec.host)
            .await
            .map_err(|e| HostError::from_connect(spec, &e))
    }

    /// Runs `program ARGS` on the host (each argument quoted for the remote shell), with
    /// `stdin` fed when given; reconnects once if the master died under it.
    pub async fn run(
        &self,
        spec: &HostSpec,
        auth: &Auth,
        program: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<RemoteOutput, HostError> {
        let mut tried_again = false;
        loop {
            let lease = self.lease(spec, auth).await?;
            match run_on(&lease.session, program, args, stdin).await {
                Ok(o) => return Ok(o),
                Err(e) if !tried_again && lease.session.check().await.is_err() => {
                    tracing::warn!(host = %spec, error = %e, "the SSH master died; connecting again");
                    tried_again = true;
                }
                Err(e) => return Err(HostError::Remote(e.to_string())),
            }
        }
    }

    /// Closes masters idle longer than the configured time; returns how many.
    pub async fn close_idle(&self) -> usize {
        let entries: Vec<Arc<Entry>> = match self.hosts.lock() {
            Ok(h) => h.values().cloned().collect(),
            Err(_) => return 0,
        };
        let mut closed = 0;
        for e in entries {
            let idle = e
                .last_used
                .lock()
                .map(|t| t.elapsed() >= self.cfg.idle)
                .unwrap_or(false);
            // Busy entries (a slot taken, a tunnel open) are not idle, whatever the clock says.
            let pinned = e.pins.load(std::sync::atomic::Ordering::SeqCst) > 0;
            if idle && !pinned && e.permits.available_permits() == self.cfg.per_host.max(1) {
                let mut slot = e.session.lock().await;
                if let Some(s) = slot.take() {
                    if let Ok(s) = Arc::try_unwrap(s) {
                        let _ = s.close().await;
                    }
                    closed += 1;
                }
            }
        }
        closed
    }

    /// Closes every master.
    pub async fn close_all(&self) {
        let entries: Vec<Arc<Entry>> = match self.hosts.lock() {
            Ok(mut h) => h.drain().map(|(_, e)| e).collect(),
            Err(_) => return,
        };
        for e in entries {
            if let Some(s) = e.session.lock().await.take()
                && let Ok(s) = Arc::try_unwrap(s)
            {
                let _ = s.close().await;
            }
        }
    }
}

async fn run_on(
    session: &Session,
    program: &str,
    args: &[&str],
    stdin: Option<&[u8]>,
) -> Result<RemoteOutput, openssh::Error> {
    let mut cmd = session.command(program);
    cmd.args(args);
    let out = match stdin {
        None => cmd.output().await?,
        Some(bytes) => {
            use tokio::io::AsyncWriteExt;
            cmd.stdin(openssh::Stdio::piped())
                .stdout(openssh::Stdio::piped())
                .stderr(openssh::Stdio::piped());
            let mut child = cmd.spawn().await?;
            if let Some(mut w) = child.stdin().take() {
                w.write_all(bytes).await.map_err(openssh::Error::ChildIo)?;
                drop(w);
            }
            child.wait_with_output().await?
        }
    };
    Ok(RemoteOutput {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}
