//! `tidepool import openclaw`: carries an OpenClaw setup (`~/.openclaw`) over to Tidepool.
//!
//! The OpenClaw config is read with its `$include`s, every section Tidepool implements is kept,
//! secrets move into Tidepool's store (the config gets `{ source: "store" }` references), the
//! workspace and skills folders are copied, and a [`Report`] says what was carried over and what
//! was not, with why. Tidepool's own validator decides what fits: whatever it refuses is left out
//! and named in the report. The OpenClaw files are only read, never changed.

mod copy;
mod map;
mod secrets;
mod sessions;

pub use sessions::Conversation;

use crate::StatePaths;
use crate::config::ConfigError;
use serde::Serialize;
use std::path::{Path, PathBuf};
use tidepool_secrets::{Kind, SecretStore, SecretsError};

/// What to import and where.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The OpenClaw state directory (holds `openclaw.json`).
    pub from: PathBuf,
    /// Tidepool's state directory.
    pub to: StatePaths,
    /// Work out the report without writing anything.
    pub dry_run: bool,
    /// Replace an existing Tidepool config (it is kept as `tidepool.json.before-import`).
    pub replace: bool,
}

/// One config path and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Dotted config path (`models.providers.openai`).
    pub path: String,
    /// What was done, or why not.
    pub note: String,
}

/// A secret moved into the store (or one the user still has to provide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretMove {
    /// Store name.
    pub name: String,
    /// Where it was in the OpenClaw config.
    pub from: String,
    /// Whether the value is (or would be) in the store after the import.
    pub stored: bool,
    /// What was done.
    pub note: String,
}

/// A folder copied from the OpenClaw state dir.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderCopy {
    /// Source.
    pub from: String,
    /// Destination.
    pub to: String,
    /// Files copied (or that would be).
    pub files: u64,
    /// Bytes copied (or that would be).
    pub bytes: u64,
    /// Files left alone because the destination already had them.
    pub kept_existing: u64,
    /// Symbolic links and special files not copied.
    pub skipped: u64,
    /// What this folder is for.
    pub note: String,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The OpenClaw config read.
    pub source: String,
    /// The Tidepool config written.
    pub config_path: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// Config sections carried over.
    pub carried: Vec<Item>,
    /// Config keys left out, with why.
    pub not_carried: Vec<Item>,
    /// Secrets moved into the store.
    pub secrets: Vec<SecretMove>,
    /// Folders copied.
    pub folders: Vec<FolderCopy>,
    /// Conversations carried over (sessions with their messages, in order).
    pub conversations: Vec<Conversation>,
    /// What of the OpenClaw state dir stays behind, with counts and why.
    pub left_behind: Vec<Item>,
    /// The previous Tidepool config, when one was replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    /// The config text written (secret references only, never values).
    pub config: String,
}

