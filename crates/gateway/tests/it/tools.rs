#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The agent tools through their public entry point `tools::call`: the file tools in a temporary
//! workspace (escapes refused, happy paths) and `web_fetch` against a local HTTP server.

mod fs;
mod web;

use serde_json::Value;
use std::path::Path;
use tidepool_gateway::config::agents::WebFetchConfig;
use tidepool_gateway::tools::{self, ToolCtx, ToolError};
use tokio_util::sync::CancellationToken;

/// A context with default `web_fetch` limits.
fn ctx(workspace: &Path) -> ToolCtx {
    ToolCtx {
        workspace: workspace.to_path_buf(),
        web: WebFetchConfig::default(),
        cancel: CancellationToken::new(),
        exec: None,
        events: Default::default(),
    }
}

/// Calls a tool by name with every tool available.
async fn call(ctx: &ToolCtx, name: &str, input: Value) -> Result<String, ToolError> {
    tools::call(&tools::all(), name, input, ctx.clone()).await
}
