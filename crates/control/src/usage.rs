//! What the assistant cost lately, for the dashboard: tokens and cost per day over the last
//! week in the gateway's own time zone (the day the user lives in), through `usage.cost`.

use serde::{Deserialize, Serialize};
use tidepool_client::{Client, ClientError};
use tidepool_protocol::usage::{UsageCost, UsageCostParams};

/// One day's use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DayUsage {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Input and output tokens.
    pub tokens: u64,
    /// Estimated cost, USD (models without a price count 0).
    pub cost_usd: f64,
}

/// The last seven days, oldest first, every day present (a day without use is zero); the last
/// one is today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RecentUsage {
    /// Seven days.
    pub days: Vec<DayUsage>,
    /// Model calls without a known price (their cost is not in `costUsd`).
    pub unpriced_calls: u64,
}

/// The days `usage.cost` reports for the last week, every agent.
pub async fn recent(c: &Client) -> Result<RecentUsage, ClientError> {
    let r = c
        .call::<UsageCost>(&UsageCostParams {
            days: Some(serde_json::json!(7)),
            mode: Some("gateway".into()),
            agent_scope: Some("all".into()),
            ..Default::default()
        })
        .await?;
    Ok(from_daily(
        r.daily.iter().map(|d| {
            (
                d.date.clone(),
                d.totals.input + d.totals.output,
                d.totals.total_cost,
            )
        }),
        r.totals.missing_cost_entries,
    ))
}

fn from_daily(daily: impl Iterator<Item = (String, u64, f64)>, unpriced_calls: u64) -> RecentUsage {
    let mut days: Vec<DayUsage> = daily
        .map(|(date, tokens, cost_usd)| DayUsage {
            date,
            tokens,
            cost_usd,
        })
        .collect();
    days.sort_by(|a, b| a.date.cmp(&b.date));
    RecentUsage {
        days,
        unpriced_calls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_come_oldest_first() {
        let r = from_daily(
            [
                ("2026-12-03".to_owned(), 10, 0.5),
                ("2026-12-01".to_owned(), 0, 0.0),
            ]
            .into_iter(),
            2,
        );
        assert_eq!(r.days[0].date, "2026-12-01");
        assert_eq!(r.days[1].tokens, 10);
        assert_eq!(r.unpriced_calls, 2);
    }
}