/// Why an import could not run. Nothing is written when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No `openclaw.json` in the source directory.
    #[error(
        "no OpenClaw config at {0}; pass --from with the folder that holds openclaw.json (usually ~/.openclaw)"
    )]
    NotFound(String),
    /// The OpenClaw config could not be read or parsed.
    #[error("cannot read the OpenClaw config: {0}")]
    Source(#[from] ConfigError),
    /// Tidepool already has a config.
    #[error(
        "{0} already exists; pass --replace to import over it (the current file is kept as tidepool.json.before-import)"
    )]
    ConfigExists(String),
    /// The secrets store failed.
    #[error("cannot store the secrets: {0}")]
    Secrets(#[from] SecretsError),
    /// There are secrets to store but no store was given.
    #[error("the import has secrets to store but no secrets store was opened")]
    NoStore,
    /// The conversations could not be written.
    #[error("cannot write the imported conversations into {0}")]
    Sessions(String),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// Where OpenClaw keeps its state by default: `OPENCLAW_STATE_DIR`, else `~/.openclaw`.
pub fn default_source() -> PathBuf {
    std::env::var_os("OPENCLAW_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::paths::home_dir().join(".openclaw"))
}

/// The config file of an OpenClaw state dir (`OPENCLAW_CONFIG_PATH` is not consulted: the
/// user names the folder).
pub fn source_config(from: &Path) -> PathBuf {
    from.join("openclaw.json")
}

/// Runs an import. `store` is opened by the caller (it may need a passphrase); `None` is fine
/// for a dry run.
pub fn import_openclaw(
    opts: &ImportOptions,
    store: Option<&mut SecretStore>,
) -> Result<Report, ImportError> {
    let src = source_config(&opts.from);
    let text = match std::fs::read_to_string(&src) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImportError::NotFound(opts.from.display().to_string()));
        }
        Err(source) => {
            return Err(ConfigError::Read {
                path: src.display().to_string(),
                source,
            }
            .into());
        }
    };
    let target = opts.to.config();
    let existing = std::fs::read_to_string(target).unwrap_or_default();
    let has_config = !existing.trim().is_empty();
    if has_config && !opts.replace {
        return Err(ImportError::ConfigExists(target.display().to_string()));
    }
    let value = crate::config::resolve_unexpanded(&text, &src)?;
    let mut mapped = map::map(value, &opts.from, opts.to.root());
    let mut report = Report {
        source: src.display().to_string(),
        config_path: target.display().to_string(),
        dry_run: opts.dry_run,
        ..Report::default()
    };
    let header = format!(
        "// Imported from {} by `tidepool import openclaw`.\n// Secrets are references into Tidepool's store; the OpenClaw files were not changed.\n",
        src.display()
    );
    report.config = format!(
        "{header}{}\n",
        serde_json::to_string_pretty(&mapped.config).unwrap_or_default()
    );
    report.carried = mapped.carried();
    report.not_carried = std::mem::take(&mut mapped.dropped);
    report.folders = mapped
        .folders
        .iter()
        .map(|(from, to, note)| copy::plan(from, to, note))
        .collect();

    // Secrets: with a store, check for names already holding another value.
    for s in &mut mapped.secrets {
        let Some(value) = s.value.as_ref() else {
            report.secrets.push(SecretMove {
                name: s.name.clone(),
                from: s.from.clone(),
                stored: false,
                note: s.note.clone(),
            });
            continue;
        };
        let note = match store.as_deref() {
            Some(st) => match st.get(&s.name)? {
                Some(v) if v.as_str() == value.as_str() => "already in the store".to_owned(),
                Some(_) => {
                    s.replaces = true;
                    "replaces the value stored under this name".to_owned()
                }
                None => s.note.clone(),
            },
            None => s.note.clone(),
        };
        report.secrets.push(SecretMove {
            name: s.name.clone(),
            from: s.from.clone(),
            stored: true,
            note,
        });
    }
    let (planned, problems) = sessions::plan(&opts.from);
    report.conversations = planned
        .iter()
        .map(|p| {
            let mut c = p.report.clone();
            if c.note.is_empty() {
                c.note = if opts.dry_run {
                    "would be carried over".into()
                } else {
                    "carried over".into()
                };
            }
            c
        })
        .collect();
    report.left_behind = sessions::left_behind(&opts.from);
    report.left_behind.extend(problems);
    if opts.dry_run {
        return Ok(report);
    }

    // Apply: secrets first (a failure leaves no config pointing at missing values), then the
    // folders, then the config.
    if mapped.secrets.iter().any(|s| s.value.is_some()) {
        let st = store.ok_or(ImportError::NoStore)?;
        for s in &mapped.secrets {
            if let Some(v) = &s.value {
                st.set(&s.name, v, Kind::Secret)?;
            }
        }
    }
    for (i, (from, to, _)) in mapped.folders.iter().enumerate() {
        let done = copy::copy(from, to).map_err(|(path, source)| ImportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if let Some(f) = report.folders.get_mut(i) {
            f.files = done.files;
            f.bytes = done.bytes;
            f.kept_existing = done.kept_existing;
            f.skipped = done.skipped;
        }
    }
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| ImportError::Io { path, source }
    };
    crate::fsutil::create_private_dir(opts.to.root()).map_err(io(opts.to.root()))?;
    if has_config {
        let backup = target.with_file_name("tidepool.json.before-import");
        crate::fsutil::write_private(&backup, existing.as_bytes()).map_err(io(&backup))?;
        report.backup = Some(backup.display().to_string());
    }
    crate::fsutil::write_private(target, report.config.as_bytes()).map_err(io(target))?;
    let secrets: Vec<String> = mapped
        .secrets
        .iter()
        .filter_map(|s| s.value.as_ref().map(|v| v.to_string()))
        .collect();
    write_conversations(&opts.to, planned, &secrets, &mut report.conversations)?;
    Ok(report)
}

/// Writes the conversations into Tidepool's `sessions.sqlite`, masking the imported secrets as
/// every transcript is. A key Tidepool already has is left as it is (an import run twice adds
/// nothing twice).
fn write_conversations(
    to: &StatePaths,
    planned: Vec<sessions::Planned>,
    secrets: &[String],
    report: &mut [Conversation],
) -> Result<(), ImportError> {
    if planned.is_empty() {
        return Ok(());
    }
    let db = to.sessions_db();
    let failed = |e: String| ImportError::Sessions(format!("{}: {e}", db.display()));
    // Its own runtime on its own thread: the import is called from synchronous code, and
    // possibly from inside someone else's runtime.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| failed(e.to_string()))?;
                rt.block_on(async {
                    let redactor = crate::redact::Redactor::new();
                    for s in secrets {
                        redactor.remember(s);
                    }
                    let store = crate::sessions::SessionStore::open(&db)
                        .await
                        .map_err(|e| failed(e.to_string()))?
                        .with_redactor(redactor);
                    for (p, r) in planned.iter().zip(report.iter_mut()) {
                        match store
                            .import(&p.report.key, &p.report.agent_id, p.model.as_deref(), &p.entries)
                            .await
                        {
                            Ok(_) => {}
                            Err(crate::sessions::StoreError::Exists(_)) => {
                                r.note = "Tidepool already has a conversation with this key; it was left as it is".into();
                                r.messages = 0;
                            }
                            Err(e) => return Err(failed(e.to_string())),
                        }
                    }
                    store.close().await;
                    Ok(())
                })
            })
            .join()
            .unwrap_or_else(|_| Err(failed("the import thread failed".into())))
    })
}

#[cfg(test)]
mod tests;
