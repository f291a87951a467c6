//! What the Hosts page does, in one place: check an address (its key, for the user to judge),
//! add it (only with the fingerprint the user saw), probe it, install on it, remove it.

use super::store::InstallPlace;
use super::{
    Auth, HostEntry, HostError, HostGateway, HostKey, HostPool, HostSpec, HostStore, INSTALL_STEPS,
    InstallRequest, KnownHostsError, KnownHostsFile, PoolConfig, StoreError, Trust, install, probe,
};
use crate::jobs::Jobs;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What checking an address found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostCheck {
    /// The address, read.
    pub spec: HostSpec,
    /// Its key against the app's known hosts.
    pub trust: Trust,
    /// The key to show and to pass back to `add` (the recorded one when trusted).
    pub key: HostKey,
}

/// What to do with a host's gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum GatewayAction {
    /// Only read its status.
    Status,
    /// Start the service.
    Start,
    /// Stop it.
    Stop,
    /// Stop and start it.
    Restart,
}

impl GatewayAction {
    fn verb(self) -> Option<&'static str> {
        match self {
            GatewayAction::Status => None,
            GatewayAction::Start => Some("start"),
            GatewayAction::Stop => Some("stop"),
            GatewayAction::Restart => Some("restart"),
        }
    }
}

/// Why a Hosts action failed.
#[derive(Debug, thiserror::Error)]
pub enum HostsError {
    /// Reaching or using the host.
    #[error(transparent)]
    Host(#[from] HostError),
    /// Its keys.
    #[error(transparent)]
    Keys(#[from] KnownHostsError),
    /// The hosts file.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key offered now is not the one the user saw.
    #[error(
        "{host}'s key changed between the check and now (it offers {now}); check the host again before adding it"
    )]
    KeyMoved {
        /// The host.
        host: String,
        /// What it offers now.
        now: String,
    },
    /// A key file that is not there.
    #[error("the key file {0} does not exist")]
    NoKeyFile(String),
    /// The host has no Tidepool (yet).
    #[error("Tidepool is not installed on {0}: install it first")]
    NotInstalled(String),
    /// The host's service refused the action.
    #[error("{host}: {message}")]
    Service {
        /// The host.
        host: String,
        /// What `tidepool gateway …` said.
        message: String,
    },
}

/// The hosts, their keys and their connections.
#[derive(Debug, Clone)]
pub struct Hosts {
    store: HostStore,
    known: KnownHostsFile,
    pool: HostPool,
    /// Keys the app created for hosts reached with a password first.
    keys_dir: PathBuf,
}

/// How a new host is logged in to.
enum Login {
    /// A key file (else the agent and `~/.ssh/config`).
    Key(Option<String>),
    /// A password, typed once: the app installs a key of its own with it.
    Password { password: String, helper: PathBuf },
}

fn remove_key(k: &Path) {
    let _ = std::fs::remove_file(k);
    let _ = std::fs::remove_file(k.with_extension("pub"));
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(0))
        .unwrap_or(0)
}

impl Hosts {
    /// Hosts kept in `data_dir` (`hosts.json`, `known_hosts`), masters' sockets in `control_dir`.
    pub fn new(data_dir: &Path, control_dir: PathBuf) -> Hosts {
        let cfg = PoolConfig::new(data_dir.join("known_hosts"), control_dir);
        Hosts::with_pool(data_dir, HostPool::new(cfg))
    }

    /// The same with a pool configured by the caller (tests pass their own `ssh_config`); the
    /// keys are the pool's `known_hosts`.
    pub fn with_pool(data_dir: &Path, pool: HostPool) -> Hosts {
        Hosts {
            store: HostStore::new(data_dir.join("hosts.json")),
            known: KnownHostsFile::new(pool.known_hosts().to_path_buf()),
            pool,
            keys_dir: data_dir.join("keys"),
        }
    }

    /// The connection pool.
    pub fn pool(&self) -> &HostPool {
        &self.pool
    }

    /// Every host.
    pub fn list(&self) -> Result<Vec<HostEntry>, HostsError> {
        Ok(self.store.list()?)
    }

    /// Reads `address` and the key its host offers, judged against the known hosts.
    pub async fn check(&self, address: &str) -> Result<HostCheck, HostsError> {
        let spec = HostSpec::parse(address).map_err(HostError::from)?;
        let keys = KnownHostsFile::scan(&spec).await?;
        let trust = self.known.check(&spec, &keys)?;
        let recorded = self.known.recorded(&spec)?;
        let key = keys
            .iter()
            .find(|k| recorded.iter().any(|r| r.key == k.key))
            .or_else(|| keys.first())
            .cloned()
            .ok_or_else(|| KnownHostsError::NoKey {
                host: spec.to_string(),
                reason: "no key offered".into(),
            })?;
        Ok(HostCheck { spec, trust, key })
    }

