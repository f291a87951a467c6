//! `sessions.usage`, `usage.cost` and `usage.status`: what the sessions' model calls used,
//! from the transcripts (see [`super::usage`]).

use super::usage::{self, Counted, Prices, RangeRequest, Rollup, Scope, Transcript};
use super::{SessionRow, normalize_key};
use crate::rpc::unavailable;
use crate::rpc::{CallCtx, invalid_params};
use crate::state::Methods;
use crate::state::Shared;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tidepool_protocol::ErrorShape;
use tidepool_protocol::contract::NoParams;
use tidepool_protocol::usage::{
    CreatorOption, SessionUsageRow, SessionsUsage, SessionsUsageParams, SessionsUsageResult,
    UNKNOWN_CREATOR_KEY, UsageCost, UsageCostParams, UsageCostResult, UsageStatus,
    UsageStatusResult, UsageTotals, names,
};

/// Registers the usage methods (all `operator.read`, as in OpenClaw).
pub fn register(r: &mut Methods) {
    r.method::<SessionsUsage, _, _>(sessions_usage);
    r.method::<UsageCost, _, _>(usage_cost);
    r.method::<UsageStatus, _, _>(usage_status);
}

fn now_ms() -> u64 {
    crate::sysinfo::now_ms()
}

/// The configured agent id that `id` names (ignoring case), else `id` as given: usage of an
/// agent removed from the config is still in the database.
fn agent_id_for(s: &Shared, id: &str) -> String {
    let config = s.current_config();
    let id = id.trim();
    crate::chat::agents(&config, &s.paths)
        .into_iter()
        .find(|a| a.id.eq_ignore_ascii_case(id))
        .map(|a| a.id)
        .unwrap_or_else(|| id.to_owned())
}

fn default_agent(s: &Shared) -> String {
    let config = s.current_config();
    crate::chat::agents(&config, &s.paths)
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_else(|| "main".into())
}

fn check_agent_scope(method: &str, scope: Option<&str>) -> Result<bool, ErrorShape> {
    match scope {
        None => Ok(false),
        Some("all") => Ok(true),
        Some(other) => Err(invalid_params(
            method,
            format!(
                "agentScope \"{other}\" is not \"all\"; send agentScope: \"all\" for every agent, or leave it out for one"
            ),
        )),
    }
}

fn non_empty(method: &str, field: &str, v: Option<&str>) -> Result<(), ErrorShape> {
    match v {
        Some(s) if s.trim().is_empty() => Err(invalid_params(
            method,
            format!("{field} must not be empty (leave it out instead)"),
        )),
        _ => Ok(()),
    }
}

async fn usage_status(
    _s: Arc<Shared>,
    _c: CallCtx,
    _p: NoParams,
) -> Result<UsageStatusResult, ErrorShape> {
    Ok(UsageStatusResult {
        updated_at: now_ms(),
        providers: vec![],
    })
}

async fn usage_cost(
    s: Arc<Shared>,
    _c: CallCtx,
    p: UsageCostParams,
) -> Result<UsageCostResult, ErrorShape> {
    const M: &str = names::USAGE_COST;
    let range = usage::resolve_range(
        &RangeRequest {
            start_date: p.start_date.as_deref(),
            end_date: p.end_date.as_deref(),
            days: p.days.as_ref(),
            range: p.range.as_deref(),
            mode: p.mode.as_deref(),
            utc_offset: p.utc_offset.as_deref(),
            time_zone: p.time_zone.as_deref(),
        },
        jiff::Timestamp::now(),
    )
    .map_err(|e| invalid_params(M, e))?;
    let all = check_agent_scope(M, p.agent_scope.as_deref())?;
    let agent = p.agent_id.as_deref().filter(|a| !a.trim().is_empty());
    if all && agent.is_some() {
        return Err(invalid_params(
            M,
            "agentScope=all cannot be combined with agentId; send one of them",
        ));
    }
    let scope = Scope {
        agent_id: if all {
            None
        } else {
            Some(agent.map_or_else(|| default_agent(&s), |a| agent_id_for(&s, a)))
        },
        session_key: None,
    };
    let entries = s
        .chat
        .store
        .usage_entries(&scope, range.start_ms, range.end_ms)
        .await
        .map_err(unavailable)?;
    let prices = Prices::from_config(&s.current_config());
    let (daily, totals) = usage::daily_totals(&entries, &range, &prices);
    Ok(UsageCostResult {
        updated_at: now_ms(),
        days: range.days(),
        daily,
        totals,
    })
}

/// A row before it is rendered: where its numbers come from.
struct Pending<'a> {
    key: String,
    label: Option<String>,
    session_id: String,
    family: Option<(String, Vec<String>)>,
    updated_at: i64,
    agent_id: String,
    row: Option<&'a SessionRow>,
    last_model: Option<(String, String)>,
    rollup: Rollup,
}

