//! `chat.send`, `chat.abort`, `chat.history`, `agent`, `agent.wait`, `agents.list` and
//! `models.list`.

use super::run::{self, RunRequest};
use super::{AgentSpec, RunOutcome, agents, history};
use crate::providers;
use crate::rpc::unavailable;
use crate::rpc::{CallCtx, invalid_params, parse_params};
use crate::sessions;
use crate::state::Methods;
use crate::state::Shared;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tidepool_protocol::chat::{
    AgentParams, AgentWaitParams, ChatAbortParams, ChatHistoryParams, ChatRetryParams,
    ChatSendParams, events, names,
};
use tidepool_protocol::contract::NoParams;
use tidepool_protocol::runs::{
    self, AgentMeta, AgentModel, AgentPayload, AgentResponse, AgentRunMeta, AgentRunResult,
    AgentSummary, AgentUsage, AgentWaitResult, AgentsListResult,
};
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Registers the chat and agent methods.
pub fn register(r: &mut Methods) {
    use tidepool_protocol::sessions as c;
    r.method_raw::<c::ChatSend, _, _>(chat_send);
    r.method_raw::<c::ChatRetry, _, _>(chat_retry);
    r.method_raw::<c::ChatAbort, _, _>(chat_abort);
    r.method_raw::<c::ChatHistory, _, _>(chat_history);
    r.method::<runs::AgentRun, _, _>(agent);
    r.method::<runs::AgentWait, _, _>(agent_wait);
    r.method::<runs::AgentsList, _, _>(agents_list);
    r.method_raw::<c::ModelsList, _, _>(models_list);
    super::extra_methods::register(r);
}

/// Starts a run in the background; returns its id (or the existing run for a repeated
/// idempotency key).
fn start(
    s: &Arc<Shared>,
    req: RunRequest,
    idempotency_key: &str,
) -> Result<(String, bool), ErrorShape> {
    if let Some(existing) = s.chat.run_for_key(idempotency_key) {
        return Ok((existing, false));
    }
    if s.shutdown.is_cancelled() {
        return Err(
            ErrorShape::new(ErrorCode::Unavailable, "the gateway is shutting down")
                .retry_after(None),
        );
    }
    let cancel = s
        .chat
        .begin(&req.run_id, &req.session_key, idempotency_key)
        .map_err(|m| ErrorShape::new(ErrorCode::Unavailable, m.to_string()).retry_after(None))?;
    let shared = s.clone();
    let run_id = req.run_id.clone();
    s.tasks.spawn(async move {
        let config = shared.current_config();
        let dir = shared.config_dir();
        let key = req.session_key.clone();
        let id = req.run_id.clone();
        let active = shared.chat.metrics.run_started();
        let outcome = run::run(
            shared.chat.clone(),
            config,
            &dir,
            shared.as_ref(),
            req,
            cancel,
        )
        .await;
        drop(active);
        shared.chat.metrics.run_finished(match &outcome {
            RunOutcome::Ok => "ok",
            RunOutcome::Aborted => "aborted",
            RunOutcome::Error(_) => "error",
            RunOutcome::Running => "running",
        });
        shared.chat.end(&id, outcome);
        shared.broadcast(
            events::SESSIONS_CHANGED,
            json!({ "key": key, "reason": "message", "runId": id }),
        );
    });
    Ok((run_id, true))
}

/// `chat.send`'s answer (and `chat.retry`'s): the run, and whether it started now or was
/// already running for this idempotency key.
fn ack(run_id: &str, session_key: &str, started: bool) -> Value {
    json!({
        "runId": run_id,
        "sessionKey": session_key,
        "status": if started { "started" } else { "in_flight" },
    })
}

fn new_run_id() -> String {
    ulid::Ulid::new().to_string().to_ascii_lowercase()
}

/// The agent and normalized session key a turn request names, after checking its
/// idempotency key.
fn turn_target(
    s: &Shared,
    method: &str,
    idempotency_key: &str,
    agent_id: Option<&str>,
    session_key: &str,
) -> Result<(AgentSpec, String), ErrorShape> {
    if idempotency_key.is_empty() {
        return Err(invalid_params(method, "idempotencyKey must not be empty"));
    }
    let config = s.current_config();
    let (agent, key) = s.pick_agent(&config, method, agent_id, Some(session_key))?;
    Ok((agent, key.unwrap_or_default()))
}

