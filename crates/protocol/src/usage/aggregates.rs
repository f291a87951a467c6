//! `sessions.usage` aggregates across sessions: by provider, agent, channel, creator and day.

use super::*;

/// Usage of one provider.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderUsage {
    /// Provider id.
    pub provider: String,
    /// Replies.
    pub count: u64,
    /// Totals.
    pub totals: UsageTotals,
}

/// Usage of one agent.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentUsage {
    /// Agent id.
    pub agent_id: String,
    /// Totals.
    pub totals: UsageTotals,
}

/// Usage of one channel (Tidepool has no channels: never present).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelUsage {
    /// Channel.
    pub channel: String,
    /// Totals.
    pub totals: UsageTotals,
}

/// Sessions active on the same set of days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionActivity {
    /// The days.
    pub dates: Vec<String>,
    /// Sessions.
    pub session_count: u64,
}

/// Usage of one creator.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorUsage {
    /// Creator key (`["unknown"]` in Tidepool).
    pub key: String,
    /// Totals.
    pub totals: UsageTotals,
    /// Sessions with activity.
    pub session_count: u64,
    /// Per day.
    pub daily: Vec<DailyUsage>,
    /// Sessions by their active days.
    pub session_activity: Vec<SessionActivity>,
}

/// One day over all sessions.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailySummary {
    /// Day.
    pub date: String,
    /// Tokens.
    pub tokens: u64,
    /// Cost, USD.
    pub cost: f64,
    /// Messages.
    pub messages: u64,
    /// Tool calls.
    pub tool_calls: u64,
    /// Errors.
    pub errors: u64,
}

/// `sessions.usage` aggregates over every matching session.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageAggregates {
    /// Sessions with messages in the range.
    pub session_count: u64,
    /// The longest first-to-last-message span, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longest_session_duration_ms: Option<i64>,
    /// Messages.
    pub messages: MessageCounts,
    /// Tool calls.
    pub tools: ToolUsage,
    /// Per model, most expensive first.
    pub by_model: Vec<ModelUsage>,
    /// Per provider.
    pub by_provider: Vec<ProviderUsage>,
    /// Per agent.
    pub by_agent: Vec<AgentUsage>,
    /// Per channel (always empty).
    pub by_channel: Vec<ChannelUsage>,
    /// Per creator.
    pub by_creator: Vec<CreatorUsage>,
    /// Totals per day.
    pub cost_daily: Vec<DailyUsage>,
    /// Reply times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Reply times per day.
    pub daily_latency: Vec<DailyLatency>,
    /// Per model per day.
    pub model_daily: Vec<DailyModelUsage>,
    /// Per day.
    pub daily: Vec<DailySummary>,
}
