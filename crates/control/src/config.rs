//! Reading and writing the gateway's config for the desktop app: through the running gateway
//! (`config.get` / `config.apply`, so it reloads and announces the change), or, while it is down
//! (often because the config is invalid), through the `tidepool config` CLI on the file itself.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tidepool_client::{Client, ClientError};
use tidepool_protocol::config::{
    ConfigApply, ConfigGet, ConfigSchema, ConfigWriteParams, ConfigWriteResult, SecretKind,
    SecretsStoreSet, SecretsStoreSetParams,
};
use tidepool_protocol::contract::NoParams;

/// Where the config could not be read, with its place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConfigProblem {
    /// The one-line reason.
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// The config file as the editor sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConfigDoc {
    /// The file.
    pub path: String,
    /// Whether it exists.
    pub exists: bool,
    /// Its text.
    pub raw: String,
    /// SHA-256 of `raw` (send it back as the base of a save).
    pub hash: String,
    /// Read through the running gateway (saves apply at once) or from the file.
    pub live: bool,
    /// Why the file does not validate, if it does not.
    pub problem: Option<ConfigProblem>,
    /// OpenClaw settings in it that Tidepool accepts but does not act on yet.
    #[serde(default)]
    pub unsupported: Vec<String>,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum SaveOutcome {
    /// Written.
    #[serde(rename_all = "camelCase")]
    Saved {
        /// The new hash.
        hash: String,
        /// Paths that changed.
        changed: Vec<String>,
        /// Of those, the ones that need a gateway restart.
        restart_required: Vec<String>,
        /// Applied by the running gateway (else written to the file).
        live: bool,
    },
    /// The text does not validate; nothing was written.
    Invalid {
        /// The reason and its place.
        problem: ConfigProblem,
    },
    /// The file changed since it was loaded; nothing was written.
    #[serde(rename_all = "camelCase")]
    Conflict {
        /// The reason.
        message: String,
        /// The file's current hash.
        current_hash: String,
    },
    /// Refused for another reason (e.g. it would drop most settings).
    Refused {
        /// The reason.
        message: String,
    },
}

/// The config file beside its last valid copy, to look at before restoring it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LastGood {
    /// The config file.
    pub path: String,
    /// Its text now (empty when the file is missing).
    pub current: String,
    /// Where the last valid copy is kept (`<config>.last-good`).
    pub last_good_path: String,
    /// That copy's text; `None` when there is none (the file never loaded successfully).
    pub last_good: Option<String>,
}

/// Why config access failed outright.
#[derive(Debug, thiserror::Error)]
pub enum ConfigAccessError {
    /// The gateway did not answer.
    #[error("{0}")]
    Gateway(#[from] ClientError),
    /// The `tidepool` CLI could not be run or answered nonsense.
    #[error("{0}")]
    Cli(String),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
}

/// `text` with the setting at `path` set to `value` (removed when `None`), changed in place:
/// comments, key order and layout stay as written (the settings form's edits).
pub fn edit_text(
    text: &str,
    path: &[String],
    value: Option<&Value>,
) -> Result<String, tidepool_config_text::EditError> {
    tidepool_config_text::set(text, path, value)
}

/// Config access for one state dir.
#[derive(Debug, Clone)]
pub struct ConfigAccess {
    /// The `tidepool` binary.
    pub program: PathBuf,
    /// The state dir.
    pub state_dir: PathBuf,
}

impl ConfigAccess {
    /// Loads through `client` when given, else from the file.
    pub async fn load(&self, client: Option<Client>) -> Result<ConfigDoc, ConfigAccessError> {
        if let Some(c) = client {
            let v = c.call::<ConfigGet>(&NoParams {}).await?;
            return Ok(ConfigDoc {
                path: v.path,
                exists: v.exists,
                raw: v.raw,
                hash: v.hash,
                live: true,
                problem: None,
                unsupported: v.unsupported,
            });
        }
        let out = self.cli(&["get-raw"], None).await?;
        let v: CliRaw = serde_json::from_str(&out).map_err(|e| {
            ConfigAccessError::Cli(format!(
                "unexpected output from tidepool config get-raw: {e}"
            ))
        })?;
        Ok(ConfigDoc {
            path: v.path,
            exists: v.exists,
            raw: v.raw,
            hash: v.hash,
            live: false,
            problem: v.problem,
            unsupported: v.unsupported,
        })
    }

