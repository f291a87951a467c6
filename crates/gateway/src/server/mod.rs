//! The WebSocket server: start-up (config, lock, credentials, listener), the accept loop,
//! broadcast events, and graceful shutdown with a bounded drain.

mod conn;
mod http;
pub mod out;
mod reply;

use crate::auth::{self, Credential, TokenSource};
use crate::config::store::ConfigStore;
use crate::config::{AuthMode, Bind, Config, ConfigError};
use crate::lock::{LockError, StateLock};
use crate::paths::StatePaths;
use crate::presence::Presence;
use crate::state::{ConfigHandle, LogsHandle, Methods, ServerHandle, Shared};
use crate::sysinfo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};
use tidepool_protocol::methods::ShutdownEvent;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why the gateway could not start. `exit_code()` follows sysexits.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The config is invalid (exit 78).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Credentials could not be set up (exit 78).
    #[error(transparent)]
    Auth(#[from] auth::AuthSetupError),
    /// Another gateway holds the state dir (exit 75).
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The state dir cannot be created.
    #[error("cannot create state dir {path}: {source}")]
    StateDir {
        /// Dir.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The session database cannot be opened (exit 74).
    #[error(transparent)]
    Sessions(#[from] crate::sessions::StoreError),
    /// The HTTP client for providers cannot be set up (exit 70).
    #[error("{0}")]
    Http(String),
    /// The listener could not bind (exit 69).
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// Address.
        addr: String,
        /// Why, in words.
        reason: String,
    },
}

impl StartError {
    /// Process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            StartError::Config(_) | StartError::Auth(_) => 78,
            StartError::Locked(_) => 75,
            StartError::StateDir { .. } => 73,
            StartError::Bind { .. } => 69,
            StartError::Sessions(_) => 74,
            StartError::Http(_) => 70,
        }
    }
}

/// Command-line overrides of the config.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--port`.
    pub port: Option<u16>,
    /// `--bind`.
    pub bind: Option<Bind>,
}

/// A loaded, validated config, ready to start (logging can be set up from it first).
#[derive(Debug)]
pub struct Prepared {
    /// State dir paths.
    pub paths: StatePaths,
    /// The config with overrides applied.
    pub config: Config,
    /// OpenClaw sections present but not supported yet.
    pub unsupported: Vec<String>,
    /// The config file as the gateway will own it.
    pub store: Arc<ConfigStore>,
    /// Lets a config reload change the log levels of this process (set by the binary that
    /// installed the logger).
    pub log_levels: Option<crate::logs::LevelControl>,
    /// Masks secret values in logs and frames (give it to the logger too).
    pub redactor: crate::redact::Redactor,
}

/// Loads and validates the config and applies overrides. Creates the state dir.
pub fn prepare(paths: StatePaths, overrides: &Overrides) -> Result<Prepared, StartError> {
    crate::fsutil::create_private_dir(paths.root()).map_err(|source| StartError::StateDir {
        path: paths.root().display().to_string(),
        source,
    })?;
    let store = ConfigStore::open(paths.config())?;
    let loaded = store.snapshot().loaded.clone();
    let mut config = loaded.config;
    if let Some(p) = overrides.port {
        config.gateway.port = p;
    }
    if let Some(b) = overrides.bind {
        config.gateway.bind = b;
    }
    if config.gateway.auth.mode == AuthMode::None && !config.gateway.bind.is_loopback() {
        return Err(StartError::Config(ConfigError::Rejected {
            path: paths.config().display().to_string(),
            message: format!(
                "gateway.auth.mode \"none\" is only allowed on loopback, but bind is {}; use token auth or bind loopback",
                config.gateway.bind
            ),
        }));
    }
    if config.gateway.max_payload < tidepool_protocol::PRE_AUTH_MAX_FRAME_BYTES {
        return Err(StartError::Config(ConfigError::Rejected {
            path: paths.config().display().to_string(),
            message: "gateway.maxPayload must be at least 65536 bytes".into(),
        }));
    }
    if config.gateway.tick_interval_ms < 100 {
        return Err(StartError::Config(ConfigError::Rejected {
            path: paths.config().display().to_string(),
            message: "gateway.tickIntervalMs must be at least 100".into(),
        }));
    }
    Ok(Prepared {
        paths,
        config,
        unsupported: loaded.unsupported,
        store: Arc::new(store),
        log_levels: None,
        redactor: crate::redact::Redactor::new(),
    })
}

/// Every method the gateway serves: one registration line per domain.
pub fn methods() -> Methods {
    let mut r = Methods::default();
    crate::status::register(&mut r);
    crate::logs::methods::register(&mut r);
    crate::config::methods::register(&mut r);
    crate::chat::methods::register(&mut r);
    crate::sessions::methods::register(&mut r);
    crate::approvals::methods::register(&mut r);
    crate::secrets::methods::register(&mut r);
    crate::agents::methods::register(&mut r);
    crate::tools::methods::register(&mut r);
    r
}

/// A running gateway.
pub struct Gateway {
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
    token_source: Option<TokenSource>,
    _lock: StateLock,
}

/// Broadcast buffer: events a connection may lag behind before it is dropped as too slow.
const EVENT_BUFFER: usize = 1024;

