//! `agents.create|update|delete`, `agents.files.list|get|set`, `agent.identity.get`.
//!
//! `gateway.identity.get` is not served: OpenClaw answers it with the gateway's device
//! identity (an Ed25519 public key it signs relay and pairing requests with). Tidepool has no
//! device key and signs nothing, so a key or id it returned would vouch for nothing; clients
//! see the method missing from `hello-ok` instead.

use super::config_edit::{agent_object, edit_config, entries, remove_agent};
use super::files::{self, FileError};
use super::identity::{self, IDENTITY_FILE};
use super::{default_workspace, entry, find, id_from_name, one_line, target, workspace_path};
use crate::chat::{AgentSpec, agents};
use crate::config::Config;
use crate::paths::StatePaths;
use crate::rpc::{CallCtx, invalid_params};
use crate::sessions::ListFilter;
use crate::state::Methods;
use crate::state::Shared;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tidepool_protocol::agents::{
    AgentIdentityGet, AgentIdentityParams, AgentIdentityResult, AgentsCreate, AgentsCreateParams,
    AgentsCreateResult, AgentsDelete, AgentsDeleteParams, AgentsDeleteResult, AgentsFilesGet,
    AgentsFilesGetParams, AgentsFilesGetResult, AgentsFilesList, AgentsFilesListParams,
    AgentsFilesListResult, AgentsFilesSet, AgentsFilesSetParams, AgentsFilesSetResult,
    AgentsUpdate, AgentsUpdateParams, AgentsUpdateResult, FailedPath, RemovedPath, detail_codes,
    names,
};
use tidepool_protocol::{ErrorCode, ErrorShape};

mod delete;

/// Registers the agent management methods with OpenClaw's scopes.
pub fn register(r: &mut Methods) {
    r.method::<AgentsCreate, _, _>(create);
    r.method::<AgentsUpdate, _, _>(update);
    r.method::<AgentsDelete, _, _>(delete::delete);
    r.method::<AgentsFilesList, _, _>(files_list);
    r.method::<AgentsFilesGet, _, _>(files_get);
    r.method::<AgentsFilesSet, _, _>(files_set);
    r.method::<AgentIdentityGet, _, _>(identity_get);
}

/// Longest display name accepted.
const MAX_NAME_CHARS: usize = 100;

fn io_error(e: impl std::fmt::Display) -> ErrorShape {
    ErrorShape::new(ErrorCode::Unavailable, e.to_string())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ErrorShape> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| io_error(format!("file worker failed: {e}")))
}

fn file_error(method: &str, e: FileError) -> ErrorShape {
    match e {
        FileError::Unsafe(m) => ErrorShape::new(ErrorCode::InvalidRequest, m)
            .with_detail_code(detail_codes::AGENT_FILE_UNSAFE),
        FileError::Conflict {
            ref name,
            ref current,
        } => {
            let mut details = json!({
                "code": detail_codes::AGENT_FILE_CONFLICT,
                "type": "agent_file_conflict",
                "name": name,
            });
            if let Some(h) = current {
                crate::json::set_field(&mut details, "currentHash", json!(h));
            }
            ErrorShape::new(ErrorCode::InvalidRequest, e.to_string()).with_details(details)
        }
        FileError::TooBig(m) | FileError::NotText(m) => invalid_params(method, m),
        FileError::Io(m) => io_error(m),
    }
}

fn file_name(method: &str, name: &str) -> Result<&'static str, ErrorShape> {
    files::check_name(name).map_err(|m| {
        ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!("invalid {method} params: name: {m}"),
        )
        .with_detail_code(detail_codes::AGENT_FILE_NOT_ALLOWED)
    })
}

