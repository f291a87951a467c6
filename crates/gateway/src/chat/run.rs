//! One agent turn: store the user's message, then call the model, run the tools it asks for,
//! and repeat until it answers (or the step cap, a timeout, an abort or an error). Every step
//! is written to the session store as it happens; the reply being streamed is flushed every
//! few hundred milliseconds with status `streaming`, so a crash leaves a readable partial reply.

use super::{AgentSpec, ChatRuntime, RunOutcome, compact, history, prompt};
use crate::config::Config;
use crate::providers::{
    self, Block, Completion, CompletionRequest, Provider, ProviderError, StopReason, Usage,
};
use crate::sessions::{EntryKind, NewEntry};
use crate::sysinfo::now_ms;
use crate::tools;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tidepool_protocol::chat::events;
use tokio_util::sync::CancellationToken;

pub use crate::rpc::Emit;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Run id.
    pub run_id: String,
    /// Normalized session key.
    pub session_key: String,
    /// The agent.
    pub agent: AgentSpec,
    /// The user's message.
    pub message: String,
    /// The message is in the transcript already (`chat.retry`): run it again, don't append it.
    pub retry: bool,
    /// `provider/model` for this run (else the session's, else the agent's).
    pub model: Option<String>,
    /// Added to the system prompt.
    pub extra_system_prompt: Option<String>,
    /// Overrides the agent's timeout.
    pub timeout: Option<Duration>,
}

/// Per-run event sequence.
pub(super) struct Events<'a> {
    rt: &'a ChatRuntime,
    pub(super) emit: &'a dyn Emit,
    run_id: &'a str,
    pub(super) session_key: &'a str,
    agent_id: &'a str,
    seq: AtomicU64,
    agent_seq: AtomicU64,
}

impl Events<'_> {
    fn chat(&self, state: &str, mut extra: serde_json::Map<String, Value>) {
        extra.insert("runId".into(), json!(self.run_id));
        extra.insert("sessionKey".into(), json!(self.session_key));
        extra.insert("agentId".into(), json!(self.agent_id));
        extra.insert(
            "seq".into(),
            json!(self.seq.fetch_add(1, Ordering::Relaxed)),
        );
        extra.insert("state".into(), json!(state));
        if matches!(state, "final" | "aborted" | "error") {
            // A client that sends the next message as soon as it sees the end must not be
            // told the session is still busy.
            self.rt.release(self.run_id);
        }
        self.emit.emit(events::CHAT, Value::Object(extra));
    }

    pub(super) fn agent(&self, stream: &str, data: Value) {
        self.emit.emit(
            events::AGENT,
            json!({
                "runId": self.run_id,
                "seq": self.agent_seq.fetch_add(1, Ordering::Relaxed),
                "stream": stream,
                "ts": now_ms(),
                "data": data,
            }),
        );
    }
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// Cost of a call in USD from the model entry's per-million prices.
fn cost(p: &Provider, model: &str, u: Usage) -> f64 {
    let Some(c) = p.model_entry(model).and_then(|m| m.cost) else {
        return 0.0;
    };
    (u.input as f64 * c.input
        + u.output as f64 * c.output
        + u.cache_read as f64 * c.cache_read
        + u.cache_write as f64 * c.cache_write)
        / 1_000_000.0
}

/// The cost split OpenClaw keeps in `usage.cost`, when the model has a price (a reply without
/// one is counted as missing a price, not as free).
fn cost_breakdown(p: &Provider, model: &str, u: Usage) -> Option<Value> {
    let c = p.model_entry(model).and_then(|m| m.cost)?;
    let part = |tokens: u64, price: f64| tokens as f64 * price / 1_000_000.0;
    Some(json!({
        "input": part(u.input, c.input),
        "output": part(u.output, c.output),
        "cacheRead": part(u.cache_read, c.cache_read),
        "cacheWrite": part(u.cache_write, c.cache_write),
        "total": cost(p, model, u),
    }))
}