impl Gateway {
    /// Takes the state-dir lock, sets up credentials, binds, and starts accepting.
    pub async fn start(prepared: Prepared, version: &str) -> Result<Gateway, StartError> {
        let Prepared {
            paths,
            config,
            store,
            log_levels,
            redactor,
            ..
        } = prepared;
        let lock = StateLock::acquire(&paths.lock())?;
        let secrets = Arc::new(crate::secrets::Secrets::open(
            paths.root(),
            redactor.clone(),
        ));
        let (credential, token_source) =
            auth::resolve(&config.gateway.auth, &paths.token(), secrets.as_ref())?;
        match &credential {
            Credential::Token(t) | Credential::Password(t) => redactor.remember(t),
            Credential::None => {}
        }
        let addr = SocketAddr::new(config.gateway.bind.ip(), config.gateway.port);
        let listener = TcpListener::bind(addr).await.map_err(|e| StartError::Bind {
            addr: addr.to_string(),
            reason: match e.kind() {
                std::io::ErrorKind::AddrInUse => format!(
                    "port {} is already in use by another program (choose another with --port, or --port 0 for any free port)",
                    addr.port()
                ),
                std::io::ErrorKind::PermissionDenied => {
                    format!("permission denied for port {}", addr.port())
                }
                _ => e.to_string(),
            },
        })?;
        let local_addr = listener.local_addr().map_err(|e| StartError::Bind {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
        let registry = methods();
        let session_store = crate::sessions::SessionStore::open(&paths.sessions_db())
            .await?
            .with_redactor(redactor.clone());
        let http = crate::providers::http_client().map_err(|e| StartError::Http(e.to_string()))?;
        let approvals = Arc::new(
            crate::approvals::Approvals::open(session_store.pool())
                .await
                .map_err(crate::sessions::StoreError::from)?,
        );
        let chat = Arc::new(crate::chat::ChatRuntime::new(
            session_store,
            http,
            approvals,
            secrets,
            Arc::new(crate::metrics::Metrics::new()),
        ));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let shared = Arc::new(Shared {
            server: ServerHandle {
                version: version.to_owned(),
                boot_id: sysinfo::random_id(),
                auth_mode: config.gateway.auth.mode,
                auth_limiter: Default::default(),
                credential,
                local_addr,
                started: Instant::now(),
                started_at_ms: sysinfo::now_ms(),
                registry,
                events,
                presence_dirty: tokio::sync::Notify::new(),
                seq: AtomicU64::new(0),
                requests: AtomicU64::new(0),
                shutdown_event: std::sync::Mutex::new(None),
            },
            config: ConfigHandle {
                at_start: config,
                store,
                writes: std::sync::Mutex::new(Default::default()),
                log_levels,
            },
            logs: LogsHandle {
                heavy_io: tokio::sync::Semaphore::new(2),
            },
            paths,
            presence: Presence::default(),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            chat,
            redactor,
        });
        let accept = tokio::spawn(accept_loop(shared.clone(), listener));
        tokio::spawn(presence_broadcaster(shared.clone()));
        crate::config::watch::spawn(shared.clone());
        Ok(Gateway {
            shared,
            accept,
            token_source,
            _lock: lock,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.server.local_addr
    }

    /// Where the token came from (`None` for password / no auth).
    pub fn token_source(&self) -> Option<TokenSource> {
        self.token_source
    }

    /// The auth mode.
    pub fn auth_mode(&self) -> AuthMode {
        self.shared.server.auth_mode
    }

    /// Method names served.
    pub fn methods(&self) -> Vec<String> {
        self.shared.server.registry.names()
    }

    /// A token that is cancelled when shutdown begins.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shared.shutdown.clone()
    }

    /// Stops accepting, tells every client why (`shutdown` event), lets in-flight requests
    /// finish within the drain time, closes the sockets, and returns whether the drain finished.
    pub async fn shutdown(self, event: ShutdownEvent) -> bool {
        if let Ok(mut e) = self.shared.server.shutdown_event.lock() {
            *e = Some(event);
        }
        self.shared.shutdown.cancel();
        // Replies being written end as `aborted` (kept in the transcript) within the drain.
        let runs = self.shared.chat.abort_all();
        if runs > 0 {
            tracing::info!(runs, "stopping the replies in progress");
        }
        self.shared.tasks.close();
        let drain = Duration::from_millis(self.shared.config.at_start.gateway.drain_timeout_ms);
        // Connections close themselves after their own drain; allow a little for the close
        // frames to be written.
        let drained =
            tokio::time::timeout(drain + Duration::from_millis(500), self.shared.tasks.wait())
                .await
                .is_ok();
        self.accept.abort();
        drained
    }
}

/// Full presence lists go to every client, so a connect storm of N clients would cost N²
/// messages; changes within one window are sent as one event.
const PRESENCE_COALESCE: Duration = Duration::from_millis(100);

async fn presence_broadcaster(shared: Arc<Shared>) {
    loop {
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = shared.server.presence_dirty.notified() => {}
        }
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = tokio::time::sleep(PRESENCE_COALESCE) => {}
        }
        shared.broadcast_presence();
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // While draining, probes are still answered (`/readyz` says so) and new WebSocket
        // sessions are refused; the loop ends when the drain does.
        let _ = stream.set_nodelay(true);
        shared
            .tasks
            .spawn(http::route(shared.clone(), stream, peer));
    }
}
