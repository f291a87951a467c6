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
    DailySummary, DailyUsage, Latency, MessageCounts, ModelUsage, ProviderUsage,
    QuarterHourMessageCounts, QuarterHourTokens, SessionActivity, SessionUsage, ToolCount,
    ToolUsage, UNKNOWN_CREATOR_KEY, UsageAggregates, UsageTotals,
};

/// Longest `days` accepted (OpenClaw's cap, 100 years).
const MAX_DAYS: i64 = 36_600;
/// Ranges up to this many days get a row for every day; longer ones only days with usage.
const MAX_ZERO_FILL_DAYS: i64 = 366;
/// A reply time above this (12 h) is a clock jump, not a measurement.
const MAX_LATENCY_MS: u64 = 43_200_000;

/// The date fields a usage request may carry.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeRequest<'a> {
    /// `YYYY-MM-DD`.
    pub start_date: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub end_date: Option<&'a str>,
    /// The last N days.
    pub days: Option<&'a Value>,
    /// `7d`, `30d`, `90d`, `1y`, `all`.
    pub range: Option<&'a str>,
    /// `utc`, `gateway`, `specific`.
    pub mode: Option<&'a str>,
    /// `UTC+H[:MM]`.
    pub utc_offset: Option<&'a str>,
    /// IANA name.
    pub time_zone: Option<&'a str>,
}

/// A resolved range: `[start_ms, end_ms]` and the zone days are counted in.
#[derive(Debug, Clone)]
pub struct Range {
    /// First millisecond.
    pub start_ms: i64,
    /// Last millisecond.
    pub end_ms: i64,
    /// Zone of the day keys.
    pub tz: TimeZone,
}

impl Range {
    /// The `YYYY-MM-DD` day of `ms` in the range's zone.
    pub fn day_of(&self, ms: i64) -> String {
        day_key(ms, &self.tz)
    }

    /// Calendar days from the first to the last.
    pub fn days(&self) -> u64 {
        let (a, b) = (self.date_of(self.start_ms), self.date_of(self.end_ms));
        match (a, b) {
            (Some(a), Some(b)) if b >= a => u64::try_from((b - a).get_days() + 1).unwrap_or(1),
            _ => 1,
        }
    }

    /// Every day key of the range, or `None` when it is too long to list.
    pub fn every_day(&self) -> Option<Vec<String>> {
        let (mut d, last) = (self.date_of(self.start_ms)?, self.date_of(self.end_ms)?);
        if self.days() as i64 > MAX_ZERO_FILL_DAYS {
            return None;
        }
        let mut out = vec![];
        while d <= last {
            out.push(d.to_string());
            d = d.tomorrow().ok()?;
        }
        Some(out)
    }

    fn date_of(&self, ms: i64) -> Option<Date> {
        Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| t.to_zoned(self.tz.clone()).date())
    }
}

fn day_key(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_default()
}

