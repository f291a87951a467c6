//! First-run setup for the desktop app: check a provider and its key (a real model list), keep
//! the key in the secrets store, write a config holding only a reference to it, import from
//! OpenClaw, and send the first message. Everything that touches the state dir goes through the
//! `tidepool` CLI, so it works before any gateway runs; the key is handed over on stdin, never in
//! argv, and never comes back.

use crate::chat::{self, ChatEventView};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_client::Client;

/// Which kind of model provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ProviderKind {
    /// Anthropic (Claude).
    #[default]
    Anthropic,
    /// OpenAI, or a service speaking its API at another URL.
    Openai,
    /// A server on this machine or network speaking the OpenAI API (Ollama, LM Studio, vLLM).
    Local,
}

impl ProviderKind {
    /// The provider id in the config.
    pub fn id(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Openai => "openai",
            ProviderKind::Local => "local",
        }
    }

    /// The store name of its key.
    pub fn key_name(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "ANTHROPIC_API_KEY",
            ProviderKind::Openai => "OPENAI_API_KEY",
            ProviderKind::Local => "LOCAL_API_KEY",
        }
    }
}

/// The usual address of a local server (Ollama).
pub const LOCAL_DEFAULT_URL: &str = "http://127.0.0.1:11434/v1";

/// A model to pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ModelChoice {
    /// Model id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// What checking a provider found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum ProviderCheck {
    /// The provider answered with its models (and the key, if any, was stored).
    #[serde(rename_all = "camelCase")]
    Ok {
        /// Its models.
        models: Vec<ModelChoice>,
        /// The one to preselect.
        suggested: Option<String>,
        /// Where the key was stored, if one was given.
        key_name: Option<String>,
    },
    /// The provider refused or could not be reached; nothing was stored.
    Failed {
        /// `auth`, `unreachable`, `protocol`, ...
        kind: String,
        /// One sentence for the user.
        message: String,
    },
}

/// The choices the config is written from (no secret in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SetupPlan {
    /// The provider.
    pub provider: ProviderKind,
    /// Its base URL, when not the provider's own.
    pub base_url: Option<String>,
    /// The store name of its key, when it has one.
    pub key_name: Option<String>,
    /// The model id (without the provider prefix).
    pub model: String,
    /// The workspace folder; `None` for the default.
    pub workspace: Option<String>,
    /// `deny`, `ask` or `allowlist`.
    pub exec_mode: String,
}

/// A config path and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportItem {
    /// Dotted config path.
    pub path: String,
    /// What was done, or why not.
    pub note: String,
}

/// A secret moved into the store (or still to be provided).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportSecret {
    /// Store name.
    pub name: String,
    /// Where it was.
    pub from: String,
    /// In the store after the import.
    pub stored: bool,
    /// What was done.
    pub note: String,
}

/// A folder copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportFolder {
    /// Source.
    pub from: String,
    /// Destination.
    pub to: String,
    /// Files copied.
    pub files: u64,
    /// Bytes copied.
    pub bytes: u64,
    /// Files the destination already had (kept).
    pub kept_existing: u64,
    /// Links and special files skipped.
    pub skipped: u64,
    /// What it is.
    pub note: String,
}

/// A conversation carried over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportConversation {
    /// Session key (`agent:main:main`).
    pub key: String,
    /// Its agent.
    pub agent_id: String,
    /// Messages carried over.
    pub messages: u32,
    /// Other events left behind.
    pub skipped: u32,
    /// What was done.
    pub note: String,
}

/// The report of `tidepool import openclaw` (see docs/gateway.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// The OpenClaw config read.
    pub source: String,
    /// The Tidepool config written.
    pub config_path: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// Carried over.
    pub carried: Vec<ImportItem>,
    /// Left out, with why.
    pub not_carried: Vec<ImportItem>,
    /// Secrets.
    pub secrets: Vec<ImportSecret>,
    /// Folders.
    pub folders: Vec<ImportFolder>,
    /// Conversations.
    #[serde(default)]
    pub conversations: Vec<ImportConversation>,
    /// What stays with OpenClaw, with counts and why.
    #[serde(default)]
    pub left_behind: Vec<ImportItem>,
}

/// Why a setup action failed outright.
#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    /// The CLI could not be run or failed.
    #[error("{0}")]
    Cli(String),
    /// Bad input from the user.
    #[error("{0}")]
    Invalid(String),
    /// The gateway did not answer as expected.
    #[error("{0}")]
    Gateway(String),
}

