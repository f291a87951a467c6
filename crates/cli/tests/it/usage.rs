//! Usage accounting and the chat view's extra methods against the real gateway and the provider
//! fake (which reports token usage): `sessions.usage`, `usage.cost`, `usage.status`,
//! `chat.inject`, `chat.message.get`, `chat.metadata`, `chat.startup`. Params and results
//! validate against OpenClaw's schema where it defines them; the other shapes are OpenClaw
//! 2026.9's as a real gateway answered them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::chat::*;
use common::schemas::Schemas;
use common::*;
use serde_json::{Value, json};
use tidepool_gateway::providers::Block;
use tidepool_gateway::sessions::{EntryKind, NewEntry, SessionStore};
use tidepool_testkit::{Script, ToolCall};

/// Prices of fake-model in `config()`, USD per million tokens.
const PRICE_IN: f64 = 3.0;
const PRICE_OUT: f64 = 15.0;

/// `YYYY-MM-DD` (UTC) of a time in ms (Howard Hinnant's days-to-civil).
fn utc_date(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// Input and output tokens of a transcript's model replies.
fn reply_tokens(history: &Value) -> (u64, u64) {
    history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "assistant" && m["provider"] == "fake")
        .fold((0, 0), |(i, o), m| {
            (
                i + m["usage"]["input"].as_u64().unwrap(),
                o + m["usage"]["output"].as_u64().unwrap(),
            )
        })
}

fn row<'a>(result: &'a Value, key: &str) -> &'a Value {
    result["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {result:#}"))
}