    /// Saves `raw` if `base_hash` is still current.
    pub async fn save(
        &self,
        client: Option<Client>,
        raw: &str,
        base_hash: &str,
    ) -> Result<SaveOutcome, ConfigAccessError> {
        let base = Some(base_hash).filter(|b| !b.is_empty());
        if let Some(c) = client {
            let params = ConfigWriteParams::new(raw, base);
            return Ok(outcome(c.call::<ConfigApply>(&params).await)?);
        }
        let mut args = vec!["apply"];
        if let Some(b) = base {
            args.extend(["--base-hash", b]);
        }
        let out = self.cli(&args, Some(raw)).await?;
        let v: CliApplied = serde_json::from_str(&out).map_err(|e| {
            ConfigAccessError::Cli(format!("unexpected output from tidepool config apply: {e}"))
        })?;
        Ok(if v.ok {
            SaveOutcome::Saved {
                hash: v.hash,
                changed: v.changed,
                restart_required: v.restart_required,
                live: false,
            }
        } else {
            refusal(&v.message, &v.details)
        })
    }

    /// The config's JSON Schema (from the running gateway, else from the CLI).
    pub async fn schema(&self, client: Option<Client>) -> Result<Value, ConfigAccessError> {
        if let Some(c) = client {
            return Ok(c.call::<ConfigSchema>(&NoParams {}).await?.schema);
        }
        let out = self.cli(&["schema"], None).await?;
        serde_json::from_str(&out).map_err(|e| {
            ConfigAccessError::Cli(format!(
                "unexpected output from tidepool config schema: {e}"
            ))
        })
    }

    /// Stores a secret where the gateway resolves `{source: "store", id: name}` references:
    /// through `client` (the running gateway's store, which may be on another machine), else
    /// with `tidepool secrets set` on this state dir. The value goes over stdin or the socket,
    /// never argv.
    pub async fn store_secret(
        &self,
        client: Option<Client>,
        name: &str,
        value: &str,
    ) -> Result<(), ConfigAccessError> {
        if value.is_empty() {
            return Err(ConfigAccessError::Cli("the secret is empty".into()));
        }
        if let Some(c) = client {
            let params = SecretsStoreSetParams {
                name: name.to_owned(),
                value: value.to_owned(),
                kind: SecretKind::Secret,
                allowed_hosts: None,
            };
            c.call::<SecretsStoreSet>(&params).await?;
            return Ok(());
        }
        let dir = self.state_dir.display().to_string();
        let out = crate::cli::run(
            &self.program,
            &["secrets", "set", name, "--state-dir", &dir],
            Some(value),
        )
        .await
        .map_err(|e| ConfigAccessError::Cli(e.to_string()))?;
        if out.ok {
            Ok(())
        } else {
            Err(ConfigAccessError::Cli(out.stderr.trim().to_owned()))
        }
    }

    /// Puts the last valid config back; returns what was done, in words.
    pub async fn restore_last_good(&self) -> Result<String, ConfigAccessError> {
        self.cli(&["restore-last-good"], None)
            .await
            .map(|s| s.trim().to_owned())
    }

    /// The config file, found as the gateway and its CLI find it: `TIDEPOOL_CONFIG_PATH` when
    /// set (the sidecar inherits the app's environment), else `<state dir>/tidepool.json`.
    pub fn config_path(&self) -> PathBuf {
        std::env::var_os("TIDEPOOL_CONFIG_PATH")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| self.state_dir.join("tidepool.json"))
    }

