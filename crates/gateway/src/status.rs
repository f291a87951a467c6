//! How the gateway is doing: `health`, `status` and `system-presence`.

use crate::rpc::parse_params;
use crate::state::Methods;
use crate::state::Shared;
use crate::sysinfo;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;
use tidepool_protocol::contract::NoParams;
use tidepool_protocol::methods::{
    ConfigReloadHealth, Health, HealthSummary, PluginHealth, Status, StatusResult, SystemPresence,
    names,
};
use tidepool_protocol::{ErrorCode, ErrorShape, PROTOCOL_VERSION};

/// Registers every method of this module.
pub fn register(r: &mut Methods) {
    r.method::<Health, _, _>(|s, _c, _p: NoParams| async move { Ok(health(&s)) });
    r.method_raw::<Status, _, _>(|s, _c, p| async move {
        #[derive(serde::Deserialize, Default)]
        #[serde(rename_all = "camelCase")]
        struct P {
            #[serde(default)]
            include_cli_projection: bool,
        }
        let p: P = parse_params(names::STATUS, p)?;
        let mut v = to_value(status(&s))?;
        if let (Value::Object(m), Value::Object(extra)) =
            (&mut v, openclaw_summary(&s, p.include_cli_projection).await)
        {
            m.extend(extra);
        }
        Ok(v)
    });
    r.method::<SystemPresence, _, _>(|s, _c, _p: NoParams| async move { Ok(s.presence_list()) });
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, ErrorShape> {
    serde_json::to_value(v).map_err(|e| {
        ErrorShape::new(
            ErrorCode::Unavailable,
            format!("could not encode result: {e}"),
        )
    })
}

/// The health summary (also in the `hello-ok` snapshot).
pub fn health(s: &Shared) -> HealthSummary {
    let started = Instant::now();
    let mut summary = HealthSummary {
        ok: true,
        ts: sysinfo::now_ms(),
        duration_ms: 0,
        plugins: PluginHealth::default(),
        config_reload: ConfigReloadHealth {
            hot_reload_status: match s.config.store.snapshot().loaded.config.gateway.reload.mode {
                crate::config::ReloadMode::Hybrid => "active",
                crate::config::ReloadMode::Off => "disabled",
            }
            .into(),
        },
        channels: BTreeMap::new(),
        channel_order: vec![],
        channel_labels: BTreeMap::new(),
        default_agent_id: "main".into(),
        agents: vec![],
    };
    summary.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(0);
    summary
}

/// The parts of OpenClaw's `status` its CLI reads (`openclaw status --json`): sessions per
/// agent with the most recent ones, and empty task, channel and heartbeat summaries (Tidepool
/// runs none of those); with `includeCliProjection`, the agents as the CLI lists them.
async fn openclaw_summary(s: &Shared, cli_projection: bool) -> Value {
    let config = s.config.store.snapshot().loaded.config.clone();
    let agents = crate::chat::agents(&config, &s.paths);
    let db = s.paths.sessions_db().display().to_string();
    let mut by_agent = Vec::new();
    let mut total = 0i64;
    let mut recent_all = Vec::new();
    for a in &agents {
        let filter = crate::sessions::ListFilter {
            agent_id: Some(a.id.clone()),
            limit: 5,
            ..Default::default()
        };
        let (rows, count) = s.chat.store.list(&filter).await.unwrap_or_default();
        total += count;
        let now = sysinfo::now_ms() as i64;
        let recent: Vec<Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "key": r.key, "sessionId": r.session_id, "updatedAt": r.updated_at,
                    "age": (now - r.updated_at).max(0), "model": r.model,
                })
            })
            .collect();
        recent_all.extend(recent.iter().cloned());
        by_agent.push(
            serde_json::json!({ "agentId": a.id, "path": db, "count": count, "recent": recent }),
        );
    }
    let default = agents
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_else(|| "main".into());
    let mut v = serde_json::json!({
        "runtimeVersion": s.server.version,
        "heartbeat": { "defaultAgentId": default, "agents": [] },
        "channelSummary": [],
        "queuedSystemEvents": [],
        "degradedSecretOwners": [],
        "tasks": { "total": 0, "active": 0, "terminal": 0, "failures": 0, "byStatus": {}, "byRuntime": {} },
        "taskAudit": { "total": 0, "warnings": 0, "errors": 0, "byCode": {} },
        "sessions": {
            "paths": [db],
            "count": total,
            "defaults": { "model": agents.first().and_then(|a| a.model.clone()), "contextTokens": null },
            "recent": recent_all,
            "byAgent": by_agent,
        },
    });
    if cli_projection {
        crate::json::set_field(
            &mut v,
            "cliProjection",
            serde_json::json!({
                "agents": {
                    "defaultId": default,
                    "ownership": if agents.len() > 1 { "explicit" } else { "sole" },
                    "selectionRequired": false,
                    "rows": agents.iter().map(|a| serde_json::json!({ "id": a.id, "name": a.name })).collect::<Vec<_>>(),
                },
                "updateChannel": null,
                "memoryPlugin": { "enabled": false, "slot": null },
            }),
        );
    }
    v
}

/// The process status.
pub fn status(s: &Shared) -> StatusResult {
    StatusResult {
        version: s.server.version.clone(),
        protocol: PROTOCOL_VERSION,
        pid: std::process::id(),
        started_at: s.server.started_at_ms,
        uptime_ms: s.uptime_ms(),
        bind: s.server.local_addr.ip().to_string(),
        port: s.server.local_addr.port(),
        auth_mode: s.server.auth_mode.as_str().into(),
        state_dir: s.paths.root().display().to_string(),
        config_path: s.paths.config().display().to_string(),
        config_exists: s.paths.config().exists(),
        log_file: crate::logs::current_log_file(&s.paths.logs())
            .display()
            .to_string(),
        connections: s.presence.len() as u64,
        requests: s.server.requests.load(std::sync::atomic::Ordering::Relaxed),
        rss_bytes: sysinfo::rss_bytes(),
        host: sysinfo::hostname(),
        platform: sysinfo::platform().into(),
        config_unsupported: s.config.store.snapshot().loaded.unsupported.clone(),
        active_runs: s.chat.metrics.active_runs(),
        runs: s.chat.metrics.runs_total(),
        pending_approvals: s.chat.approvals.pending().len() as u64,
        providers: s.chat.metrics.providers(),
    }
}
