//! Tidepool's secrets store, behind `{ source: "store", id }` references in the config.
//!
//! Values live in the OS keychain (Keychain, Credential Manager, Secret Service) where one is
//! available, otherwise in an encrypted vault file for headless servers. Names and times live
//! in a 0600 index beside them (`secrets.json`) because keychains cannot list their entries;
//! values never touch the index, the config or the logs.

mod vault;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
pub use zeroize::Zeroizing;

/// The index file in the state dir.
pub const INDEX_FILE: &str = "secrets.json";
/// The keychain service every Tidepool secret is filed under.
pub const SERVICE: &str = "ai.tidepool.secrets";
/// Environment variable with the vault passphrase (headless servers).
pub const PASSPHRASE_ENV: &str = "TIDEPOOL_VAULT_PASSPHRASE";
/// Environment variable forcing a backend (`keychain` or `vault`) for a new store.
pub const BACKEND_ENV: &str = "TIDEPOOL_SECRETS_BACKEND";
/// The largest value accepted, bytes.
pub const MAX_VALUE: usize = 64 * 1024;

/// Why a secrets operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The name is not usable.
    #[error("invalid secret name {name:?}: {why}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why.
        why: &'static str,
    },
    /// The value is empty or too large.
    #[error("invalid value for {name:?}: {why}")]
    InvalidValue {
        /// The name.
        name: String,
        /// Why.
        why: String,
    },
    /// The keychain refused or is missing.
    #[error("the system keychain is not available: {0}")]
    Keychain(String),
    /// The vault is protected by a passphrase and none was given.
    #[error(
        "the secrets vault is locked: give its passphrase (set {PASSPHRASE_ENV}, or answer the prompt)"
    )]
    Locked,
    /// The passphrase does not open the vault.
    #[error("the passphrase does not open the secrets vault {0}")]
    WrongPassphrase(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {why}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// A file is not what it should be.
    #[error(
        "{path} is damaged: {why}; restore it from a backup or delete it (its secrets are lost)"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The store was created with another backend than the one asked for.
    #[error("these secrets are kept in the {actual}, not the {wanted}")]
    Mismatch {
        /// Where they are.
        actual: &'static str,
        /// What was asked for.
        wanted: &'static str,
    },
}

/// Result of a secrets operation.
pub type Result<T> = std::result::Result<T, SecretsError>;

/// Which backend to use for a new store (an existing one keeps its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The keychain if it answers, else the vault.
    Auto,
    /// The OS keychain only.
    Keychain,
    /// The encrypted file only.
    Vault,
}

impl Choice {
    /// From `TIDEPOOL_SECRETS_BACKEND` (`keychain`, `vault`), else `Auto`.
    pub fn from_env() -> Choice {
        match std::env::var(BACKEND_ENV).as_deref() {
            Ok("keychain") => Choice::Keychain,
            Ok("vault") => Choice::Vault,
            _ => Choice::Auto,
        }
    }
}

/// A stored secret's name and times (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretMeta {
    /// The name (`{ source: "store", id: <name> }`).
    pub name: String,
    /// Secret or env.
    pub kind: Kind,
    /// First stored, ms since the epoch.
    pub created_at_ms: u64,
    /// Last changed.
    pub updated_at_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    version: u32,
    backend: String,
    /// Keeps two state dirs on one machine (and tests) apart in the shared keychain.
    store_id: String,
    entries: BTreeMap<String, Times>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Times {
    created_at_ms: u64,
    updated_at_ms: u64,
    #[serde(default)]
    kind: Kind,
}

enum Backend {
    Keychain,
    Vault(Box<vault::Vault>),
}