/// `UTC+H`, `UTC-HH:MM` → minutes east of UTC (-12:00 to +14:00).
fn parse_utc_offset(raw: &str) -> Option<i32> {
    let rest = raw.trim().strip_prefix("UTC")?;
    let (sign, rest) = match rest.as_bytes().first()? {
        b'+' => (1, rest.get(1..)?),
        b'-' => (-1, rest.get(1..)?),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let ok = |s: &str, max_len| {
        !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !ok(h, 2) || !ok(m, 2) || (rest.contains(':') && m.len() != 2) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if m > 59 {
        return None;
    }
    let total = sign * (h * 60 + m);
    (-720..=840).contains(&total).then_some(total)
}

/// The zone the request counts days in.
fn zone(r: &RangeRequest<'_>) -> Result<TimeZone, String> {
    match r.mode.map(str::trim) {
        None | Some("" | "utc") => Ok(TimeZone::UTC),
        Some("gateway") => Ok(TimeZone::system()),
        Some("specific") => {
            let offset = r.utc_offset.and_then(parse_utc_offset);
            let fixed = |mins: i32| {
                Offset::from_seconds(mins * 60)
                    .map(TimeZone::fixed)
                    .map_err(|e| e.to_string())
            };
            if let Some(name) = r.time_zone.map(str::trim) {
                return match TimeZone::get(name) {
                    Ok(tz) if !name.is_empty() => Ok(tz),
                    _ => match offset {
                        Some(m) => fixed(m),
                        None => Err(format!(
                            "invalid timeZone \"{name}\": expected an IANA time zone like Europe/Paris (or give utcOffset, e.g. UTC+2)"
                        )),
                    },
                };
            }
            match (offset, r.utc_offset) {
                (Some(m), _) => fixed(m),
                (None, Some(raw)) if !raw.trim().is_empty() => Err(format!(
                    "invalid utcOffset \"{raw}\": expected UTC-12:00 through UTC+14:00, e.g. UTC+2 or UTC-05:30"
                )),
                _ => Ok(TimeZone::UTC),
            }
        }
        Some(other) => Err(format!(
            "mode \"{other}\" is not one of utc, gateway, specific"
        )),
    }
}

fn parse_date(field: &str, raw: &str) -> Result<Date, String> {
    let bad =
        || format!("{field} \"{raw}\" is not a calendar date; use YYYY-MM-DD, e.g. 2026-12-02");
    let t = raw.trim();
    let b = t.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(bad());
    }
    let num = |s: Option<&str>| {
        s.filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|s| s.parse::<i16>().ok())
    };
    let (y, m, d) = (num(t.get(0..4)), num(t.get(5..7)), num(t.get(8..10)));
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => Date::new(
            y,
            i8::try_from(m).map_err(|_| bad())?,
            i8::try_from(d).map_err(|_| bad())?,
        )
        .map_err(|_| bad()),
        _ => Err(bad()),
    }
}

fn day_start(d: Date, tz: &TimeZone) -> Result<i64, String> {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| format!("day {d} does not exist in that time zone: {e}"))
}

fn day_end(d: Date, tz: &TimeZone) -> Result<i64, String> {
    let next = d.tomorrow().map_err(|e| e.to_string())?;
    Ok(day_start(next, tz)? - 1)
}

/// The range a request asks for: `startDate`..`endDate` (both), else `range`, else the last
/// `days` (default 30) days up to the end of today, in the request's zone.
pub fn resolve_range(r: &RangeRequest<'_>, now: Timestamp) -> Result<Range, String> {
    let tz = zone(r)?;
    fn given(v: Option<&str>) -> Option<&str> {
        v.filter(|s| !s.trim().is_empty())
    }
    let start = given(r.start_date)
        .map(|s| parse_date("startDate", s))
        .transpose()?;
    let end = given(r.end_date)
        .map(|s| parse_date("endDate", s))
        .transpose()?;
    let today = now.to_zoned(tz.clone()).date();
    let today_end = day_end(today, &tz)?;
    match (start, end) {
        (Some(s), Some(e)) => {
            if s > e {
                return Err(format!(
                    "startDate {s} is after endDate {e}; swap them"
                ));
            }
            Ok(Range {
                start_ms: day_start(s, &tz)?,
                end_ms: day_end(e, &tz)?,
                tz,
            })
        }
        (Some(_), None) | (None, Some(_)) => Err(
            "startDate and endDate must be given together (both YYYY-MM-DD; the same day twice for one day)".into(),
        ),
        (None, None) => {
            let days = match r.range.map(str::trim) {
                Some("all") => {
                    return Ok(Range {
                        start_ms: 0,
                        end_ms: today_end,
                        tz,
                    });
                }
                Some("7d") => 7,
                Some("30d") => 30,
                Some("90d") => 90,
                Some("1y") => 365,
                None | Some("") => match r.days {
                    None | Some(Value::Null) => 30,
                    Some(v) => parse_days(v)?,
                },
                Some(other) => {
                    return Err(format!(
                        "range \"{other}\" is not one of 7d, 30d, 90d, 1y, all"
                    ));
                }
            };
            let first = today
                .checked_add(Span::new().days(-(days - 1)))
                .map_err(|e| e.to_string())?;
            Ok(Range {
                start_ms: day_start(first, &tz)?,
                end_ms: today_end,
                tz,
            })
        }
    }
}

fn parse_days(v: &Value) -> Result<i64, String> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !s.trim().is_empty() => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n.filter(|n| n.is_finite()) {
        Some(n) => Ok((n.floor() as i64).clamp(1, MAX_DAYS)),
        None => Err(format!("days must be a number of days, got {v}")),
    }
}

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

