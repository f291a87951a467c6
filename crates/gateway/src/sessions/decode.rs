//! Transcript rows from SQLite to `Entry`: columns by position and content blocks through a
//! flat decoder, the hot path of loading long sessions.

use super::store::{Entry, EntryKind};
use crate::providers::Block;
use serde_json::Value;
use sqlx::Row;

/// Columns by position (as selected in `history`): cheaper than by name on large transcripts.
pub(super) fn entry_from_row(r: &sqlx::sqlite::SqliteRow) -> Entry {
    let kind: &str = r.try_get(2).unwrap_or_default();
    let content: &str = r.try_get(5).unwrap_or_default();
    let meta: Option<&str> = r.try_get(6).unwrap_or_default();
    Entry {
        id: r.try_get(0).unwrap_or_default(),
        seq: r.try_get(1).unwrap_or_default(),
        kind: if kind == "compaction" {
            EntryKind::Compaction
        } else {
            EntryKind::Message
        },
        role: r.try_get(3).unwrap_or_default(),
        run_id: r.try_get(4).unwrap_or_default(),
        // A row that does not parse (written by a newer version, say) shows as empty rather
        // than failing the whole history.
        content: decode_blocks(content),
        meta: meta
            .filter(|m| *m != "null")
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or(Value::Null),
        status: r.try_get(7).unwrap_or_default(),
        created_at: r.try_get(8).unwrap_or_default(),
    }
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
