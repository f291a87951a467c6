//! The secrets store as the gateway uses it: `{ source: "store", id }` references resolve
//! here, `secrets.store.*` and `secrets.reload` manage it, and every stored secret's value is
//! handed to the redactor so it is masked in logs and RPC output.

use crate::config::secret::{SecretError, StoreLookup};
use crate::redact::Redactor;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tidepool_secrets::{Choice, Kind, SecretMeta, SecretStore};

pub mod methods;

/// Why the secrets store could not do what was asked (unavailable, busy, or the backend's
/// refusal), in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SecretsStoreError(String);

/// An entry as listed: its metadata, and its value for an env entry.
pub type Listed = (SecretMeta, Option<String>);

/// The store of one state dir, or why it could not be opened.
pub struct Secrets {
    dir: PathBuf,
    store: Mutex<Result<SecretStore, String>>,
    redactor: Redactor,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").field("dir", &self.dir).finish()
    }
}

fn open_store(dir: &Path, redactor: &Redactor) -> Result<SecretStore, String> {
    let store = SecretStore::open(dir, Choice::from_env(), None).map_err(|e| e.to_string())?;
    let values = store.secret_values().map_err(|e| e.to_string())?;
    redactor.set_stored(values.iter().map(|v| v.to_string()));
    Ok(store)
}

impl Secrets {
    /// Opens the store of `dir`; a store that cannot be opened (locked vault, keychain gone)
    /// is reported by every use instead of stopping the gateway.
    pub fn open(dir: &Path, redactor: Redactor) -> Secrets {
        let store = open_store(dir, &redactor);
        match &store {
            Ok(s) => tracing::info!(
                backend = s.backend_name(),
                count = s.list().len(),
                "secrets store ready"
            ),
            Err(e) => tracing::warn!(error = %e, "the secrets store is not available"),
        }
        Secrets {
            dir: dir.to_path_buf(),
            store: Mutex::new(store),
            redactor,
        }
    }

    /// The masker fed with this store's values.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    fn with<T>(&self, f: impl FnOnce(&mut SecretStore) -> Result<T, String>) -> Result<T, String> {
        let mut g = self.store.lock().map_err(|_| {
            "the secrets store is busy after a failure; restart the gateway".to_owned()
        })?;
        match g.as_mut() {
            Ok(s) => f(s),
            Err(e) => Err(format!("the secrets store is not available: {e}")),
        }
    }

    /// `keychain` or `vault`, and the entries (env entries with their values).
    pub fn list(&self) -> Result<(&'static str, Vec<Listed>), SecretsStoreError> {
        self.with(|s| {
            let mut out = Vec::new();
            for m in s.list() {
                let value = match m.kind {
                    Kind::Env => s
                        .get(&m.name)
                        .map_err(|e| e.to_string())?
                        .map(|v| v.to_string()),
                    Kind::Secret => None,
                };
                out.push((m, value));
            }
            Ok((s.backend_name(), out))
        })
        .map_err(SecretsStoreError)
    }

    /// Stores a value; a secret's value is masked from now on.
    pub fn set(
        &self,
        name: &str,
        value: &str,
        kind: Kind,
    ) -> Result<SecretMeta, SecretsStoreError> {
        let meta = self
            .with(|s| s.set(name, value, kind).map_err(|e| e.to_string()))
            .map_err(SecretsStoreError)?;
        if kind == Kind::Secret {
            self.redactor.remember(value);
        }
        Ok(meta)
    }

    /// Deletes an entry; false when there was none.
    pub fn delete(&self, name: &str) -> Result<bool, SecretsStoreError> {
        self.with(|s| s.delete(name).map_err(|e| e.to_string()))
            .map_err(SecretsStoreError)
    }

    /// Reads the store again from disk (after `tidepool secrets set` from another process).
    pub fn reload(&self) -> Result<usize, SecretsStoreError> {
        let fresh = open_store(&self.dir, &self.redactor);
        let count = fresh.as_ref().map(|s| s.list().len()).map_err(Clone::clone);
        if let Ok(mut g) = self.store.lock() {
            *g = fresh;
        }
        count.map_err(SecretsStoreError)
    }
}

impl StoreLookup for Secrets {
    fn lookup(&self, id: &str) -> Result<String, SecretError> {
        let v = self
            .with(|s| s.get(id).map_err(|e| e.to_string()))
            .map_err(SecretError::Store)?;
        match v {
            Some(v) => Ok(v.to_string()),
            None => Err(SecretError::Store(format!(
                "the secrets store has no {id:?}; add it with `tidepool secrets set {id}` or in the desktop app"
            ))),
        }
    }

    fn remember(&self, value: &str) {
        self.redactor.remember(value);
    }
}
