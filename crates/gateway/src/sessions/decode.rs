//! Reading transcripts: rows from SQLite to `Entry` through rusqlite, columns by position and
//! content blocks through a flat decoder — the hot path of loading long sessions.
//!
//! Why not sqlx here: its SQLite driver hands rows one by one from a worker thread, which cost
//! 27 ms of the 44 ms it took to load a 10,000-message session; rusqlite steps the same
//! statement in place. Writes stay on sqlx (see docs/gateway.md, "Why two SQLite bindings").

use super::store::{Entry, EntryKind};
use crate::providers::Block;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Read-only connections to the session database, reused between loads.
#[derive(Debug)]
pub(super) struct Reader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// Connections kept open between loads; more loads at once open (and drop) extra ones.
const IDLE_READERS: usize = 2;

impl Reader {
    pub(super) fn new(path: &Path) -> Reader {
        Reader {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on an idle connection (or a new one). Blocking: call from `spawn_blocking`.
    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(Duration::from_secs(5))?;
                c
            }
        };
        let out = f(&conn);
        if let Ok(mut v) = self.idle.lock()
            && v.len() < IDLE_READERS
        {
            v.push(conn);
        }
        out
    }
}

/// One row as selected by `SessionStore::history`:
/// `id, seq, kind, role, run_id, content, meta, status, created_at`.
pub(super) fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let kind = r.get_ref(2)?.as_str().unwrap_or_default();
    Ok(Entry {
        id: r.get(0)?,
        seq: r.get(1)?,
        kind: if kind == "compaction" {
            EntryKind::Compaction
        } else {
            EntryKind::Message
        },
        role: r.get(3)?,
        run_id: r.get(4)?,
        // A row that does not parse (written by a newer version, say) shows as empty rather
        // than failing the whole history.
        content: decode_blocks(r.get_ref(5)?.as_str().unwrap_or_default()),
        meta: r
            .get_ref(6)?
            .as_str_or_null()
            .ok()
            .flatten()
            .filter(|m| *m != "null")
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or(Value::Null),
        status: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// A content block in its stored JSON form, decoded flat: serde's internally tagged enums buffer
/// every value first, which made loading long transcripts twice as slow.
#[derive(serde::Deserialize)]
struct RawBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    tool_use_id: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    is_error: bool,
}

fn decode_blocks(json: &str) -> Vec<Block> {
    let raw: Vec<RawBlock> = serde_json::from_str(json).unwrap_or_default();
    raw.into_iter()
        .filter_map(|b| match b.kind.as_str() {
            "text" => Some(Block::Text {
                text: b.text.unwrap_or_default(),
            }),
            "tool_use" => Some(Block::ToolUse {
                id: b.id.unwrap_or_default(),
                name: b.name.unwrap_or_default(),
                input: b.input.unwrap_or(Value::Null),
            }),
            "tool_result" => Some(Block::ToolResult {
                tool_use_id: b.tool_use_id.unwrap_or_default(),
                content: b.content.unwrap_or_default(),
                is_error: b.is_error,
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod decode_tests {
    use super::*;

    #[test]
    fn stored_blocks_round_trip_through_the_flat_decoder() {
        let blocks = vec![
            Block::Text { text: "hi".into() },
            Block::ToolUse {
                id: "t".into(),
                name: "read".into(),
                input: serde_json::json!({ "path": "a" }),
            },
            Block::ToolResult {
                tool_use_id: "t".into(),
                content: "x".into(),
                is_error: true,
            },
            Block::ToolResult {
                tool_use_id: "u".into(),
                content: "y".into(),
                is_error: false,
            },
        ];
        let json = serde_json::to_string(&blocks).unwrap();
        assert_eq!(decode_blocks(&json), blocks);
        assert!(decode_blocks("not json").is_empty());
        assert_eq!(
            decode_blocks(r#"[{"type":"image"},{"type":"text","text":"t"}]"#),
            vec![Block::Text { text: "t".into() }]
        );
    }
}
