//! Token and cost accounting: `sessions.usage`, `usage.cost` and `usage.status`. Params as in
//! `@openclaw/gateway-protocol` (`SessionsUsageParams`, closed); results in the shapes a real
//! OpenClaw 2026.9 gateway answers with (the schema has no definition for them).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

mod aggregates;
pub use aggregates::*;

/// Method names (from the descriptors, so each is spelled once).
pub mod names {
    use crate::contract::Method;
    /// Tokens and cost per session, with totals and breakdowns (by model, agent, day, ...).
    pub const SESSIONS_USAGE: &str = <super::SessionsUsage as Method>::NAME;
    /// Tokens and cost per day.
    pub const USAGE_COST: &str = <super::UsageCost as Method>::NAME;
    /// Provider plan quotas (OpenClaw asks the providers' own usage APIs).
    pub const USAGE_STATUS: &str = <super::UsageStatus as Method>::NAME;
}

crate::method! {
    /// Tokens and cost per session, with totals and breakdowns (by model, agent, day, ...).
    SessionsUsage = "sessions.usage", Read, SessionsUsageParams => SessionsUsageResult;
    /// Tokens and cost per day.
    UsageCost = "usage.cost", Read, UsageCostParams => UsageCostResult;
    /// Provider plan quotas (OpenClaw asks the providers' own usage APIs).
    UsageStatus = "usage.status", Read, crate::contract::NoParams => UsageStatusResult;
}

/// `sessions.usage` params.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionsUsageParams {
    /// Only this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Only this agent's sessions (default: the default agent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `all`: every agent's sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_scope: Option<String>,
    /// First day, `YYYY-MM-DD` (with `endDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Last day, `YYYY-MM-DD` (with `startDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// How days are counted: `utc` (default), `gateway` (the gateway's time zone) or
    /// `specific` (`timeZone` / `utcOffset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `7d`, `30d` (default), `90d`, `1y` or `all`, ending today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// `instance` (default: one row per transcript) or `family` (one row per session key,
    /// its transcripts before resets included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// Deprecated alias for `groupBy: "family"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_historical: Option<bool>,
    /// `UTC+H[:MM]` for `mode: "specific"` (deprecated fallback of `timeZone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<String>,
    /// IANA time zone for `mode: "specific"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Rows returned (default 50); totals and aggregates count every session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Adds `contextWeight` to each row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_context_weight: Option<bool>,
}

/// `usage.cost` params (no schema definition; OpenClaw reads these and ignores the rest).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageCostParams {
    /// First day, `YYYY-MM-DD` (with `endDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Last day, `YYYY-MM-DD` (with `startDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// The last N days (a number or a numeric string), when no dates or range are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Value>,
    /// `7d`, `30d` (default), `90d`, `1y` or `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// `utc` (default), `gateway` or `specific`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `UTC+H[:MM]` for `mode: "specific"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<String>,
    /// IANA time zone for `mode: "specific"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Only this agent (default: the default agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `all`: every agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_scope: Option<String>,
    /// Other fields, ignored.
    #[serde(flatten, skip_serializing)]
    pub other: serde_json::Map<String, Value>,
}

/// Tokens and cost (USD) of some model calls.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTotals {
    /// Prompt tokens.
    pub input: u64,
    /// Reply tokens.
    pub output: u64,
    /// Prompt tokens read from the provider's cache.
    pub cache_read: u64,
    /// Prompt tokens written to the provider's cache.
    pub cache_write: u64,
    /// All tokens.
    pub total_tokens: u64,
    /// Cost, USD.
    pub total_cost: f64,
    /// Of which prompt tokens.
    pub input_cost: f64,
    /// Of which reply tokens.
    pub output_cost: f64,
    /// Of which cache reads.
    pub cache_read_cost: f64,
    /// Of which cache writes.
    pub cache_write_cost: f64,
    /// Replies with tokens but no known price (no `cost` on their model), counted as 0 USD.
    pub missing_cost_entries: u64,
    /// Those replies by `provider/model`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub missing_cost_by_model: BTreeMap<String, u64>,
}