#[tokio::test]
async fn usage_adds_up_the_providers_tokens_per_session_model_and_day() {
    let s = Schemas::new();
    let f = fake().await;
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new(
            "t1",
            "write",
            json!({ "path": "a.txt", "content": "x" }),
        )],
    });
    f.push(Script::text(&["Nothing ", "there."]));
    f.push(Script::text(&["Second."]));
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    turn(&mut c, "main", "look around").await;
    turn(&mut c, "main", "again").await;
    turn(&mut c, "other", "hello").await;
    let main = c.ok("chat.history", json!({ "sessionKey": "main" })).await;
    let other = c.ok("chat.history", json!({ "sessionKey": "other" })).await;
    let (main_in, main_out) = reply_tokens(&main);
    let (other_in, other_out) = reply_tokens(&other);
    assert!(main_in > 0 && main_out > 0 && other_in > 0, "{main}");
    let cost = |i: u64, o: u64| (i as f64 * PRICE_IN + o as f64 * PRICE_OUT) / 1e6;
    let today = utc_date(main["messages"][0]["timestamp"].as_i64().unwrap());
    // Each reply keeps its price split (as OpenClaw's usage.cost) next to costUsd.
    let reply = &main["messages"][1];
    assert!(close(
        &reply["usage"]["cost"]["total"],
        reply["costUsd"].as_f64().unwrap()
    ));
    assert!(
        reply["usage"]["cost"]["input"].as_f64().unwrap() > 0.0,
        "{reply}"
    );

    s.check("/definitions/SessionsUsageParams", &json!({}));
    let u = c.ok("sessions.usage", json!({})).await;
    assert_eq!(u["sessions"].as_array().unwrap().len(), 2, "{u:#}");
    assert_eq!(u["startDate"].as_str().unwrap().len(), 10);
    assert_eq!(u["endDate"], today.as_str());
    let m = row(&u, "agent:main:main");
    let mu = &m["usage"];
    assert_eq!(mu["input"], main_in);
    assert_eq!(mu["output"], main_out);
    assert!(close(&mu["totalCost"], cost(main_in, main_out)), "{mu}");
    assert!(close(&mu["inputCost"], main_in as f64 * PRICE_IN / 1e6));
    assert_eq!(mu["missingCostEntries"], 0);
    assert_eq!(
        mu["messageCounts"],
        json!({ "total": 5, "user": 2, "assistant": 3, "toolCalls": 1, "toolResults": 1, "errors": 0 })
    );
    assert_eq!(
        mu["toolUsage"]["tools"],
        json!([{ "name": "write", "count": 1 }])
    );
    assert_eq!(mu["modelUsage"][0]["provider"], "fake");
    assert_eq!(mu["modelUsage"][0]["model"], "fake-model");
    assert_eq!(mu["modelUsage"][0]["count"], 3);
    assert_eq!(mu["latency"]["count"], 3);
    assert_eq!(mu["activityDates"], json!([today]));
    assert_eq!(mu["dailyBreakdown"][0]["date"], today.as_str());
    assert_eq!(mu["dailyBreakdown"][0]["tokens"], mu["totalTokens"]);
    assert_eq!(mu["sessionId"], m["sessionId"]);
    assert!(mu["firstActivity"].as_i64().unwrap() <= mu["lastActivity"].as_i64().unwrap());
    assert_eq!(m["scope"], "instance");
    assert_eq!(m["agentId"], "main");
    assert_eq!(m["creatorKey"], "[\"unknown\"]");
    assert_eq!(m["modelProvider"], "fake");
    assert_eq!(m["model"], "fake-model");
    assert_eq!(m["hasContextWeight"], false);
    assert_eq!(row(&u, "agent:main:other")["usage"]["input"], other_in);
    let t = &u["totals"];
    assert_eq!(t["input"], main_in + other_in);
    assert_eq!(t["output"], main_out + other_out);
    assert!(close(
        &t["totalCost"],
        cost(main_in + other_in, main_out + other_out)
    ));
    let a = &u["aggregates"];
    assert_eq!(a["sessionCount"], 2);
    assert_eq!(a["messages"]["assistant"], 4);
    assert_eq!(a["tools"]["totalCalls"], 1);
    assert_eq!(a["byModel"][0]["count"], 4);
    assert_eq!(a["byProvider"][0]["provider"], "fake");
    assert_eq!(a["byAgent"][0]["agentId"], "main");
    assert_eq!(a["byChannel"], json!([]));
    assert_eq!(a["byCreator"][0]["sessionCount"], 2);
    assert_eq!(a["costDaily"][0]["date"], today.as_str());
    assert_eq!(a["daily"][0]["messages"], 7);
    assert_eq!(a["latency"]["count"], 4);
    assert_eq!(u["creatorOptions"], json!([{ "key": "[\"unknown\"]" }]));
    // The session rows' running counters agree with the transcripts.
    let list = c.ok("sessions.list", json!({})).await;
    for r in list["sessions"].as_array().unwrap() {
        let usage_row = row(&u, r["key"].as_str().unwrap());
        assert!(close(
            &usage_row["usage"]["totalCost"],
            r["estimatedCostUsd"].as_f64().unwrap()
        ));
        assert_eq!(usage_row["usage"]["input"], r["inputTokens"]);
    }
    // One session; a page of rows (the totals still count all).
    let one = c.ok("sessions.usage", json!({ "key": "other" })).await;
    assert_eq!(one["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(one["totals"]["input"], other_in);
    let page = c.ok("sessions.usage", json!({ "limit": 1 })).await;
    assert_eq!(page["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(page["totals"], u["totals"]);
    s.check("/definitions/SessionsUsageParams", &json!({ "limit": 1 }));
    let weighted = c
        .ok("sessions.usage", json!({ "includeContextWeight": true }))
        .await;
    assert!(weighted["sessions"][0]["contextWeight"].is_null());
    assert!(
        weighted["sessions"][0]
            .as_object()
            .unwrap()
            .contains_key("contextWeight")
    );

    // usage.cost: the last 30 days, one row each, today's holding everything.
    let cost_all = c.ok("usage.cost", json!({})).await;
    assert_eq!(cost_all["days"], 30);
    let daily = cost_all["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[29]["date"], today.as_str());
    assert_eq!(daily[29]["input"], main_in + other_in);
    assert!(daily[..29].iter().all(|d| d["totalTokens"] == 0));
    for k in ["input", "output", "totalTokens", "missingCostEntries"] {
        assert_eq!(cost_all["totals"][k], u["totals"][k], "{k}");
    }
    assert!(close(
        &cost_all["totals"]["totalCost"],
        t["totalCost"].as_f64().unwrap()
    ));
    for params in [
        json!({ "agentScope": "all" }),
        json!({ "agentId": "main" }),
        json!({ "range": "7d" }),
    ] {
        let r = c.ok("usage.cost", params.clone()).await;
        assert_eq!(r["totals"]["input"], main_in + other_in, "{params}");
    }
    let today_only = c
        .ok(
            "usage.cost",
            json!({ "startDate": today, "endDate": today }),
        )
        .await;
    assert_eq!(today_only["days"], 1);
    assert_eq!(today_only["daily"].as_array().unwrap().len(), 1);
    // An agent with no sessions (or no longer configured) used nothing; that is no error.
    let ghost = c.ok("usage.cost", json!({ "agentId": "ghost" })).await;
    assert_eq!(ghost["totals"]["totalTokens"], 0);

    let status = c.ok("usage.status", json!({})).await;
    assert_eq!(status["providers"], json!([]));
    assert!(status["updatedAt"].as_u64().unwrap() > 0);

    // Every method needs operator.read.
    let mut none = scoped(&gw, &[]).await;
    for (i, m) in ["sessions.usage", "usage.cost", "usage.status"]
        .iter()
        .enumerate()
    {
        let r = request(&mut none, &format!("n{i}"), m, json!({})).await;
        s.frame(&r);
        missing_scope(&r, "operator.read");
    }
}

/// Writes an old conversation straight into the gateway's database, as an import would.
async fn old_conversation(gw: &Gw) {
    let store = SessionStore::open(&gw.state().join("sessions.sqlite"))
        .await
        .unwrap();
    let at = |s: u32| 1_578_625_200_000 + i64::from(s) * 1000; // 2020-01-10T03:00:00Z
    let text = |t: &str| vec![Block::Text { text: t.into() }];
    let entry = |role, content, meta| NewEntry {
        kind: EntryKind::Message,
        role: Some(role),
        run_id: None,
        content,
        meta,
        status: "complete",
    };
    store
        .import(
            "agent:main:old",
            "main",
            None,
            &[
                (entry("user", text("old question"), json!({})), at(0)),
                // Written before replies kept their price split: costUsd only.
                (
                    entry(
                        "assistant",
                        text("old answer"),
                        json!({ "provider": "fake", "model": "fake-model", "durationMs": 1200, "costUsd": 0.0045, "usage": { "input": 1000, "output": 100, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 1100 } }),
                    ),
                    at(5),
                ),
                // A model with no price in the config.
                (
                    entry(
                        "assistant",
                        text("unpriced"),
                        json!({ "provider": "other", "model": "m", "usage": { "input": 10, "output": 10, "totalTokens": 20 } }),
                    ),
                    at(10),
                ),
            ],
        )
        .await
        .unwrap();
    store.close().await;
}

#[tokio::test]
async fn date_ranges_time_zones_and_resets_select_the_right_entries() {
    let s = Schemas::new();
    let f = fake().await;
    let gw = gateway()
        .config(&config(&f, "openai-completions"))
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    turn(&mut c, "main", "first").await;
    old_conversation(&gw).await;
    let (now_in, _) = reply_tokens(&c.ok("chat.history", json!({ "sessionKey": "main" })).await);

    let day = json!({ "startDate": "2020-01-10", "endDate": "2020-01-10" });
    let r = c.ok("usage.cost", day.clone()).await;
    assert_eq!(r["days"], 1);
    let t = &r["totals"];
    assert_eq!(
        (t["input"].as_u64(), t["output"].as_u64()),
        (Some(1010), Some(110))
    );
    assert!(close(&t["totalCost"], 0.0045), "{t}");
    // The old reply's split comes from today's prices; the unpriced one is counted as missing.
    assert!(
        close(&t["inputCost"], 0.003) && close(&t["outputCost"], 0.0015),
        "{t}"
    );
    assert_eq!(t["missingCostEntries"], 1);
    assert_eq!(t["missingCostByModel"], json!({ "other/m": 1 }));
    let r = c
        .ok(
            "usage.cost",
            json!({ "startDate": "2020-01-09", "endDate": "2020-01-11" }),
        )
        .await;
    let dates: Vec<&str> = r["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2020-01-09", "2020-01-10", "2020-01-11"]);
    assert_eq!(r["daily"][0]["totalTokens"], 0);
    assert_eq!(r["daily"][1]["input"], 1010);
    // 03:00 UTC is the evening before at UTC-5.
    let west = |d: &str| json!({ "mode": "specific", "utcOffset": "UTC-05:00", "startDate": d, "endDate": d });
    assert_eq!(
        c.ok("usage.cost", west("2020-01-10")).await["totals"]["input"],
        0
    );
    assert_eq!(
        c.ok("usage.cost", west("2020-01-09")).await["totals"]["input"],
        1010
    );
    // The default range leaves the old conversation out; "all" takes it, listing active days only.
    assert_eq!(
        c.ok("usage.cost", json!({})).await["totals"]["input"],
        now_in
    );
    let all = c.ok("usage.cost", json!({ "range": "all" })).await;
    assert_eq!(all["totals"]["input"], now_in + 1010);
    assert_eq!(all["daily"].as_array().unwrap().len(), 2);
    assert!(all["days"].as_u64().unwrap() > 366);

    // sessions.usage lists every session; only the range's entries count.
    s.check("/definitions/SessionsUsageParams", &day);
    let u = c.ok("sessions.usage", day.clone()).await;
    assert_eq!(
        (u["startDate"].as_str(), u["endDate"].as_str()),
        (Some("2020-01-10"), Some("2020-01-10"))
    );
    assert_eq!(u["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(row(&u, "agent:main:main")["usage"]["totalTokens"], 0);
    let old = row(&u, "agent:main:old");
    assert!(close(&old["usage"]["totalCost"], 0.0045));
    assert_eq!(old["usage"]["durationMs"], 10_000);
    assert_eq!(old["usage"]["latency"]["count"], 1);
    // The model of its last reply.
    assert_eq!(
        (old["modelProvider"].as_str(), old["model"].as_str()),
        (Some("other"), Some("m"))
    );
    assert_eq!(u["aggregates"]["sessionCount"], 1);
    assert_eq!(u["aggregates"]["byModel"].as_array().unwrap().len(), 2);
    assert_eq!(u["totals"]["missingCostEntries"], 1);

    // After a reset: an instance row per transcript, or one family row per key.
    let before = c.ok("sessions.get", json!({ "key": "main" })).await["entry"]["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    c.ok("sessions.reset", json!({ "key": "main" })).await;
    turn(&mut c, "main", "second").await;
    let inst = c.ok("sessions.usage", json!({ "range": "all" })).await;
    assert_eq!(inst["sessions"].as_array().unwrap().len(), 3, "{inst:#}");
    let earlier = row(&inst, &format!("agent:main:{before}"));
    assert_eq!(earlier["usage"]["input"], now_in);
    assert_eq!(earlier["scope"], "instance");
    let current = row(&inst, "agent:main:main");
    assert_ne!(current["sessionId"], before.as_str());
    let fam = c
        .ok(
            "sessions.usage",
            json!({ "range": "all", "groupBy": "family" }),
        )
        .await;
    assert_eq!(fam["sessions"].as_array().unwrap().len(), 2);
    let main_fam = row(&fam, "agent:main:main");
    assert_eq!(main_fam["scope"], "family");
    assert_eq!(main_fam["sessionFamilyKey"], "agent:main:main");
    assert_eq!(main_fam["historicalInstanceCount"], 2);
    assert_eq!(main_fam["includedSessionIds"][1], before.as_str());
    assert_eq!(main_fam["currentSessionId"], current["sessionId"]);
    assert_eq!(
        main_fam["usage"]["input"].as_u64().unwrap(),
        now_in + current["usage"]["input"].as_u64().unwrap()
    );
    assert_eq!(fam["totals"], inst["totals"]);
    // The earlier transcript by its instance key.
    let by_key = c
        .ok(
            "sessions.usage",
            json!({ "key": format!("agent:main:{before}"), "range": "all" }),
        )
        .await;
    assert_eq!(by_key["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(by_key["totals"]["input"], now_in);
    // An unknown session: no rows, as in OpenClaw.
    let none = c.ok("sessions.usage", json!({ "key": "nope" })).await;
    assert_eq!(none["sessions"], json!([]));
    assert_eq!(none["totals"]["totalTokens"], 0);
    assert_eq!(none["creatorOptions"], json!([]));

    // Bad params say what to send instead.
    for (method, params, want) in [
        (
            "sessions.usage",
            json!({ "startDate": "2026-2-01", "endDate": "2026-02-03" }),
            "startDate \"2026-2-01\" is not a calendar date; use YYYY-MM-DD",
        ),
        (
            "usage.cost",
            json!({ "startDate": "2020-02-30", "endDate": "2020-03-01" }),
            "startDate \"2020-02-30\" is not a calendar date",
        ),
        (
            "usage.cost",
            json!({ "startDate": "2020-01-10" }),
            "startDate and endDate must be given together",
        ),
        (
            "usage.cost",
            json!({ "startDate": "2020-01-11", "endDate": "2020-01-10" }),
            "is after endDate",
        ),
        (
            "usage.cost",
            json!({ "agentScope": "all", "agentId": "main" }),
            "agentScope=all cannot be combined with agentId",
        ),
        (
            "sessions.usage",
            json!({ "agentScope": "all", "agentId": "main" }),
            "agentScope=all cannot be combined with key or agentId",
        ),
        (
            "sessions.usage",
            json!({ "agentScope": "all", "key": "main" }),
            "agentScope=all cannot be combined",
        ),
        (
            "usage.cost",
            json!({ "agentScope": "mine" }),
            "agentScope \"mine\" is not \"all\"",
        ),
        (
            "sessions.usage",
            json!({ "mode": "specific", "timeZone": "Nowhere/Bogus" }),
            "invalid timeZone \"Nowhere/Bogus\"",
        ),
        (
            "usage.cost",
            json!({ "mode": "specific", "utcOffset": "UTC+15" }),
            "invalid utcOffset",
        ),
        (
            "sessions.usage",
            json!({ "range": "2w" }),
            "range \"2w\" is not one of 7d, 30d, 90d, 1y, all",
        ),
        (
            "sessions.usage",
            json!({ "limit": 0 }),
            "limit must be at least 1",
        ),
        (
            "sessions.usage",
            json!({ "groupBy": "user" }),
            "groupBy \"user\"",
        ),
        (
            "sessions.usage",
            json!({ "bogus": 1 }),
            "unknown field `bogus`",
        ),
        (
            "sessions.usage",
            json!({ "key": "agent:ops:x", "agentId": "main" }),
            "belongs to agent \"ops\"",
        ),
    ] {
        let r = c.call(method, params.clone()).await;
        s.frame(&r);
        s.check("/definitions/ErrorShape", &r["error"]);
        refused(&r, want);
        assert_eq!(r["error"]["details"]["code"], "INVALID_PARAMS", "{params}");
    }
    // The schema agrees about the malformed date and the unknown field.
    assert!(
        !s.errors(
            "/definitions/SessionsUsageParams",
            &json!({ "startDate": "2026-2-01" })
        )
        .is_empty()
    );
    assert!(
        !s.errors("/definitions/SessionsUsageParams", &json!({ "bogus": 1 }))
            .is_empty()
    );
}