/// A display name as kept: one line, not empty, not too long.
fn clean_name(method: &str, raw: &str) -> Result<String, ErrorShape> {
    let name = one_line(raw);
    if name.is_empty() {
        return Err(invalid_params(method, "name: must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid_params(
            method,
            format!("name: longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name)
}

fn clean_model(method: &str, raw: &str) -> Result<String, ErrorShape> {
    let m = raw.trim();
    crate::providers::split_model_ref(m)
        .map_err(|e| invalid_params(method, format!("model: {e}")))?;
    Ok(m.to_owned())
}

/// An agent with this id or this name (ignoring case) exists: say which, and what to do.
fn refuse_existing(
    config: &Config,
    paths: &StatePaths,
    id: &str,
    name: &str,
) -> Result<(), ErrorShape> {
    let list = agents(config, paths);
    let same = list
        .iter()
        .find(|a| a.id.eq_ignore_ascii_case(id))
        .map(|a| (a, "id"))
        .or_else(|| {
            list.iter()
                .find(|a| a.name.trim().eq_ignore_ascii_case(name))
                .map(|a| (a, "name"))
        });
    match same {
        None => Ok(()),
        Some((a, what)) => Err(ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!(
                "an agent with the {what} \"{}\" already exists (id {}, name \"{}\"); choose another name, or change that agent with agents.update",
                if what == "id" { id } else { name },
                a.id,
                a.name
            ),
        )
        .with_details(json!({ "code": detail_codes::AGENT_EXISTS, "agentId": a.id }))),
    }
}

/// Updates the identity lines of the workspace's `IDENTITY.md` (created when absent).
fn write_identity(workspace: &Path, fields: &[(&str, Option<&str>)]) -> Result<(), FileError> {
    let current = files::get(workspace, IDENTITY_FILE)?;
    let merged = identity::merge(current.content.as_deref(), fields);
    files::set(workspace, IDENTITY_FILE, &merged, None).map(|_| ())
}

async fn create(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentsCreateParams,
) -> Result<AgentsCreateResult, ErrorShape> {
    const M: &str = names::AGENTS_CREATE;
    let name = clean_name(M, &p.name)?;
    let id = id_from_name(&name).ok_or_else(|| {
        invalid_params(
            M,
            format!("name: \"{name}\" has no letter a-z or digit to make an id from; use a name with at least one"),
        )
    })?;
    let model = p.model.as_deref().map(|m| clean_model(M, m)).transpose()?;
    let emoji = p.emoji.as_deref().map(one_line).filter(|e| !e.is_empty());
    let avatar = p.avatar.as_deref().map(one_line).filter(|a| !a.is_empty());
    let config = s.current_config();
    refuse_existing(&config, &s.paths, &id, &name)?;
    let workspace = match p.workspace.as_deref() {
        Some(w) => {
            workspace_path(w, &s.paths).map_err(|m| invalid_params(M, format!("workspace: {m}")))?
        }
        None => default_workspace(&s.paths, &id),
    };
    // The folder and its identity first: a config entry never points at nothing.
    let (ws, n, e, a) = (
        workspace.clone(),
        name.clone(),
        emoji.clone(),
        avatar.clone(),
    );
    blocking(move || {
        crate::fsutil::create_private_dir(&ws).map_err(|err| {
            FileError::Io(format!(
                "cannot create the workspace {}: {err}",
                ws.display()
            ))
        })?;
        write_identity(
            &ws,
            &[
                ("Name", Some(n.as_str())),
                ("Emoji", e.as_deref()),
                ("Avatar", a.as_deref()),
            ]
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .collect::<Vec<_>>(),
        )
    })
    .await?
    .map_err(|e| file_error(M, e))?;
    let paths = s.paths.clone();
    let (id2, name2, ws2, model2) = (
        id.clone(),
        name.clone(),
        workspace.display().to_string(),
        model.clone(),
    );
    edit_config(&s, false, move |doc, cfg| {
        refuse_existing(cfg, &paths, &id2, &name2)?;
        let implicit_main = cfg.agents.entries.is_empty() && cfg.agents.list.is_empty();
        let list = entries(doc)?;
        // The first agent added keeps `main` (implicit until now) as the default, with its
        // sessions and workspace.
        if implicit_main {
            list.entry("main").or_insert_with(|| json!({}));
        }
        let mut ident = Map::new();
        ident.insert("name".into(), json!(name2));
        if let Some(e) = &emoji {
            ident.insert("emoji".into(), json!(e));
        }
        if let Some(a) = &avatar {
            ident.insert("avatar".into(), json!(a));
        }
        let mut e = Map::new();
        e.insert("name".into(), json!(name2));
        e.insert("workspace".into(), json!(ws2));
        if let Some(m) = &model2 {
            e.insert("model".into(), json!(m));
        }
        e.insert("identity".into(), Value::Object(ident));
        list.insert(id2.clone(), Value::Object(e));
        Ok(())
    })
    .await?;
    Ok(AgentsCreateResult {
        ok: true,
        agent_id: id,
        name,
        workspace: workspace.display().to_string(),
        model,
    })
}

/// Sets or removes `identity.<key>` in an agent's object (dropping an empty `identity`).
fn set_identity(obj: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    let ident = obj
        .entry("identity")
        .or_insert_with(|| Value::Object(Map::new()));
    if !ident.is_object() {
        *ident = Value::Object(Map::new());
    }
    if let Some(m) = ident.as_object_mut() {
        match value {
            Some(v) => {
                m.insert(key.into(), json!(v));
            }
            None => {
                m.remove(key);
            }
        }
        if m.is_empty() {
            obj.remove("identity");
        }
    }
}

async fn update(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentsUpdateParams,
) -> Result<AgentsUpdateResult, ErrorShape> {
    const M: &str = names::AGENTS_UPDATE;
    let config = s.current_config();
    let agent = find(&config, &s.paths, &p.agent_id)?;
    let name = p.name.as_deref().map(|n| clean_name(M, n)).transpose()?;
    let workspace = p
        .workspace
        .as_deref()
        .map(|w| {
            workspace_path(w, &s.paths).map_err(|m| invalid_params(M, format!("workspace: {m}")))
        })
        .transpose()?;
    let model = match &p.model {
        Some(Some(m)) => Some(Some(clean_model(M, m)?)),
        Some(None) => Some(None),
        None => None,
    };
    // "" clears.
    let emoji = p
        .emoji
        .as_deref()
        .map(|e| Some(one_line(e)).filter(|e| !e.is_empty()));
    let avatar = p
        .avatar
        .as_deref()
        .map(|a| Some(one_line(a)).filter(|a| !a.is_empty()));
    if name.is_none()
        && workspace.is_none()
        && model.is_none()
        && emoji.is_none()
        && avatar.is_none()
    {
        return Ok(AgentsUpdateResult {
            ok: true,
            agent_id: agent.id,
        });
    }
    let ws = workspace.clone().unwrap_or_else(|| agent.workspace.clone());
    let new_ws = workspace.is_some();
    // A new workspace gets the whole identity (as OpenClaw writes it); otherwise only what
    // changes is written.
    let current = entry(&config, &agent.id);
    let kept = |v: Option<String>| {
        if new_ws {
            v.filter(|v| !v.is_empty())
        } else {
            None
        }
    };
    let ident = current
        .as_ref()
        .and_then(|e| e.identity.clone())
        .unwrap_or_default();
    let mut fields: Vec<(&'static str, Option<String>)> = Vec::new();
    let fallback_name = ident
        .name
        .clone()
        .or_else(|| current.as_ref().and_then(|e| e.name.clone()));
    for (label, new, old) in [
        ("Name", name.clone().map(Some), kept(fallback_name)),
        ("Emoji", emoji.clone(), kept(ident.emoji.clone())),
        ("Avatar", avatar.clone(), kept(ident.avatar.clone())),
    ] {
        match (new, old) {
            (Some(v), _) => fields.push((label, v)),
            (None, Some(v)) => fields.push((label, Some(v))),
            (None, None) => {}
        }
    }
    blocking(move || {
        if new_ws {
            crate::fsutil::create_private_dir(&ws).map_err(|err| {
                FileError::Io(format!(
                    "cannot create the workspace {}: {err}",
                    ws.display()
                ))
            })?;
        }
        if fields.is_empty() {
            return Ok(());
        }
        let borrowed: Vec<(&str, Option<&str>)> =
            fields.iter().map(|(l, v)| (*l, v.as_deref())).collect();
        write_identity(&ws, &borrowed)
    })
    .await?
    .map_err(|e| file_error(M, e))?;
    let paths = s.paths.clone();
    let id = agent.id.clone();
    edit_config(&s, false, move |doc, cfg| {
        find(cfg, &paths, &id)?;
        let obj = agent_object(doc, &id)?;
        if let Some(n) = &name {
            obj.insert("name".into(), json!(n));
            set_identity(obj, "name", Some(n));
        }
        if let Some(w) = &workspace {
            obj.insert("workspace".into(), json!(w.display().to_string()));
        }
        match &model {
            Some(None) => {
                obj.remove("model");
            }
            // `{primary, fallbacks}` keeps its fallbacks.
            Some(Some(m)) => match obj.get_mut("model").and_then(Value::as_object_mut) {
                Some(spec) => {
                    spec.insert("primary".into(), json!(m));
                }
                None => {
                    obj.insert("model".into(), json!(m));
                }
            },
            None => {}
        }
        if let Some(e) = &emoji {
            set_identity(obj, "emoji", e.as_deref());
        }
        if let Some(a) = &avatar {
            set_identity(obj, "avatar", a.as_deref());
        }
        Ok(())
    })
    .await?;
    Ok(AgentsUpdateResult {
        ok: true,
        agent_id: agent.id,
    })
}

async fn files_list(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentsFilesListParams,
) -> Result<AgentsFilesListResult, ErrorShape> {
    let agent = find(&s.current_config(), &s.paths, &p.agent_id)?;
    let ws = agent.workspace.clone();
    let list = blocking(move || files::list(&ws)).await?;
    Ok(AgentsFilesListResult {
        agent_id: agent.id,
        workspace: agent.workspace.display().to_string(),
        files: list,
    })
}

async fn files_get(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentsFilesGetParams,
) -> Result<AgentsFilesGetResult, ErrorShape> {
    const M: &str = names::AGENTS_FILES_GET;
    let agent = find(&s.current_config(), &s.paths, &p.agent_id)?;
    let name = file_name(M, &p.name)?;
    let ws = agent.workspace.clone();
    let file = blocking(move || files::get(&ws, name))
        .await?
        .map_err(|e| file_error(M, e))?;
    Ok(AgentsFilesGetResult {
        agent_id: agent.id,
        workspace: agent.workspace.display().to_string(),
        file,
    })
}

async fn files_set(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentsFilesSetParams,
) -> Result<AgentsFilesSetResult, ErrorShape> {
    const M: &str = names::AGENTS_FILES_SET;
    let agent = find(&s.current_config(), &s.paths, &p.agent_id)?;
    let name = file_name(M, &p.name)?;
    let ws = agent.workspace.clone();
    let (content, expected) = (p.content, p.expected_hash);
    let file = blocking(move || files::set(&ws, name, &content, expected.as_deref()))
        .await?
        .map_err(|e| file_error(M, e))?;
    tracing::info!(agent_id = %agent.id, file = name, "workspace file written");
    Ok(AgentsFilesSetResult {
        ok: true,
        agent_id: agent.id,
        workspace: agent.workspace.display().to_string(),
        file,
    })
}

async fn identity_get(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentIdentityParams,
) -> Result<AgentIdentityResult, ErrorShape> {
    const M: &str = names::AGENT_IDENTITY_GET;
    let config = s.current_config();
    let key = p
        .session_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let (agent, _) = target(&config, &s.paths, M, p.agent_id.as_deref(), key)?;
    let e = entry(&config, &agent.id);
    let out = blocking(move || identity::resolve(&agent, e.as_ref())).await?;
    Ok(out)
}
