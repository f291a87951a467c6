//! Edits of the config file's own value: set a dotted path, remove one, apply a merge patch.

use serde_json::Value;

/// `raw` changed so that it holds `doc`, keeping its comments, order and layout wherever the
/// value did not change (see `tidepool-config-text`); a text that does not parse is replaced.
pub fn rewrite(raw: &str, doc: &Value) -> String {
    tidepool_config_text::rewrite(raw, doc).unwrap_or_else(|_| tidepool_config_text::plain(doc))
}

/// RFC 7396: objects merge, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(&k);
                    } else {
                        merge_patch(t.entry(k).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other,
    }
}

/// Why a dotted path names no slot that can be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathError(String);

/// The slot at a dotted path, creating objects on the way.
pub fn set_path<'a>(doc: &'a mut Value, path: &str) -> Result<&'a mut Value, PathError> {
    let mut cur = doc;
    for key in path.split('.') {
        if key.is_empty() {
            return Err(PathError(format!(
                "params.path `{path}` has an empty segment"
            )));
        }
        if !cur.is_object() {
            return Err(PathError(format!(
                "params.path `{path}`: `{key}` is inside a value that is not an object"
            )));
        }
        cur = match cur {
            Value::Object(m) => m
                .entry(key.to_owned())
                .or_insert(Value::Object(Default::default())),
            _ => return Err(PathError(format!("params.path `{path}` cannot be set"))),
        };
    }
    Ok(cur)
}

/// Removes the value at a dotted path; returns whether it was there.
pub fn unset_path(doc: &mut Value, path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else {
        return false;
    };
    let mut cur = doc;
    for key in parts {
        match cur.get_mut(key) {
            Some(next) => cur = next,
            None => return false,
        }
    }
    cur.as_object_mut()
        .is_some_and(|m| m.remove(last).is_some())
}

/// The value at a dotted path.
pub fn get_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|k| !k.is_empty())
        .try_fold(doc, |cur, key| cur.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge_patch(&mut doc, json!({"a": {"b": null, "e": 3}, "d": [2]}));
        assert_eq!(doc, json!({"a": {"c": 2, "e": 3}, "d": [2]}));
    }

    #[test]
    fn set_path_creates_objects_and_refuses_scalars() {
        let mut doc = json!({"gateway": {"port": 1}});
        *set_path(&mut doc, "gateway.auth.mode").unwrap() = json!("none");
        assert_eq!(doc["gateway"]["auth"]["mode"], "none");
        assert!(set_path(&mut doc, "gateway.port.x").is_err());
        assert!(set_path(&mut doc, "a..b").is_err());
    }
}
