//! The gateway's state, at the bottom of the method modules: one handle per domain (`config`,
//! `chat` with sessions, approvals and secrets, `logs`, `presence`), the transport's own parts
//! (`server`: identity, auth, the registry, the broadcast) and the shutdown token. Method
//! modules receive it; it imports no method module and no server code.

use crate::auth::Credential;
use crate::chat::AgentSpec;
use crate::config::store::ConfigStore;
use crate::config::{AuthMode, Config};
use crate::paths::StatePaths;
use crate::presence::Presence;
use crate::rpc::{Emit, Registry, invalid_params};
use crate::sysinfo;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tidepool_protocol::ErrorShape;
use tidepool_protocol::frames::{EventFrame, Frame, StateVersion, encode};
use tidepool_protocol::methods::{PresenceEntry, ShutdownEvent, events};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The methods this gateway serves, each handed the state.
pub type Methods = Registry<Shared>;

/// State shared by the accept loop, connections and handlers: one handle per domain, so a
/// method module reaches its own domain (`s.config`, `s.chat`, `s.logs`, `s.presence`) and the
/// transport's parts stay together in `s.server`.
pub struct Shared {
    /// Where the state lives.
    pub(crate) paths: StatePaths,
    /// The config domain.
    pub(crate) config: ConfigHandle,
    /// Sessions, runs, providers, approvals and secrets.
    pub(crate) chat: Arc<crate::chat::ChatRuntime>,
    /// Who is connected.
    pub(crate) presence: Presence,
    /// The logs domain.
    pub(crate) logs: LogsHandle,
    /// What the transport owns: identity, auth, the registry, the event broadcast.
    pub(crate) server: ServerHandle,
    /// Cancelled when shutdown begins.
    pub(crate) shutdown: CancellationToken,
    /// The tasks a shutdown drains.
    pub(crate) tasks: TaskTracker,
    /// Masks secret values in every frame sent.
    pub(crate) redactor: crate::redact::Redactor,
}

/// The config domain: the file the gateway owns, the config it started with, and what
/// `config.*` writes need.
pub struct ConfigHandle {
    /// The config as loaded at start, with the command-line overrides (bind, port, auth).
    pub(crate) at_start: Config,
    /// The config file, read and written through here; `snapshot()` is the config in force.
    pub(crate) store: Arc<ConfigStore>,
    /// Recent writes, for the write rate limit.
    pub(crate) writes: std::sync::Mutex<std::collections::VecDeque<Instant>>,
    /// Changes this process's log levels on reload.
    pub(crate) log_levels: Option<crate::logs::LevelControl>,
}

/// The logs domain.
pub struct LogsHandle {
    /// Bounds concurrent large file reads (logs.tail) across all connections.
    pub(crate) heavy_io: tokio::sync::Semaphore,
}

/// What only the transport uses: who this gateway is, how callers authenticate, the methods it
/// serves and the event broadcast.
pub struct ServerHandle {
    /// The gateway's version.
    pub(crate) version: String,
    /// This run's id (presence `instanceId`).
    pub(crate) boot_id: String,
    /// Failed-auth counts per address.
    pub(crate) auth_limiter: crate::auth_limit::AuthLimiter,
    /// What `connect` must present.
    pub(crate) credential: Credential,
    /// Token, password or none.
    pub(crate) auth_mode: AuthMode,
    /// The bound address.
    pub(crate) local_addr: SocketAddr,
    /// When it started (uptime).
    pub(crate) started: Instant,
    /// When it started, ms since the epoch.
    pub(crate) started_at_ms: u64,
    /// The methods served.
    pub(crate) registry: Methods,
    /// Every connection's copy of the broadcast events.
    pub(crate) events: broadcast::Sender<Utf8Bytes>,
    /// Wakes the presence broadcaster.
    pub(crate) presence_dirty: tokio::sync::Notify,
    /// The events' global sequence.
    pub(crate) seq: AtomicU64,
    /// Requests dispatched to a method since start (`status.requests`).
    pub(crate) requests: AtomicU64,
    /// Why it is stopping, once it is.
    pub(crate) shutdown_event: std::sync::Mutex<Option<ShutdownEvent>>,
}

