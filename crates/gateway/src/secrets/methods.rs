//! The secrets store's methods: `secrets.store.list|set|delete` and `secrets.reload`.

use crate::rpc::{CallCtx, invalid_params, parse_params};
use crate::state::{Methods, Shared};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use tidepool_protocol::config::{
    SecretKind, SecretsStoreSet, SecretsStoreSetParams, SecretsStoreSetResult,
};
use tidepool_protocol::contract::Method;
use tidepool_protocol::{ErrorCode, ErrorShape, Scope};
use tidepool_secrets::Kind;
/// Registers `secrets.store.list|set|delete` and `secrets.reload`.
pub fn register(r: &mut Methods) {
    r.add("secrets.store.list", Scope::Admin, list);
    r.method::<SecretsStoreSet, _, _>(set);
    r.add("secrets.store.delete", Scope::Admin, delete);
    r.add("secrets.reload", Scope::Admin, reload);
}

fn unavailable(e: String) -> ErrorShape {
    ErrorShape::new(ErrorCode::Unavailable, e)
}

async fn blocking<T: Send + 'static, E: std::fmt::Display + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("the secrets store failed: {e}"))?
        .map_err(|e| e.to_string())
}

async fn list(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let _: serde::de::IgnoredAny = parse_params("secrets.store.list", p)?;
    let secrets = s.chat.secrets.clone();
    let (backend, entries) = blocking(move || secrets.list())
        .await
        .map_err(unavailable)?;
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|(m, value)| {
            let mut e = json!({
                "name": m.name, "scopeKind": "team", "scopeId": "",
                "createdAtMs": m.created_at_ms, "updatedAtMs": m.updated_at_ms,
                "kind": m.kind,
            });
            if let (Some(v), Some(o)) = (value, e.as_object_mut()) {
                o.insert("value".into(), json!(v));
            }
            e
        })
        .collect();
    tracing::debug!(backend, count = entries.len(), "secrets listed");
    Ok(json!({ "entries": entries }))
}

async fn set(
    s: Arc<Shared>,
    _c: CallCtx,
    p: SecretsStoreSetParams,
) -> Result<SecretsStoreSetResult, ErrorShape> {
    const M: &str = SecretsStoreSet::NAME;
    let kind = match p.kind {
        SecretKind::Secret => Kind::Secret,
        SecretKind::Env => Kind::Env,
    };
    if p.allowed_hosts.is_some_and(|h| !h.is_empty()) {
        return Err(invalid_params(
            M,
            "allowedHosts is not supported by Tidepool yet: a stored secret goes wherever the config sends it",
        ));
    }
    tidepool_secrets::check_name(&p.name).map_err(|e| invalid_params(M, e.to_string()))?;
    let secrets = s.chat.secrets.clone();
    blocking(move || secrets.set(&p.name, &p.value, kind))
        .await
        .map_err(|e| invalid_params(M, e))?;
    Ok(SecretsStoreSetResult {
        ok: true,
        reloaded: true,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameParams {
    name: String,
}

async fn delete(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    const M: &str = "secrets.store.delete";
    let p: NameParams = parse_params(M, p)?;
    tidepool_secrets::check_name(&p.name).map_err(|e| invalid_params(M, e.to_string()))?;
    let secrets = s.chat.secrets.clone();
    let name = p.name.clone();
    let existed = blocking(move || secrets.delete(&name))
        .await
        .map_err(unavailable)?;
    if !existed {
        return Err(ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!("the secrets store has no {:?}", p.name),
        ));
    }
    Ok(json!({ "ok": true, "reloaded": true }))
}

async fn reload(s: Arc<Shared>, _c: CallCtx, p: Value) -> Result<Value, ErrorShape> {
    let _: serde::de::IgnoredAny = parse_params("secrets.reload", p)?;
    let secrets = s.chat.secrets.clone();
    let count = blocking(move || secrets.reload())
        .await
        .map_err(unavailable)?;
    Ok(json!({ "ok": true, "count": count }))
}