fn error_kind(e: &ProviderError) -> &'static str {
    match e {
        ProviderError::RateLimited { .. } => "rate_limit",
        ProviderError::Unreachable { message, .. } if message.contains("timed out") => "timeout",
        _ => "unknown",
    }
}

/// Runs a turn to its end, emitting events and writing the transcript. Never panics on bad
/// provider output; every failure ends as a `chat` error event and an `error` entry.
pub async fn run(
    rt: Arc<ChatRuntime>,
    config: Arc<Config>,
    config_dir: &Path,
    emit: &dyn Emit,
    req: RunRequest,
    cancel: CancellationToken,
) -> RunOutcome {
    let ev = Events {
        rt: &rt,
        emit,
        run_id: &req.run_id,
        session_key: &req.session_key,
        agent_id: &req.agent.id,
        seq: AtomicU64::new(0),
        agent_seq: AtomicU64::new(0),
    };
    let started = now_ms();
    ev.agent(
        "lifecycle",
        json!({ "phase": "start", "sessionKey": req.session_key, "startedAt": started }),
    );
    let timeout = req.timeout.unwrap_or(req.agent.timeout);
    let outcome = tokio::select! {
        o = turn(&rt, &config, config_dir, &ev, &req, &cancel) => o,
        () = tokio::time::sleep(timeout) => {
            cancel.cancel();
            let msg = format!("the turn took longer than {} s (agents.defaults.timeoutSeconds) and was stopped", timeout.as_secs());
            let _ = rt.store.set_run_error(&req.session_key, Some(&msg)).await;
            // The streaming entry, if any, is closed by recover() at the next start or by
            // the abandoned turn's own cleanup; the event tells clients now.
            ev.chat("error", obj(json!({ "errorMessage": msg, "errorKind": "timeout" })));
            RunOutcome::Error(msg)
        }
    };
    if let RunOutcome::Error(msg) = &outcome {
        tracing::warn!(session_id = %req.session_key, run_id = %req.run_id, error = %msg, "turn failed");
    }
    let phase = match &outcome {
        RunOutcome::Ok => "end",
        RunOutcome::Aborted => "aborted",
        _ => "error",
    };
    ev.agent("lifecycle", json!({ "phase": phase, "sessionKey": req.session_key, "startedAt": started, "endedAt": now_ms() }));
    outcome
}

