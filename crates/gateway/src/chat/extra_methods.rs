//! `chat.inject`, `chat.message.get`, `chat.metadata` and `chat.startup`: the chat view's
//! reads, and notes written into a transcript without running the model.

use super::methods::chat_history;
use super::{AgentSpec, history};
use crate::agents::target;
use crate::config::Config;
use crate::providers::{self, Block};
use crate::rpc::unavailable;
use crate::rpc::{CallCtx, invalid_params, parse_params};
use crate::sessions::{EntryKind, NewEntry};
use crate::state::Methods;
use crate::state::Shared;
use serde_json::{Value, json};
use std::sync::Arc;
use tidepool_protocol::chat::{
    ChatInjectParams, ChatMessageGetParams, ChatMetadataParams, ChatStartupParams, events, names,
};
use tidepool_protocol::runs::{
    self, AccountSelection, ChatInjectResult, ChatMetadataResult, ChatModelOption, ThinkingLevel,
};
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Registers the methods (scopes as in OpenClaw: injecting needs admin, reading read).
pub fn register(r: &mut Methods) {
    r.method::<runs::ChatInject, _, _>(chat_inject);
    // The message is `chat.history`'s (richer than `TranscriptMessage`).
    r.method_raw::<runs::ChatMessageGet, _, _>(chat_message_get);
    r.method::<runs::ChatMetadata, _, _>(chat_metadata);
    // `chat.history`'s whole answer with the metadata and resolution added.
    r.method_raw::<runs::ChatStartup, _, _>(chat_startup);
}

/// Longest `chat.inject` label (OpenClaw's schema).
const MAX_LABEL_CHARS: usize = 100;
/// `chat.message.get` cuts texts to this many characters unless told otherwise (as OpenClaw).
const DEFAULT_MESSAGE_CHARS: usize = 1_000_000;
/// The most `maxChars` may ask for.
const MAX_MESSAGE_CHARS: usize = 2_000_000;

fn required(method: &str, field: &str, v: &str) -> Result<(), ErrorShape> {
    if v.trim().is_empty() {
        return Err(invalid_params(method, format!("{field} must not be empty")));
    }
    Ok(())
}

async fn chat_inject(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ChatInjectParams,
) -> Result<ChatInjectResult, ErrorShape> {
    const M: &str = names::CHAT_INJECT;
    required(M, "sessionKey", &p.session_key)?;
    required(M, "message", &p.message)?;
    let label = p.label.as_deref().map(str::trim).filter(|l| !l.is_empty());
    if let Some(l) = label
        && l.chars().count() > MAX_LABEL_CHARS
    {
        return Err(invalid_params(
            M,
            format!("label is longer than {MAX_LABEL_CHARS} characters"),
        ));
    }
    let config = s.current_config();
    let (agent, key) = target(
        &config,
        &s.paths,
        M,
        p.agent_id.as_deref(),
        Some(&p.session_key),
    )?;
    let key = key.unwrap_or_default();
    let store = &s.chat.store;
    if store.get(&key).await.map_err(unavailable)?.is_none() {
        return Err(ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!(
                "session {key} not found; notes go into an existing session (start one with chat.send or sessions.create)"
            ),
        ));
    }
    // OpenClaw's form: the label in brackets above the text, and provider/model marking the
    // message as a note that is shown but never sent to a model.
    let text = match label {
        Some(l) => format!("[{l}]\n\n{}", p.message),
        None => p.message.clone(),
    };
    let mut meta = json!({
        "provider": "openclaw",
        "model": "gateway-injected",
        "stopReason": "stop",
        "usage": {
            "input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 0,
            "cost": { "input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0 },
        },
    });
    if let Some(l) = label {
        crate::json::set_field(&mut meta, "label", json!(l));
    }
    let (id, _) = store
        .append(
            &key,
            NewEntry {
                kind: EntryKind::Message,
                role: Some("assistant"),
                run_id: None,
                content: vec![Block::Text { text }],
                meta,
                status: "complete",
            },
        )
        .await
        .map_err(unavailable)?;
    if let Some(e) = store.entry(&key, &id).await.map_err(unavailable)? {
        s.broadcast(
            events::CHAT,
            json!({
                "runId": format!("inject-{id}"),
                "sessionKey": key,
                "agentId": agent.id,
                "seq": 0,
                "state": "final",
                "message": history::message_json(&e),
            }),
        );
    }
    s.broadcast(
        events::SESSIONS_CHANGED,
        json!({ "key": key, "reason": "inject" }),
    );
    Ok(ChatInjectResult {
        ok: true,
        message_id: id,
    })
}

