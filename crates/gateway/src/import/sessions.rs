//! Conversations from an OpenClaw state dir, and what of it stays behind.
//!
//! OpenClaw 2026.9 keeps each agent's sessions in `agents/<agentId>/agent/openclaw-agent.sqlite`
//! (`session_nodes` maps a session key to its current session id, `transcript_events` holds the
//! events in `seq` order, `session_transcript_active_events` the active branch). Older installs
//! kept JSONL transcripts under `agents/<agentId>/sessions/` with a `sessions.json` index; the
//! events inside are the same. Messages (user, assistant with tool calls, tool results) are
//! carried over in order with their times; everything else is counted and named.

use super::Item;
use crate::providers::types::Block;
use crate::sessions::{EntryKind, NewEntry};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

/// A conversation carried over (or that would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// The session key (`agent:main:main`), the same in Tidepool.
    pub key: String,
    /// Its agent.
    pub agent_id: String,
    /// Messages carried over.
    pub messages: u64,
    /// Events that are not messages or could not be read (model switches, markers,
    /// compressed events), left behind.
    pub skipped: u64,
    /// Where it was read from.
    pub from: String,
    /// What was done.
    pub note: String,
}

/// A conversation ready to be written.
#[derive(Debug)]
pub(super) struct Planned {
    pub report: Conversation,
    pub model: Option<String>,
    pub entries: Vec<(NewEntry, i64)>,
}

/// Reads every conversation of the OpenClaw state dir `from`. Problems (a database that cannot
/// be read) are returned as items for the report; they never stop the import.
pub(super) fn plan(from: &Path) -> (Vec<Planned>, Vec<Item>) {
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    let Ok(agents) = std::fs::read_dir(from.join("agents")) else {
        return (planned, problems);
    };
    let mut dirs: Vec<_> = agents.filter_map(Result::ok).map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        let Some(agent_id) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let db = dir.join("agent/openclaw-agent.sqlite");
        if db.is_file() {
            match from_sqlite(&db, &agent_id) {
                Ok(mut p) => planned.append(&mut p),
                Err(e) => problems.push(Item {
                    path: db.display().to_string(),
                    note: format!("its conversations could not be read: {e}"),
                }),
            }
        }
        let legacy = dir.join("sessions");
        if legacy.is_dir() {
            match from_jsonl(&legacy, &agent_id) {
                Ok(p) => {
                    for c in p {
                        // The SQLite store wins when OpenClaw already migrated the session.
                        if !planned.iter().any(|x| x.report.key == c.report.key) {
                            planned.push(c);
                        }
                    }
                }
                Err(e) => problems.push(Item {
                    path: legacy.display().to_string(),
                    note: format!("its transcripts could not be read: {e}"),
                }),
            }
        }
    }
    (planned, problems)
}