impl UsageTotals {
    /// Adds another set of totals.
    pub fn add(&mut self, o: &UsageTotals) {
        self.input += o.input;
        self.output += o.output;
        self.cache_read += o.cache_read;
        self.cache_write += o.cache_write;
        self.total_tokens += o.total_tokens;
        self.total_cost += o.total_cost;
        self.input_cost += o.input_cost;
        self.output_cost += o.output_cost;
        self.cache_read_cost += o.cache_read_cost;
        self.cache_write_cost += o.cache_write_cost;
        self.missing_cost_entries += o.missing_cost_entries;
        for (k, n) in &o.missing_cost_by_model {
            *self.missing_cost_by_model.entry(k.clone()).or_default() += n;
        }
    }
}

/// Totals of one day.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyUsage {
    /// `YYYY-MM-DD` in the request's time zone.
    pub date: String,
    /// The day's totals.
    #[serde(flatten)]
    pub totals: UsageTotals,
    /// Tidepool: the day's tokens and cost by provider (in `usage.cost`; empty elsewhere).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_provider: BTreeMap<String, ProviderDay>,
}

/// One provider's use on one day.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderDay {
    /// Input and output tokens.
    pub tokens: u64,
    /// Cost, USD (replies without a price count 0).
    pub cost: f64,
}

/// `usage.cost` result.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageCostResult {
    /// When this was computed, ms.
    pub updated_at: u64,
    /// Calendar days in the range.
    pub days: u64,
    /// One row per day (every day when the range is at most 366 days, else days with usage).
    pub daily: Vec<DailyUsage>,
    /// The whole range.
    pub totals: UsageTotals,
}

/// `usage.status` result.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageStatusResult {
    /// When this was computed, ms.
    pub updated_at: u64,
    /// Provider plan quota snapshots; Tidepool reads none, so this is empty.
    pub providers: Vec<Value>,
}

/// Messages by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageCounts {
    /// User and assistant messages.
    pub total: u64,
    /// User messages.
    pub user: u64,
    /// Assistant messages.
    pub assistant: u64,
    /// Tool calls the model made.
    pub tool_calls: u64,
    /// Tool results.
    pub tool_results: u64,
    /// Failed tools and replies that ended in an error or were stopped.
    pub errors: u64,
}

impl MessageCounts {
    /// Adds other counts.
    pub fn add(&mut self, o: &MessageCounts) {
        self.total += o.total;
        self.user += o.user;
        self.assistant += o.assistant;
        self.tool_calls += o.tool_calls;
        self.tool_results += o.tool_results;
        self.errors += o.errors;
    }
}

/// Calls of one tool.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCount {
    /// Tool name.
    pub name: String,
    /// Calls.
    pub count: u64,
}

/// Tool calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolUsage {
    /// All calls.
    pub total_calls: u64,
    /// Distinct tools.
    pub unique_tools: u64,
    /// Per tool, most used first.
    pub tools: Vec<ToolCount>,
}

/// Usage of one model.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelUsage {
    /// Provider id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Model id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Replies.
    pub count: u64,
    /// Their totals.
    pub totals: UsageTotals,
}

/// Reply times of the model calls.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// Calls measured.
    pub count: u64,
    /// Mean, ms.
    pub avg_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: u64,
    /// Fastest, ms.
    pub min_ms: u64,
    /// Slowest, ms.
    pub max_ms: u64,
}

/// Reply times of one day.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyLatency {
    /// Day.
    pub date: String,
    /// Its reply times.
    #[serde(flatten)]
    pub latency: Latency,
}

/// One day of a session.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyBreakdown {
    /// Day.
    pub date: String,
    /// = `totals.totalTokens`.
    pub tokens: u64,
    /// = `totals.totalCost`.
    pub cost: f64,
    /// The day's totals.
    #[serde(flatten)]
    pub totals: UsageTotals,
}

/// Messages of one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyMessageCounts {
    /// Day.
    pub date: String,
    /// Its messages.
    #[serde(flatten)]
    pub counts: MessageCounts,
}

/// Messages of one UTC quarter hour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuarterHourMessageCounts {
    /// UTC day.
    pub date: String,
    /// Quarter hour of that day, 0..=95.
    pub quarter_index: u32,
    /// Its messages.
    #[serde(flatten)]
    pub counts: MessageCounts,
}

/// Tokens of one UTC quarter hour.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuarterHourTokens {
    /// UTC day.
    pub date: String,
    /// Quarter hour of that day, 0..=95.
    pub quarter_index: u32,
    /// Prompt tokens.
    pub input: u64,
    /// Reply tokens.
    pub output: u64,
    /// Cache reads.
    pub cache_read: u64,
    /// Cache writes.
    pub cache_write: u64,
    /// All tokens.
    pub total_tokens: u64,
    /// Cost, USD.
    pub total_cost: f64,
}