async fn turn(
    rt: &ChatRuntime,
    config: &Config,
    config_dir: &Path,
    ev: &Events<'_>,
    req: &RunRequest,
    cancel: &CancellationToken,
) -> RunOutcome {
    let store = &rt.store;
    let fail = |msg: String, kind: &'static str, detail: Value| {
        let mut m = obj(json!({ "errorMessage": msg, "errorKind": kind }));
        if !detail.is_null() {
            m.insert("errorDetail".into(), detail);
        }
        ev.chat("error", m);
        RunOutcome::Error(msg)
    };
    let session = match store.ensure(&req.session_key, &req.agent.id).await {
        Ok(s) => s,
        Err(e) => return fail(e.to_string(), "unknown", Value::Null),
    };
    if req.retry {
        // Nothing to append: the message is the transcript's last user message.
    } else if let Err(e) = store
        .append(
            &req.session_key,
            NewEntry {
                kind: EntryKind::Message,
                role: Some("user"),
                run_id: Some(req.run_id.clone()),
                content: vec![Block::Text {
                    text: req.message.clone(),
                }],
                meta: Value::Null,
                status: "complete",
            },
        )
        .await
    {
        return fail(e.to_string(), "unknown", Value::Null);
    }
    let _ = store.set_run_error(&req.session_key, None).await;

    // Model: this run's, the session's, the agent's.
    let model_ref = req
        .model
        .clone()
        .or(session.model.clone())
        .or(req.agent.model.clone());
    let mut fallbacks: std::collections::VecDeque<String> = req
        .agent
        .fallbacks
        .iter()
        .filter(|f| Some(*f) != model_ref.as_ref())
        .cloned()
        .collect();
    let resolved = model_ref
        .ok_or_else(|| ProviderError::Config(format!(
            "no model is configured for agent {}: set agents.defaults.model, e.g. \"anthropic/claude-sonnet-4-5\" (the setup wizard does this)",
            req.agent.id
        )))
        .and_then(|m| {
            let (pid, model) = providers::split_model_ref(&m)?;
            let p = providers::resolve(config, config_dir, rt.secrets.as_ref(), pid, &rt.http)?;
            Ok((p, model.to_owned()))
        });
    let (mut provider, mut model) = match resolved {
        Ok(x) => x,
        Err(e) => {
            let msg = e.to_string();
            record_error(rt, req, &msg, None).await;
            return fail(msg, "unknown", Value::Null);
        }
    };
    if let Err(e) = tokio::fs::create_dir_all(&req.agent.workspace).await {
        let msg = format!(
            "cannot create the workspace {}: {e}",
            req.agent.workspace.display()
        );
        record_error(rt, req, &msg, None).await;
        return fail(msg, "unknown", Value::Null);
    }
    let toolset = tools::select(
        &config.tools.allow,
        &config.tools.deny,
        &req.agent.tools_allow,
        &req.agent.tools_deny,
        config.tools.web.fetch.enabled,
        config.tools.exec.effective_mode() != crate::config::exec::ExecMode::Deny,
    );
    let tool_names: Vec<&str> = toolset.iter().map(|t| t.name).collect();
    let system =
        prompt::system_prompt(&req.agent, &tool_names, req.extra_system_prompt.as_deref()).await;
    let entry = provider.model_entry(&model);
    let window = entry
        .and_then(|e| e.context_window)
        .or(req.agent.context_tokens)
        .unwrap_or(200_000);
    let mut max_tokens = entry.and_then(|e| e.max_tokens).unwrap_or(8192);
    let mut total = Usage::default();

    for step in 0..req.agent.max_steps {
        let (summary, entries) = match store.context(&req.session_key).await {
            Ok(c) => c,
            Err(e) => return fail(e.to_string(), "unknown", Value::Null),
        };
        let mut messages = history::context(summary.as_deref(), &entries);
        let approx: u64 =
            messages.iter().map(|m| m.approx_tokens()).sum::<u64>() + (system.len() / 4) as u64;
        if compact::needed(&req.agent.compaction, approx, window, max_tokens) {
            match compact::compact(
                rt,
                &provider,
                &model,
                &req.session_key,
                &req.agent.compaction,
                "auto-threshold",
                cancel,
            )
            .await
            {
                Ok(Some(_)) => {
                    if let Ok((s, e)) = store.context(&req.session_key).await {
                        messages = history::context(s.as_deref(), &e);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(session = %req.session_key, error = %e, "automatic compaction failed; sending the full context")
                }
            }
        }
        let mut creq = CompletionRequest {
            model: model.clone(),
            system: system.clone(),
            messages,
            tools: tools::specs(&toolset),
            max_tokens,
        };
        let (entry_id, _) = match store
            .append(
                &req.session_key,
                NewEntry {
                    kind: EntryKind::Message,
                    role: Some("assistant"),
                    run_id: Some(req.run_id.clone()),
                    content: vec![],
                    meta: json!({ "provider": provider.id, "model": model, "step": step }),
                    status: "streaming",
                },
            )
            .await
        {
            Ok(x) => x,
            Err(e) => return fail(e.to_string(), "unknown", Value::Null),
        };
        let call_started = Instant::now();
        let result = loop {
            let r = stream_step(rt, &provider, &creq, cancel, ev, &entry_id).await;
            // Nothing streamed yet: the next configured model may still answer this step, and
            // the rest of the run stays on it.
            let Err((e, partial)) = &r else { break r };
            if !partial.is_empty() || !super::fallback::falls_back(e) {
                break r;
            }
            let Some((p, m)) = super::fallback::next_fallback(
                &mut fallbacks,
                config,
                config_dir,
                rt,
                ev,
                &provider.id,
                &model,
                e,
            ) else {
                break r;
            };
            provider = p;
            model = m;
            max_tokens = provider
                .model_entry(&model)
                .and_then(|e| e.max_tokens)
                .unwrap_or(8192);
            creq.model = model.clone();
            creq.max_tokens = max_tokens;
        };
        let mut meta = json!({ "provider": provider.id, "model": model, "step": step, "durationMs": call_started.elapsed().as_millis() as u64 });
        match result {
            Err((e, partial)) => {
                let status = if matches!(e, ProviderError::Cancelled) {
                    "aborted"
                } else {
                    "error"
                };
                if status == "error" {
                    crate::json::set_field(&mut meta, "errorMessage", json!(e.to_string()));
                }
                let content = if partial.is_empty() {
                    vec![]
                } else {
                    vec![Block::Text { text: partial }]
                };
                let _ = store.update_entry(&entry_id, &content, status, &meta).await;
                if matches!(e, ProviderError::Cancelled) {
                    let message = history::message_json(&entry_for(
                        &entry_id,
                        &content,
                        status,
                        &meta,
                        &req.run_id,
                    ));
                    ev.chat(
                        "aborted",
                        obj(json!({ "message": message, "stopReason": "aborted" })),
                    );
                    return RunOutcome::Aborted;
                }
                let msg = e.to_string();
                rt.metrics.provider_failed(&provider.id, e.kind());
                let _ = store.set_run_error(&req.session_key, Some(&msg)).await;
                let detail = json!({ "provider": provider.id, "model": model, "providerErrorType": e.kind() });
                return fail(msg, error_kind(&e), detail);
            }
            Ok(Completion {
                content,
                usage,
                stop,
            }) => {
                total.add(usage);
                rt.metrics.provider_answered(
                    &provider.id,
                    [
                        ("input", usage.input),
                        ("output", usage.output),
                        ("cache_read", usage.cache_read),
                        ("cache_write", usage.cache_write),
                    ],
                );
                let c = cost(&provider, &model, usage);
                let context_size = usage.input + usage.cache_read + usage.cache_write;
                let _ = store
                    .add_usage(&req.session_key, usage, c, context_size)
                    .await;
                let stop_str = match &stop {
                    StopReason::EndTurn => "stop",
                    StopReason::ToolUse => "toolUse",
                    StopReason::MaxTokens => "length",
                    StopReason::Other(_) => "stop",
                };
                let mut usage_json = json!({ "input": usage.input, "output": usage.output, "cacheRead": usage.cache_read, "cacheWrite": usage.cache_write, "totalTokens": usage.input + usage.output });
                if let Some(split) = cost_breakdown(&provider, &model, usage) {
                    crate::json::set_field(&mut usage_json, "cost", split);
                }
                crate::json::set_field(&mut meta, "usage", usage_json);
                crate::json::set_field(&mut meta, "costUsd", json!(c));
                crate::json::set_field(&mut meta, "stopReason", json!(stop_str));
                let _ = store
                    .update_entry(&entry_id, &content, "complete", &meta)
                    .await;
                let calls: Vec<(String, String, Value)> = content
                    .iter()
                    .filter_map(|b| match b {
                        Block::ToolUse { id, name, input } => {
                            Some((id.clone(), name.clone(), input.clone()))
                        }
                        _ => None,
                    })
                    .collect();
                if calls.is_empty() {
                    let message = history::message_json(&entry_for(
                        &entry_id,
                        &content,
                        "complete",
                        &meta,
                        &req.run_id,
                    ));
                    ev.chat("final", obj(json!({
                        "message": message,
                        "usage": { "input": total.input, "output": total.output, "cacheRead": total.cache_read, "cacheWrite": total.cache_write },
                        "stopReason": stop_str,
                    })));
                    return RunOutcome::Ok;
                }
                for (id, name, input) in calls {
                    if cancel.is_cancelled() {
                        break;
                    }
                    super::tool_call::run_tool(
                        rt, &toolset, req, config, ev, &id, &name, input, cancel,
                    )
                    .await;
                }
                if cancel.is_cancelled() {
                    ev.chat("aborted", obj(json!({ "stopReason": "aborted" })));
                    return RunOutcome::Aborted;
                }
            }
        }
    }
    let msg = format!(
        "stopped after {} model calls without a final answer (agents.defaults.maxSteps)",
        req.agent.max_steps
    );
    let _ = store.set_run_error(&req.session_key, Some(&msg)).await;
    fail(msg, "unknown", Value::Null)
}

