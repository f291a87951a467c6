//! Token and cost accounting from the transcripts: every assistant entry's `meta.usage` (tokens,
//! and the cost recorded when the reply came) summed per day, per transcript and per session
//! key, in OpenClaw's `usage.cost` / `sessions.usage` shapes. Replies recorded before prices
//! were kept per entry are priced from the model's `cost` config as it is now; a reply whose
//! model has no price counts as 0 USD and in `missingCostEntries`.

use super::store::{SessionStore, StoreError};
use crate::config::Config;
use crate::config::agents::ModelCost;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{Span, Timestamp};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use tidepool_protocol::usage::{
    AgentUsage, CreatorUsage, DailyBreakdown, DailyLatency, DailyMessageCounts, DailyModelUsage,
    DailySummary, DailyUsage, Latency, MessageCounts, ModelUsage, ProviderDay, ProviderUsage,
    QuarterHourMessageCounts, QuarterHourTokens, SessionActivity, SessionUsage, ToolCount,
    ToolUsage, UNKNOWN_CREATOR_KEY, UsageAggregates, UsageTotals,
};

mod range;
mod rollup;

pub use range::*;
pub use rollup::*;

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only this agent (`None`: every agent).
    pub agent_id: Option<String>,
    /// Only this session key.
    pub session_key: Option<String>,
}

/// One message as far as accounting goes.
#[derive(Debug, Clone)]
pub struct UsageEntry {
    /// Session key.
    pub session_key: String,
    /// Transcript.
    pub session_id: String,
    /// Agent.
    pub agent_id: String,
    /// `user`, `assistant`, `toolResult`.
    pub role: String,
    /// Entry status (`error`, `aborted`, ...).
    pub status: String,
    /// Written, ms.
    pub created_at: i64,
    /// Provider, model, usage, costUsd, durationMs, stopReason.
    pub meta: Value,
    /// Tools the reply called.
    pub tool_names: Vec<String>,
    /// Tool results in the entry.
    pub tool_results: u64,
    /// Of which failed.
    pub tool_errors: u64,
}

/// A transcript of a session key.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// Session key.
    pub session_key: String,
    /// Transcript id.
    pub session_id: String,
    /// First entry, ms.
    pub first_at: i64,
    /// Last entry, ms.
    pub last_at: i64,
    /// Provider and model of its last model reply.
    pub last_model: Option<(String, String)>,
}

impl SessionStore {
    /// The messages written in `[start_ms, end_ms]`, by transcript and in order.
    pub async fn usage_entries(
        &self,
        scope: &Scope,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<UsageEntry>, StoreError> {
        // Tool names and result flags come out of the content JSON in SQLite, so reply
        // texts never cross into Rust.
        const SQL: &str = "SELECT e.session_key, e.session_id, s.agent_id, COALESCE(e.role, ''), e.status, e.created_at, e.meta,
  CASE WHEN e.role = 'assistant' AND json_valid(e.content) THEN (SELECT group_concat(json_extract(j.value, '$.name'), char(10)) FROM json_each(e.content) j WHERE json_extract(j.value, '$.type') = 'tool_use') END,
  CASE WHEN e.role = 'toolResult' AND json_valid(e.content) THEN (SELECT COUNT(*) FROM json_each(e.content) j WHERE json_extract(j.value, '$.type') = 'tool_result') ELSE 0 END,
  CASE WHEN e.role = 'toolResult' AND json_valid(e.content) THEN (SELECT COUNT(*) FROM json_each(e.content) j WHERE json_extract(j.value, '$.type') = 'tool_result' AND json_extract(j.value, '$.is_error')) ELSE 0 END
FROM entries e JOIN sessions s ON s.key = e.session_key
WHERE e.kind = 'message' AND e.created_at BETWEEN ?1 AND ?2
  AND (?3 IS NULL OR s.agent_id = ?3 COLLATE NOCASE) AND (?4 IS NULL OR e.session_key = ?4)
ORDER BY e.session_id, e.seq";
        let (agent, key) = (scope.agent_id.clone(), scope.session_key.clone());
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(SQL)?;
            let rows = stmt.query(rusqlite::params![start_ms, end_ms, agent, key])?;
            rows.mapped(|r| {
                let meta = r
                    .get_ref(6)?
                    .as_str_or_null()
                    .ok()
                    .flatten()
                    .and_then(|m| serde_json::from_str(m).ok())
                    .unwrap_or(Value::Null);
                let tools: Option<String> = r.get(7)?;
                Ok(UsageEntry {
                    session_key: r.get(0)?,
                    session_id: r.get(1)?,
                    agent_id: r.get(2)?,
                    role: r.get(3)?,
                    status: r.get(4)?,
                    created_at: r.get(5)?,
                    meta,
                    tool_names: tools
                        .map(|t| {
                            t.split('\n')
                                .filter(|n| !n.is_empty())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                    tool_results: r.get::<_, i64>(8)?.max(0).unsigned_abs(),
                    tool_errors: r.get::<_, i64>(9)?.max(0).unsigned_abs(),
                })
            })
            .collect()
        })
        .await
    }

    /// Every transcript of the scope's sessions (current and earlier ones), oldest first.
    pub async fn transcripts(&self, scope: &Scope) -> Result<Vec<Transcript>, StoreError> {
        const SQL: &str = "SELECT e.session_key, e.session_id, MIN(e.created_at), MAX(e.created_at),
  (SELECT json_extract(l.meta, '$.provider') || char(10) || json_extract(l.meta, '$.model') FROM entries l
    WHERE l.session_id = e.session_id AND l.role = 'assistant' AND json_valid(l.meta)
      AND json_extract(l.meta, '$.model') IS NOT NULL AND COALESCE(json_extract(l.meta, '$.provider'), '') != 'openclaw'
    ORDER BY l.seq DESC LIMIT 1)
FROM entries e JOIN sessions s ON s.key = e.session_key
WHERE (?1 IS NULL OR s.agent_id = ?1 COLLATE NOCASE) AND (?2 IS NULL OR e.session_key = ?2)
GROUP BY e.session_key, e.session_id ORDER BY MIN(e.created_at)";
        let (agent, key) = (scope.agent_id.clone(), scope.session_key.clone());
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(SQL)?;
            let rows = stmt.query(rusqlite::params![agent, key])?;
            rows.mapped(|r| {
                let last: Option<String> = r.get(4)?;
                Ok(Transcript {
                    session_key: r.get(0)?,
                    session_id: r.get(1)?,
                    first_at: r.get(2)?,
                    last_at: r.get(3)?,
                    last_model: last.and_then(|l| {
                        l.split_once('\n')
                            .map(|(p, m)| (p.to_owned(), m.to_owned()))
                    }),
                })
            })
            .collect()
        })
        .await
    }
}

