//! `sessions.list|get|preview|create|reset|patch|delete|compact|export`.

use super::{ListFilter, SessionRow, StoreError, export};
use crate::chat::{compact, history};
use crate::providers;
use crate::rpc::unavailable;
use crate::rpc::{CallCtx, invalid_params, parse_params};
use crate::state::Methods;
use crate::state::Shared;
use serde_json::{Value, json};
use std::sync::Arc;
use tidepool_protocol::chat::{
    SessionKeyParams, SessionsCreateParams, SessionsExportParams, SessionsListParams,
    SessionsPatchParams, SessionsPreviewParams, events, names,
};
use tidepool_protocol::runs;
use tidepool_protocol::{ErrorCode, ErrorShape};
use tokio_util::sync::CancellationToken;

/// Registers the session methods. Resetting, deleting and compacting need admin, as in
/// OpenClaw.
pub fn register(r: &mut Methods) {
    use tidepool_protocol::sessions as c;
    r.method_raw::<c::SessionsList, _, _>(list);
    r.method_raw::<runs::SessionsGet, _, _>(get);
    r.method_raw::<runs::SessionsPreview, _, _>(preview);
    r.method_raw::<c::SessionsCreate, _, _>(create);
    r.method_raw::<c::SessionsPatch, _, _>(patch);
    r.method_raw::<c::SessionsReset, _, _>(reset);
    r.method_raw::<c::SessionsDelete, _, _>(delete);
    r.method_raw::<c::SessionsCompact, _, _>(compact_method);
    r.method_raw::<c::SessionsExport, _, _>(export_method);
    super::usage_methods::register(r);
}

/// A session as a `SessionRow`.
pub fn row_json(r: &SessionRow) -> Value {
    let (provider, model) = match r.model.as_deref().map(providers::split_model_ref) {
        Some(Ok((p, m))) => (Some(p), Some(m)),
        _ => (None, None),
    };
    let name = r.key.rsplit(':').next().unwrap_or(&r.key);
    let mut v = json!({
        "key": r.key,
        "kind": "direct",
        "sessionId": r.session_id,
        "agentId": r.agent_id,
        "label": r.label,
        "displayName": r.label.clone().or(r.title.clone()).unwrap_or_else(|| name.to_owned()),
        "derivedTitle": r.title,
        "lastMessagePreview": r.last_preview,
        "isMain": name == super::MAIN,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at,
        "inputTokens": r.input_tokens,
        "outputTokens": r.output_tokens,
        "totalTokens": r.input_tokens + r.output_tokens,
        "contextTokens": r.context_tokens,
        "estimatedCostUsd": r.cost_usd,
        "messageCount": r.message_count,
        "model": model,
        "modelProvider": provider,
        "lastRunError": r.last_run_error,
    });
    // SessionRow's optional fields are typed; absent is allowed, null is not.
    if let Some(o) = v.as_object_mut() {
        o.retain(|_, val| !val.is_null());
    }
    v
}

fn store_error(e: StoreError) -> ErrorShape {
    match e {
        StoreError::NotFound(_) | StoreError::Exists(_) => {
            ErrorShape::new(ErrorCode::InvalidRequest, e.to_string())
        }
        other => unavailable(other),
    }
}

async fn list(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionsListParams = parse_params(names::SESSIONS_LIST, p)?;
    let limit = p.limit.unwrap_or(50).clamp(1, 1000);
    let offset = p.offset.unwrap_or(0).max(0);
    let (rows, total) = s
        .chat
        .store
        .list(&ListFilter {
            agent_id: p.agent_id,
            search: p.search,
            limit,
            offset,
        })
        .await
        .map_err(store_error)?;
    let sessions: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = row_json(r);
            if s.chat.running_in(&r.key).is_some() {
                crate::json::set_field(&mut v, "status", json!("running"));
            }
            v
        })
        .collect();
    Ok(json!({ "sessions": sessions, "total": total, "limit": limit, "offset": offset }))
}