fn entry_for(
    id: &str,
    content: &[Block],
    status: &str,
    meta: &Value,
    run_id: &str,
) -> crate::sessions::Entry {
    crate::sessions::Entry {
        id: id.to_owned(),
        seq: 0,
        kind: EntryKind::Message,
        role: Some("assistant".into()),
        run_id: Some(run_id.to_owned()),
        content: content.to_vec(),
        meta: meta.clone(),
        status: status.to_owned(),
        created_at: i64::try_from(now_ms()).unwrap_or(0),
    }
}

async fn record_error(rt: &ChatRuntime, req: &RunRequest, msg: &str, _entry: Option<&str>) {
    let _ = rt
        .store
        .append(
            &req.session_key,
            NewEntry {
                kind: EntryKind::Message,
                role: Some("assistant"),
                run_id: Some(req.run_id.clone()),
                content: vec![],
                meta: json!({ "errorMessage": msg }),
                status: "error",
            },
        )
        .await;
    let _ = rt.store.set_run_error(&req.session_key, Some(msg)).await;
}

/// How often the reply being streamed is written to the store.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Deltas arriving within this window after the last `chat` delta event go out together.
const DELTA_EVERY: Duration = Duration::from_millis(25);

/// Streams one model call, forwarding text deltas as `chat` delta events and flushing the
/// partial reply. On failure returns the error and the text streamed so far.
async fn stream_step(
    rt: &ChatRuntime,
    provider: &Provider,
    creq: &CompletionRequest,
    cancel: &CancellationToken,
    ev: &Events<'_>,
    entry_id: &str,
) -> Result<Completion, (ProviderError, String)> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut on_text = move |t: &str| {
        let _ = tx.send(t.to_owned());
    };
    let call = provider.stream(creq, cancel, &mut on_text);
    tokio::pin!(call);
    let mut text = String::new();
    let mut last_flush = Instant::now();
    let mut dirty = false;
    // Deltas are coalesced: the first goes out at once, later ones at most every DELTA_EVERY.
    // A provider that bursts thousands of tiny deltas (a local model, a stalled connection
    // catching up) then costs a few events, not thousands, and no client falls behind.
    let mut pending = String::new();
    let mut last_emit: Option<Instant> = None;
    let result = loop {
        let flush_at = tokio::time::Instant::from_std(last_flush + FLUSH_EVERY);
        let emit_at = tokio::time::Instant::from_std(
            last_emit
                .map(|t| t + DELTA_EVERY)
                .unwrap_or_else(Instant::now),
        );
        tokio::select! {
            biased;
            r = &mut call => break r,
            Some(delta) = rx.recv() => {
                text.push_str(&delta);
                pending.push_str(&delta);
                dirty = true;
                if last_emit.is_none() {
                    ev.chat("delta", obj(json!({ "deltaText": std::mem::take(&mut pending) })));
                    last_emit = Some(Instant::now());
                }
            }
            () = tokio::time::sleep_until(emit_at), if !pending.is_empty() => {
                ev.chat("delta", obj(json!({ "deltaText": std::mem::take(&mut pending) })));
                last_emit = Some(Instant::now());
            }
            // The partial reply reaches the store within FLUSH_EVERY of arriving, so a crash
            // loses at most that much.
            () = tokio::time::sleep_until(flush_at), if dirty => {
                let _ = rt.store.update_entry(entry_id, &[Block::Text { text: text.clone() }], "streaming", &Value::Null).await;
                last_flush = Instant::now();
                dirty = false;
            }
        }
    };
    // Deltas sent just before the call returned.
    while let Ok(delta) = rx.try_recv() {
        text.push_str(&delta);
        pending.push_str(&delta);
    }
    if !pending.is_empty() {
        ev.chat("delta", obj(json!({ "deltaText": pending })));
    }
    result.map_err(|e| (e, text))
}
