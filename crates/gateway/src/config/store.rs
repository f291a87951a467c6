//! The config file as the running gateway owns it: the current text and its hash, validated
//! writes with optimistic concurrency (`baseHash`), atomic replacement (temp + fsync + rename,
//! 0600), the last valid file kept as `<name>.last-good` (on every successful load: at start,
//! after a reload of an outside edit and after a write, so a broken hand edit can always be
//! undone), rejected texts saved as
//! `<name>.rejected.<unix ms>`, and a guard against writes that would drop most of the file.

use super::{ConfigError, Loaded, env::DotEnv, parse_with};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// One consistent view of the config.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The file's text ("" when there is no file).
    pub raw: String,
    /// SHA-256 of `raw`, hex.
    pub hash: String,
    /// Whether the file exists.
    pub exists: bool,
    /// Whether `raw` validated (only a valid text becomes the last-good copy).
    pub valid: bool,
    /// The parsed config.
    pub loaded: Loaded,
}

/// How a setting takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReloadKind {
    /// Applied to the running gateway at once.
    Hot,
    /// Takes effect after a restart.
    Restart,
    /// Not used by Tidepool (yet).
    None,
}

/// The reload kind of a config path.
pub fn reload_kind(path: &str) -> ReloadKind {
    let top = path.split(['.', '[']).next().unwrap_or_default();
    match path {
        "logging.level" | "logging.consoleLevel" | "gateway.reload" | "gateway.reload.mode" => {
            return ReloadKind::Hot;
        }
        _ => {}
    }
    match top {
        "gateway" | "logging" => ReloadKind::Restart,
        "$schema" | "agents" | "models" | "tools" => ReloadKind::Hot,
        _ => ReloadKind::None,
    }
}

/// The outcome of a write or reload.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The new hash.
    pub hash: String,
    /// Paths whose value changed.
    pub changed: Vec<String>,
    /// Of those, the ones that need a restart.
    pub restart_required: Vec<String>,
}

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file changed since the caller read it.
    #[error(
        "the config changed since you loaded it (your baseHash {given} is not the current {current}); reload it, merge your edit and save again"
    )]
    Conflict {
        /// The hash the caller had.
        given: String,
        /// The current hash.
        current: String,
    },
    /// No baseHash although the file exists.
    #[error(
        "baseHash is required when the config file exists: read it with config.get first and send its hash"
    )]
    BaseHashRequired,
    /// The new text is not a valid config (saved as a `.rejected` file).
    #[error("{error} (your text was saved as {saved})")]
    Invalid {
        /// The validation error.
        error: Box<ConfigError>,
        /// Where the rejected text was saved.
        saved: String,
    },
    /// The write would remove most of the settings.
    #[error(
        "this write would remove {removed} of the {total} settings in the file; if that is what you want, send force: true"
    )]
    DropsMost {
        /// Settings removed.
        removed: usize,
        /// Settings before.
        total: usize,
    },
    /// The disk refused.
    #[error("cannot write the config {path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// The config file and its current snapshot.
#[derive(Debug)]
pub struct ConfigStore {
    path: PathBuf,
    current: RwLock<Arc<Snapshot>>,
    writing: std::sync::Mutex<()>,
}