async fn get(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionKeyParams = parse_params(names::SESSIONS_GET, p)?;
    let key = s.key_of(names::SESSIONS_GET, &p.key, p.agent_id.as_deref())?;
    match s.chat.store.get(&key).await.map_err(store_error)? {
        Some(r) => Ok(json!({ "ok": true, "key": key, "entry": row_json(&r) })),
        None => Err(store_error(StoreError::NotFound(key))),
    }
}

async fn preview(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionsPreviewParams = parse_params(names::SESSIONS_PREVIEW, p)?;
    if p.keys.is_empty() || p.keys.len() > 100 {
        return Err(invalid_params(
            names::SESSIONS_PREVIEW,
            "keys must list 1 to 100 sessions",
        ));
    }
    let limit = p.limit.unwrap_or(5).clamp(1, 50);
    let max_chars = p.max_chars.unwrap_or(240).max(20);
    let mut previews = Vec::new();
    for k in &p.keys {
        let key = s.key_of(names::SESSIONS_PREVIEW, k, None)?;
        let entries = s
            .chat
            .store
            .history(&key, limit)
            .await
            .map_err(store_error)?;
        let items: Vec<Value> = entries
            .iter()
            .map(|e| history::message_json_cut(e, Some(max_chars)))
            .collect();
        previews.push(json!({ "key": key, "items": items }));
    }
    Ok(json!({ "previews": previews }))
}

async fn create(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionsCreateParams = parse_params(names::SESSIONS_CREATE, p)?;
    let config = s.current_config();
    let raw_key = p.key.clone().unwrap_or_else(|| {
        format!(
            "chat-{}",
            ulid::Ulid::new().to_string().to_ascii_lowercase()
        )
    });
    let (agent, key) = s.pick_agent(
        &config,
        names::SESSIONS_CREATE,
        p.agent_id.as_deref(),
        Some(&raw_key),
    )?;
    let key = key.unwrap_or_default();
    if let Some(m) = &p.model {
        providers::split_model_ref(m).map_err(|e| invalid_params(names::SESSIONS_CREATE, e))?;
    }
    let label = p.label.as_deref().map(str::trim).filter(|l| !l.is_empty());
    let row = s
        .chat
        .store
        .create(&key, &agent.id, label, p.model.as_deref())
        .await
        .map_err(store_error)?;
    s.broadcast(
        events::SESSIONS_CHANGED,
        json!({ "key": key, "reason": "create" }),
    );
    Ok(json!({ "ok": true, "key": key, "sessionId": row.session_id, "entry": row_json(&row) }))
}

async fn patch(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionsPatchParams = parse_params(names::SESSIONS_PATCH, p)?;
    let key = s.key_of(names::SESSIONS_PATCH, &p.key, None)?;
    if let Some(Some(m)) = &p.model {
        providers::split_model_ref(m).map_err(|e| invalid_params(names::SESSIONS_PATCH, e))?;
    }
    if let Some(Some(l)) = &p.label
        && l.chars().count() > 512
    {
        return Err(invalid_params(
            names::SESSIONS_PATCH,
            "label is longer than 512 characters",
        ));
    }
    let row = s
        .chat
        .store
        .patch(
            &key,
            p.label.as_ref().map(|l| l.as_deref()),
            p.model.as_ref().map(|m| m.as_deref()),
        )
        .await
        .map_err(store_error)?;
    s.broadcast(
        events::SESSIONS_CHANGED,
        json!({ "key": key, "reason": "patch" }),
    );
    Ok(json!({ "ok": true, "key": key, "entry": row_json(&row) }))
}

fn refuse_if_running(s: &Shared, key: &str, what: &str) -> Result<(), ErrorShape> {
    match s.chat.running_in(key) {
        Some(run) => Err(ErrorShape::new(
            ErrorCode::Unavailable,
            format!(
                "cannot {what} {key} while a reply is being written (run {run}); stop it first"
            ),
        )
        .retry_after(None)),
        None => Ok(()),
    }
}