    fn auth(key_file: Option<&str>) -> Auth {
        Auth {
            key_file: key_file.map(PathBuf::from),
        }
    }

    /// Adds `address` after the user saw and accepted `fingerprint`: the key is scanned again
    /// and must still be that one; then it is trusted, the login is tried, the host probed and
    /// saved. A failed login leaves nothing behind (no key trusted, no entry).
    pub async fn add(
        &self,
        address: &str,
        name: Option<String>,
        key_file: Option<String>,
        fingerprint: &str,
    ) -> Result<HostEntry, HostsError> {
        if let Some(k) = &key_file
            && !Path::new(k).is_file()
        {
            return Err(HostsError::NoKeyFile(k.clone()));
        }
        self.add_as(address, name, fingerprint, Login::Key(key_file))
            .await
    }

    /// Adds `address` for a user who only has a password: as [`Hosts::add`], but the login
    /// installs a key the app creates (in its data dir) with `password`, typed once and never
    /// kept; the host is used with that key from then on. `helper` is the `tidepool` binary
    /// (ssh's askpass).
    pub async fn add_with_password(
        &self,
        address: &str,
        name: Option<String>,
        password: String,
        fingerprint: &str,
        helper: PathBuf,
    ) -> Result<HostEntry, HostsError> {
        self.add_as(
            address,
            name,
            fingerprint,
            Login::Password { password, helper },
        )
        .await
    }

    async fn add_as(
        &self,
        address: &str,
        name: Option<String>,
        fingerprint: &str,
        login: Login,
    ) -> Result<HostEntry, HostsError> {
        let spec = HostSpec::parse(address).map_err(HostError::from)?;
        if self.store.list()?.iter().any(|h| h.spec == spec) {
            return Err(StoreError::Duplicate(spec.to_string()).into());
        }
        let keys = KnownHostsFile::scan(&spec).await?;
        let key: HostKey = match self.known.check(&spec, &keys)? {
            Trust::Changed { .. } => {
                return Err(HostError::HostKeyChanged {
                    host: spec.to_string(),
                }
                .into());
            }
            Trust::Trusted | Trust::Unknown { .. } => keys
                .iter()
                .find(|k| k.fingerprint == fingerprint)
                .cloned()
                .ok_or_else(|| HostsError::KeyMoved {
                    host: spec.to_string(),
                    now: keys
                        .first()
                        .map(|k| k.fingerprint.clone())
                        .unwrap_or_default(),
                })?,
        };
        let newly_trusted = self.known.recorded(&spec)?.is_empty();
        self.known.trust(&spec, &key)?;
        let untrust = || {
            if newly_trusted {
                let _ = self.known.forget(&spec);
            }
        };
        let (key_file, made) = match login {
            Login::Key(k) => (k, None),
            Login::Password { password, helper } => {
                match super::install_key_with_password(
                    self.pool.config(),
                    &spec,
                    password,
                    &self.keys_dir,
                    &helper,
                )
                .await
                {
                    Ok(k) => (Some(k.display().to_string()), Some(k)),
                    Err(e) => {
                        untrust();
                        return Err(e.into());
                    }
                }
            }
        };
        let auth = Self::auth(key_file.as_deref());
        let facts = match probe(&self.pool, &spec, &auth).await {
            Ok(f) => f,
            Err(e) => {
                untrust();
                if let Some(k) = &made {
                    remove_key(k);
                }
                return Err(e.into());
            }
        };
        let entry = HostEntry {
            id: tidepool_platform::random_hex(8),
            name: name
                .filter(|n| !n.trim().is_empty())
                .map(|n| n.trim().to_owned())
                .unwrap_or_else(|| spec.host.clone()),
            spec,
            key_file,
            fingerprint: key.fingerprint,
            added_at_ms: now_ms(),
            facts: Some(facts),
            probed_at_ms: Some(now_ms()),
            installed: None,
        };
        Ok(self.store.add(entry)?)
    }

    /// Probes a host again and keeps what it found.
    pub async fn probe(&self, id: &str) -> Result<HostEntry, HostsError> {
        let h = self.store.get(id)?;
        let facts = probe(&self.pool, &h.spec, &Self::auth(h.key_file.as_deref())).await?;
        Ok(self.store.update(id, |e| {
            e.facts = Some(facts);
            e.probed_at_ms = Some(now_ms());
        })?)
    }