/// Starts a turn of `agent` in `session_key` and answers like `chat.send`.
fn launch(
    s: &Arc<Shared>,
    agent: AgentSpec,
    session_key: String,
    message: String,
    retry: bool,
    timeout: Option<Duration>,
    idempotency_key: &str,
) -> Result<Value, ErrorShape> {
    let req = RunRequest {
        run_id: new_run_id(),
        session_key: session_key.clone(),
        agent,
        message,
        retry,
        model: None,
        extra_system_prompt: None,
        timeout,
    };
    let (run_id, started) = start(s, req, idempotency_key)?;
    Ok(ack(&run_id, &session_key, started))
}

async fn chat_send(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: ChatSendParams = parse_params(names::CHAT_SEND, p)?;
    let (agent, key) = turn_target(
        &s,
        names::CHAT_SEND,
        &p.idempotency_key,
        p.agent_id.as_deref(),
        &p.session_key,
    )?;
    if p.message.trim().is_empty() {
        return Err(invalid_params(names::CHAT_SEND, "message is empty"));
    }
    let timeout = p.timeout_ms.map(Duration::from_millis);
    launch(
        &s,
        agent,
        key,
        p.message,
        false,
        timeout,
        &p.idempotency_key,
    )
}

async fn chat_retry(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: ChatRetryParams = parse_params(names::CHAT_RETRY, p)?;
    let (agent, key) = turn_target(
        &s,
        names::CHAT_RETRY,
        &p.idempotency_key,
        p.agent_id.as_deref(),
        &p.session_key,
    )?;
    let message = s
        .chat
        .store
        .last_user_text(&key)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| {
            invalid_params(
                names::CHAT_RETRY,
                format!("session {key} has no message to retry; send one with chat.send"),
            )
        })?;
    launch(&s, agent, key, message, true, None, &p.idempotency_key)
}

async fn chat_abort(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: ChatAbortParams = parse_params(names::CHAT_ABORT, p)?;
    let key = s.key_of(names::CHAT_ABORT, &p.session_key, p.agent_id.as_deref())?;
    let ids = s.chat.abort(&key, p.run_id.as_deref());
    for id in &ids {
        let _ = s.chat.wait(id, Duration::from_secs(5)).await;
    }
    Ok(json!({ "ok": true, "aborted": !ids.is_empty(), "runIds": ids }))
}

pub(super) async fn chat_history(
    s: Arc<Shared>,
    _c: CallCtx,
    p: Value,
) -> Result<Value, ErrorShape> {
    let p: ChatHistoryParams = parse_params(names::CHAT_HISTORY, p)?;
    let key = s.key_of(names::CHAT_HISTORY, &p.session_key, p.agent_id.as_deref())?;
    let limit = p.limit.unwrap_or(200).clamp(1, 10_000);
    let row = s.chat.store.get(&key).await.map_err(unavailable)?;
    let entries = s
        .chat
        .store
        .history(&key, limit)
        .await
        .map_err(unavailable)?;
    let messages: Vec<Value> = entries
        .iter()
        .map(|e| history::message_json_cut(e, p.max_chars))
        .collect();
    Ok(json!({
        "sessionKey": key,
        "sessionId": row.as_ref().map(|r| r.session_id.clone()),
        "messages": messages,
        "running": s.chat.running_in(&key),
        "sessionInfo": row.as_ref().map(super::super::sessions::methods::row_json),
    }))
}

