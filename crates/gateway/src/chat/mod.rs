//! The agent runtime: resolved agents, active runs (one per session, abortable), and the tool
//! loop that streams `chat` events while it keeps the transcript in the session store.

pub mod compact;
mod extra_methods;
mod fallback;
pub mod history;
pub mod methods;
pub mod prompt;
pub mod run;
mod tool_call;

use crate::config::Config;
use crate::config::agents::{AgentEntry, CompactionConfig, ModelRef};
use crate::paths::StatePaths;
use crate::sessions::SessionStore;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// An agent with every setting resolved.
#[derive(Debug, Clone)]
pub struct AgentSpec {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `provider/model`, if configured.
    pub model: Option<String>,
    /// Models tried when the primary fails.
    pub fallbacks: Vec<String>,
    /// Workspace folder.
    pub workspace: PathBuf,
    /// Extra instructions.
    pub system_prompt: Option<String>,
    /// Most model calls in a turn.
    pub max_steps: u32,
    /// Longest a turn may run.
    pub timeout: Duration,
    /// Tool lists.
    pub tools_allow: Vec<String>,
    /// Tools refused.
    pub tools_deny: Vec<String>,
    /// Compaction settings.
    pub compaction: CompactionConfig,
    /// Context window when the model entry does not say.
    pub context_tokens: Option<u64>,
}

fn expand(path: &str, paths: &StatePaths) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/") {
        return crate::paths::home_dir().join(rest);
    }
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        paths.root().join(p)
    }
}

/// The configured agents (`entries` and legacy `list`), or just `main` when none are; the
/// default agent comes first.
pub fn agents(config: &Config, paths: &StatePaths) -> Vec<AgentSpec> {
    let d = &config.agents.defaults;
    let mut entries: Vec<(String, AgentEntry)> = config
        .agents
        .entries
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for l in &config.agents.list {
        if !entries.iter().any(|(id, _)| *id == l.id) {
            entries.push(l.clone().into());
        }
    }
    if entries.is_empty() {
        entries.push(("main".into(), AgentEntry::default()));
    }
    let default_index = entries
        .iter()
        .position(|(_, e)| e.default)
        .or_else(|| entries.iter().position(|(id, _)| id == "main"))
        .unwrap_or(0);
    if default_index > 0 {
        let e = entries.remove(default_index);
        entries.insert(0, e);
    }
    entries
        .into_iter()
        .map(|(id, e)| {
            let model_ref: Option<&ModelRef> = e.model.as_ref().or(d.model.as_ref());
            let workspace = e
                .workspace
                .as_deref()
                .or(d.workspace.as_deref())
                .map(|w| expand(w, paths))
                .unwrap_or_else(|| {
                    if id == "main" {
                        paths.workspace()
                    } else {
                        paths.root().join(format!("workspace-{id}"))
                    }
                });
            let (tools_allow, tools_deny) = e.tools.map(|t| (t.allow, t.deny)).unwrap_or_default();
            AgentSpec {
                name: e.name.clone().unwrap_or_else(|| id.clone()),
                model: model_ref.map(|m| m.primary().to_owned()),
                fallbacks: match model_ref {
                    Some(ModelRef::Spec { fallbacks, .. }) => fallbacks.clone(),
                    _ => vec![],
                },
                workspace,
                system_prompt: e.system_prompt.or(d.system_prompt.clone()),
                max_steps: e.max_steps.or(d.max_steps).unwrap_or(12).clamp(1, 100),
                timeout: Duration::from_secs(d.timeout_seconds.unwrap_or(600).max(1)),
                tools_allow,
                tools_deny,
                compaction: d.compaction.clone(),
                context_tokens: d.context_tokens,
                id,
            }
        })
        .collect()
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// Still going.
    Running,
    /// Finished.
    Ok,
    /// Stopped by `chat.abort`.
    Aborted,
    /// Failed, with the message.
    Error(String),
}

/// A run in progress.
#[derive(Debug)]
struct ActiveRun {
    session_key: String,
    cancel: CancellationToken,
}

/// Why a run could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeginError {
    /// A reply is already being written in the session.
    #[error(
        "a reply is still being written in {session_key} (run {run_id}); wait for it or call chat.abort"
    )]
    Busy {
        /// The session.
        session_key: String,
        /// The run writing it.
        run_id: String,
    },
    /// The run table is unusable after a panic elsewhere.
    #[error("internal error: run table poisoned")]
    Poisoned,
}

/// Shared runtime state of chat: the store, the HTTP client and the active runs.
#[derive(Debug)]
pub struct ChatRuntime {
    /// The session database.
    pub store: SessionStore,
    /// HTTP client for providers.
    pub http: reqwest::Client,
    /// Pending exec approvals and the audit trail.
    pub approvals: Arc<crate::approvals::Approvals>,
    /// The secrets store (`{ source: "store" }` references).
    pub secrets: Arc<crate::secrets::Secrets>,
    /// Runs, tokens and provider errors for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    active: Mutex<HashMap<String, ActiveRun>>,
    outcomes: Mutex<HashMap<String, watch::Sender<RunOutcome>>>,
    finished: Mutex<VecDeque<String>>,
    idempotency: Mutex<HashMap<String, String>>,
    idempotency_order: Mutex<VecDeque<String>>,
}

