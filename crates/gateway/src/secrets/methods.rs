//! The secrets store's methods: `secrets.store.list|set|delete` and `secrets.reload`.

use crate::rpc::{CallCtx, invalid_params};
use crate::state::{Methods, Shared};
use std::sync::Arc;
use tidepool_protocol::config::{
    SecretEntry, SecretKind, SecretNameParams, SecretsReload, SecretsReloadResult,
    SecretsStoreDelete, SecretsStoreList, SecretsStoreListResult, SecretsStoreSet,
    SecretsStoreSetParams, SecretsStoreSetResult,
};
use tidepool_protocol::contract::{Method, NoParams};
use tidepool_protocol::{ErrorCode, ErrorShape};
use tidepool_secrets::Kind;
/// Registers `secrets.store.list|set|delete` and `secrets.reload`.
pub fn register(r: &mut Methods) {
    r.method::<SecretsStoreList, _, _>(list);
    r.method::<SecretsStoreSet, _, _>(set);
    r.method::<SecretsStoreDelete, _, _>(delete);
    r.method::<SecretsReload, _, _>(reload);
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

async fn list(
    s: Arc<Shared>,
    _c: CallCtx,
    _p: NoParams,
) -> Result<SecretsStoreListResult, ErrorShape> {
    let secrets = s.chat.secrets.clone();
    let (backend, entries) = blocking(move || secrets.list())
        .await
        .map_err(unavailable)?;
    let entries: Vec<SecretEntry> = entries
        .into_iter()
        .map(|(m, value)| SecretEntry {
            name: m.name,
            scope_kind: "team".into(),
            scope_id: String::new(),
            created_at_ms: m.created_at_ms,
            updated_at_ms: m.updated_at_ms,
            kind: match m.kind {
                Kind::Secret => SecretKind::Secret,
                Kind::Env => SecretKind::Env,
            },
            value,
        })
        .collect();
    tracing::debug!(backend, count = entries.len(), "secrets listed");
    Ok(SecretsStoreListResult { entries })
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

async fn delete(
    s: Arc<Shared>,
    _c: CallCtx,
    p: SecretNameParams,
) -> Result<SecretsStoreSetResult, ErrorShape> {
    const M: &str = SecretsStoreDelete::NAME;
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
    Ok(SecretsStoreSetResult {
        ok: true,
        reloaded: true,
    })
}

async fn reload(
    s: Arc<Shared>,
    _c: CallCtx,
    _p: NoParams,
) -> Result<SecretsReloadResult, ErrorShape> {
    let secrets = s.chat.secrets.clone();
    let count = blocking(move || secrets.reload())
        .await
        .map_err(unavailable)?;
    Ok(SecretsReloadResult {
        ok: true,
        count: count as u64,
    })
}
