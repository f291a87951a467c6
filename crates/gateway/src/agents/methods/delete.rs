//! `agents.delete`: the entry out of the config, and with `deleteFiles` its workspace into the
//! state dir's trash and its sessions deleted.

use super::*;

/// The default agent and the last one stay: chat needs an agent to fall back on.
fn refuse_required(list: &[AgentSpec], id: &str) -> Result<(), ErrorShape> {
    let refuse = |m: String| {
        Err(ErrorShape::new(ErrorCode::InvalidRequest, m)
            .with_details(json!({ "code": detail_codes::AGENT_REQUIRED, "agentId": id })))
    };
    if list.len() <= 1 {
        return refuse(format!(
            "agent \"{id}\" is the only agent and cannot be deleted; create another agent first"
        ));
    }
    if list.first().is_some_and(|a| a.id == id) {
        let other = list
            .iter()
            .find(|a| a.id != id)
            .map(|a| a.id.as_str())
            .unwrap_or("other");
        return refuse(format!(
            "agent \"{id}\" is the default agent and cannot be deleted; make another agent the default first (set agents.entries.{other}.default to true), then delete it"
        ));
    }
    Ok(())
}

/// Tidepool's own files in the state dir, never taken for a workspace to throw away.
const KEEP: &[&str] = &["logs", "trash", "skills"];

/// Moves a workspace kept in the state dir to `<state dir>/trash/`; one outside it, shared
/// with another agent, or unreadable is reported and left.
fn trash_workspace(
    root: &Path,
    ws: &Path,
    agent_id: &str,
    others: &[(String, PathBuf)],
) -> Result<RemovedPath, FailedPath> {
    let shown = ws.display().to_string();
    let fail = |reason: String| FailedPath {
        path: shown.clone(),
        reason,
    };
    let real = match ws.canonicalize() {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(RemovedPath {
                path: shown.clone(),
                method: "missing".into(),
            });
        }
        Err(e) => return Err(fail(format!("cannot resolve the folder: {e}"))),
    };
    let root = root
        .canonicalize()
        .map_err(|e| fail(format!("cannot resolve the state dir: {e}")))?;
    let inside = real
        .strip_prefix(&root)
        .ok()
        .and_then(|rel| rel.components().next())
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let Some(first) = inside else {
        return Err(fail(format!(
            "it is outside the state dir {}; Tidepool only removes workspaces it keeps itself, so delete it yourself if you no longer need it",
            root.display()
        )));
    };
    if KEEP.contains(&first.as_str()) || !real.is_dir() {
        return Err(fail(format!(
            "{} is one of Tidepool's own folders or not a folder, not a workspace to remove",
            real.display()
        )));
    }
    for (other, path) in others {
        let p = path.canonicalize().unwrap_or_else(|_| path.clone());
        if p.starts_with(&real) || real.starts_with(&p) {
            return Err(fail(format!("agent \"{other}\" uses it too, so it stays")));
        }
    }
    let trash = root.join("trash");
    crate::fsutil::create_private_dir(&trash)
        .map_err(|e| fail(format!("cannot create {}: {e}", trash.display())))?;
    let base = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workspace".into());
    let dest = trash.join(format!("{base}-{agent_id}-{}", crate::sysinfo::now_ms()));
    std::fs::rename(&real, &dest)
        .map_err(|e| fail(format!("cannot move it to {}: {e}", dest.display())))?;
    tracing::info!(from = %real.display(), to = %dest.display(), "agent workspace moved to the trash");
    Ok(RemovedPath {
        path: shown,
        method: "trash".into(),
    })
}

/// Every session of an agent, refusing while one of them is writing a reply.
async fn sessions_of(s: &Shared, id: &str) -> Result<Vec<String>, ErrorShape> {
    let mut keys = Vec::new();
    let mut offset = 0;
    loop {
        let (rows, total) = s
            .chat
            .store
            .list(&ListFilter {
                agent_id: Some(id.to_owned()),
                search: None,
                limit: 500,
                offset,
            })
            .await
            .map_err(io_error)?;
        let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        keys.extend(rows.into_iter().map(|r| r.key));
        offset += n;
        if n == 0 || offset >= total {
            break;
        }
    }
    if let Some((k, run)) = keys
        .iter()
        .find_map(|k| s.chat.running_in(k).map(|r| (k, r)))
    {
        return Err(ErrorShape::new(
            ErrorCode::Unavailable,
            format!("a reply is being written in {k} (run {run}); stop it with chat.abort, then delete the agent"),
        )
        .retry_after(None));
    }
    Ok(keys)
}

pub(super) async fn delete(
    s: Arc<Shared>,
    _c: CallCtx,
    p: AgentsDeleteParams,
) -> Result<AgentsDeleteResult, ErrorShape> {
    let config = s.current_config();
    let agent = find(&config, &s.paths, &p.agent_id)?;
    refuse_required(&agents(&config, &s.paths), &agent.id)?;
    let delete_files = p.delete_files.unwrap_or(false);
    let sessions = if delete_files {
        sessions_of(&s, &agent.id).await?
    } else {
        vec![]
    };
    let paths = s.paths.clone();
    let id = agent.id.clone();
    // Deleting an agent from a small config removes most of it: that is the point here.
    edit_config(&s, true, move |doc, cfg| {
        let a = find(cfg, &paths, &id)?;
        refuse_required(&agents(cfg, &paths), &a.id)?;
        if !remove_agent(doc, &a.id) {
            return Err(ErrorShape::new(
                ErrorCode::InvalidRequest,
                format!("agent \"{id}\" is not in {} itself (an $include may define it); remove it there", paths.config().display()),
            ));
        }
        Ok(())
    })
    .await?;
    let (mut removed, mut failed) = (vec![], vec![]);
    if delete_files {
        let remaining: Vec<(String, PathBuf)> = agents(&s.current_config(), &s.paths)
            .into_iter()
            .filter(|a| a.id != agent.id)
            .map(|a| (a.id, a.workspace))
            .collect();
        let (root, ws, id) = (
            s.paths.root().to_path_buf(),
            agent.workspace.clone(),
            agent.id.clone(),
        );
        match blocking(move || trash_workspace(&root, &ws, &id, &remaining)).await? {
            Ok(r) => removed.push(r),
            Err(f) => failed.push(f),
        }
        for key in sessions {
            match s.chat.store.delete(&key).await {
                Ok(true) => s.broadcast(
                    tidepool_protocol::chat::events::SESSIONS_CHANGED,
                    json!({ "key": key, "reason": "delete" }),
                ),
                Ok(false) => {}
                Err(e) => failed.push(FailedPath {
                    path: key,
                    reason: format!("the session could not be deleted: {e}"),
                }),
            }
        }
    }
    Ok(AgentsDeleteResult {
        ok: true,
        agent_id: agent.id,
        removed_bindings: 0,
        removed,
        failed,
    })
}