/// A model on a day: `(date, provider, model)`.
type DayModel = (String, Option<String>, Option<String>);
/// Tokens, cost and replies of a model on a day.
type DayModelTotals = (u64, f64, u64);

/// Accumulates one transcript's (or one session family's) entries.
#[derive(Debug, Clone, Default)]
pub struct Rollup {
    totals: UsageTotals,
    counts: MessageCounts,
    tools: BTreeMap<String, u64>,
    models: BTreeMap<(Option<String>, Option<String>), (u64, UsageTotals)>,
    first: Option<i64>,
    last: Option<i64>,
    daily: BTreeMap<String, UsageTotals>,
    daily_counts: BTreeMap<String, MessageCounts>,
    quarter_counts: BTreeMap<(String, u32), MessageCounts>,
    quarter_tokens: BTreeMap<(String, u32), UsageTotals>,
    latencies: Vec<(String, u64)>,
    daily_models: BTreeMap<DayModel, DayModelTotals>,
}

fn utc_quarter(ms: i64) -> (String, u32) {
    let z = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(TimeZone::UTC);
    let q = (i32::from(z.hour()) * 60 + i32::from(z.minute())) / 15;
    (z.date().to_string(), q.unsigned_abs())
}

fn is_error_stop(e: &UsageEntry) -> bool {
    matches!(e.status.as_str(), "error" | "aborted")
        || matches!(
            e.meta.get("stopReason").and_then(Value::as_str),
            Some("error" | "aborted" | "timeout")
        )
}

impl Rollup {
    /// Counts one entry.
    pub fn add(&mut self, e: &UsageEntry, range: &Range, prices: &Prices) {
        let day = range.day_of(e.created_at);
        let quarter = utc_quarter(e.created_at);
        let mut c = MessageCounts::default();
        match e.role.as_str() {
            "user" => {
                c.user = 1;
                c.total = 1;
            }
            "assistant" => {
                c.assistant = 1;
                c.total = 1;
            }
            _ => {}
        }
        c.tool_calls = e.tool_names.len() as u64;
        c.tool_results = e.tool_results;
        c.errors = e.tool_errors + u64::from(e.role == "assistant" && is_error_stop(e));
        self.counts.add(&c);
        self.daily_counts.entry(day.clone()).or_default().add(&c);
        self.quarter_counts
            .entry(quarter.clone())
            .or_default()
            .add(&c);
        for t in &e.tool_names {
            *self.tools.entry(t.clone()).or_default() += 1;
        }
        self.first = Some(self.first.map_or(e.created_at, |f| f.min(e.created_at)));
        self.last = Some(self.last.map_or(e.created_at, |l| l.max(e.created_at)));
        if e.role != "assistant" {
            return;
        }
        if let Some(ms) = e
            .meta
            .get("durationMs")
            .and_then(Value::as_u64)
            .filter(|ms| *ms <= MAX_LATENCY_MS)
        {
            self.latencies.push((day.clone(), ms));
        }
        let Some(t) = entry_totals(&e.meta, prices) else {
            return;
        };
        self.totals.add(&t);
        self.daily.entry(day.clone()).or_default().add(&t);
        self.quarter_tokens.entry(quarter).or_default().add(&t);
        let provider = e
            .meta
            .get("provider")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let model = e
            .meta
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if provider.is_some() || model.is_some() {
            let m = self
                .models
                .entry((provider.clone(), model.clone()))
                .or_default();
            m.0 += 1;
            m.1.add(&t);
            let d = self.daily_models.entry((day, provider, model)).or_default();
            d.0 += t.total_tokens;
            d.1 += t.total_cost;
            d.2 += 1;
        }
    }

    /// Tokens and cost.
    pub fn totals(&self) -> &UsageTotals {
        &self.totals
    }

    /// Whether any message was counted.
    pub fn is_active(&self) -> bool {
        self.first.is_some()
    }

