//! The tool registry: each tool's name, JSON Schema and handler. Agents get the tools their
//! policy allows; later tools (exec, skills, plugins) register here the same way.

pub mod exec;
pub mod fs;
pub mod methods;
pub mod web;

use crate::config::agents::WebFetchConfig;
use crate::providers::ToolSpec;
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use tokio_util::sync::CancellationToken;

/// What a tool call can use.
#[derive(Debug, Clone)]
pub struct ToolCtx {
    /// The agent's workspace (file tools stay inside it).
    pub workspace: PathBuf,
    /// `web_fetch` limits.
    pub web: WebFetchConfig,
    /// Cancelled when the run is aborted.
    pub cancel: CancellationToken,
    /// What `exec` needs (absent where shell commands are not offered).
    pub exec: Option<std::sync::Arc<ExecEnv>>,
    /// Where a tool's events go while it runs (approval requests, output so far).
    pub events: ToolEvents,
}

/// The context of one `exec` call.
#[derive(Debug, Clone)]
pub struct ExecEnv {
    /// `tools.exec`.
    pub config: crate::config::exec::ExecConfig,
    /// Pending approvals and the audit trail.
    pub approvals: std::sync::Arc<crate::approvals::Approvals>,
    /// The agent.
    pub agent_id: String,
    /// The session.
    pub session_key: String,
    /// The run.
    pub run_id: String,
    /// The tool call.
    pub tool_call_id: String,
}

/// Something a running tool reports.
#[derive(Debug, Clone)]
pub enum ToolEvent {
    /// A gateway event to broadcast as it is.
    Broadcast(String, Value),
    /// Progress for the tool card (sent as an `agent` tool event with `phase: "update"`).
    Progress(Value),
}

/// The sending side of a tool's events; sends go nowhere when nobody listens.
#[derive(Debug, Clone, Default)]
pub struct ToolEvents(pub Option<tokio::sync::mpsc::UnboundedSender<ToolEvent>>);

impl ToolEvents {
    /// Sends, ignoring a closed or absent listener.
    pub fn send(&self, e: ToolEvent) -> bool {
        self.0.as_ref().is_some_and(|tx| tx.send(e).is_ok())
    }
}

impl crate::rpc::Emit for ToolEvents {
    fn emit(&self, event: &str, payload: Value) {
        self.send(ToolEvent::Broadcast(event.to_owned(), payload));
    }
}

/// A failed tool call: the message goes back to the model (and to the tool card).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(pub String);

impl ToolError {
    /// An error with a message.
    pub fn new(m: impl Into<String>) -> ToolError {
        ToolError(m.into())
    }
}

type ToolFuture = Pin<Box<dyn Future<Output = Result<String, ToolError>> + Send>>;

/// A tool.
pub struct Tool {
    /// Name the model calls.
    pub name: &'static str,
    /// Group for allow/deny lists (`group:fs`, `group:web`).
    pub group: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Arguments schema.
    pub schema: fn() -> Value,
    /// Runs it.
    pub run: fn(ToolCtx, Value) -> ToolFuture,
    /// Watches `ToolCtx::cancel` itself and cleans up: given a grace period to stop instead
    /// of being dropped at once.
    pub stops_itself: bool,
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every tool Tidepool has.
pub fn all() -> Vec<Tool> {
    let mut v = fs::tools();
    v.push(web::tool());
    v.push(exec::tool());
    v
}

fn listed(list: &[String], t: &Tool) -> bool {
    list.iter()
        .any(|n| n == t.name || n.strip_prefix("group:") == Some(t.group))
}

/// The tools an agent gets: allowed by both lists (empty allow = all), denied by neither.
pub fn select(
    global_allow: &[String],
    global_deny: &[String],
    agent_allow: &[String],
    agent_deny: &[String],
    web_enabled: bool,
    exec_enabled: bool,
) -> Vec<Tool> {
    all()
        .into_iter()
        .filter(|t| global_allow.is_empty() || listed(global_allow, t))
        .filter(|t| agent_allow.is_empty() || listed(agent_allow, t))
        .filter(|t| !listed(global_deny, t) && !listed(agent_deny, t))
        .filter(|t| web_enabled || t.group != "web")
        .filter(|t| exec_enabled || t.name != "exec")
        .collect()
}

/// What the model is told about the tools.
pub fn specs(tools: &[Tool]) -> Vec<ToolSpec> {
    tools
        .iter()
        .map(|t| ToolSpec {
            name: t.name.to_owned(),
            description: t.description.to_owned(),
            input_schema: (t.schema)(),
        })
        .collect()
}

/// How long a cancelled tool may take to stop on its own.
const CANCEL_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs a tool by name. Unknown tools and bad arguments are errors the model can read.
pub async fn call(
    tools: &[Tool],
    name: &str,
    input: Value,
    ctx: ToolCtx,
) -> Result<String, ToolError> {
    let Some(t) = tools.iter().find(|t| t.name == name) else {
        let names: Vec<&str> = tools.iter().map(|t| t.name).collect();
        return Err(ToolError(format!(
            "there is no tool \"{name}\"; available: {}",
            names.join(", ")
        )));
    };
    let cancel = ctx.cancel.clone();
    let run = (t.run)(ctx, input);
    tokio::pin!(run);
    tokio::select! {
        r = &mut run => return r,
        () = cancel.cancelled() => {}
    }
    if !t.stops_itself {
        return Err(ToolError::new("cancelled"));
    }
    // Tools see the same token: a short grace lets them clean up (kill a process, record a
    // cancelled approval) before they are dropped.
    match tokio::time::timeout(CANCEL_GRACE, run).await {
        Ok(Err(e)) => Err(e),
        _ => Err(ToolError::new("cancelled")),
    }
}

/// Parses a tool's arguments, naming the bad field.
pub fn args<T: serde::de::DeserializeOwned>(tool: &str, input: Value) -> Result<T, ToolError> {
    serde_path_to_error::deserialize(input).map_err(|e| {
        ToolError(format!(
            "invalid arguments for {tool}: {}: {}",
            e.path(),
            e.inner()
        ))
    })
}