/// Prices by provider and model id, from the config.
#[derive(Debug, Clone, Default)]
pub struct Prices(HashMap<(String, String), ModelCost>);

impl Prices {
    /// Every model entry with a `cost`.
    pub fn from_config(config: &Config) -> Prices {
        let mut m = HashMap::new();
        for (pid, p) in &config.models.providers {
            for e in &p.models {
                if let Some(c) = e.cost {
                    m.insert((pid.clone(), e.id.clone()), c);
                }
            }
        }
        Prices(m)
    }

    fn get(&self, provider: &str, model: &str) -> Option<ModelCost> {
        self.0
            .get(&(provider.to_owned(), model.to_owned()))
            .copied()
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n >= 0.0)
}

fn count(v: Option<&Value>) -> u64 {
    v.and_then(Value::as_u64).unwrap_or(0)
}

/// An assistant entry's tokens and cost (`None` for other entries and replies with no usage).
pub fn entry_totals(meta: &Value, prices: &Prices) -> Option<UsageTotals> {
    let usage = meta.get("usage").filter(|u| u.is_object())?;
    let mut t = UsageTotals {
        input: count(usage.get("input")),
        output: count(usage.get("output")),
        cache_read: count(usage.get("cacheRead")),
        cache_write: count(usage.get("cacheWrite")),
        ..UsageTotals::default()
    };
    t.total_tokens = usage
        .get("totalTokens")
        .and_then(Value::as_u64)
        .unwrap_or(t.input + t.output + t.cache_read + t.cache_write);
    let provider = meta
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let model = meta
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let price = prices.get(provider, model);
    let estimate = |c: ModelCost, t: &mut UsageTotals| {
        t.input_cost = t.input as f64 * c.input / 1e6;
        t.output_cost = t.output as f64 * c.output / 1e6;
        t.cache_read_cost = t.cache_read as f64 * c.cache_read / 1e6;
        t.cache_write_cost = t.cache_write as f64 * c.cache_write / 1e6;
        t.input_cost + t.output_cost + t.cache_read_cost + t.cache_write_cost
    };
    let recorded = usage.get("cost").filter(|c| num(c.get("total")).is_some());
    if let Some(c) = recorded {
        t.total_cost = num(c.get("total")).unwrap_or(0.0);
        t.input_cost = num(c.get("input")).unwrap_or(0.0);
        t.output_cost = num(c.get("output")).unwrap_or(0.0);
        t.cache_read_cost = num(c.get("cacheRead")).unwrap_or(0.0);
        t.cache_write_cost = num(c.get("cacheWrite")).unwrap_or(0.0);
    } else if let Some(total) = num(meta.get("costUsd")).filter(|c| *c > 0.0) {
        // Written before the split was kept: the total as recorded, the split from today's
        // prices when there are any.
        if let Some(c) = price {
            estimate(c, &mut t);
        }
        t.total_cost = total;
    } else if let Some(c) = price {
        t.total_cost = estimate(c, &mut t);
    } else if t.total_tokens > 0 {
        t.missing_cost_entries = 1;
        t.missing_cost_by_model
            .insert(format!("{provider}/{model}"), 1);
    }
    Some(t)
}

#[cfg(test)]
mod tests;