async fn agent(s: Arc<Shared>, c: CallCtx, p: AgentParams) -> Result<AgentResponse, ErrorShape> {
    if p.message.trim().is_empty() {
        return Err(invalid_params(names::AGENT, "message is empty"));
    }
    if p.idempotency_key.is_empty() {
        return Err(invalid_params(
            names::AGENT,
            "idempotencyKey must not be empty",
        ));
    }
    let config = s.current_config();
    let key = p
        .session_key
        .clone()
        .unwrap_or_else(|| sessions::MAIN.to_owned());
    let (agent, key) = s.pick_agent(&config, names::AGENT, p.agent_id.as_deref(), Some(&key))?;
    let session_key = key.unwrap_or_default();
    let agent_id = agent.id.clone();
    let limit =
        Duration::from_secs(p.timeout.unwrap_or(600)).saturating_add(Duration::from_secs(5));
    let (run_id, _) = start(
        &s,
        RunRequest {
            run_id: new_run_id(),
            session_key: session_key.clone(),
            agent,
            message: p.message,
            retry: false,
            model: p.model,
            extra_system_prompt: p.extra_system_prompt,
            timeout: p.timeout.map(Duration::from_secs),
        },
        &p.idempotency_key,
    )?;
    let accepted = AgentResponse {
        run_id: run_id.clone(),
        status: "accepted".into(),
        summary: None,
        session_key: Some(session_key.clone()),
        agent_id: Some(agent_id),
        accepted_at: Some(crate::sysinfo::now_ms()),
        result: None,
    };
    // Like OpenClaw: `accepted` now, the run's result as a second response with the same id
    // (its CLI waits for that one). A JSON-RPC caller gets `accepted` only and uses agent.wait.
    let interim = serde_json::to_value(&accepted).map_err(unavailable)?;
    if !c.accept(interim) {
        return Ok(accepted);
    }
    let started = std::time::Instant::now();
    let outcome = s
        .chat
        .wait(&run_id, limit)
        .await
        .unwrap_or(RunOutcome::Running);
    match outcome {
        RunOutcome::Ok => agent_result(&s, &run_id, &session_key, started.elapsed()).await,
        RunOutcome::Aborted => Ok(ended(run_id, "aborted", "aborted".into())),
        RunOutcome::Error(e) => Err(unavailable(e)),
        RunOutcome::Running => Ok(ended(
            run_id,
            "timeout",
            format!(
                "still running after {} s; follow it with agent.wait",
                limit.as_secs()
            ),
        )),
    }
}

/// A final `agent` response without a result.
fn ended(run_id: String, status: &str, summary: String) -> AgentResponse {
    AgentResponse {
        run_id,
        status: status.into(),
        summary: Some(summary),
        session_key: None,
        agent_id: None,
        accepted_at: None,
        result: None,
    }
}

/// The final `agent` response: the run's reply text and what it cost, in OpenClaw's shape.
async fn agent_result(
    s: &Shared,
    run_id: &str,
    session_key: &str,
    took: Duration,
) -> Result<AgentResponse, ErrorShape> {
    let entries = s
        .chat
        .store
        .history(session_key, 200)
        .await
        .map_err(unavailable)?;
    let mine: Vec<_> = entries
        .iter()
        .filter(|e| e.run_id.as_deref() == Some(run_id) && e.role.as_deref() == Some("assistant"))
        .collect();
    let text = mine
        .iter()
        .rev()
        .map(|e| providers::types::text_of(&e.content))
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    let sum = |k: &str| -> u64 {
        mine.iter()
            .filter_map(|e| e.meta.get("usage")?.get(k)?.as_u64())
            .sum()
    };
    let (input, output) = (sum("input"), sum("output"));
    let last = mine.last().map(|e| &e.meta);
    let meta_text = |k: &str| last.and_then(|m| m.get(k)?.as_str().map(str::to_owned));
    let row = s.chat.store.get(session_key).await.map_err(unavailable)?;
    Ok(AgentResponse {
        run_id: run_id.to_owned(),
        status: "ok".into(),
        summary: Some("completed".into()),
        session_key: None,
        agent_id: None,
        accepted_at: None,
        result: Some(AgentRunResult {
            payloads: vec![AgentPayload {
                text,
                media_url: None,
            }],
            meta: AgentRunMeta {
                duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
                agent_meta: AgentMeta {
                    session_id: row.map(|r| r.session_id),
                    session_file: session_key.to_owned(),
                    provider: meta_text("provider"),
                    model: meta_text("model"),
                    usage: AgentUsage {
                        input,
                        output,
                        cache_read: sum("cacheRead"),
                        cache_write: sum("cacheWrite"),
                        total: input + output,
                    },
                },
                aborted: false,
            },
        }),
    })
}