impl Shared {
    pub(crate) fn uptime_ms(&self) -> u64 {
        u64::try_from(self.server.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn state_version(&self) -> StateVersion {
        StateVersion {
            presence: self.presence.version(),
            health: 1,
        }
    }

    pub(crate) fn own_presence(&self) -> PresenceEntry {
        PresenceEntry {
            host: Some(sysinfo::hostname()),
            ip: Some(self.server.local_addr.ip().to_string()),
            version: Some(self.server.version.clone()),
            platform: Some(sysinfo::platform().into()),
            mode: Some("gateway".into()),
            reason: Some("self".into()),
            ts: sysinfo::now_ms(),
            online_since: Some(self.server.started_at_ms),
            instance_id: Some(self.server.boot_id.clone()),
            ..PresenceEntry::default()
        }
    }

    pub(crate) fn presence_list(&self) -> Vec<PresenceEntry> {
        self.presence.list(self.own_presence())
    }

    /// Sends an event to every connected client, with a global sequence number.
    pub(crate) fn broadcast(&self, event: &str, payload: Value) {
        let frame = Frame::Event(EventFrame {
            event: event.into(),
            payload: Some(payload),
            seq: Some(self.server.seq.fetch_add(1, Ordering::AcqRel) + 1),
            state_version: Some(self.state_version()),
        });
        let text = self.redactor.redact_owned(encode(&frame));
        let _ = self.server.events.send(Utf8Bytes::from(text));
    }

    /// Broadcasts event `E` with its typed payload.
    pub(crate) fn broadcast_event<E: tidepool_protocol::contract::Event>(
        &self,
        payload: &E::Payload,
    ) {
        match serde_json::to_value(payload) {
            Ok(v) => self.broadcast(E::NAME, v),
            Err(e) => tracing::warn!(event = E::NAME, error = %e, "cannot encode an event"),
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.server.events.subscribe()
    }

    /// Notes a presence change; the broadcaster coalesces bursts into one event.
    pub(crate) fn presence_changed(&self) {
        self.server.presence_dirty.notify_one();
    }

    pub(crate) fn broadcast_presence(&self) {
        let list = self.presence_list();
        self.broadcast(events::PRESENCE, serde_json::json!({ "presence": list }));
    }

    pub(crate) fn shutdown_event(&self) -> ShutdownEvent {
        self.server
            .shutdown_event
            .lock()
            .ok()
            .and_then(|e| e.clone())
            .unwrap_or(ShutdownEvent {
                reason: "shutdown".into(),
                restart_expected_ms: None,
            })
    }
}

impl Shared {
    /// The config in force now (it changes on reload).
    pub(crate) fn current_config(&self) -> Arc<Config> {
        Arc::new(self.config.store.snapshot().loaded.config.clone())
    }

    /// The folder of the config file (relative paths in the config resolve from here).
    pub(crate) fn config_dir(&self) -> PathBuf {
        self.paths
            .config()
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The agent named by `agent_id`, or the one a session key names, or the default; and the
    /// normalized key.
    pub(crate) fn pick_agent(
        &self,
        config: &Config,
        method: &str,
        agent_id: Option<&str>,
        key: Option<&str>,
    ) -> Result<(AgentSpec, Option<String>), ErrorShape> {
        crate::agents::pick(config, &self.paths, agent_id, key)
            .map_err(|m| invalid_params(method, m))
    }

    /// The normalized session key a request names (bare names belong to `agent` or the default).
    pub(crate) fn key_of(
        &self,
        method: &str,
        key: &str,
        agent: Option<&str>,
    ) -> Result<String, ErrorShape> {
        let config = self.current_config();
        let (_, k) = self.pick_agent(&config, method, agent, Some(key))?;
        Ok(k.unwrap_or_default())
    }
}

impl Emit for Shared {
    fn emit(&self, event: &str, payload: Value) {
        self.broadcast(event, payload);
    }
}