/// Finished runs remembered for `agent.wait` and idempotent retries.
const REMEMBERED: usize = 1000;

impl ChatRuntime {
    /// A runtime over a store.
    pub fn new(
        store: SessionStore,
        http: reqwest::Client,
        approvals: Arc<crate::approvals::Approvals>,
        secrets: Arc<crate::secrets::Secrets>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> ChatRuntime {
        ChatRuntime {
            secrets,
            metrics,
            store,
            http,
            approvals,
            active: Mutex::default(),
            outcomes: Mutex::default(),
            finished: Mutex::default(),
            idempotency: Mutex::default(),
            idempotency_order: Mutex::default(),
        }
    }

    /// The run already started for an idempotency key, if any.
    pub fn run_for_key(&self, idempotency_key: &str) -> Option<String> {
        self.idempotency
            .lock()
            .ok()
            .and_then(|m| m.get(idempotency_key).cloned())
    }

    /// Registers a new run on a session; fails if one is running there.
    pub fn begin(
        &self,
        run_id: &str,
        session_key: &str,
        idempotency_key: &str,
    ) -> Result<CancellationToken, BeginError> {
        let mut active = self.active.lock().map_err(|_| BeginError::Poisoned)?;
        if let Some((id, _)) = active.iter().find(|(_, r)| r.session_key == session_key) {
            return Err(BeginError::Busy {
                session_key: session_key.to_owned(),
                run_id: id.clone(),
            });
        }
        let cancel = CancellationToken::new();
        active.insert(
            run_id.to_owned(),
            ActiveRun {
                session_key: session_key.to_owned(),
                cancel: cancel.clone(),
            },
        );
        drop(active);
        if let Ok(mut o) = self.outcomes.lock() {
            o.insert(run_id.to_owned(), watch::channel(RunOutcome::Running).0);
        }
        if let (Ok(mut m), Ok(mut order)) = (self.idempotency.lock(), self.idempotency_order.lock())
        {
            m.insert(idempotency_key.to_owned(), run_id.to_owned());
            order.push_back(idempotency_key.to_owned());
            while order.len() > REMEMBERED {
                if let Some(old) = order.pop_front() {
                    m.remove(&old);
                }
            }
        }
        Ok(cancel)
    }

    /// Frees the run's session for the next message (its end event is about to go out).
    pub fn release(&self, run_id: &str) {
        if let Ok(mut a) = self.active.lock() {
            a.remove(run_id);
        }
    }

    /// Marks a run finished.
    pub fn end(&self, run_id: &str, outcome: RunOutcome) {
        if let Ok(mut a) = self.active.lock() {
            a.remove(run_id);
        }
        if let Ok(o) = self.outcomes.lock()
            && let Some(tx) = o.get(run_id)
        {
            tx.send_replace(outcome);
        }
        if let (Ok(mut f), Ok(mut o)) = (self.finished.lock(), self.outcomes.lock()) {
            f.push_back(run_id.to_owned());
            while f.len() > REMEMBERED {
                if let Some(old) = f.pop_front() {
                    o.remove(&old);
                }
            }
        }
    }

    /// Cancels the runs of a session (or one run); returns the ids cancelled.
    pub fn abort(&self, session_key: &str, run_id: Option<&str>) -> Vec<String> {
        let Ok(active) = self.active.lock() else {
            return vec![];
        };
        active
            .iter()
            .filter(|(id, r)| r.session_key == session_key && run_id.is_none_or(|want| want == *id))
            .map(|(id, r)| {
                r.cancel.cancel();
                id.clone()
            })
            .collect()
    }

    /// Cancels every run (shutdown).
    pub fn abort_all(&self) -> usize {
        let Ok(active) = self.active.lock() else {
            return 0;
        };
        for r in active.values() {
            r.cancel.cancel();
        }
        active.len()
    }

    /// Whether any run is active.
    pub fn busy(&self) -> bool {
        self.active.lock().map(|a| !a.is_empty()).unwrap_or(false)
    }

    /// The session a run is writing to.
    pub fn running_in(&self, session_key: &str) -> Option<String> {
        self.active.lock().ok().and_then(|a| {
            a.iter()
                .find(|(_, r)| r.session_key == session_key)
                .map(|(id, _)| id.clone())
        })
    }

    /// Waits for a run to end (or the timeout). `None` if the run is unknown.
    pub async fn wait(&self, run_id: &str, timeout: Duration) -> Option<RunOutcome> {
        let mut rx = self
            .outcomes
            .lock()
            .ok()
            .and_then(|o| o.get(run_id).map(|tx| tx.subscribe()))?;
        let done = tokio::time::timeout(timeout, rx.wait_for(|o| *o != RunOutcome::Running)).await;
        Some(match done {
            Ok(Ok(o)) => o.clone(),
            _ => RunOutcome::Running,
        })
    }
}
