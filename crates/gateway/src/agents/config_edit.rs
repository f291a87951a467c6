//! Agent changes written into the config file the way `config.set` writes it: through the
//! `ConfigStore` (validated, atomic, 0600, last-good kept), the file's comments and layout
//! kept, and `config.changed` broadcast. A write that loses a race with another writer is
//! recomputed on the newer file, so a check like "no agent has this id" always sees it.

use crate::config::Config;
use crate::config::edit;
use crate::config::store::{Change, WriteError};
use crate::state::Shared;
use serde_json::{Map, Value};
use std::sync::Arc;
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Attempts before a write that keeps losing races gives up.
const ATTEMPTS: usize = 3;

/// Applies `f` to the config file's own value (the typed config of the same snapshot beside
/// it) and writes the result. `force` allows a write that removes most of the file (deleting
/// an agent from a small config does).
pub async fn edit_config<T, F>(s: &Arc<Shared>, force: bool, f: F) -> Result<T, ErrorShape>
where
    T: Send + 'static,
    F: Fn(&mut Value, &Config) -> Result<T, ErrorShape> + Send + Sync + 'static,
{
    crate::config::methods::admit(s)?;
    let f = Arc::new(f);
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let snap = s.config.store.snapshot();
        let mut doc = file_value(&snap.raw)?;
        let out = f(&mut doc, &snap.loaded.config)?;
        let raw = edit::rewrite(&snap.raw, &doc);
        let store = s.config.store.clone();
        let base = snap.hash.clone();
        let written = tokio::task::spawn_blocking(move || store.write(&raw, Some(&base), force))
            .await
            .map_err(|e| {
                ErrorShape::new(ErrorCode::Unavailable, format!("config writer failed: {e}"))
            })?;
        match written {
            Ok(change) => {
                announce(s, &change);
                return Ok(out);
            }
            Err(e @ WriteError::Conflict { .. }) => last = Some(e),
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(last.map(write_error).unwrap_or_else(|| {
        ErrorShape::new(ErrorCode::Unavailable, "the config could not be written")
    }))
}

/// `agents.entries` in the file's value, created when absent.
pub fn entries(doc: &mut Value) -> Result<&mut Map<String, Value>, ErrorShape> {
    let slot = edit::set_path(doc, "agents.entries").map_err(|m| {
        ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!("cannot add to agents.entries in the config: {m}"),
        )
    })?;
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().ok_or_else(|| {
        ErrorShape::new(
            ErrorCode::InvalidRequest,
            "agents.entries in the config is not an object",
        )
    })
}

/// The agent's own object in the file (`agents.entries.<id>` or its `agents.list[]` item),
/// created under `agents.entries` when the file has none (an implicit `main`).
pub fn agent_object<'a>(
    doc: &'a mut Value,
    id: &str,
) -> Result<&'a mut Map<String, Value>, ErrorShape> {
    let in_list = doc
        .pointer("/agents/list")
        .and_then(Value::as_array)
        .and_then(|l| {
            l.iter()
                .position(|i| i.get("id").and_then(Value::as_str) == Some(id))
        });
    let in_entries = doc
        .pointer("/agents/entries")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(id));
    let slot = match (in_entries, in_list) {
        (false, Some(i)) => doc
            .pointer_mut("/agents/list")
            .and_then(Value::as_array_mut)
            .and_then(|l| l.get_mut(i)),
        _ => Some(
            entries(doc)?
                .entry(id.to_owned())
                .or_insert_with(|| Value::Object(Map::new())),
        ),
    };
    let slot = slot.ok_or_else(|| {
        ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!("agent {id} is not in the config file"),
        )
    })?;
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().ok_or_else(|| {
        ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!("agents.entries.{id} in the config is not an object"),
        )
    })
}

/// Removes the agent's own object from the file; returns whether it was there.
pub fn remove_agent(doc: &mut Value, id: &str) -> bool {
    let mut removed = doc
        .pointer_mut("/agents/entries")
        .and_then(Value::as_object_mut)
        .is_some_and(|m| m.remove(id).is_some());
    if let Some(list) = doc
        .pointer_mut("/agents/list")
        .and_then(Value::as_array_mut)
    {
        let before = list.len();
        list.retain(|i| i.get("id").and_then(Value::as_str) != Some(id));
        removed |= list.len() != before;
    }
    removed
}

fn file_value(raw: &str) -> Result<Value, ErrorShape> {
    if raw.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    crate::config::source::parse(raw, std::path::Path::new("tidepool.json"))
        .map(|(v, _)| v)
        .map_err(|e| {
            ErrorShape::new(
                ErrorCode::Unavailable,
                format!(
                    "the config file on disk does not parse ({}:{}: {}); fix it (tidepool config validate) and try again",
                    e.location.line, e.location.column, e.message
                ),
            )
        })
}

fn announce(s: &Shared, change: &Change) {
    crate::config::methods::announce(s, change, "rpc");
}

use crate::config::methods::write_error;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agents_are_found_in_entries_or_the_legacy_list() {
        let mut doc = json!({ "agents": { "list": [{ "id": "old", "name": "Old" }] } });
        agent_object(&mut doc, "old")
            .unwrap()
            .insert("model".into(), json!("a/b"));
        assert_eq!(doc["agents"]["list"][0]["model"], "a/b");
        agent_object(&mut doc, "main")
            .unwrap()
            .insert("name".into(), json!("Main"));
        assert_eq!(doc["agents"]["entries"]["main"]["name"], "Main");
        assert!(remove_agent(&mut doc, "old"));
        assert!(remove_agent(&mut doc, "main"));
        assert!(!remove_agent(&mut doc, "main"));
        assert_eq!(doc["agents"]["list"], json!([]));
    }
}
