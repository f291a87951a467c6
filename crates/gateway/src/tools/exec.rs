//! The `exec` tool: a shell command in the agent's workspace, judged by the exec policy
//! first — run, refused, or held for approval — with its output streamed to the tool card.

use super::{Tool, ToolCtx, ToolError, ToolEvent};
use crate::approvals::{Ask, Resolution};
use crate::exec::policy::{self, Decision};
use crate::exec::{analyze, run};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Args {
    command: String,
    #[serde(default)]
    timeout_seconds: Option<u64>,
    #[serde(default)]
    cwd: Option<String>,
}

/// The tool.
pub fn tool() -> Tool {
    Tool {
        name: "exec",
        group: "runtime",
        description: "Run a shell command (sh) in the workspace and get its output and exit code. Commands may need the user's approval; a denied command is not run.",
        schema: || {
            json!({
                "type": "object",
                "properties": {
                    "command": { "type": "string", "description": "The command line, e.g. `ls -la` or `npm test`." },
                    "timeoutSeconds": { "type": "integer", "minimum": 1, "description": "Stop it after this many seconds (at most the configured limit)." },
                    "cwd": { "type": "string", "description": "Folder inside the workspace to run in (default: the workspace)." }
                },
                "required": ["command"],
                "additionalProperties": false
            })
        },
        run: |ctx, input| Box::pin(exec(ctx, input)),
        // It kills its process and records a cancelled approval when the run is aborted.
        stops_itself: true,
    }
}

async fn exec(ctx: ToolCtx, input: Value) -> Result<String, ToolError> {
    let a: Args = super::args("exec", input)?;
    let Some(env) = ctx.exec.clone() else {
        return Err(ToolError::new("shell commands are not available here"));
    };
    if a.command.trim().is_empty() {
        return Err(ToolError::new("the command is empty"));
    }
    let cwd = match &a.cwd {
        Some(dir) => super::fs::confine(&ctx.workspace, dir)?,
        None => ctx.workspace.clone(),
    };
    let cfg = &env.config;
    let verdict = policy::decide(
        &analyze::analyze(&a.command),
        cfg,
        &env.agent_id,
        &env.session_key,
    );
    let ask = Ask {
        command: a.command.clone(),
        cwd: Some(cwd.display().to_string()),
        agent_id: Some(env.agent_id.clone()),
        session_key: Some(env.session_key.clone()),
        run_id: Some(env.run_id.clone()),
        tool_call_id: Some(env.tool_call_id.clone()),
        requested_by: format!("agent:{}", env.agent_id),
        verdict: verdict.clone(),
        timeout: Duration::from_secs(cfg.approval_timeout_seconds),
    };
    match verdict.decision {
        Decision::Deny => {
            env.approvals.audit(&ask, false).await;
            return Err(ToolError(format!(
                "not run: {}. Do not retry this command; tell the user what you wanted to do, or ask them to allow it in Approvals.",
                verdict.reason
            )));
        }
        Decision::Allow => env.approvals.audit(&ask, true).await,
        Decision::Ask => {
            let emit = ctx.events.clone();
            let (record, rx) = env.approvals.create(&ask, &emit).await;
            let outcome = env
                .approvals
                .wait(&record.id, rx, ask.timeout, &ctx.cancel, &emit)
                .await;
            match outcome {
                Resolution::AllowOnce | Resolution::AllowAlways(_) => {}
                Resolution::Deny => {
                    return Err(ToolError(format!(
                        "the user denied running `{}`. Do not run it again; ask the user how they want to proceed.",
                        a.command
                    )));
                }
                Resolution::Expired => {
                    if policy::fallback(cfg) != Decision::Allow {
                        return Err(ToolError(format!(
                            "nobody approved `{}` within {} s, so it was not run (tools.exec.askFallback is \"{}\").",
                            a.command,
                            cfg.approval_timeout_seconds,
                            serde_json::to_value(cfg.ask_fallback)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        )));
                    }
                }
                Resolution::Cancelled(_) => return Err(ToolError::new("cancelled")),
            }
        }
    }
    let timeout = Duration::from_secs(
        a.timeout_seconds
            .unwrap_or(cfg.timeout_seconds)
            .clamp(1, cfg.timeout_seconds.max(1)),
    );
    let opts = run::Options {
        cwd,
        timeout,
        max_output: cfg.max_output_chars,
        env_allow: cfg.env_allow.clone(),
        cancel: ctx.cancel.clone(),
    };
    // Output reaches the tool card at most every 100 ms.
    let mut pending = String::new();
    let mut last = Instant::now();
    let events = ctx.events.clone();
    let out = run::run(&a.command, &opts, |chunk| {
        pending.push_str(chunk);
        if last.elapsed() >= Duration::from_millis(100) {
            let _ = events.send(ToolEvent::Progress(
                json!({ "output": std::mem::take(&mut pending) }),
            ));
            last = Instant::now();
        }
    })
    .await
    .map_err(|e| ToolError(e.to_string()))?;
    if !pending.is_empty() {
        let _ = ctx
            .events
            .send(ToolEvent::Progress(json!({ "output": pending })));
    }
    let secs = out.duration.as_secs_f64();
    if out.cancelled {
        return Err(ToolError::new("cancelled"));
    }
    if out.timed_out {
        return Err(ToolError(format!(
            "timed out after {} s and was stopped\n{}",
            timeout.as_secs(),
            out.output
        )));
    }
    match out.exit_code {
        Some(0) => Ok(format!("exit code 0 ({secs:.1} s)\n{}", out.output)),
        Some(code) => Err(ToolError(format!(
            "exit code {code} ({secs:.1} s)\n{}",
            out.output
        ))),
        None => Err(ToolError(format!(
            "killed by a signal ({secs:.1} s)\n{}",
            out.output
        ))),
    }
}