/// One model on one day.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyModelUsage {
    /// Day.
    pub date: String,
    /// Provider id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Model id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Tokens.
    pub tokens: u64,
    /// Cost, USD.
    pub cost: f64,
    /// Replies.
    pub count: u64,
}

/// What one session (or transcript) used in the range.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUsage {
    /// Totals.
    #[serde(flatten)]
    pub totals: UsageTotals,
    /// Transcript id (the current one for a family row).
    pub session_id: String,
    /// First message in the range, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_activity: Option<i64>,
    /// Last message in the range, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<i64>,
    /// From the first to the last message, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// Messages.
    pub message_counts: MessageCounts,
    /// Tool calls, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_usage: Option<ToolUsage>,
    /// Per model, if any replied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_usage: Option<Vec<ModelUsage>>,
    /// Reply times, if any were measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Days with messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activity_dates: Vec<String>,
    /// Per day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_breakdown: Vec<DailyBreakdown>,
    /// Messages per day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_message_counts: Vec<DailyMessageCounts>,
    /// Messages per UTC quarter hour.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub utc_quarter_hour_message_counts: Vec<QuarterHourMessageCounts>,
    /// Tokens per UTC quarter hour.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub utc_quarter_hour_token_usage: Vec<QuarterHourTokens>,
    /// Reply times per day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_latency: Vec<DailyLatency>,
    /// Per model per day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_model_usage: Vec<DailyModelUsage>,
}

/// One row of `sessions.usage`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUsageRow {
    /// Session key (an earlier transcript of a key, in instance rows: `agent:<id>:<sessionId>`).
    pub key: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Transcript id.
    pub session_id: String,
    /// `instance` or `family`.
    pub scope: String,
    /// Family rows: the session key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_family_key: Option<String>,
    /// Family rows: the current transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_session_id: Option<String>,
    /// Family rows: every transcript counted, current first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included_session_ids: Option<Vec<String>>,
    /// Family rows: how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub historical_instance_count: Option<u64>,
    /// Last change, ms.
    pub updated_at: i64,
    /// Agent.
    pub agent_id: String,
    /// Who started it; Tidepool does not know (`["unknown"]`).
    pub creator_key: String,
    /// The session's model override's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_override: Option<String>,
    /// The session's model override's provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_override: Option<String>,
    /// Provider of the last reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    /// Model of the last reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What it used in the range.
    pub usage: SessionUsage,
    /// Whether a system-prompt weight report exists (never in Tidepool).
    pub has_context_weight: bool,
    /// With `includeContextWeight`: `null` (Tidepool keeps no such report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_weight: Option<Value>,
}

/// A creator to filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorOption {
    /// Creator key.
    pub key: String,
}

/// `sessions.usage` result.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionsUsageResult {
    /// When this was computed, ms.
    pub updated_at: u64,
    /// First day of the range.
    pub start_date: String,
    /// Last day of the range.
    pub end_date: String,
    /// Rows, most recently updated first (at most `limit`).
    pub sessions: Vec<SessionUsageRow>,
    /// Totals over every matching session.
    pub totals: UsageTotals,
    /// Breakdowns over every matching session.
    pub aggregates: UsageAggregates,
    /// Creators seen.
    pub creator_options: Vec<CreatorOption>,
}

/// OpenClaw's key for a session whose creator is not known.
pub const UNKNOWN_CREATOR_KEY: &str = "[\"unknown\"]";

#[cfg(test)]
mod by_provider_tests {
    use super::*;

    #[test]
    fn a_day_carries_its_split_by_provider_and_reads_back() {
        let mut d = DailyUsage {
            date: "2026-12-04".into(),
            ..DailyUsage::default()
        };
        d.totals.input = 3;
        d.by_provider.insert(
            "fake".into(),
            ProviderDay {
                tokens: 3,
                cost: 0.5,
            },
        );
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["byProvider"]["fake"]["tokens"], 3, "{v}");
        assert_eq!(v["input"], 3);
        assert_eq!(serde_json::from_value::<DailyUsage>(v).unwrap(), d);
        // A day without use has no split (OpenClaw's shape exactly).
        let v = serde_json::to_value(DailyUsage::default()).unwrap();
        assert!(v.get("byProvider").is_none());
    }
}