    /// The `usage` object of a `sessions.usage` row.
    pub fn summary(&self, session_id: &str) -> SessionUsage {
        let mut model_usage: Vec<ModelUsage> = self
            .models
            .iter()
            .map(|((p, m), (n, t))| ModelUsage {
                provider: p.clone(),
                model: m.clone(),
                count: *n,
                totals: t.clone(),
            })
            .collect();
        model_usage.sort_by(|a, b| by_cost(&a.totals, &b.totals));
        let mut by_day: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for (d, ms) in &self.latencies {
            by_day.entry(d).or_default().push(*ms);
        }
        let mut daily_model_usage: Vec<DailyModelUsage> = self
            .daily_models
            .iter()
            .map(|((date, p, m), (tokens, cost, n))| DailyModelUsage {
                date: date.clone(),
                provider: p.clone(),
                model: m.clone(),
                tokens: *tokens,
                cost: *cost,
                count: *n,
            })
            .collect();
        daily_model_usage.sort_by(|a, b| a.date.cmp(&b.date).then(b.cost.total_cmp(&a.cost)));
        SessionUsage {
            totals: self.totals.clone(),
            session_id: session_id.to_owned(),
            first_activity: self.first,
            last_activity: self.last,
            duration_ms: self.first.zip(self.last).map(|(f, l)| (l - f).max(0)),
            message_counts: self.counts.clone(),
            tool_usage: tool_usage(&self.tools),
            model_usage: (!model_usage.is_empty()).then_some(model_usage),
            latency: latency(self.latencies.iter().map(|(_, ms)| *ms).collect()),
            activity_dates: self.daily_counts.keys().cloned().collect(),
            daily_breakdown: self
                .daily
                .iter()
                .map(|(date, t)| DailyBreakdown {
                    date: date.clone(),
                    tokens: t.total_tokens,
                    cost: t.total_cost,
                    totals: t.clone(),
                })
                .collect(),
            daily_message_counts: self
                .daily_counts
                .iter()
                .map(|(date, c)| DailyMessageCounts {
                    date: date.clone(),
                    counts: c.clone(),
                })
                .collect(),
            utc_quarter_hour_message_counts: self
                .quarter_counts
                .iter()
                .map(|((date, q), c)| QuarterHourMessageCounts {
                    date: date.clone(),
                    quarter_index: *q,
                    counts: c.clone(),
                })
                .collect(),
            utc_quarter_hour_token_usage: self
                .quarter_tokens
                .iter()
                .map(|((date, q), t)| QuarterHourTokens {
                    date: date.clone(),
                    quarter_index: *q,
                    input: t.input,
                    output: t.output,
                    cache_read: t.cache_read,
                    cache_write: t.cache_write,
                    total_tokens: t.total_tokens,
                    total_cost: t.total_cost,
                })
                .collect(),
            daily_latency: by_day
                .into_iter()
                .filter_map(|(date, v)| {
                    latency(v).map(|l| DailyLatency {
                        date: date.to_owned(),
                        latency: l,
                    })
                })
                .collect(),
            daily_model_usage,
        }
    }
}

fn by_cost(a: &UsageTotals, b: &UsageTotals) -> std::cmp::Ordering {
    b.total_cost
        .total_cmp(&a.total_cost)
        .then(b.total_tokens.cmp(&a.total_tokens))
}

fn tool_usage(tools: &BTreeMap<String, u64>) -> Option<ToolUsage> {
    if tools.is_empty() {
        return None;
    }
    let mut list: Vec<ToolCount> = tools
        .iter()
        .map(|(name, count)| ToolCount {
            name: name.clone(),
            count: *count,
        })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    Some(ToolUsage {
        total_calls: list.iter().map(|t| t.count).sum(),
        unique_tools: list.len() as u64,
        tools: list,
    })
}

fn latency(mut v: Vec<u64>) -> Option<Latency> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    // As OpenClaw: the value at rank ceil(0.95 n).
    let p95 = (n * 95).div_ceil(100).saturating_sub(1);
    Some(Latency {
        count: n as u64,
        avg_ms: v.iter().sum::<u64>() as f64 / n as f64,
        p95_ms: v.get(p95).copied().unwrap_or(0),
        min_ms: v.first().copied().unwrap_or(0),
        max_ms: v.last().copied().unwrap_or(0),
    })
}