fn open(db: &Path) -> rusqlite::Result<Connection> {
    // Read-only and never creating anything: the OpenClaw files are not changed.
    Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

fn from_sqlite(db: &Path, agent_id: &str) -> rusqlite::Result<Vec<Planned>> {
    let conn = open(db)?;
    let mut nodes = conn.prepare(
        "SELECT session_key, current_session_id FROM session_nodes ORDER BY session_key",
    )?;
    let sessions: Vec<(String, String)> = nodes
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (key, session_id) in sessions {
        let model: Option<String> = conn
            .query_row(
                "SELECT model_provider, model FROM session_windows WHERE session_id = ?",
                [&session_id],
                |r| {
                    let p: Option<String> = r.get(0)?;
                    let m: Option<String> = r.get(1)?;
                    Ok(p.zip(m).map(|(p, m)| format!("{p}/{m}")))
                },
            )
            .unwrap_or(None);
        // The active branch when OpenClaw indexed one, else every event in order.
        let mut rows: Vec<(Option<String>, bool, i64)> = conn
            .prepare(
                "SELECT e.event_json, e.event_zstd IS NOT NULL, e.created_at FROM session_transcript_active_events a JOIN transcript_events e ON e.session_id = a.session_id AND e.seq = a.event_seq WHERE a.session_id = ? ORDER BY a.active_position",
            )
            .and_then(|mut st| {
                st.query_map([&session_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .unwrap_or_default();
        if rows.is_empty() {
            rows = conn
                .prepare("SELECT event_json, event_zstd IS NOT NULL, created_at FROM transcript_events WHERE session_id = ? ORDER BY seq")?
                .query_map([&session_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
        }
        let mut p = Planned {
            report: Conversation {
                key,
                agent_id: agent_id.to_owned(),
                messages: 0,
                skipped: 0,
                from: db.display().to_string(),
                note: String::new(),
            },
            model,
            entries: Vec::new(),
        };
        let mut compressed = 0u64;
        for (json, zstd, created) in rows {
            match json.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(ev)) => add_event(&mut p, &ev, created),
                _ if zstd => {
                    compressed += 1;
                    p.report.skipped += 1;
                }
                _ => p.report.skipped += 1,
            }
        }
        if compressed > 0 {
            p.report.note = format!(
                "{compressed} large event(s) stored compressed (zstd) by OpenClaw were not carried over"
            );
        }
        out.push(p);
    }
    Ok(out)
}

fn from_jsonl(dir: &Path, agent_id: &str) -> std::io::Result<Vec<Planned>> {
    // `sessions.json`: { "<session key>": { "sessionId": "...", ... } }.
    let index: Value = match std::fs::read_to_string(dir.join("sessions.json")) {
        Ok(t) => serde_json::from_str(&t).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let mut out = Vec::new();
    let Some(map) = index.as_object() else {
        return Ok(out);
    };
    for (key, entry) in map {
        let Some(id) = entry.get("sessionId").and_then(Value::as_str) else {
            continue;
        };
        let file = dir.join(format!("{id}.jsonl"));
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let mut p = Planned {
            report: Conversation {
                key: key.clone(),
                agent_id: agent_id.to_owned(),
                messages: 0,
                skipped: 0,
                from: file.display().to_string(),
                note: String::new(),
            },
            model: None,
            entries: Vec::new(),
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Value>(line) {
                Ok(ev) => {
                    let at = ev
                        .get("timestamp")
                        .and_then(Value::as_str)
                        .and_then(parse_time)
                        .unwrap_or(0);
                    add_event(&mut p, &ev, at);
                }
                Err(_) => p.report.skipped += 1,
            }
        }
        out.push(p);
    }
    Ok(out)
}

fn parse_time(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// One OpenClaw transcript event: a message becomes an entry, anything else is counted.
fn add_event(p: &mut Planned, ev: &Value, created: i64) {
    let msg = match (ev.get("type").and_then(Value::as_str), ev.get("message")) {
        (Some("message"), Some(m)) => m,
        _ => {
            // The session header is not an event of the conversation.
            if ev.get("type").and_then(Value::as_str) != Some("session") {
                p.report.skipped += 1;
            }
            return;
        }
    };
    let at = msg
        .get("timestamp")
        .and_then(Value::as_i64)
        .filter(|t| *t > 0)
        .unwrap_or(created);
    let content = msg.get("content").unwrap_or(&Value::Null);
    let (role, blocks, meta): (&'static str, Vec<Block>, Value) =
        match msg.get("role").and_then(Value::as_str) {
            Some("user") => (
                "user",
                texts(content),
                json!({ "importedFrom": "openclaw" }),
            ),
            Some("assistant") => {
                let mut blocks = Vec::new();
                for b in content.as_array().into_iter().flatten() {
                    match b.get("type").and_then(Value::as_str) {
                        Some("text") => {
                            if let Some(t) = b.get("text").and_then(Value::as_str) {
                                blocks.push(Block::Text { text: t.to_owned() });
                            }
                        }
                        Some("toolCall") | Some("tool_use") => blocks.push(Block::ToolUse {
                            id: str_of(b, "id"),
                            name: str_of(b, "name"),
                            input: b
                                .get("arguments")
                                .or_else(|| b.get("input"))
                                .cloned()
                                .unwrap_or_else(|| json!({})),
                        }),
                        _ => {}
                    }
                }
                if let Some(t) = content.as_str() {
                    blocks.push(Block::Text { text: t.to_owned() });
                }
                let usage = msg.get("usage").map(|u| {
                    json!({
                        "input": u.get("input").and_then(Value::as_u64).unwrap_or(0),
                        "output": u.get("output").and_then(Value::as_u64).unwrap_or(0),
                        "cacheRead": u.get("cacheRead").and_then(Value::as_u64).unwrap_or(0),
                        "cacheWrite": u.get("cacheWrite").and_then(Value::as_u64).unwrap_or(0),
                    })
                });
                let mut meta = json!({
                    "importedFrom": "openclaw",
                    "provider": msg.get("provider"),
                    "model": msg.get("model"),
                    "stopReason": msg.get("stopReason"),
                });
                if let Some(u) = usage {
                    crate::json::set_field(&mut meta, "usage", u);
                }
                ("assistant", blocks, meta)
            }
            Some("toolResult") => (
                "toolResult",
                vec![Block::ToolResult {
                    tool_use_id: str_of(msg, "toolCallId"),
                    content: crate::providers::types::text_of(&texts(content)),
                    is_error: msg.get("isError").and_then(Value::as_bool).unwrap_or(false),
                }],
                json!({ "importedFrom": "openclaw", "toolName": msg.get("toolName") }),
            ),
            _ => {
                p.report.skipped += 1;
                return;
            }
        };
    if blocks.is_empty() {
        p.report.skipped += 1;
        return;
    }
    p.report.messages += 1;
    p.entries.push((
        NewEntry {
            kind: EntryKind::Message,
            role: Some(role),
            run_id: None,
            content: blocks,
            meta,
            status: "complete",
        },
        at,
    ));
}

fn str_of(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Text parts of a message's content (a string, or blocks of which `text` ones count).
fn texts(content: &Value) -> Vec<Block> {
    match content {
        Value::String(s) if !s.is_empty() => vec![Block::Text { text: s.clone() }],
        Value::Array(parts) => parts
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .map(|t| Block::Text { text: t.to_owned() })
            .collect(),
        _ => vec![],
    }
}

/// What of the OpenClaw state dir has no place in Tidepool yet, with counts.
pub(super) fn left_behind(from: &Path) -> Vec<Item> {
    let mut out = Vec::new();
    let state = from.join("state/openclaw.sqlite");
    if let Ok(conn) = open(&state) {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .unwrap_or_default();
        let count = |t: &str| -> Option<i64> {
            if !tables.iter().any(|x| x == t) {
                return None;
            }
            conn.query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get(0))
                .ok()
                .filter(|n: &i64| *n > 0)
        };
        let what = [
            (
                "cron_jobs",
                "cron jobs",
                "Tidepool runs no scheduled jobs yet",
            ),
            (
                "operator_approvals",
                "exec approval records",
                "Tidepool keeps its own approval history from now on",
            ),
            (
                "device_identities",
                "paired devices",
                "Tidepool has no device pairing; clients use the gateway token",
            ),
            (
                "task_runs",
                "background task runs",
                "Tidepool runs no background tasks yet",
            ),
            (
                "audit_events",
                "audit events",
                "OpenClaw's audit log stays with OpenClaw",
            ),
        ];
        for (table, name, why) in what {
            if let Some(n) = count(table) {
                out.push(Item {
                    path: format!("{name} ({n})"),
                    note: format!("{why} (in {})", state.display()),
                });
            }
        }
    }
    let dirs = [
        (
            "credentials",
            "channel and OAuth credentials",
            "Tidepool has no channels or OAuth logins yet; API keys in the config were moved into the store",
        ),
        (
            "memory",
            "memory files",
            "Tidepool's agent memory is not implemented yet",
        ),
        ("media", "media files", "attachments are not carried over"),
        (
            "devices",
            "device pairing",
            "Tidepool has no device pairing",
        ),
        ("cron", "cron jobs", "Tidepool runs no scheduled jobs yet"),
    ];
    for (dir, name, why) in dirs {
        let n = files_in(&from.join(dir));
        if n > 0 {
            out.push(Item {
                path: format!("{name} ({n} file{})", if n == 1 { "" } else { "s" }),
                note: format!("{why} ({})", from.join(dir).display()),
            });
        }
    }
    out
}

fn files_in(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => files_in(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}
