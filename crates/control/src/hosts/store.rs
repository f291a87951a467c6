//! The hosts the user added, in a 0600 JSON file in the app's data dir (`hosts.json`): what
//! they typed, the key file if any, the fingerprint they trusted, and the last probe. No secret
//! goes here (passphrases and tokens live in the keychain).

use super::{HostFacts, HostSpec};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostEntry {
    /// Stable id.
    pub id: String,
    /// What the user calls it (defaults to the host name).
    pub name: String,
    /// Where it is.
    pub spec: HostSpec,
    /// A private key file to log in with (else the agent and `~/.ssh/config`).
    pub key_file: Option<String>,
    /// The `SHA256:` fingerprint the user trusted.
    pub fingerprint: String,
    /// When it was added, ms since the epoch.
    pub added_at_ms: u64,
    /// The last probe.
    pub facts: Option<HostFacts>,
    /// When that probe ran.
    pub probed_at_ms: Option<u64>,
    /// Where Tidepool installed itself there (the last successful install).
    #[serde(default)]
    pub installed: Option<InstallPlace>,
}

/// Where an install put Tidepool on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct InstallPlace {
    /// The `tidepool` binary.
    pub binary: String,
    /// Its gateway's state dir, when not the default.
    pub state_dir: Option<String>,
}

/// Why the hosts file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing failed.
    #[error("cannot use the hosts file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The same host (address and user) is there already.
    #[error("{0} is already in your hosts")]
    Duplicate(String),
    /// No such host.
    #[error("there is no host {0} (removed meanwhile?)")]
    NotFound(String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    hosts: Vec<serde_json::Value>,
}

/// The hosts file.
#[derive(Debug, Clone)]
pub struct HostStore {
    path: PathBuf,
}

impl HostStore {
    /// The file at `path` (created on the first save).
    pub fn new(path: PathBuf) -> HostStore {
        HostStore { path }
    }

    fn err(&self, reason: impl ToString) -> StoreError {
        StoreError::File {
            path: self.path.display().to_string(),
            reason: reason.to_string(),
        }
    }

    /// Every host, in the order added. An entry that no longer reads (hand-edited, an older
    /// format) is left out with a warning; the others still load.
    pub fn list(&self) -> Result<Vec<HostEntry>, StoreError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(self.err(e)),
        };
        let file: File = serde_json::from_str(&text).map_err(|e| self.err(e))?;
        Ok(file
            .hosts
            .into_iter()
            .filter_map(|v| match serde_json::from_value::<HostEntry>(v) {
                Ok(h) if h.spec.validate().is_ok() => Some(h),
                Ok(h) => {
                    tracing::warn!(host = %h.spec.host, "left out a host whose address is not valid");
                    None
                }
                Err(e) => {
                    tracing::warn!(error = %e, "left out a host entry that does not read");
                    None
                }
            })
            .collect())
    }

    fn save(&self, hosts: &[HostEntry]) -> Result<(), StoreError> {
        if let Some(dir) = self.path.parent() {
            tidepool_platform::create_private_dir(dir).map_err(|e| self.err(e))?;
        }
        let file = serde_json::json!({ "hosts": hosts });
        let text = serde_json::to_vec_pretty(&file).map_err(|e| self.err(e))?;
        tidepool_platform::write_private(&self.path, &text).map_err(|e| self.err(e))
    }

    /// Adds a host; the same address and user twice is refused.
    pub fn add(&self, entry: HostEntry) -> Result<HostEntry, StoreError> {
        let mut hosts = self.list()?;
        if hosts.iter().any(|h| h.spec == entry.spec) {
            return Err(StoreError::Duplicate(entry.spec.to_string()));
        }
        hosts.push(entry.clone());
        self.save(&hosts)?;
        Ok(entry)
    }

    /// One host.
    pub fn get(&self, id: &str) -> Result<HostEntry, StoreError> {
        self.list()?
            .into_iter()
            .find(|h| h.id == id)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))
    }

    /// Changes one host.
    pub fn update(
        &self,
        id: &str,
        f: impl FnOnce(&mut HostEntry),
    ) -> Result<HostEntry, StoreError> {
        let mut hosts = self.list()?;
        let h = hosts
            .iter_mut()
            .find(|h| h.id == id)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        f(h);
        let out = h.clone();
        self.save(&hosts)?;
        Ok(out)
    }

    /// Removes one host; returns it.
    pub fn remove(&self, id: &str) -> Result<HostEntry, StoreError> {
        let mut hosts = self.list()?;
        let at = hosts
            .iter()
            .position(|h| h.id == id)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        let gone = hosts.remove(at);
        self.save(&hosts)?;
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, address: &str) -> HostEntry {
        HostEntry {
            id: id.into(),
            name: address.into(),
            spec: HostSpec::parse(address).unwrap(),
            key_file: None,
            fingerprint: "SHA256:x".into(),
            added_at_ms: 1,
            facts: None,
            probed_at_ms: None,
            installed: None,
        }
    }

    #[test]
    fn hosts_are_added_once_updated_removed_and_bad_entries_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = HostStore::new(dir.path().join("app").join("hosts.json"));
        assert!(store.list().unwrap().is_empty());
        store.add(entry("a", "me@one:2222")).unwrap();
        store.add(entry("b", "two")).unwrap();
        assert!(matches!(
            store.add(entry("c", "me@one:2222")),
            Err(StoreError::Duplicate(_))
        ));
        let renamed = store.update("b", |h| h.name = "Build box".into()).unwrap();
        assert_eq!(renamed.name, "Build box");
        assert_eq!(store.get("b").unwrap().name, "Build box");
        assert_eq!(store.remove("a").unwrap().id, "a");
        assert!(matches!(store.remove("a"), Err(StoreError::NotFound(_))));
        assert_eq!(store.list().unwrap().len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("app").join("hosts.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // A hand-edited file: the entry with an option-like host and the one that does not read
        // are left out, the good one stays.
        let path = dir.path().join("edited.json");
        let good = serde_json::to_value(entry("g", "ok-host")).unwrap();
        let mut sneaky = good.clone();
        sneaky["id"] = "s".into();
        sneaky["spec"]["host"] = "-oProxyCommand=id".into();
        std::fs::write(
            &path,
            serde_json::json!({ "hosts": [good, sneaky, { "id": 3 }] }).to_string(),
        )
        .unwrap();
        let ids: Vec<String> = HostStore::new(path.clone())
            .list()
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, ["g"]);
        std::fs::write(&path, "{ not json").unwrap();
        let e = HostStore::new(path).list().unwrap_err();
        assert!(e.to_string().contains("edited.json"), "{e}");
    }
}
