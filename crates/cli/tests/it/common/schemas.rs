//! The OpenClaw protocol schema (npm `@openclaw/gateway-protocol`, pinned in tests/conformance)
//! and validators for its definitions.

use serde_json::Value;
use std::path::PathBuf;

pub fn schema() -> Value {
    let path = std::env::var_os("TIDEPOOL_PROTOCOL_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/conformance/node_modules/@openclaw/gateway-protocol/protocol.schema.json")
        });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); run `npm install --prefix tests/conformance` (scripts/test does it)",
            path.display()
        )
    });
    let mut v: Value = serde_json::from_str(&text).unwrap();
    drop_surrogate_patterns(&mut v);
    v
}

/// The approval ids' `pattern` checks for lone UTF-16 surrogates (a JavaScript concern) with
/// `\uD800` ranges no Rust regex engine accepts; Rust strings cannot hold them anyway.
fn drop_surrogate_patterns(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("pattern")
                .and_then(Value::as_str)
                .is_some_and(|p| p.contains("\\uD800"))
            {
                m.remove("pattern");
            }
            m.values_mut().for_each(drop_surrogate_patterns);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_surrogate_patterns),
        _ => {}
    }
}

pub struct Schemas {
    pub root: Value,
    cache:
        std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<jsonschema::Validator>>>,
}

impl Schemas {
    pub fn new() -> Self {
        Schemas {
            root: schema(),
            cache: Default::default(),
        }
    }

    /// A validator for the definition at JSON pointer `pointer` ("" = the frame union).
    pub fn validator(&self, pointer: &str) -> std::rc::Rc<jsonschema::Validator> {
        if let Some(v) = self.cache.borrow().get(pointer) {
            return v.clone();
        }
        let mut root = self.root.clone();
        if !pointer.is_empty() {
            let obj = root.as_object_mut().unwrap();
            obj.remove("oneOf");
            obj.remove("discriminator");
            obj.insert("$ref".into(), Value::String(format!("#{pointer}")));
        }
        let v = std::rc::Rc::new(jsonschema::validator_for(&root).unwrap());
        self.cache.borrow_mut().insert(pointer.into(), v.clone());
        v
    }

    pub fn errors(&self, pointer: &str, instance: &Value) -> Vec<String> {
        self.validator(pointer)
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    /// Asserts `instance` is valid against the schema at `pointer`.
    pub fn check(&self, pointer: &str, instance: &Value) {
        let errors = self.errors(pointer, instance);
        assert!(
            errors.is_empty(),
            "{pointer}: {errors:#?}\ninstance: {instance:#}"
        );
    }

    pub fn frame(&self, frame: &Value) {
        let def = match frame["type"].as_str() {
            Some("res") => "ResponseFrame",
            Some("event") => "EventFrame",
            Some("req") => "RequestFrame",
            other => panic!("unknown frame type {other:?}"),
        };
        self.check(&format!("/definitions/{def}"), frame);
        self.check("", frame);
    }
}