async fn agent_wait(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentWaitParams,
) -> Result<AgentWaitResult, ErrorShape> {
    let timeout = Duration::from_millis(p.timeout_ms.unwrap_or(30_000).min(600_000));
    let outcome =
        s.chat.wait(&p.run_id, timeout).await.ok_or_else(|| {
            invalid_params(names::AGENT_WAIT, format!("unknown run {}", p.run_id))
        })?;
    let (status, error) = match outcome {
        RunOutcome::Running => ("timeout", None),
        RunOutcome::Ok => ("ok", None),
        RunOutcome::Aborted => ("aborted", None),
        RunOutcome::Error(e) => ("error", Some(e)),
    };
    Ok(AgentWaitResult {
        run_id: p.run_id,
        status: status.into(),
        error,
    })
}

async fn agents_list(
    s: Arc<Shared>,
    _c: CallCtx,
    _p: NoParams,
) -> Result<AgentsListResult, ErrorShape> {
    let config = s.current_config();
    let list = agents(&config, &s.paths);
    let default = list
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_else(|| "main".into());
    let agents = list
        .iter()
        .map(|a| AgentSummary {
            id: a.id.clone(),
            name: a.name.clone(),
            workspace: a.workspace.display().to_string(),
            model: a.model.as_ref().map(|primary| AgentModel {
                primary: primary.clone(),
                fallbacks: a.fallbacks.clone(),
            }),
        })
        .collect();
    Ok(AgentsListResult {
        default_id: default,
        main_key: sessions::MAIN.to_owned(),
        scope: "per-sender".into(),
        agents,
    })
}

async fn models_list(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct P {
        #[serde(default)]
        agent_id: Option<String>,
        #[serde(default)]
        provider: Option<String>,
        #[serde(flatten)]
        _other: serde_json::Map<String, Value>,
    }
    let p: P = parse_params(names::MODELS_LIST, p)?;
    let config = s.current_config();
    let dir = s.config_dir();
    // Which providers: the one asked for, else every configured one and those the agents use.
    let mut ids: Vec<String> = match &p.provider {
        Some(id) => vec![id.clone()],
        None => config.models.providers.keys().cloned().collect(),
    };
    if p.provider.is_none() {
        for a in agents(&config, &s.paths)
            .iter()
            .filter(|a| p.agent_id.as_ref().is_none_or(|id| *id == a.id))
        {
            for m in a.model.iter().chain(a.fallbacks.iter()) {
                if let Ok((pid, _)) = providers::split_model_ref(m)
                    && !ids.iter().any(|i| i == pid)
                {
                    ids.push(pid.to_owned());
                }
            }
        }
    }
    let asks = ids.iter().map(|id| {
        let config = config.clone();
        let dir = dir.clone();
        let http = s.chat.http.clone();
        let secrets = s.chat.secrets.clone();
        let id = id.clone();
        async move {
            let r = match providers::resolve(&config, &dir, secrets.as_ref(), &id, &http) {
                Ok(p) => tokio::time::timeout(Duration::from_secs(15), p.list_models())
                    .await
                    .unwrap_or_else(|_| {
                        Err(providers::ProviderError::Unreachable {
                            provider: id.clone(),
                            url: p.base_url.clone(),
                            message: "timed out".into(),
                        })
                    }),
                Err(e) => Err(e),
            };
            (id, r)
        }
    });
    let results = futures_util::future::join_all(asks).await;
    let mut models = Vec::new();
    let mut outcomes = Vec::new();
    for (id, r) in results {
        match r {
            Ok(list) => {
                outcomes.push(json!({ "provider": id, "status": "ready" }));
                for m in list {
                    let mut v = json!({ "id": m.id, "name": m.name, "provider": m.provider });
                    if let Some(w) = m.context_window.filter(|w| *w > 0) {
                        crate::json::set_field(&mut v, "contextWindow", json!(w));
                    }
                    models.push(v);
                }
            }
            Err(e) => {
                // ModelsListResult is closed, so the reason goes to the log, not the reply.
                tracing::warn!(provider = %id, error = %e, "models.list: provider did not answer");
                let status = if matches!(e, providers::ProviderError::Auth { .. }) {
                    "auth-rejected"
                } else {
                    "unavailable"
                };
                outcomes.push(json!({ "provider": id, "status": status }));
            }
        }
    }
    Ok(json!({ "models": models, "providerOutcomes": outcomes }))
}