async fn chat_message_get(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    const M: &str = names::CHAT_MESSAGE_GET;
    let p: ChatMessageGetParams = parse_params(M, p)?;
    required(M, "sessionKey", &p.session_key)?;
    required(M, "messageId", &p.message_id)?;
    let max_chars = p.max_chars.unwrap_or(DEFAULT_MESSAGE_CHARS);
    if !(1..=MAX_MESSAGE_CHARS).contains(&max_chars) {
        return Err(invalid_params(
            M,
            format!("maxChars must be 1 to {MAX_MESSAGE_CHARS}, got {max_chars}"),
        ));
    }
    let config = s.current_config();
    let (_, key) = target(
        &config,
        &s.paths,
        M,
        p.agent_id.as_deref(),
        Some(&p.session_key),
    )?;
    let key = key.unwrap_or_default();
    let Some(entry) = s
        .chat
        .store
        .entry(&key, p.message_id.trim())
        .await
        .map_err(unavailable)?
    else {
        return Ok(json!({ "ok": false, "unavailableReason": "not_found" }));
    };
    let message = history::message_json_cut(&entry, Some(max_chars));
    // What one frame of this gateway may carry; a smaller maxChars gets a cut copy.
    let size = serde_json::to_vec(&message).map(|v| v.len()).unwrap_or(0);
    if size > config.gateway.max_payload {
        return Ok(json!({ "ok": false, "unavailableReason": "oversized" }));
    }
    Ok(json!({ "ok": true, "message": message }))
}

/// The models a chat with `agent` can use: every configured model entry, and the agent's
/// model and fallbacks where no entry lists them.
fn metadata_models(s: &Shared, config: &Config, agent: &AgentSpec) -> Vec<ChatModelOption> {
    let dir = s.config_dir();
    let available = |pid: &str| {
        providers::resolve(config, &dir, s.chat.secrets.as_ref(), pid, &s.chat.http).is_ok()
    };
    let mut out: Vec<ChatModelOption> = vec![];
    let mut seen: Vec<String> = vec![];
    let mut push =
        |pid: &str, id: &str, name: Option<&str>, window: Option<u64>, reasoning: bool| {
            let full = format!("{pid}/{id}");
            if seen.contains(&full) {
                return;
            }
            out.push(ChatModelOption {
                id: id.to_owned(),
                name: name.unwrap_or(id).to_owned(),
                provider: pid.to_owned(),
                reasoning,
                tags: if agent.model.as_deref() == Some(full.as_str()) {
                    vec!["default".into()]
                } else {
                    vec![]
                },
                // Tidepool runs every model without extended thinking.
                thinking_levels: vec![ThinkingLevel {
                    id: "off".into(),
                    label: "off".into(),
                }],
                thinking_default: "off".into(),
                available: available(pid),
                context_window: window.filter(|w| *w > 0),
            });
            seen.push(full);
        };
    for (pid, p) in &config.models.providers {
        for e in &p.models {
            push(
                pid,
                &e.id,
                e.name.as_deref(),
                e.context_window,
                e.reasoning.unwrap_or(false),
            );
        }
    }
    for m in agent.model.iter().chain(agent.fallbacks.iter()) {
        if let Ok((pid, id)) = providers::split_model_ref(m) {
            push(pid, id, None, None, false);
        }
    }
    out
}

fn metadata(
    s: &Shared,
    config: &Config,
    agent: &AgentSpec,
    for_session: bool,
) -> ChatMetadataResult {
    ChatMetadataResult {
        models: metadata_models(s, config, agent),
        // No slash commands yet (commands.list is empty too).
        commands: vec![],
        swarm_enabled: false,
        // One credential per provider, from the config: nothing to choose between.
        account_selection: AccountSelection {
            kind: "automatic".into(),
            label: "Automatic account selection".into(),
        },
        runtime_selection_locked: for_session.then_some(false),
    }
}

/// [`metadata`] as it goes into `chat.startup`'s answer.
fn metadata_json(s: &Shared, config: &Config, agent: &AgentSpec) -> Result<Value, ErrorShape> {
    serde_json::to_value(metadata(s, config, agent, true)).map_err(unavailable)
}