/// The secrets of one state dir.
pub struct SecretStore {
    dir: PathBuf,
    index: Index,
    backend: Backend,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore")
            .field("dir", &self.dir)
            .field("backend", &self.backend_name())
            .field("entries", &self.index.entries.len())
            .finish()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn io(path: &Path, e: impl std::fmt::Display) -> SecretsError {
    SecretsError::Io {
        path: path.to_path_buf(),
        why: e.to_string(),
    }
}

/// Checks a name as OpenClaw does: 1-128 of `A-Z 0-9 _`, starting with a capital letter
/// (`ANTHROPIC_API_KEY`).
pub fn check_name(name: &str) -> Result<()> {
    let bad = |why| {
        Err(SecretsError::InvalidName {
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() || name.len() > 128 {
        return bad("use 1 to 128 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return bad("start with a capital letter, like ANTHROPIC_API_KEY");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return bad("use only capital letters, digits and '_', like ANTHROPIC_API_KEY");
    }
    Ok(())
}

/// What an entry is: a secret (its value is never shown) or a plain environment value
/// (listed with its value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Never shown, masked wherever it could appear.
    #[default]
    Secret,
    /// Shown in lists.
    Env,
}

#[allow(clippy::disallowed_methods)] // Key material: the failure is reported, not an abort.
fn random_hex(n: usize) -> Result<String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| SecretsError::Keychain(format!("no randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename) with mode 0600.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.as_os_str().is_empty() && !dir.exists() {
        // A state dir used for the first time: private to its owner.
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir).map_err(|e| io(dir, e))?;
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io(path, e))?;
    }
    tmp.write_all(bytes).map_err(|e| io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| io(path, e))?;
    tmp.persist(path).map_err(|e| io(path, e.error))?;
    Ok(())
}

#[allow(clippy::disallowed_methods)] // The store is the home of its keychain entries.
fn keychain_entry(store_id: &str, name: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &format!("{store_id}:{name}"))
        .map_err(|e| SecretsError::Keychain(e.to_string()))
}

/// Whether the keychain answers (an unknown entry is an answer); `Err` says why not.
#[allow(clippy::disallowed_methods)] // The store is the home of its keychain entries.
pub fn keychain_available() -> Result<()> {
    let entry = keyring::Entry::new(SERVICE, "probe:tidepool")
        .map_err(|e| SecretsError::Keychain(e.to_string()))?;
    match entry.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(SecretsError::Keychain(e.to_string())),
    }
}