/// SHA-256 hex of a text.
pub fn hash(raw: &str) -> String {
    Sha256::digest(raw.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ConfigStore {
    /// A store for `path` whose current content is `raw` / `loaded` (as validated at start).
    pub fn new(path: PathBuf, raw: String, exists: bool, loaded: Loaded) -> Self {
        ConfigStore {
            current: RwLock::new(Arc::new(Snapshot {
                hash: hash(&raw),
                raw,
                exists,
                valid: true,
                loaded,
            })),
            path,
            writing: std::sync::Mutex::new(()),
        }
    }

    /// A store over a file that does not validate, so it can be replaced (by a valid text)
    /// without that text ever becoming the last-good copy.
    pub fn new_invalid(path: PathBuf, raw: String) -> Self {
        let store = ConfigStore::new(path, raw, true, Loaded::default());
        if let Ok(mut c) = store.current.write() {
            let mut s = (**c).clone();
            s.valid = false;
            *c = Arc::new(s);
        }
        store
    }

    /// Reads and validates `path` (missing = defaults).
    pub fn open(path: &Path) -> Result<Self, ConfigError> {
        let raw = match super::include::read_capped(path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let loaded = match &raw {
            Some(r) => {
                let mut l = parse_with(r, path, &DotEnv::load(dir_of(path)))?;
                l.exists = true;
                l
            }
            None => Loaded::default(),
        };
        let exists = raw.is_some();
        if let Some(r) = &raw {
            keep_last_good(path, r);
        }
        Ok(ConfigStore::new(
            path.to_path_buf(),
            raw.unwrap_or_default(),
            exists,
            loaded,
        ))
    }

    /// The config file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn swap(&self, next: Snapshot) -> Change {
        let prev = self.snapshot();
        let mut changed = Vec::new();
        // No file (or no value yet) is the empty config.
        let empty = Value::Object(Default::default());
        let a = if prev.loaded.value.is_null() {
            &empty
        } else {
            &prev.loaded.value
        };
        let b = if next.loaded.value.is_null() {
            &empty
        } else {
            &next.loaded.value
        };
        diff("", a, b, &mut changed);
        let restart_required = changed
            .iter()
            .filter(|p| reload_kind(p) == ReloadKind::Restart)
            .cloned()
            .collect();
        let change = Change {
            hash: next.hash.clone(),
            changed,
            restart_required,
        };
        match self.current.write() {
            Ok(mut c) => *c = Arc::new(next),
            Err(p) => *p.into_inner() = Arc::new(next),
        }
        change
    }

    /// Validates and writes `raw`, if `base_hash` is the current hash.
    pub fn write(
        &self,
        raw: &str,
        base_hash: Option<&str>,
        force: bool,
    ) -> Result<Change, WriteError> {
        let _one_writer = self.writing.lock();
        let cur = self.snapshot();
        // Compare with the file itself, not only the snapshot: an outside edit the watcher has
        // not reloaded yet must conflict, not be overwritten.
        let on_disk = match std::fs::read_to_string(&self.path) {
            Ok(t) => hash(&t),
            Err(_) => hash(""),
        };
        if on_disk != cur.hash {
            return Err(WriteError::Conflict {
                given: base_hash.unwrap_or_default().to_owned(),
                current: on_disk,
            });
        }
        match base_hash {
            Some(b) if b != cur.hash => {
                return Err(WriteError::Conflict {
                    given: b.to_owned(),
                    current: cur.hash.clone(),
                });
            }
            None if cur.exists => return Err(WriteError::BaseHashRequired),
            _ => {}
        }
        let mut loaded = match parse_with(raw, &self.path, &DotEnv::load(dir_of(&self.path))) {
            Ok(l) => l,
            Err(error) => {
                let saved = self.save_rejected(raw);
                return Err(WriteError::Invalid {
                    error: Box::new(error),
                    saved,
                });
            }
        };
        loaded.exists = true;
        if !force {
            let total = leaves(&cur.loaded.value);
            let kept = count_kept(&cur.loaded.value, &loaded.value);
            if total >= 6 && kept * 2 < total {
                return Err(WriteError::DropsMost {
                    removed: total - kept,
                    total,
                });
            }
        }
        let io = |source| WriteError::Io {
            path: self.path.display().to_string(),
            source,
        };
        crate::fsutil::write_private(&self.path, raw.as_bytes()).map_err(io)?;
        keep_last_good(&self.path, raw);
        Ok(self.swap(Snapshot {
            raw: raw.to_owned(),
            hash: hash(raw),
            exists: true,
            valid: true,
            loaded,
        }))
    }

    /// Re-reads the file after an outside edit (of it or of a file it includes). `Ok(None)`
    /// when nothing changed; `Err` leaves the running config in place.
    pub fn reload(&self) -> Result<Option<Change>, ConfigError> {
        let _one_writer = self.writing.lock();
        let raw = match super::include::read_capped(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: self.path.display().to_string(),
                    source,
                });
            }
        };
        let cur = self.snapshot();
        if hash(&raw) == cur.hash
            && super::include::current_fingerprint(&cur.loaded.includes) == cur.loaded.includes_hash
        {
            return Ok(None);
        }
        let exists = self.path.exists();
        let loaded = if exists {
            let mut l = parse_with(&raw, &self.path, &DotEnv::load(dir_of(&self.path)))?;
            l.exists = true;
            keep_last_good(&self.path, &raw);
            l
        } else {
            Loaded::default()
        };
        Ok(Some(self.swap(Snapshot {
            hash: hash(&raw),
            raw,
            exists,
            valid: true,
            loaded,
        })))
    }

    fn save_rejected(&self, raw: &str) -> String {
        let ms = crate::sysinfo::now_ms();
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "tidepool.json".into());
        let p = self.path.with_file_name(format!("{name}.rejected.{ms}"));
        match crate::fsutil::write_private(&p, raw.as_bytes()) {
            Ok(()) => p.display().to_string(),
            Err(e) => format!("(nowhere: {e})"),
        }
    }
}

fn dir_of(p: &Path) -> &Path {
    p.parent().unwrap_or_else(|| Path::new("."))
}

/// Keeps `raw`, which just validated and was loaded, as the way back from a later broken edit.
/// A failure is logged, not fatal: the config itself is fine.
fn keep_last_good(path: &Path, raw: &str) {
    let good = last_good(path);
    if std::fs::read(&good).is_ok_and(|t| t == raw.as_bytes()) {
        return;
    }
    // No fsync: this runs on every reload, and it is a copy (the file itself is fsynced).
    if let Err(e) = crate::fsutil::write_private_copy(&good, raw.as_bytes()) {
        tracing::warn!(file = %good.display(), error = %e, "cannot keep the last good config");
    }
}

/// `<config>.last-good`.
pub fn last_good(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tidepool.json".into());
    path.with_file_name(format!("{name}.last-good"))
}

fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .values()
            .map(leaves)
            .sum::<usize>()
            .max(usize::from(m.is_empty())),
        Value::Array(a) => a.iter().map(leaves).sum::<usize>().max(1),
        _ => 1,
    }
}

/// Leaves of `old` that still exist (with any value) in `new`.
fn count_kept(old: &Value, new: &Value) -> usize {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => o
            .iter()
            .map(|(k, v)| n.get(k).map(|nv| count_kept(v, nv)).unwrap_or(0))
            .sum::<usize>()
            .max(usize::from(o.is_empty())),
        (old, _) => leaves(old),
    }
}

/// Paths (dotted) whose values differ, at the deepest object level.
fn diff(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (l, r) = (x.get(k), y.get(k));
                if l == r {
                    continue;
                }
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                let empty = Value::Object(Default::default());
                match (l, r) {
                    (Some(l), Some(r)) => diff(&p, l, r, out),
                    // Added or removed objects are listed by their leaves.
                    (None, Some(r @ Value::Object(_))) => diff(&p, &empty, r, out),
                    (Some(l @ Value::Object(_)), None) => diff(&p, l, &empty, out),
                    _ => out.push(p),
                }
            }
        }
        (l, r) if l != r => out.push(if prefix.is_empty() {
            "(root)".into()
        } else {
            prefix.to_owned()
        }),
        _ => {}
    }
}
