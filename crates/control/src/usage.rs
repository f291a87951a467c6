//! What the assistant cost lately, for the dashboard: tokens and cost per day over the last
//! week in the gateway's own time zone (the day the user lives in), through `usage.cost`.

use serde::{Deserialize, Serialize};
use tidepool_client::{Client, ClientError};
use tidepool_protocol::usage::{DailyUsage, UsageCost, UsageCostParams};

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
    /// The same by provider, the most expensive first (then the most tokens).
    pub by_provider: Vec<ProviderUse>,
}

/// One provider's share of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProviderUse {
    /// Provider id.
    pub provider: String,
    /// Input and output tokens.
    pub tokens: u64,
    /// Estimated cost, USD.
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
    Ok(from_daily(r.daily, r.totals.missing_cost_entries))
}

fn from_daily(daily: Vec<DailyUsage>, unpriced_calls: u64) -> RecentUsage {
    let mut days: Vec<DayUsage> = daily
        .into_iter()
        .map(|d| {
            let mut by_provider: Vec<ProviderUse> = d
                .by_provider
                .into_iter()
                .map(|(provider, p)| ProviderUse {
                    provider,
                    tokens: p.tokens,
                    cost_usd: p.cost,
                })
                .collect();
            by_provider.sort_by(|a, b| {
                b.cost_usd
                    .total_cmp(&a.cost_usd)
                    .then(b.tokens.cmp(&a.tokens))
            });
            DayUsage {
                date: d.date,
                tokens: d.totals.input + d.totals.output,
                cost_usd: d.totals.total_cost,
                by_provider,
            }
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
    use tidepool_protocol::usage::{ProviderDay, UsageTotals};

    fn day(
        date: &str,
        input: u64,
        output: u64,
        cost: f64,
        providers: &[(&str, u64, f64)],
    ) -> DailyUsage {
        DailyUsage {
            date: date.to_owned(),
            totals: UsageTotals {
                input,
                output,
                total_cost: cost,
                ..UsageTotals::default()
            },
            by_provider: providers
                .iter()
                .map(|(p, tokens, cost)| {
                    (
                        (*p).to_owned(),
                        ProviderDay {
                            tokens: *tokens,
                            cost: *cost,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn days_come_oldest_first_with_the_costliest_provider_first() {
        let r = from_daily(
            vec![
                day(
                    "2026-12-03",
                    6,
                    4,
                    0.5,
                    &[
                        ("anthropic", 2, 0.1),
                        ("openai", 8, 0.4),
                        ("ollama", 3, 0.0),
                    ],
                ),
                day("2026-12-01", 0, 0, 0.0, &[]),
            ],
            2,
        );
        assert_eq!(r.days[0].date, "2026-12-01");
        assert!(r.days[0].by_provider.is_empty());
        assert_eq!(r.days[1].tokens, 10);
        let order: Vec<&str> = r.days[1]
            .by_provider
            .iter()
            .map(|p| p.provider.as_str())
            .collect();
        assert_eq!(order, ["openai", "anthropic", "ollama"]);
        assert_eq!(r.unpriced_calls, 2);
    }
}