impl SecretStore {
    /// Opens (or prepares) the store of `dir`. An existing store keeps its backend; a new one
    /// uses `choice`. A vault protected by a passphrase needs `passphrase` (or
    /// `TIDEPOOL_VAULT_PASSPHRASE`); a new vault uses the passphrase if given, else a 0600
    /// machine key beside it.
    pub fn open(dir: &Path, choice: Choice, passphrase: Option<Zeroizing<String>>) -> Result<Self> {
        let path = dir.join(INDEX_FILE);
        let passphrase = passphrase.or_else(|| {
            std::env::var(PASSPHRASE_ENV)
                .ok()
                .filter(|p| !p.is_empty())
                .map(Zeroizing::new)
        });
        let index = match std::fs::read(&path) {
            Ok(bytes) => Some(serde_json::from_slice::<Index>(&bytes).map_err(|e| {
                SecretsError::Corrupt {
                    path: path.clone(),
                    why: e.to_string(),
                }
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&path, e)),
        };
        let index = match index {
            Some(i) => {
                let actual = if i.backend == "vault" {
                    "vault"
                } else {
                    "keychain"
                };
                let wanted = match choice {
                    Choice::Keychain => Some("keychain"),
                    Choice::Vault => Some("vault"),
                    Choice::Auto => None,
                };
                if let Some(w) = wanted.filter(|w| *w != actual) {
                    return Err(SecretsError::Mismatch {
                        actual: if actual == "vault" {
                            "encrypted vault file"
                        } else {
                            "system keychain"
                        },
                        wanted: if w == "vault" {
                            "encrypted vault file"
                        } else {
                            "system keychain"
                        },
                    });
                }
                i
            }
            None => {
                let backend = match choice {
                    Choice::Keychain => {
                        keychain_available()?;
                        "keychain"
                    }
                    Choice::Vault => "vault",
                    Choice::Auto => {
                        if keychain_available().is_ok() {
                            "keychain"
                        } else {
                            "vault"
                        }
                    }
                };
                Index {
                    version: 1,
                    backend: backend.into(),
                    store_id: random_hex(8)?,
                    entries: BTreeMap::new(),
                }
            }
        };
        let backend = if index.backend == "vault" {
            Backend::Vault(Box::new(vault::Vault::open(dir, passphrase)?))
        } else {
            Backend::Keychain
        };
        Ok(SecretStore {
            dir: dir.to_path_buf(),
            index,
            backend,
        })
    }

    /// `keychain` or `vault`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Keychain => "keychain",
            Backend::Vault(_) => "vault",
        }
    }

    /// The stored names and times, sorted by name.
    pub fn list(&self) -> Vec<SecretMeta> {
        self.index
            .entries
            .iter()
            .map(|(name, t)| SecretMeta {
                name: name.clone(),
                kind: t.kind,
                created_at_ms: t.created_at_ms,
                updated_at_ms: t.updated_at_ms,
            })
            .collect()
    }

    /// A secret's value, if stored.
    pub fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>> {
        check_name(name)?;
        match &self.backend {
            Backend::Vault(v) => v.get(name),
            Backend::Keychain => match keychain_entry(&self.index.store_id, name)?.get_password() {
                Ok(v) => Ok(Some(Zeroizing::new(v))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(SecretsError::Keychain(e.to_string())),
            },
        }
    }

    /// Every stored secret's value (not env entries): for masking them wherever they could
    /// leak.
    pub fn secret_values(&self) -> Result<Vec<Zeroizing<String>>> {
        let mut out = Vec::new();
        for (name, _) in self
            .index
            .entries
            .iter()
            .filter(|(_, t)| t.kind == Kind::Secret)
        {
            if let Some(v) = self.get(name)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Stores (or replaces) a secret or env value.
    pub fn set(&mut self, name: &str, value: &str, kind: Kind) -> Result<SecretMeta> {
        check_name(name)?;
        if value.is_empty() {
            return Err(SecretsError::InvalidValue {
                name: name.into(),
                why: "the value is empty".into(),
            });
        }
        if value.len() > MAX_VALUE {
            return Err(SecretsError::InvalidValue {
                name: name.into(),
                why: format!("{} bytes is more than the {MAX_VALUE} allowed", value.len()),
            });
        }
        match &mut self.backend {
            Backend::Vault(v) => v.set(name, value)?,
            Backend::Keychain => keychain_entry(&self.index.store_id, name)?
                .set_password(value)
                .map_err(|e| SecretsError::Keychain(e.to_string()))?,
        }
        let now = now_ms();
        let t = self.index.entries.entry(name.to_owned()).or_insert(Times {
            created_at_ms: now,
            updated_at_ms: now,
            kind,
        });
        t.updated_at_ms = now;
        t.kind = kind;
        let meta = SecretMeta {
            name: name.to_owned(),
            kind,
            created_at_ms: t.created_at_ms,
            updated_at_ms: now,
        };
        self.save_index()?;
        Ok(meta)
    }

    /// Deletes a secret; false when there was none.
    pub fn delete(&mut self, name: &str) -> Result<bool> {
        check_name(name)?;
        let existed = match &mut self.backend {
            Backend::Vault(v) => v.delete(name)?,
            Backend::Keychain => {
                match keychain_entry(&self.index.store_id, name)?.delete_credential() {
                    Ok(()) => true,
                    Err(keyring::Error::NoEntry) => false,
                    Err(e) => return Err(SecretsError::Keychain(e.to_string())),
                }
            }
        };
        let listed = self.index.entries.remove(name).is_some();
        if listed {
            self.save_index()?;
        }
        Ok(existed || listed)
    }

    fn save_index(&self) -> Result<()> {
        let path = self.dir.join(INDEX_FILE);
        let bytes = serde_json::to_vec_pretty(&self.index).map_err(|e| io(&path, e))?;
        write_private(&path, &bytes)
    }
}
