//! One tool call inside a run: the tool runs with its context (workspace, limits, the exec
//! policy and approvals), its events are forwarded as they come, and its result is stored and
//! announced.

use super::ChatRuntime;
use super::run::{Events, RunRequest};
use crate::config::Config;
use crate::providers::Block;
use crate::sessions::{EntryKind, NewEntry};
use crate::tools::{self, ExecEnv, ToolCtx, ToolEvent, ToolEvents};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

#[allow(clippy::too_many_arguments)]
pub(super) async fn run_tool(
    rt: &ChatRuntime,
    toolset: &[tools::Tool],
    req: &RunRequest,
    config: &Config,
    ev: &Events<'_>,
    id: &str,
    name: &str,
    input: Value,
    cancel: &CancellationToken,
) {
    ev.agent("tool", json!({ "phase": "start", "sessionKey": req.session_key, "toolCallId": id, "name": name, "args": input }));
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let ctx = ToolCtx {
        workspace: req.agent.workspace.clone(),
        web: config.tools.web.fetch.clone(),
        cancel: cancel.clone(),
        exec: Some(Arc::new(ExecEnv {
            config: config.tools.exec.clone(),
            approvals: rt.approvals.clone(),
            agent_id: req.agent.id.clone(),
            session_key: req.session_key.clone(),
            run_id: req.run_id.clone(),
            tool_call_id: id.to_owned(),
        })),
        events: ToolEvents(Some(tx)),
    };
    let forward = |e: ToolEvent| match e {
        ToolEvent::Broadcast(name, payload) => ev.emit.emit(&name, payload),
        ToolEvent::Progress(data) => {
            let mut d = json!({ "phase": "update", "sessionKey": req.session_key, "toolCallId": id, "name": name });
            if let (Some(m), Value::Object(extra)) = (d.as_object_mut(), data) {
                m.extend(extra);
            }
            ev.agent("tool", d);
        }
    };
    // Events the tool sends while it runs (an approval request, output so far) go out as
    // they come.
    let call = tools::call(toolset, name, input, ctx);
    tokio::pin!(call);
    let result = loop {
        tokio::select! {
            r = &mut call => break r,
            Some(e) = rx.recv() => forward(e),
        }
    };
    while let Ok(e) = rx.try_recv() {
        forward(e);
    }
    let duration = started.elapsed().as_millis() as u64;
    let (content, is_error) = match result {
        Ok(s) => (s, false),
        Err(e) => (e.0, true),
    };
    tracing::info!(session_id = %req.session_key, agent_id = %req.agent.id, tool = name, duration_ms = duration, is_error, "tool call");
    let _ = rt
        .store
        .append(
            &req.session_key,
            NewEntry {
                kind: EntryKind::Message,
                role: Some("toolResult"),
                run_id: Some(req.run_id.clone()),
                content: vec![Block::ToolResult {
                    tool_use_id: id.to_owned(),
                    content: content.clone(),
                    is_error,
                }],
                meta: json!({ "toolName": name, "durationMs": duration }),
                status: "complete",
            },
        )
        .await;
    let preview: String = content.chars().take(4000).collect();
    ev.agent("tool", json!({ "phase": "result", "sessionKey": req.session_key, "toolCallId": id, "name": name, "result": preview, "isError": is_error, "durationMs": duration }));
}