async fn reset(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionKeyParams = parse_params(names::SESSIONS_RESET, p)?;
    let key = s.key_of(names::SESSIONS_RESET, &p.key, p.agent_id.as_deref())?;
    refuse_if_running(&s, &key, "reset")?;
    let row = s.chat.store.reset(&key).await.map_err(store_error)?;
    s.broadcast(
        events::SESSIONS_CHANGED,
        json!({ "key": key, "reason": "reset" }),
    );
    Ok(json!({ "ok": true, "key": key, "sessionId": row.session_id, "entry": row_json(&row) }))
}

async fn delete(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionKeyParams = parse_params(names::SESSIONS_DELETE, p)?;
    let key = s.key_of(names::SESSIONS_DELETE, &p.key, p.agent_id.as_deref())?;
    refuse_if_running(&s, &key, "delete")?;
    let deleted = s.chat.store.delete(&key).await.map_err(store_error)?;
    if deleted {
        s.broadcast(
            events::SESSIONS_CHANGED,
            json!({ "key": key, "reason": "delete" }),
        );
    }
    Ok(json!({ "ok": true, "key": key, "deleted": deleted, "archived": [] }))
}

async fn compact_method(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionKeyParams = parse_params(names::SESSIONS_COMPACT, p)?;
    let config = s.current_config();
    let (agent, key) = s.pick_agent(
        &config,
        names::SESSIONS_COMPACT,
        p.agent_id.as_deref(),
        Some(&p.key),
    )?;
    let key = key.unwrap_or_default();
    refuse_if_running(&s, &key, "compact")?;
    let row = s
        .chat
        .store
        .get(&key)
        .await
        .map_err(store_error)?
        .ok_or_else(|| store_error(StoreError::NotFound(key.clone())))?;
    let model_ref = row.model.clone().or(agent.model.clone()).ok_or_else(|| {
        invalid_params(
            names::SESSIONS_COMPACT,
            "no model is configured to write the summary (agents.defaults.model)",
        )
    })?;
    let fail = |e: providers::ProviderError| {
        ErrorShape::new(ErrorCode::Unavailable, format!("compaction failed: {e}"))
    };
    let (pid, model) = providers::split_model_ref(&model_ref).map_err(fail)?;
    let provider = providers::resolve(
        &config,
        &s.config_dir(),
        s.chat.secrets.as_ref(),
        pid,
        &s.chat.http,
    )
    .map_err(fail)?;
    let cancel = CancellationToken::new();
    let stop = s.shutdown.clone();
    let done = tokio::select! {
        r = compact::compact(&s.chat, &provider, model, &key, &agent.compaction, "manual", &cancel) => r.map_err(fail)?,
        () = stop.cancelled() => { cancel.cancel(); return Err(ErrorShape::new(ErrorCode::Unavailable, "the gateway is shutting down").retry_after(None)); }
    };
    s.broadcast(
        events::SESSIONS_CHANGED,
        json!({ "key": key, "reason": "compact" }),
    );
    Ok(match done {
        Some(c) => json!({ "ok": true, "key": key, "compacted": true, "result": c }),
        None => {
            json!({ "ok": true, "key": key, "compacted": false, "reason": "too little history to summarize" })
        }
    })
}

async fn export_method(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let p: SessionsExportParams = parse_params(names::SESSIONS_EXPORT, p)?;
    let key = s.key_of(names::SESSIONS_EXPORT, &p.key, None)?;
    let row = s
        .chat
        .store
        .get(&key)
        .await
        .map_err(store_error)?
        .ok_or_else(|| store_error(StoreError::NotFound(key.clone())))?;
    let entries = s.chat.store.history(&key, 0).await.map_err(store_error)?;
    let format = p.format.as_deref().unwrap_or("markdown");
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let (content, file_name) = match format {
        "markdown" | "md" => (export::to_markdown(&row, &entries), format!("{safe}.md")),
        "jsonl" => (export::to_jsonl(&row, &entries), format!("{safe}.jsonl")),
        other => {
            return Err(invalid_params(
                names::SESSIONS_EXPORT,
                format!("format \"{other}\" is not one of markdown, jsonl"),
            ));
        }
    };
    Ok(json!({ "key": key, "format": format, "fileName": file_name, "content": content }))
}
