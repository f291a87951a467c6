//! JSON shaping shared by the wire views and the importer.

use serde_json::Value;

/// Sets a field of a JSON object (no-op on other values, where `v[k] = ...` would panic).
pub fn set_field(v: &mut Value, key: &str, val: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_owned(), val);
    }
}