async fn sessions_usage(
    s: Arc<Shared>,
    _c: CallCtx,
    p: SessionsUsageParams,
) -> Result<SessionsUsageResult, ErrorShape> {
    const M: &str = names::SESSIONS_USAGE;
    non_empty(M, "key", p.key.as_deref())?;
    non_empty(M, "agentId", p.agent_id.as_deref())?;
    non_empty(M, "timeZone", p.time_zone.as_deref())?;
    if let Some(n) = p.limit.filter(|n| *n < 1) {
        return Err(invalid_params(
            M,
            format!("limit must be at least 1, got {n}"),
        ));
    }
    let family = match p.group_by.as_deref() {
        None => p.include_historical == Some(true),
        Some("instance") => false,
        Some("family") => true,
        Some(other) => {
            return Err(invalid_params(
                M,
                format!("groupBy \"{other}\" is not one of instance, family"),
            ));
        }
    };
    let range = usage::resolve_range(
        &RangeRequest {
            start_date: p.start_date.as_deref(),
            end_date: p.end_date.as_deref(),
            days: None,
            range: p.range.as_deref(),
            mode: p.mode.as_deref(),
            utc_offset: p.utc_offset.as_deref(),
            time_zone: p.time_zone.as_deref(),
        },
        jiff::Timestamp::now(),
    )
    .map_err(|e| invalid_params(M, e))?;
    let all = check_agent_scope(M, p.agent_scope.as_deref())?;
    if all && (p.agent_id.is_some() || p.key.is_some()) {
        return Err(invalid_params(
            M,
            "agentScope=all cannot be combined with key or agentId; send one of them",
        ));
    }
    let default = default_agent(&s);
    let key = match &p.key {
        Some(k) => {
            let (key, owner) = normalize_key(k, p.agent_id.as_deref().unwrap_or(&default))
                .map_err(|e| invalid_params(M, format!("key: {e}")))?;
            if let Some(a) = &p.agent_id
                && !a.trim().eq_ignore_ascii_case(&owner)
            {
                return Err(invalid_params(
                    M,
                    format!(
                        "key {key} belongs to agent \"{owner}\", not agentId \"{a}\"; send one of them"
                    ),
                ));
            }
            Some((key, owner))
        }
        None => None,
    };
    let agent_id = if all {
        None
    } else {
        Some(match (&key, &p.agent_id) {
            (Some((_, owner)), _) => agent_id_for(&s, owner),
            (None, Some(a)) => agent_id_for(&s, a),
            (None, None) => default.clone(),
        })
    };
    let store = &s.chat.store;
    let scope = Scope {
        agent_id: agent_id.clone(),
        session_key: None,
    };
    let mut transcripts = store.transcripts(&scope).await.map_err(unavailable)?;
    // The session rows: one key, or every session of the scope.
    let rows: Vec<SessionRow> = match &key {
        Some((k, _)) => store
            .get(k)
            .await
            .map_err(unavailable)?
            .into_iter()
            .collect(),
        None => {
            store
                .list(&super::ListFilter {
                    agent_id: agent_id.clone(),
                    search: None,
                    limit: i64::MAX,
                    offset: 0,
                })
                .await
                .map_err(unavailable)?
                .0
        }
    };
    // `agent:<id>:<sessionId>` names an earlier transcript (as the instance rows call them).
    let old_instance = match (&key, rows.is_empty()) {
        (Some((k, _)), true) => k
            .rsplit(':')
            .next()
            .and_then(|sid| transcripts.iter().find(|t| t.session_id == sid))
            .cloned(),
        _ => None,
    };
    let entry_scope = Scope {
        agent_id: agent_id.clone(),
        session_key: match (&key, &old_instance) {
            (_, Some(t)) => Some(t.session_key.clone()),
            (Some((k, _)), None) => Some(k.clone()),
            (None, _) => None,
        },
    };
    if let Some(k) = &entry_scope.session_key {
        transcripts.retain(|t| &t.session_key == k);
    }
    let entries = store
        .usage_entries(&entry_scope, range.start_ms, range.end_ms)
        .await
        .map_err(unavailable)?;
    let prices = Prices::from_config(&s.current_config());
    // An earlier transcript asked for by its key is one instance, whatever the grouping.
    let family = family && old_instance.is_none();
    // Roll entries up by transcript, or by session key for family rows.
    let mut rollups: HashMap<&str, Rollup> = HashMap::new();
    for e in &entries {
        let id = if family {
            e.session_key.as_str()
        } else {
            e.session_id.as_str()
        };
        rollups.entry(id).or_default().add(e, &range, &prices);
    }
    let by_id: HashMap<&str, &Transcript> = transcripts
        .iter()
        .map(|t| (t.session_id.as_str(), t))
        .collect();
    let row_agents: HashMap<&str, &str> = rows
        .iter()
        .map(|r| (r.key.as_str(), r.agent_id.as_str()))
        .collect();
    let display = |r: &SessionRow| {
        super::methods::row_json(r)
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut pending: Vec<Pending<'_>> = vec![];
    if let Some(t) = &old_instance {
        pending.push(old_row(t, &key, &mut rollups));
    }
    for r in &rows {
        let current = r.session_id.as_str();
        let last_model = by_id.get(current).and_then(|t| t.last_model.clone());
        if family {
            let mut included = vec![r.session_id.clone()];
            included.extend(
                transcripts
                    .iter()
                    .filter(|t| t.session_key == r.key && t.session_id != r.session_id)
                    .map(|t| t.session_id.clone()),
            );
            let last_model = last_model.or_else(|| {
                transcripts
                    .iter()
                    .rev()
                    .filter(|t| t.session_key == r.key)
                    .find_map(|t| t.last_model.clone())
            });
            pending.push(Pending {
                key: r.key.clone(),
                label: display(r),
                session_id: r.session_id.clone(),
                family: Some((r.key.clone(), included)),
                updated_at: r.updated_at,
                agent_id: r.agent_id.clone(),
                row: Some(r),
                last_model,
                rollup: rollups.remove(r.key.as_str()).unwrap_or_default(),
            });
        } else {
            pending.push(Pending {
                key: r.key.clone(),
                label: display(r),
                session_id: r.session_id.clone(),
                family: None,
                updated_at: r.updated_at,
                agent_id: r.agent_id.clone(),
                row: Some(r),
                last_model,
                rollup: rollups.remove(current).unwrap_or_default(),
            });
        }
    }
    if !family && key.is_none() {
        // Earlier transcripts with messages in the range are rows of their own.
        for t in &transcripts {
            if rollups
                .get(t.session_id.as_str())
                .is_some_and(Rollup::is_active)
            {
                let agent = row_agents
                    .get(t.session_key.as_str())
                    .copied()
                    .unwrap_or_default()
                    .to_owned();
                let mut r = old_row(t, &None, &mut rollups);
                r.agent_id = agent;
                pending.push(r);
            }
        }
    }
    pending.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.key.cmp(&b.key)));
    let counted: Vec<Counted<'_>> = pending
        .iter()
        .map(|r| Counted {
            agent_id: &r.agent_id,
            rollup: &r.rollup,
        })
        .collect();
    let mut totals = UsageTotals::default();
    for r in &pending {
        totals.add(r.rollup.totals());
    }
    let aggregates = usage::aggregate(&counted);
    let limit = usize::try_from(p.limit.unwrap_or(50)).unwrap_or(usize::MAX);
    let with_weight = p.include_context_weight == Some(true);
    let sessions: Vec<SessionUsageRow> = pending
        .iter()
        .take(limit)
        .map(|r| render(r, with_weight))
        .collect();
    let creator_options = if pending.is_empty() {
        vec![]
    } else {
        vec![CreatorOption {
            key: UNKNOWN_CREATOR_KEY.into(),
        }]
    };
    Ok(SessionsUsageResult {
        updated_at: now_ms(),
        start_date: range.day_of(range.start_ms),
        end_date: range.day_of(range.end_ms),
        sessions,
        totals,
        aggregates,
        creator_options,
    })
}

