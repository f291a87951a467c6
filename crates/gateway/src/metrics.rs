//! The gateway's figures for `/metrics` (Prometheus text format, prometheus-client): connections,
//! RPC requests and their latency by method and outcome, chat runs, tokens and provider errors by
//! provider, config reloads, and, read at each scrape, pending approvals, active runs, resident
//! memory and CPU time. Recording is a few atomic adds; nothing here blocks a request.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tidepool_protocol::methods::ProviderVitals;

/// How a request ended.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)] // Label values are lower case in Prometheus.
pub enum Outcome {
    /// Answered with a result.
    ok,
    /// Answered with an error.
    error,
    /// Refused before it ran (unknown method, missing scope, bad params, too many in flight).
    refused,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RpcLabels {
    method: String,
    outcome: Outcome,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    provider: String,
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderErrorLabels {
    provider: String,
    kind: String,
}

/// Label used for a method name the gateway does not serve: the name comes from the client, and
/// a label per unknown name would let anyone grow the scrape without bound.
pub const UNKNOWN_METHOD: &str = "unknown";

/// Every figure the gateway records.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    connections_open: Gauge,
    connections: Counter,
    rpc: Family<RpcLabels, Histogram>,
    runs: Family<RunLabels, Counter>,
    active_runs: Gauge,
    tokens: Family<TokenLabels, Counter>,
    provider_errors: Family<ProviderErrorLabels, Counter>,
    provider_success: Family<ProviderLabels, Gauge<f64, AtomicU64>>,
    reloads: Family<RunLabels, Counter>,
    pending_approvals: Gauge,
    /// The same figures, readable for `status` (a Family cannot be iterated).
    runs_total: AtomicU64,
    vitals: Mutex<BTreeMap<String, ProviderVitals>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// An empty set of figures, registered under `tidepool_`.
    pub fn new() -> Metrics {
        let mut root = Registry::default();
        let registry = root.sub_registry_with_prefix("tidepool");
        let connections_open = Gauge::default();
        registry.register(
            "connections_open",
            "WebSocket connections open now",
            connections_open.clone(),
        );
        let connections = Counter::default();
        registry.register(
            "connections",
            "WebSocket connections accepted since start",
            connections.clone(),
        );
        // 0.5 ms … ~8 s: local methods answer in well under a millisecond, chat.send in
        // seconds.
        let rpc = Family::<RpcLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 4.0, 8))
        });
        registry.register(
            "rpc_request_duration_seconds",
            "Time to answer an RPC request, by method and outcome",
            rpc.clone(),
        );
        let runs = Family::<RunLabels, Counter>::default();
        registry.register(
            "chat_runs",
            "Chat runs finished, by outcome (ok, aborted, error)",
            runs.clone(),
        );
        let active_runs = Gauge::default();
        registry.register(
            "chat_runs_active",
            "Chat runs in progress",
            active_runs.clone(),
        );
        let tokens = Family::<TokenLabels, Counter>::default();
        registry.register(
            "provider_tokens",
            "Tokens reported by providers, by provider and kind (input, output, cache_read, cache_write)",
            tokens.clone(),
        );
        let provider_errors = Family::<ProviderErrorLabels, Counter>::default();
        registry.register(
            "provider_errors",
            "Provider calls that failed, by provider and kind",
            provider_errors.clone(),
        );
        let provider_success = Family::<ProviderLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "provider_last_success_timestamp_seconds",
            "When each provider last answered, in seconds since the Unix epoch",
            provider_success.clone(),
        );
        let reloads = Family::<RunLabels, Counter>::default();
        registry.register(
            "config_reloads",
            "Config file changes handled, by outcome (applied, restart_needed, rejected)",
            reloads.clone(),
        );
        let pending_approvals = Gauge::default();
        registry.register(
            "approvals_pending",
            "Exec approvals waiting for a decision",
            pending_approvals.clone(),
        );
        root.register_collector(Box::new(ProcessCollector));
        Metrics {
            registry: root,
            connections_open,
            connections,
            rpc,
            runs,
            active_runs,
            tokens,
            provider_errors,
            provider_success,
            reloads,
            pending_approvals,
            runs_total: AtomicU64::new(0),
            vitals: Mutex::new(BTreeMap::new()),
        }
    }

    /// Chat runs in progress.
    pub fn active_runs(&self) -> u64 {
        u64::try_from(self.active_runs.get()).unwrap_or(0)
    }

    /// Chat runs finished since start.
    pub fn runs_total(&self) -> u64 {
        self.runs_total.load(Ordering::Relaxed)
    }

    /// Each provider called since start, by id.
    pub fn providers(&self) -> Vec<ProviderVitals> {
        self.vitals
            .lock()
            .map(|v| v.values().cloned().collect())
            .unwrap_or_default()
    }

    fn vital(&self, provider: &str, f: impl FnOnce(&mut ProviderVitals)) {
        if let Ok(mut v) = self.vitals.lock() {
            // Provider ids come from the config, not from clients: the map stays small.
            let entry = v
                .entry(provider.to_owned())
                .or_insert_with(|| ProviderVitals {
                    provider: provider.to_owned(),
                    last_ok_ms: None,
                    last_error_ms: None,
                    last_error: None,
                    errors: 0,
                });
            f(entry);
        }
    }

    /// A connection was accepted; the guard counts it as open until dropped.
    pub fn connection(&self) -> ConnectionGuard {
        self.connections.inc();
        self.connections_open.inc();
        ConnectionGuard(self.connections_open.clone())
    }

    /// One RPC request answered (or refused) after `elapsed`.
    pub fn rpc(&self, method: &str, outcome: Outcome, elapsed: Duration) {
        self.rpc
            .get_or_create(&RpcLabels {
                method: method.to_owned(),
                outcome,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// A chat run started; the guard counts it as active until dropped.
    pub fn run_started(&self) -> RunGuard {
        self.active_runs.inc();
        RunGuard(self.active_runs.clone())
    }

    /// A chat run ended (`ok`, `aborted`, `error`).
    pub fn run_finished(&self, outcome: &str) {
        self.runs_total.fetch_add(1, Ordering::Relaxed);
        self.runs
            .get_or_create(&RunLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// A provider answered with this usage.
    pub fn provider_answered(&self, provider: &str, usage: [(&'static str, u64); 4]) {
        for (kind, n) in usage {
            if n > 0 {
                self.tokens
                    .get_or_create(&TokenLabels {
                        provider: provider.to_owned(),
                        kind,
                    })
                    .inc_by(n);
            }
        }
        let now = crate::sysinfo::now_ms();
        self.provider_success
            .get_or_create(&ProviderLabels {
                provider: provider.to_owned(),
            })
            .set(now as f64 / 1000.0);
        self.vital(provider, |v| v.last_ok_ms = Some(now));
    }

    /// A provider call failed (`kind` from the provider error: auth, rate_limited, …).
    pub fn provider_failed(&self, provider: &str, kind: &str) {
        self.provider_errors
            .get_or_create(&ProviderErrorLabels {
                provider: provider.to_owned(),
                kind: kind.to_owned(),
            })
            .inc();
        self.vital(provider, |v| {
            v.last_error_ms = Some(crate::sysinfo::now_ms());
            v.last_error = Some(kind.to_owned());
            v.errors += 1;
        });
    }

    /// A config change was handled (`applied`, `restart_needed`, `rejected`).
    pub fn config_reload(&self, outcome: &str) {
        self.reloads
            .get_or_create(&RunLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// The scrape: the figures in the Prometheus text exposition format, with the values read
    /// at scrape time set first.
    pub fn encode(&self, pending_approvals: usize) -> Result<String, std::fmt::Error> {
        self.pending_approvals
            .set(i64::try_from(pending_approvals).unwrap_or(i64::MAX));
        let mut out = String::with_capacity(4096);
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Keeps a connection counted as open.
#[derive(Debug)]
pub struct ConnectionGuard(Gauge);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Keeps a chat run counted as active.
#[derive(Debug)]
pub struct RunGuard(Gauge);

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The standard process figures, read at each scrape (names as Prometheus' own clients use).
#[derive(Debug)]
struct ProcessCollector;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(rss) = crate::sysinfo::rss_bytes() {
            let g = ConstGauge::new(i64::try_from(rss).unwrap_or(i64::MAX));
            let m = encoder.encode_descriptor(
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                None,
                g.metric_type(),
            )?;
            g.encode(m)?;
        }
        if let Some(cpu) = crate::sysinfo::cpu_seconds() {
            let c = ConstCounter::new(cpu);
            let m = encoder.encode_descriptor(
                "process_cpu_seconds",
                "User and system CPU time spent, in seconds",
                None,
                c.metric_type(),
            )?;
            c.encode(m)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrape_names_every_family_and_counts() {
        let m = Metrics::new();
        let _c = m.connection();
        m.rpc("status", Outcome::ok, Duration::from_millis(2));
        m.rpc(UNKNOWN_METHOD, Outcome::refused, Duration::ZERO);
        m.provider_answered(
            "openai",
            [
                ("input", 10),
                ("output", 5),
                ("cache_read", 0),
                ("cache_write", 0),
            ],
        );
        m.provider_failed("openai", "rate_limit");
        m.config_reload("applied");
        let vitals = m.providers();
        assert_eq!(vitals.len(), 1);
        assert_eq!(vitals[0].provider, "openai");
        assert!(vitals[0].last_ok_ms.is_some() && vitals[0].last_error_ms.is_some());
        assert_eq!(
            (vitals[0].last_error.as_deref(), vitals[0].errors),
            (Some("rate_limit"), 1)
        );
        let run = m.run_started();
        assert_eq!(m.active_runs(), 1);
        drop(run);
        m.run_finished("ok");
        assert_eq!((m.active_runs(), m.runs_total()), (0, 1));
        let text = m.encode(3).expect("encodes");
        for needle in [
            "tidepool_connections_open 1",
            "tidepool_connections_total 1",
            "tidepool_rpc_request_duration_seconds_count{method=\"status\",outcome=\"ok\"} 1",
            "tidepool_rpc_request_duration_seconds_count{method=\"unknown\",outcome=\"refused\"} 1",
            "tidepool_provider_tokens_total{provider=\"openai\",kind=\"input\"} 10",
            "tidepool_provider_errors_total{provider=\"openai\",kind=\"rate_limit\"} 1",
            "tidepool_config_reloads_total{outcome=\"applied\"} 1",
            "tidepool_approvals_pending 3",
            "# EOF",
        ] {
            assert!(text.contains(needle), "missing {needle} in:\n{text}");
        }
        assert!(
            !text.contains("kind=\"cache_read\""),
            "zero counts are not created"
        );
        drop(_c);
        assert!(
            m.encode(0)
                .expect("encodes")
                .contains("tidepool_connections_open 0")
        );
    }
}