    /// The current file and its last valid copy, read directly (both are the app's own state
    /// files): what `restore_last_good` would change. Works while the gateway cannot start.
    pub fn last_good(&self) -> Result<LastGood, ConfigAccessError> {
        let path = self.config_path();
        let good = last_good_path(&path);
        Ok(LastGood {
            current: read_if_exists(&path)?.unwrap_or_default(),
            last_good: read_if_exists(&good)?,
            path: path.display().to_string(),
            last_good_path: good.display().to_string(),
        })
    }

    /// Runs `tidepool config ARGS --state-dir D`, optionally feeding stdin; stdout on success,
    /// or the CLI's own message. `apply` prints a JSON outcome even when it refuses.
    async fn cli(&self, args: &[&str], stdin: Option<&str>) -> Result<String, ConfigAccessError> {
        let dir = self.state_dir.display().to_string();
        let mut all = vec!["config"];
        all.extend_from_slice(args);
        all.extend(["--state-dir", dir.as_str()]);
        let out = crate::cli::run(&self.program, &all, stdin)
            .await
            .map_err(|e| ConfigAccessError::Cli(e.to_string()))?;
        if out.ok || (args.first() == Some(&"apply") && !out.stdout.trim().is_empty()) {
            return Ok(out.stdout);
        }
        Err(ConfigAccessError::Cli(out.stderr))
    }
}

/// `<config>.last-good`, where the gateway keeps the last file that loaded.
fn last_good_path(config: &Path) -> PathBuf {
    let mut name = config.file_name().unwrap_or_default().to_os_string();
    name.push(".last-good");
    config.with_file_name(name)
}

/// The file's text, `None` when it does not exist.
fn read_if_exists(path: &Path) -> Result<Option<String>, ConfigAccessError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigAccessError::Io(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// `tidepool config get-raw`'s output.
#[derive(Deserialize)]
struct CliRaw {
    path: String,
    exists: bool,
    raw: String,
    hash: String,
    #[serde(default)]
    problem: Option<ConfigProblem>,
    #[serde(default)]
    unsupported: Vec<String>,
}

/// `tidepool config apply`'s output: the change, or the refusal with its details.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CliApplied {
    #[serde(default)]
    ok: bool,
    #[serde(default)]
    hash: String,
    #[serde(default)]
    changed: Vec<String>,
    #[serde(default)]
    restart_required: Vec<String>,
    #[serde(default)]
    message: String,
    #[serde(flatten)]
    details: RefusalDetails,
}

/// What a refused config write says besides its message (the gateway's error details, or
/// the CLI's output).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RefusalDetails {
    code: String,
    line: Option<u32>,
    column: Option<u32>,
    current_hash: String,
}

/// A config write's answer as an outcome: saved, or refused with why (a refusal is an
/// answer, not a failure; only a broken connection is).
pub(crate) fn outcome(
    r: Result<ConfigWriteResult, ClientError>,
) -> Result<SaveOutcome, ClientError> {
    match r {
        Ok(w) => Ok(SaveOutcome::Saved {
            hash: w.change.hash,
            changed: w.change.changed,
            restart_required: w.change.restart_required,
            live: true,
        }),
        Err(ClientError::Request(shape)) => {
            let details = shape
                .details
                .clone()
                .and_then(|d| serde_json::from_value::<RefusalDetails>(d).ok())
                .unwrap_or_default();
            Ok(refusal(&shape.message, &details))
        }
        Err(e) => Err(e),
    }
}

fn refusal(message: &str, d: &RefusalDetails) -> SaveOutcome {
    match d.code.as_str() {
        "CONFIG_INVALID" => SaveOutcome::Invalid {
            problem: ConfigProblem {
                message: message.to_owned(),
                line: d.line.unwrap_or(1),
                column: d.column.unwrap_or(1),
            },
        },
        "CONFIG_CONFLICT" => SaveOutcome::Conflict {
            message: message.to_owned(),
            current_hash: d.current_hash.clone(),
        },
        _ => SaveOutcome::Refused {
            message: message.to_owned(),
        },
    }
}