/// Runs `tidepool ARGS` with `stdin`; (success, stdout, stderr).
async fn tidepool(
    program: &Path,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<(bool, String, String), OnboardingError> {
    let out = crate::cli::run(program, args, stdin)
        .await
        .map_err(|e| OnboardingError::Cli(e.to_string()))?;
    Ok((out.ok, out.stdout, out.stderr))
}

/// The model to preselect: a current mid-size model when offered, else the first.
pub fn suggest(kind: ProviderKind, models: &[ModelChoice]) -> Option<String> {
    let prefs: &[&str] = match kind {
        ProviderKind::Anthropic => &["sonnet", "opus", "haiku"],
        ProviderKind::Openai => &["gpt-4.1", "gpt-4o", "gpt-5"],
        ProviderKind::Local => &[],
    };
    prefs
        .iter()
        .find_map(|p| models.iter().find(|m| m.id.contains(p)))
        .or_else(|| models.first())
        .map(|m| m.id.clone())
}

/// What `tidepool providers check --json` prints (the fields the setup reads; the CLI's models
/// carry more).
#[derive(Debug, Deserialize)]
struct CheckReport {
    ok: bool,
    #[serde(default)]
    models: Vec<CheckedModel>,
    #[serde(default)]
    error: Option<CheckError>,
}

#[derive(Debug, Deserialize)]
struct CheckedModel {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct CheckError {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Asks the provider for its models with `key`; on success stores the key under the
/// provider's name in the state dir's secrets store.
pub async fn check_provider(
    program: &Path,
    state_dir: &Path,
    kind: ProviderKind,
    base_url: Option<&str>,
    key: Option<&str>,
) -> Result<ProviderCheck, OnboardingError> {
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    if key.is_none() && kind != ProviderKind::Local {
        return Ok(ProviderCheck::Failed {
            kind: "auth".into(),
            message: format!("Paste your {} API key first.", label(kind)),
        });
    }
    let base_url = base_url.map(str::trim).filter(|u| !u.is_empty());
    let default_local = (kind == ProviderKind::Local).then_some(LOCAL_DEFAULT_URL);
    let mut args = vec!["providers", "check", kind.id(), "--json", "--timeout", "15"];
    if let Some(u) = base_url.or(default_local) {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Ok(ProviderCheck::Failed {
                kind: "invalid".into(),
                message: format!(
                    "\"{u}\" is not a web address; it starts with http:// or https://, e.g. {LOCAL_DEFAULT_URL}"
                ),
            });
        }
        args.extend(["--base-url", u]);
    }
    if kind == ProviderKind::Local {
        args.extend(["--api", "openai-completions"]);
    }
    if key.is_some() {
        args.push("--key-stdin");
    }
    let (_, out, err) = tidepool(program, &args, key).await?;
    let report: CheckReport = serde_json::from_str(out.trim()).map_err(|_| {
        OnboardingError::Cli(if err.is_empty() {
            "the provider check gave no answer".into()
        } else {
            err.clone()
        })
    })?;
    if !report.ok {
        let e = report.error.unwrap_or_default();
        return Ok(ProviderCheck::Failed {
            kind: e.kind.unwrap_or_else(|| "error".into()),
            message: e
                .message
                .unwrap_or_else(|| "the provider check failed".into()),
        });
    }
    let models: Vec<ModelChoice> = report
        .models
        .into_iter()
        .map(|m| ModelChoice {
            name: m.name.unwrap_or_else(|| m.id.clone()),
            id: m.id,
        })
        .collect();
    let key_name = match key {
        Some(k) => {
            store_secret(program, state_dir, kind.key_name(), k).await?;
            Some(kind.key_name().to_owned())
        }
        None => None,
    };
    Ok(ProviderCheck::Ok {
        suggested: suggest(kind, &models),
        models,
        key_name,
    })
}

fn label(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Anthropic => "Anthropic",
        ProviderKind::Openai => "OpenAI",
        ProviderKind::Local => "server's",
    }
}

/// Stores `value` under `name` (the OS keychain, else the vault).
pub async fn store_secret(
    program: &Path,
    state_dir: &Path,
    name: &str,
    value: &str,
) -> Result<(), OnboardingError> {
    let dir = state_dir.display().to_string();
    let (ok, _, err) = tidepool(
        program,
        &["secrets", "set", name, "--state-dir", &dir],
        Some(value),
    )
    .await?;
    if ok {
        Ok(())
    } else {
        Err(OnboardingError::Cli(format!("cannot store the key: {err}")))
    }
}

/// The config text for a plan: the provider, the model, the workspace and the shell policy.
/// The key appears only as a `{ source: "store" }` reference.
pub fn config_text(plan: &SetupPlan) -> Result<String, OnboardingError> {
    if plan.model.trim().is_empty() {
        return Err(OnboardingError::Invalid("pick a model first".into()));
    }
    if !matches!(plan.exec_mode.as_str(), "deny" | "ask" | "allowlist") {
        return Err(OnboardingError::Invalid(format!(
            "shell safety must be deny, ask or allowlist, not {}",
            plan.exec_mode
        )));
    }
    let id = plan.provider.id();
    let mut provider = serde_json::Map::new();
    if let Some(u) = plan.base_url.as_deref().filter(|u| !u.trim().is_empty()) {
        provider.insert("baseUrl".into(), json!(u.trim()));
    } else if plan.provider == ProviderKind::Local {
        provider.insert("baseUrl".into(), json!(LOCAL_DEFAULT_URL));
    }
    if plan.provider == ProviderKind::Local {
        provider.insert("api".into(), json!("openai-completions"));
        provider.insert("models".into(), json!([{ "id": plan.model }]));
    }
    if let Some(k) = &plan.key_name {
        provider.insert("apiKey".into(), json!({ "source": "store", "id": k }));
    }
    let mut defaults = serde_json::Map::new();
    defaults.insert("model".into(), json!(format!("{id}/{}", plan.model)));
    if let Some(w) = plan.workspace.as_deref().filter(|w| !w.trim().is_empty()) {
        defaults.insert("workspace".into(), json!(w.trim()));
    }
    let mut exec = serde_json::Map::new();
    exec.insert("mode".into(), json!(plan.exec_mode));
    let v = json!({
        "gateway": { "bind": "loopback", "auth": { "mode": "token" } },
        "agents": { "defaults": defaults },
        "models": { "providers": { id: provider } },
        "tools": { "exec": exec },
    });
    let body =
        serde_json::to_string_pretty(&v).map_err(|e| OnboardingError::Invalid(e.to_string()))?;
    Ok(format!(
        "// Written by Tidepool's first-run setup. Keys live in the OS keychain, not here.\n{body}\n"
    ))
}

/// Where OpenClaw keeps its setup, when there is one to import.
pub fn openclaw_dir(home: &Path) -> Option<PathBuf> {
    let dir = std::env::var_os("OPENCLAW_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".openclaw"));
    dir.join("openclaw.json").is_file().then_some(dir)
}

/// Runs `tidepool import openclaw --json` (a dry run first, to show the report).
pub async fn import_openclaw(
    program: &Path,
    state_dir: &Path,
    from: &Path,
    dry_run: bool,
) -> Result<ImportReport, OnboardingError> {
    let (dir, src) = (state_dir.display().to_string(), from.display().to_string());
    let mut args = vec![
        "import",
        "openclaw",
        "--json",
        "--from",
        &src,
        "--state-dir",
        &dir,
    ];
    if dry_run {
        args.push("--dry-run");
    }
    // A config left by an earlier, unfinished setup is replaced (it was never used).
    args.push("--replace");
    let (_, out, err) = tidepool(program, &args, None).await?;
    let v: Value = serde_json::from_str(out.trim()).map_err(|_| {
        OnboardingError::Cli(if err.is_empty() {
            "the import gave no answer".into()
        } else {
            err
        })
    })?;
    #[derive(Deserialize)]
    struct Refusal {
        error: Option<CheckError>,
    }
    if let Ok(Refusal {
        error: Some(CheckError {
            message: Some(m), ..
        }),
    }) = Refusal::deserialize(&v)
    {
        return Err(OnboardingError::Cli(m));
    }
    serde_json::from_value(v)
        .map_err(|e| OnboardingError::Cli(format!("the import report is not readable: {e}")))
}

/// Sends `message` to the main session and waits for the whole reply.
pub async fn first_reply(
    c: &Client,
    message: &str,
    within: Duration,
) -> Result<String, OnboardingError> {
    let key = "agent:main:main";
    let mut events = c.events();
    let ack = chat::send(c, key, message)
        .await
        .map_err(|e| OnboardingError::Gateway(e.to_string()))?;
    let wait = async {
        loop {
            let e = match events.recv().await {
                Ok(e) => e,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => {
                    return Err(OnboardingError::Gateway(
                        "the connection to the gateway closed while waiting for the reply".into(),
                    ));
                }
            };
            match chat::event_view(&e) {
                Some(ChatEventView::Final { run_id, .. }) if run_id == ack.run_id => return Ok(()),
                Some(ChatEventView::Error {
                    run_id, message, ..
                }) if run_id == ack.run_id => return Err(OnboardingError::Gateway(message)),
                _ => {}
            }
        }
    };
    tokio::time::timeout(within, wait).await.map_err(|_| {
        OnboardingError::Gateway(format!(
            "no reply within {} s; the model may be slow or unreachable",
            within.as_secs()
        ))
    })??;
    let history = chat::history(c, key, 4)
        .await
        .map_err(|e| OnboardingError::Gateway(e.to_string()))?;
    Ok(history
        .iter()
        .rev()
        .find(|m| m.role == "assistant")
        .map(|m| m.text.clone())
        .unwrap_or_default())
}
