//! The tool registry: each tool's name, JSON Schema and handler. Agents get the tools their
//! policy allows; later tools (exec, skills, plugins) register here the same way.

pub mod fs;
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
) -> Vec<Tool> {
    all()
        .into_iter()
        .filter(|t| global_allow.is_empty() || listed(global_allow, t))
        .filter(|t| agent_allow.is_empty() || listed(agent_allow, t))
        .filter(|t| !listed(global_deny, t) && !listed(agent_deny, t))
        .filter(|t| web_enabled || t.group != "web")
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
    tokio::select! {
        r = (t.run)(ctx, input) => r,
        () = cancel.cancelled() => Err(ToolError::new("cancelled")),
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