    /// Removes a host: its entry, its recorded key, and the login key the app created for it.
    pub async fn remove(&self, id: &str) -> Result<HostEntry, HostsError> {
        let h = self.store.remove(id)?;
        self.known.forget(&h.spec)?;
        if let Some(k) = h.key_file.as_deref().map(Path::new)
            && k.parent() == Some(self.keys_dir.as_path())
        {
            remove_key(k);
        }
        Ok(h)
    }

    /// Starts, stops or restarts the host's gateway through its service (or only reads its
    /// status), and returns the status after.
    pub async fn gateway(
        &self,
        id: &str,
        action: GatewayAction,
    ) -> Result<tidepool_protocol::service::ServiceStatus, HostsError> {
        let h = self.store.get(id)?;
        let (tidepool, state_dir) = Self::place(&h)?;
        let mut common: Vec<&str> = vec!["--json"];
        if let Some(s) = &state_dir {
            common.extend(["--state-dir", s.as_str()]);
        }
        let auth = Self::auth(h.key_file.as_deref());
        let service_err = |message: String| HostsError::Service {
            host: h.name.clone(),
            message,
        };
        if let Some(verb) = action.verb() {
            let args = [&["gateway", verb][..], &common].concat();
            let out = self
                .pool
                .run(&h.spec, &auth, &tidepool, &args, None)
                .await?;
            let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).map_err(|_| {
                service_err(format!(
                    "`tidepool gateway {verb}` did not answer in JSON: {}",
                    out.stderr.lines().last().unwrap_or("nothing")
                ))
            })?;
            if v.get("ok").and_then(serde_json::Value::as_bool) != Some(true) {
                return Err(service_err(
                    v.pointer("/error/message")
                        .and_then(|m| m.as_str())
                        .unwrap_or("it gave no reason")
                        .to_owned(),
                ));
            }
        }
        let args = [&["gateway", "status"][..], &common].concat();
        let out = self
            .pool
            .run(&h.spec, &auth, &tidepool, &args, None)
            .await?;
        serde_json::from_str(out.stdout.trim()).map_err(|_| {
            service_err(format!(
                "`tidepool gateway status` did not answer in JSON: {}",
                out.stderr.lines().last().unwrap_or("nothing")
            ))
        })
    }

    /// The host's gateway as a source the supervisor connects through (a tunnel opened on
    /// demand); `saved_token` stands in when the token cannot be read over SSH, `on_token`
    /// hears each token read.
    pub fn gateway_source(
        &self,
        id: &str,
        saved_token: Option<String>,
        on_token: Option<super::tunnel::TokenSink>,
    ) -> Result<HostGateway, HostsError> {
        let h = self.store.get(id)?;
        let (tidepool, state_dir) = Self::place(&h)?;
        Ok(HostGateway::new(
            self.pool.clone(),
            h.spec.clone(),
            Self::auth(h.key_file.as_deref()),
            tidepool,
            state_dir,
            crate::remote::HostRef {
                id: h.id.clone(),
                name: h.name.clone(),
            },
            saved_token,
            on_token,
        ))
    }

    /// Where Tidepool is on the host: the last install's place, or what the probe found.
    fn place(h: &HostEntry) -> Result<(String, Option<String>), HostsError> {
        let found = h.facts.as_ref().and_then(|f| f.tidepool_path.clone());
        match (&h.installed, found) {
            (Some(p), _) => Ok((p.binary.clone(), p.state_dir.clone())),
            (None, Some(path)) => Ok((path, None)),
            (None, None) => Err(HostsError::NotInstalled(h.name.clone())),
        }
    }

    /// Starts installing (or upgrading) `binary` on a host as a job; its id. `port` is the
    /// service's (`None`: the host's config's, else 18789; `Some(0)`: any free port).
    pub fn install(
        &self,
        jobs: &Jobs,
        id: &str,
        binary: PathBuf,
        state_dir: Option<String>,
        install_dir: Option<String>,
        port: Option<u16>,
    ) -> Result<String, HostsError> {
        let h = self.store.get(id)?;
        let req = InstallRequest {
            binary,
            install_dir,
            state_dir: state_dir.clone(),
            port,
            manager: None,
        };
        let (pool, spec, auth, store, id) = (
            self.pool.clone(),
            h.spec.clone(),
            Self::auth(h.key_file.as_deref()),
            self.store.clone(),
            h.id.clone(),
        );
        Ok(jobs.spawn(
            "host.install",
            &h.name,
            &INSTALL_STEPS,
            move |ctx| async move {
                let done = install(pool, spec, auth, req, ctx).await?;
                // The entry keeps where it went, for Start and Stop later.
                let _ = store.update(&id, |e| {
                    e.installed = Some(InstallPlace {
                        binary: done.binary.clone(),
                        state_dir,
                    });
                });
                Ok(done.summary)
            },
        ))
    }
}