async fn chat_metadata(
    s: Arc<Shared>,
    _c: CallCtx,
    p: ChatMetadataParams,
) -> Result<ChatMetadataResult, ErrorShape> {
    const M: &str = names::CHAT_METADATA;
    let config = s.current_config();
    let (agent, key) = target(
        &config,
        &s.paths,
        M,
        p.agent_id.as_deref(),
        p.session_key.as_deref(),
    )?;
    Ok(metadata(&s, &config, &agent, key.is_some()))
}

/// A session key's trailing UUID as lowercase hex without dashes (`agent:main:chat:<uuid>`).
fn trailing_uuid_hex(key: &str) -> Option<String> {
    let tail = key.get(key.len().checked_sub(36)?..)?;
    let groups: Vec<&str> = tail.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| tail.replace('-', "").to_ascii_lowercase())
}

async fn chat_startup(s: Arc<Shared>, c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    const M: &str = names::CHAT_STARTUP;
    let p: ChatStartupParams = parse_params(M, p)?;
    let history_params = |key: &str, agent: Option<&str>| {
        let mut h = json!({ "sessionKey": key });
        if let Some(a) = agent {
            crate::json::set_field(&mut h, "agentId", json!(a));
        }
        if let Some(l) = p.limit {
            crate::json::set_field(&mut h, "limit", json!(l));
        }
        if let Some(m) = p.max_chars {
            crate::json::set_field(&mut h, "maxChars", json!(m));
        }
        h
    };
    let config = s.current_config();
    match (p.session_key.as_deref(), p.short_id.as_deref()) {
        (Some(key), None) => {
            let (agent, _) = target(&config, &s.paths, M, p.agent_id.as_deref(), Some(key))?;
            let mut out =
                chat_history(s.clone(), c, history_params(key, p.agent_id.as_deref())).await?;
            crate::json::set_field(&mut out, "metadata", metadata_json(&s, &config, &agent)?);
            Ok(out)
        }
        (None, Some(short)) => {
            let short = short.trim().to_ascii_lowercase();
            if !(8..=32).contains(&short.len()) || !short.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid_params(
                    M,
                    "shortId must be 8-32 hexadecimal characters (the start of the UUID a session key ends with)",
                ));
            }
            let Some(agent_id) = p.agent_id.as_deref().filter(|a| !a.trim().is_empty()) else {
                return Err(invalid_params(M, "agentId is required with shortId"));
            };
            let agent = crate::agents::find(&config, &s.paths, agent_id)?;
            let (rows, _) = s
                .chat
                .store
                .list(&crate::sessions::ListFilter {
                    agent_id: Some(agent.id.clone()),
                    search: None,
                    limit: i64::MAX,
                    offset: 0,
                })
                .await
                .map_err(unavailable)?;
            let candidates: Vec<Value> = rows
                .iter()
                .filter(|r| trailing_uuid_hex(&r.key).is_some_and(|h| h.starts_with(&short)))
                .map(|r| {
                    let row = crate::sessions::methods::row_json(r);
                    json!({ "key": r.key, "agentId": r.agent_id, "displayName": row.get("displayName") })
                })
                .collect();
            match candidates.as_slice() {
                [one] => {
                    let key = one.get("key").and_then(Value::as_str).unwrap_or_default();
                    let mut out = chat_history(s.clone(), c, history_params(key, None)).await?;
                    crate::json::set_field(
                        &mut out,
                        "metadata",
                        metadata_json(&s, &config, &agent)?,
                    );
                    let mut resolution = one.clone();
                    crate::json::set_field(&mut resolution, "ok", json!(true));
                    crate::json::set_field(&mut out, "resolution", resolution);
                    Ok(out)
                }
                [] => Ok(json!({ "resolution": { "ok": false } })),
                many => Ok(json!({ "resolution": {
                    "ok": false,
                    "candidates": many.iter().take(10).collect::<Vec<_>>(),
                } })),
            }
        }
        (Some(_), Some(_)) => Err(invalid_params(M, "send sessionKey or shortId, not both")),
        (None, None) => Err(invalid_params(
            M,
            "sessionKey is required (or shortId with agentId to look a session up)",
        )),
    }
}
