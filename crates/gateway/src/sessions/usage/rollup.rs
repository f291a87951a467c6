//! Summing entries: per transcript or session family (`Rollup`), per day (`daily_totals`) and
//! across sessions (`aggregate`).

use super::*;

/// A reply time above this (12 h) is a clock jump, not a measurement.
pub(super) const MAX_LATENCY_MS: u64 = 43_200_000;

/// A model on a day: `(date, provider, model)`.
pub(super) type DayModel = (String, Option<String>, Option<String>);
/// Tokens, cost and replies of a model on a day.
pub(super) type DayModelTotals = (u64, f64, u64);

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

pub(super) fn utc_quarter(ms: i64) -> (String, u32) {
    let z = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(TimeZone::UTC);
    let q = (i32::from(z.hour()) * 60 + i32::from(z.minute())) / 15;
    (z.date().to_string(), q.unsigned_abs())
}

pub(super) fn is_error_stop(e: &UsageEntry) -> bool {
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

pub(super) fn by_cost(a: &UsageTotals, b: &UsageTotals) -> std::cmp::Ordering {
    b.total_cost
        .total_cmp(&a.total_cost)
        .then(b.total_tokens.cmp(&a.total_tokens))
}

pub(super) fn tool_usage(tools: &BTreeMap<String, u64>) -> Option<ToolUsage> {
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

pub(super) fn latency(mut v: Vec<u64>) -> Option<Latency> {
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
    let mut by_provider: BTreeMap<String, BTreeMap<String, ProviderDay>> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.role == "assistant") {
        if let Some(t) = entry_totals(&e.meta, prices) {
            totals.add(&t);
            let day = range.day_of(e.created_at);
            let provider = e
                .meta
                .get("provider")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            let p = by_provider
                .entry(day.clone())
                .or_default()
                .entry(provider.to_owned())
                .or_default();
            p.tokens += t.input + t.output;
            p.cost += t.total_cost;
            daily.entry(day).or_default().add(&t);
        }
    }
    let daily = daily
        .into_iter()
        .map(|(date, totals)| DailyUsage {
            by_provider: by_provider.remove(&date).unwrap_or_default(),
            date,
            totals,
        })
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
            .map(|(date, totals)| DailyUsage {
                date,
                totals,
                by_provider: BTreeMap::new(),
            })
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
        .map(|(date, totals)| DailyUsage {
            date,
            totals,
            by_provider: BTreeMap::new(),
        })
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
