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
        let e = resolve_range(&req, now)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
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
    let unpriced = json!({ "provider": "x", "model": "y", "usage": { "input": 5, "output": 5 } });
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

#[test]
fn each_day_is_split_by_provider() {
    let now = at("2026-12-02");
    let range = resolve_range(
        &RangeRequest {
            mode: Some("specific"),
            utc_offset: Some("UTC+0"),
            start_date: Some("2026-12-01"),
            end_date: Some("2026-12-02"),
            ..RangeRequest::default()
        },
        now,
    )
    .unwrap();
    let entry = |day: &str, meta: serde_json::Value| UsageEntry {
        session_key: "k".into(),
        session_id: "s".into(),
        agent_id: "main".into(),
        role: "assistant".into(),
        status: String::new(),
        created_at: at(day).as_millisecond() + 3_600_000,
        meta,
        tool_names: vec![],
        tool_results: 0,
        tool_errors: 0,
    };
    let cost = |total: f64| json!({ "input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": total });
    let entries = vec![
        entry(
            "2026-12-02",
            json!({ "provider": "anthropic", "model": "m", "usage": { "input": 10, "output": 5, "cost": cost(0.5) } }),
        ),
        entry(
            "2026-12-02",
            json!({ "provider": "openai", "model": "m", "usage": { "input": 1, "output": 1, "cost": cost(0.25) } }),
        ),
        entry(
            "2026-12-02",
            json!({ "provider": "anthropic", "model": "m", "usage": { "input": 4, "output": 1, "cost": cost(0.5) } }),
        ),
        entry(
            "2026-12-02",
            json!({ "model": "m", "usage": { "input": 2, "output": 0 } }),
        ),
    ];
    let (daily, totals) = daily_totals(&entries, &range, &Prices::default());
    assert_eq!(daily.len(), 2);
    assert!(
        daily[0].by_provider.is_empty(),
        "a day without use has no split"
    );
    let today = &daily[1].by_provider;
    assert_eq!(
        today.keys().collect::<Vec<_>>(),
        ["anthropic", "openai", "unknown"]
    );
    assert_eq!(
        (today["anthropic"].tokens, today["anthropic"].cost),
        (20, 1.0)
    );
    assert_eq!((today["openai"].tokens, today["openai"].cost), (2, 0.25));
    assert_eq!(today["unknown"].tokens, 2);
    let split: u64 = today.values().map(|p| p.tokens).sum();
    assert_eq!(
        split,
        totals.input + totals.output,
        "the split adds up to the day"
    );
}