/// The row of a transcript from before a reset: `agent:<id>:<sessionId>`, as OpenClaw names
/// transcripts no session points at any more.
fn old_row<'a>(
    t: &Transcript,
    key: &Option<(String, String)>,
    rollups: &mut HashMap<&str, Rollup>,
) -> Pending<'a> {
    let agent = key
        .as_ref()
        .map(|(_, owner)| owner.clone())
        .or_else(|| {
            t.session_key
                .strip_prefix("agent:")
                .and_then(|r| r.split_once(':'))
                .map(|(a, _)| a.to_owned())
        })
        .unwrap_or_default();
    Pending {
        key: format!("agent:{agent}:{}", t.session_id),
        label: None,
        session_id: t.session_id.clone(),
        family: None,
        updated_at: t.last_at,
        agent_id: agent,
        row: None,
        last_model: t.last_model.clone(),
        rollup: rollups.remove(t.session_id.as_str()).unwrap_or_default(),
    }
}

fn render(r: &Pending<'_>, with_weight: bool) -> SessionUsageRow {
    let (provider_override, model_override) = match r
        .row
        .and_then(|row| row.model.as_deref())
        .map(crate::providers::split_model_ref)
    {
        Some(Ok((p, m))) => (Some(p.to_owned()), Some(m.to_owned())),
        _ => (None, None),
    };
    let (family_key, included) = match &r.family {
        Some((k, ids)) => (Some(k.clone()), Some(ids.clone())),
        None => (None, None),
    };
    SessionUsageRow {
        key: r.key.clone(),
        label: r.label.clone(),
        session_id: r.session_id.clone(),
        scope: if r.family.is_some() {
            "family"
        } else {
            "instance"
        }
        .into(),
        session_family_key: family_key,
        current_session_id: r.family.as_ref().map(|_| r.session_id.clone()),
        historical_instance_count: included.as_ref().map(|v| v.len() as u64),
        included_session_ids: included,
        updated_at: r.updated_at,
        agent_id: r.agent_id.clone(),
        creator_key: UNKNOWN_CREATOR_KEY.into(),
        model_override,
        provider_override,
        model_provider: r.last_model.as_ref().map(|(p, _)| p.clone()),
        model: r.last_model.as_ref().map(|(_, m)| m.clone()),
        usage: r.rollup.summary(&r.session_id),
        has_context_weight: false,
        context_weight: with_weight.then_some(Value::Null),
    }
}