/// Per-day totals of some entries (for `usage.cost`): every day of the range when it is at
/// most 366 days long, else the days with usage.
pub fn daily_totals(
    entries: &[UsageEntry],
    range: &Range,
    prices: &Prices,
) -> (Vec<DailyUsage>, UsageTotals) {
    let mut daily: BTreeMap<String, UsageTotals> = range
        .every_day()
        .unwrap_or_default()
        .into_iter()
        .map(|d| (d, UsageTotals::default()))
        .collect();
    let mut totals = UsageTotals::default();
    for e in entries.iter().filter(|e| e.role == "assistant") {
        if let Some(t) = entry_totals(&e.meta, prices) {
            totals.add(&t);
            daily.entry(range.day_of(e.created_at)).or_default().add(&t);
        }
    }
    let daily = daily
        .into_iter()
        .map(|(date, totals)| DailyUsage { date, totals })
        .collect();
    (daily, totals)
}

/// One counted row for the aggregates: its agent and its rollup.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    /// Agent.
    pub agent_id: &'a str,
    /// What it used.
    pub rollup: &'a Rollup,
}

/// `sessions.usage`'s `aggregates` over every matching row (as OpenClaw accumulates them).
pub fn aggregate(rows: &[Counted<'_>]) -> UsageAggregates {
    let mut a = UsageAggregates::default();
    let mut tools: BTreeMap<String, u64> = BTreeMap::new();
    let mut models: BTreeMap<(Option<String>, Option<String>), (u64, UsageTotals)> =
        BTreeMap::new();
    let mut providers: BTreeMap<String, (u64, UsageTotals)> = BTreeMap::new();
    let mut agents: BTreeMap<String, UsageTotals> = BTreeMap::new();
    let mut cost_daily: BTreeMap<String, UsageTotals> = BTreeMap::new();
    let mut days: BTreeMap<String, DailySummary> = BTreeMap::new();
    let mut daily_models: BTreeMap<DayModel, DayModelTotals> = BTreeMap::new();
    let mut latencies: Vec<u64> = vec![];
    let mut daily_latencies: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut creator = CreatorUsage {
        key: UNKNOWN_CREATOR_KEY.into(),
        ..CreatorUsage::default()
    };
    let mut creator_daily: BTreeMap<String, UsageTotals> = BTreeMap::new();
    let mut activity: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut longest = 0i64;
    for row in rows {
        let r = row.rollup;
        creator.totals.add(&r.totals);
        agents
            .entry(row.agent_id.to_owned())
            .or_default()
            .add(&r.totals);
        if r.is_active() {
            a.session_count += 1;
            creator.session_count += 1;
            let dates: Vec<String> = r.daily_counts.keys().cloned().collect();
            *activity.entry(dates).or_default() += 1;
        }
        if let (Some(f), Some(l)) = (r.first, r.last) {
            longest = longest.max(l - f);
        }
        a.messages.add(&r.counts);
        for (t, n) in &r.tools {
            *tools.entry(t.clone()).or_default() += n;
        }
        for ((p, m), (n, t)) in &r.models {
            let e = models.entry((p.clone(), m.clone())).or_default();
            e.0 += n;
            e.1.add(t);
            let e = providers
                .entry(p.clone().unwrap_or_else(|| "unknown".into()))
                .or_default();
            e.0 += n;
            e.1.add(t);
        }
        for (d, t) in &r.daily {
            cost_daily.entry(d.clone()).or_default().add(t);
            creator_daily.entry(d.clone()).or_default().add(t);
            let day = days.entry(d.clone()).or_insert_with(|| DailySummary {
                date: d.clone(),
                ..DailySummary::default()
            });
            day.tokens += t.total_tokens;
            day.cost += t.total_cost;
        }
        for (d, c) in &r.daily_counts {
            let day = days.entry(d.clone()).or_insert_with(|| DailySummary {
                date: d.clone(),
                ..DailySummary::default()
            });
            day.messages += c.total;
            day.tool_calls += c.tool_calls;
            day.errors += c.errors;
        }
        for (k, v) in &r.daily_models {
            let e = daily_models.entry(k.clone()).or_default();
            e.0 += v.0;
            e.1 += v.1;
            e.2 += v.2;
        }
        for (d, ms) in &r.latencies {
            latencies.push(*ms);
            daily_latencies.entry(d.clone()).or_default().push(*ms);
        }
    }
    a.longest_session_duration_ms = (longest > 0).then_some(longest);
    a.tools = tool_usage(&tools).unwrap_or_default();
    a.by_model = models
        .into_iter()
        .map(|((provider, model), (count, totals))| ModelUsage {
            provider,
            model,
            count,
            totals,
        })
        .collect();
    a.by_model.sort_by(|x, y| by_cost(&x.totals, &y.totals));
    a.by_provider = providers
        .into_iter()
        .map(|(provider, (count, totals))| ProviderUsage {
            provider,
            count,
            totals,
        })
        .collect();
    a.by_provider.sort_by(|x, y| by_cost(&x.totals, &y.totals));
    a.by_agent = agents
        .into_iter()
        .map(|(agent_id, totals)| AgentUsage { agent_id, totals })
        .collect();
    a.by_agent
        .sort_by(|x, y| y.totals.total_cost.total_cmp(&x.totals.total_cost));
    if !rows.is_empty() {
        creator.daily = creator_daily
            .into_iter()
            .map(|(date, totals)| DailyUsage { date, totals })
            .collect();
        creator.session_activity = activity
            .into_iter()
            .map(|(dates, session_count)| SessionActivity {
                dates,
                session_count,
            })
            .collect();
        a.by_creator = vec![creator];
    }
    a.cost_daily = cost_daily
        .into_iter()
        .map(|(date, totals)| DailyUsage { date, totals })
        .collect();
    a.latency = latency(latencies);
    a.daily_latency = daily_latencies
        .into_iter()
        .filter_map(|(date, v)| latency(v).map(|latency| DailyLatency { date, latency }))
        .collect();
    a.model_daily = daily_models
        .into_iter()
        .map(
            |((date, provider, model), (tokens, cost, count))| DailyModelUsage {
                date,
                provider,
                model,
                tokens,
                cost,
                count,
            },
        )
        .collect();
    a.model_daily
        .sort_by(|x, y| x.date.cmp(&y.date).then(y.cost.total_cmp(&x.cost)));
    a.daily = days.into_values().collect();
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(date: &str) -> Timestamp {
        format!("{date}T12:00:00Z").parse().unwrap()
    }

    #[test]
    fn date_ranges_follow_openclaw() {
        let now = at("2026-12-02");
        let r = resolve_range(&RangeRequest::default(), now).unwrap();
        assert_eq!(r.days(), 30);
        assert_eq!(r.day_of(r.start_ms), "2026-11-03");
        assert_eq!(r.every_day().map(|d| d.len()), Some(30));
        let one = RangeRequest {
            start_date: Some("2026-12-02"),
            end_date: Some("2026-12-02"),
            ..RangeRequest::default()
        };
        let r = resolve_range(&one, now).unwrap();
        assert_eq!(r.end_ms - r.start_ms, 86_400_000 - 1);
        let all = RangeRequest {
            range: Some("all"),
            ..RangeRequest::default()
        };
        let r = resolve_range(&all, now).unwrap();
        assert_eq!(r.start_ms, 0);
        assert!(r.every_day().is_none(), "too long to zero-fill");
        for (req, want) in [
            (
                RangeRequest {
                    start_date: Some("2026-02-30"),
                    end_date: Some("2026-03-01"),
                    ..RangeRequest::default()
                },
                "startDate \"2026-02-30\" is not a calendar date",
            ),
            (
                RangeRequest {
                    start_date: Some("2026-12-01"),
                    ..RangeRequest::default()
                },
                "must be given together",
            ),
            (
                RangeRequest {
                    start_date: Some("2026-12-02"),
                    end_date: Some("2026-12-01"),
                    ..RangeRequest::default()
                },
                "is after endDate",
            ),
            (
                RangeRequest {
                    mode: Some("specific"),
                    time_zone: Some("Nowhere/Bogus"),
                    ..RangeRequest::default()
                },
                "invalid timeZone",
            ),
            (
                RangeRequest {
                    mode: Some("specific"),
                    utc_offset: Some("UTC+15"),
                    ..RangeRequest::default()
                },
                "invalid utcOffset",
            ),
            (
                RangeRequest {
                    range: Some("2w"),
                    ..RangeRequest::default()
                },
                "range \"2w\"",
            ),
        ] {
            let e = resolve_range(&req, now).err().unwrap_or_default();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
        }
    }

    #[test]
    fn offsets_and_zones_move_day_boundaries() {
        let now = at("2026-12-02");
        assert_eq!(parse_utc_offset("UTC+2"), Some(120));
        assert_eq!(parse_utc_offset("UTC-05:30"), Some(-330));
        assert_eq!(parse_utc_offset("UTC+14"), Some(840));
        assert_eq!(parse_utc_offset("UTC+14:01"), None);
        assert_eq!(parse_utc_offset("GMT+1"), None);
        let plus14 = RangeRequest {
            mode: Some("specific"),
            utc_offset: Some("UTC+14"),
            start_date: Some("2026-12-03"),
            end_date: Some("2026-12-03"),
            ..RangeRequest::default()
        };
        let r = resolve_range(&plus14, now).unwrap();
        // 2026-12-03 00:00 at UTC+14 is 2026-12-02 10:00 UTC.
        assert_eq!(
            Some(r.start_ms),
            "2026-12-02T10:00:00Z"
                .parse::<Timestamp>()
                .ok()
                .map(|t| t.as_millisecond())
        );
        assert_eq!(r.day_of(at("2026-12-02").as_millisecond()), "2026-12-03");
        let paris = RangeRequest {
            mode: Some("specific"),
            time_zone: Some("Europe/Paris"),
            ..RangeRequest::default()
        };
        if let Ok(r) = resolve_range(&paris, now) {
            // Where a zone database exists: 23:30 UTC is the next day in Paris.
            let late = "2026-12-01T23:30:00Z"
                .parse::<Timestamp>()
                .map(|t| t.as_millisecond())
                .unwrap_or(0);
            assert_eq!(r.day_of(late), "2026-12-02");
        }
    }

    #[test]
    fn costs_come_from_the_entry_then_the_config_and_unknown_prices_are_counted() {
        let mut prices = Prices::default();
        prices.0.insert(
            ("fake".into(), "fake-model".into()),
            ModelCost {
                input: 3.0,
                output: 15.0,
                cache_read: 0.0,
                cache_write: 0.0,
            },
        );
        let recorded = json!({ "provider": "fake", "model": "fake-model", "usage": { "input": 10, "output": 2, "totalTokens": 12, "cost": { "input": 1.0, "output": 0.5, "cacheRead": 0, "cacheWrite": 0, "total": 1.5 } } });
        let t = entry_totals(&recorded, &prices).unwrap();
        assert_eq!(
            (t.total_tokens, t.total_cost, t.output_cost),
            (12, 1.5, 0.5)
        );
        let estimated = json!({ "provider": "fake", "model": "fake-model", "usage": { "input": 1_000_000, "output": 0 } });
        let t = entry_totals(&estimated, &prices).unwrap_or_default();
        assert_eq!(
            (t.total_cost, t.input_cost, t.missing_cost_entries),
            (3.0, 3.0, 0)
        );
        let old = json!({ "provider": "fake", "model": "fake-model", "costUsd": 0.25, "usage": { "input": 1000, "output": 0 } });
        assert_eq!(
            entry_totals(&old, &prices).map(|t| t.total_cost),
            Some(0.25)
        );
        let unpriced =
            json!({ "provider": "x", "model": "y", "usage": { "input": 5, "output": 5 } });
        let t = entry_totals(&unpriced, &prices).unwrap_or_default();
        assert_eq!((t.total_cost, t.missing_cost_entries), (0.0, 1));
        assert_eq!(t.missing_cost_by_model.get("x/y"), Some(&1));
        assert!(entry_totals(&json!({ "provider": "x" }), &prices).is_none());
    }

    #[test]
    fn latency_percentiles() {
        let l = latency((1..=100).collect()).unwrap_or_default();
        assert_eq!((l.count, l.min_ms, l.max_ms, l.p95_ms), (100, 1, 100, 95));
        assert_eq!(latency(vec![7]).map(|l| l.p95_ms), Some(7));
        assert!(latency(vec![]).is_none());
    }
}
