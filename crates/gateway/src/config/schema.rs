//! The config's JSON Schema, generated from the Rust types (titles and descriptions come from
//! their doc comments), with each property's reload kind (`x-reloadKind`) for editors.

use super::Config;
use super::store::{ReloadKind, reload_kind};
use serde_json::{Value, json};
use tidepool_protocol::config::{ConfigHint, ConfigSchemaChild, ConfigSchemaLookupResult};

/// The whole schema.
pub fn schema() -> Value {
    let mut v = schemars::schema_for!(Config).to_value();
    let defs = v.get("$defs").cloned().unwrap_or(Value::Null);
    annotate(&mut v, "", &defs);
    if let Some(o) = v.as_object_mut() {
        o.insert("title".into(), json!("Tidepool gateway config"));
    }
    v
}

fn resolve<'a>(node: &'a Value, defs: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|name| defs.get(name))
            .unwrap_or(node),
        None => node,
    }
}

fn annotate(node: &mut Value, path: &str, defs: &Value) {
    let Some(props) = node.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (key, prop) in props.iter_mut() {
        let p = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let kind = match reload_kind(&p) {
            ReloadKind::Hot => "hot",
            ReloadKind::Restart => "restart",
            ReloadKind::None => "none",
        };
        if let Some(o) = prop.as_object_mut() {
            o.insert("x-reloadKind".into(), json!(kind));
        }
        // Follow references so nested sections are annotated where they are used.
        let target = resolve(prop, defs).clone();
        if target.get("properties").is_some() && prop.get("$ref").is_some() {
            let mut inlined = target;
            annotate(&mut inlined, &p, defs);
            if let Some(o) = inlined.as_object_mut() {
                o.insert("x-reloadKind".into(), json!(kind));
            }
            *prop = inlined;
        } else {
            annotate(prop, &p, defs);
        }
    }
}

/// The schema of one dotted path and its direct children, as `config.schema.lookup` returns it.
pub fn lookup(path: &str) -> Option<ConfigSchemaLookupResult> {
    let root = schema();
    let mut node = &root;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        node = node.get("properties")?.get(seg)?;
    }
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let children = node
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| ConfigSchemaChild {
                    key: k.clone(),
                    path: if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    },
                    kind: v
                        .get("type")
                        .filter(|t| t.is_string() || t.is_array())
                        .cloned(),
                    required: required.contains(&k.as_str()),
                    has_children: v.get("properties").is_some(),
                    reload_kind: v
                        .get("x-reloadKind")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    hint: v
                        .get("description")
                        .and_then(Value::as_str)
                        .map(|d| ConfigHint { help: d.to_owned() }),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(ConfigSchemaLookupResult {
        path: if path.is_empty() { "." } else { path }.to_owned(),
        schema: node.clone(),
        reload_kind: node
            .get("x-reloadKind")
            .and_then(Value::as_str)
            .unwrap_or("none")
            .to_owned(),
        children,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_describes_defaults_and_reload_kinds() {
        let s = schema();
        let port = &s["properties"]["gateway"]["properties"]["port"];
        assert_eq!(port["default"], 18789);
        assert_eq!(port["x-reloadKind"], "restart");
        assert!(port["description"].as_str().unwrap().contains("Port"));
        let mode = &s["properties"]["gateway"]["properties"]["auth"]["properties"]["mode"];
        assert!(mode.to_string().contains("password"), "{mode}");
        let l = lookup("gateway.auth").unwrap();
        assert_eq!(l.reload_kind, "restart");
        let keys: Vec<&str> = l.children.iter().map(|c| c.key.as_str()).collect();
        assert!(
            keys.contains(&"mode") && keys.contains(&"token"),
            "{keys:?}"
        );
        assert!(lookup("gateway.nope").is_none());
    }
}
