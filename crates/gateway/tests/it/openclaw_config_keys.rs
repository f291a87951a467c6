#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Every key of OpenClaw's config schema is known to Tidepool: implemented, or accepted and
//! reported as not supported yet; never "unknown". Also generates the key tables the validator
//! uses (`src/config/known_keys.rs`) from OpenClaw's schema and Tidepool's own, and fails when
//! they are stale: regenerate with `TIDEPOOL_REGENERATE=1 cargo test -p tidepool-gateway --test
//! openclaw_config_keys`.

use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

fn openclaw_schema() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/openclaw/config.schema.json.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gunzip the OpenClaw schema");
    serde_json::from_str(&text).expect("the OpenClaw schema is JSON")
}

fn join(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() {
        seg.to_owned()
    } else {
        format!("{prefix}.{seg}")
    }
}

fn resolve<'a>(node: &'a Value, root: &'a Value) -> Option<&'a Value> {
    let r = node.get("$ref")?.as_str()?;
    let name = r
        .strip_prefix("#/$defs/")
        .or_else(|| r.strip_prefix("#/definitions/"))?;
    root.get("$defs")
        .and_then(|d| d.get(name))
        .or_else(|| root.get("definitions").and_then(|d| d.get(name)))
}

/// Whether a schema node accepts any value (so nothing below it can be "unknown").
fn is_open(node: &Value) -> bool {
    match node {
        Value::Bool(b) => *b,
        Value::Object(o) => {
            let structural = [
                "type",
                "properties",
                "additionalProperties",
                "patternProperties",
                "items",
                "anyOf",
                "oneOf",
                "allOf",
                "$ref",
                "enum",
                "const",
            ];
            let typed_object = o.get("type").and_then(Value::as_str) == Some("object")
                && !o.contains_key("properties")
                && !o.contains_key("patternProperties")
                && o.get("additionalProperties")
                    .is_none_or(|a| a == &json!(true));
            typed_object || !structural.iter().any(|k| o.contains_key(*k))
        }
        _ => false,
    }
}

#[derive(Default)]
struct Keys {
    all: BTreeSet<String>,
    open: BTreeSet<String>,
}

fn collect(node: &Value, pattern: &str, root: &Value, keys: &mut Keys, depth: usize) {
    if depth > 60 {
        return;
    }
    if let Some(target) = resolve(node, root) {
        collect(target, pattern, root, keys, depth + 1);
    }
    if is_open(node) {
        keys.open.insert(pattern.to_owned());
        return;
    }
    let Value::Object(o) = node else { return };
    for k in ["anyOf", "oneOf", "allOf"] {
        for sub in o.get(k).and_then(Value::as_array).into_iter().flatten() {
            collect(sub, pattern, root, keys, depth + 1);
        }
    }
    if let Some(props) = o.get("properties").and_then(Value::as_object) {
        for (k, child) in props {
            let p = join(pattern, k);
            keys.all.insert(p.clone());
            collect(child, &p, root, keys, depth + 1);
        }
    }
    let mut maps: Vec<&Value> = o
        .get("patternProperties")
        .and_then(Value::as_object)
        .map(|m| m.values().collect())
        .unwrap_or_default();
    if let Some(ap) = o.get("additionalProperties").filter(|a| a.is_object()) {
        maps.push(ap);
    }
    for child in maps {
        let p = join(pattern, "*");
        keys.all.insert(p.clone());
        collect(child, &p, root, keys, depth + 1);
    }
    if let Some(items) = o.get("items").filter(|i| i.is_object() || i.is_boolean()) {
        let p = join(pattern, "[]");
        keys.all.insert(p.clone());
        collect(items, &p, root, keys, depth + 1);
    }
}

fn keys_of(schema: &Value) -> Keys {
    let mut keys = Keys::default();
    collect(schema, "", schema, &mut keys, 0);
    keys.open.remove("");
    keys
}

fn parent(pattern: &str) -> &str {
    pattern.rsplit_once('.').map(|(p, _)| p).unwrap_or("")
}

fn render(name: &str, doc: &str, set: &BTreeSet<String>) -> String {
    // As rustfmt writes it, so `cargo fmt` and this check agree.
    if set.is_empty() {
        return format!("/// {doc}\npub(super) const {name}: &[&str] = &[];\n");
    }
    let mut s = format!("/// {doc}\npub(super) const {name}: &[&str] = &[\n");
    for p in set {
        s.push_str(&format!("    {p:?},\n"));
    }
    s.push_str("];\n");
    s
}

#[test]
fn the_key_tables_are_current() {
    let oc = keys_of(&openclaw_schema());
    let tp = keys_of(&tidepool_gateway::config::schema::schema());
    // The validator only asks OpenClaw about the children of places Tidepool types.
    let tp_places: BTreeSet<&str> = tp.all.iter().map(String::as_str).collect();
    let openclaw: BTreeSet<String> = oc
        .all
        .iter()
        .filter(|p| {
            let up = parent(p);
            up.is_empty() || tp_places.contains(up)
        })
        .filter(|p| !tp.all.contains(*p))
        .cloned()
        .collect();
    let text = format!(
        "//! Generated by `TIDEPOOL_REGENERATE=1 cargo test -p tidepool-gateway --test it \
         openclaw_config_keys` from\n//! `tests/fixtures/openclaw/config.schema.json.gz` and \
         Tidepool's own config schema; do not edit.\n\n{}\n{}\n{}",
        render(
            "OPENCLAW",
            "OpenClaw keys Tidepool does not implement, under the places it types.",
            &openclaw
        ),
        render("TIDEPOOL", "Keys Tidepool implements.", &tp.all),
        render(
            "TIDEPOOL_OPEN",
            "Places where Tidepool takes any value.",
            &tp.open
        ),
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/config/known_keys.rs");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("TIDEPOOL_REGENERATE").is_some() {
        std::fs::write(&path, &text).expect("write known_keys.rs");
    } else {
        assert!(
            current == text,
            "{} is stale: run TIDEPOOL_REGENERATE=1 cargo test -p tidepool-gateway --test it openclaw_config_keys",
            path.display()
        );
    }
}

/// A value the schema accepts, small and plain.
fn sample(node: &Value, root: &Value, depth: usize) -> Value {
    if depth > 30 {
        return Value::Null;
    }
    if let Some(t) = resolve(node, root) {
        return sample(t, root, depth + 1);
    }
    let Value::Object(o) = node else {
        return json!("x");
    };
    if let Some(c) = o.get("const") {
        return c.clone();
    }
    if let Some(e) = o
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return e.clone();
    }
    if let Some(d) = o.get("default") {
        return d.clone();
    }
    for k in ["anyOf", "oneOf"] {
        if let Some(branches) = o.get(k).and_then(Value::as_array) {
            let pick = branches
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                .or(branches.first());
            if let Some(b) = pick {
                return sample(b, root, depth + 1);
            }
        }
    }
    if let Some(all) = o
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return sample(all, root, depth + 1);
    }
    let ty = match o.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if o.contains_key("properties") => "object",
        _ => "string",
    };
    let num = |o: &Map<String, Value>| {
        o.get("minimum")
            .and_then(Value::as_f64)
            .or_else(|| {
                o.get("exclusiveMinimum")
                    .and_then(Value::as_f64)
                    .map(|m| m + 1.0)
            })
            .unwrap_or(1.0)
    };
    match ty {
        "string" => json!("x"),
        "integer" => json!(num(o).ceil() as i64),
        "number" => json!(num(o)),
        "boolean" => json!(false),
        "array" => json!([]),
        "null" => Value::Null,
        _ => Value::Object(required_of(node, root, depth)),
    }
}

fn required_of(node: &Value, root: &Value, depth: usize) -> Map<String, Value> {
    let mut m = Map::new();
    let props = node.get("properties");
    for r in node
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let child = props.and_then(|p| p.get(r)).unwrap_or(&Value::Null);
        m.insert(r.to_owned(), sample(child, root, depth + 1));
    }
    m
}

/// One step from a container to a child: the container's schema and how the child hangs off it.
#[derive(Clone)]
enum Step<'a> {
    Key(&'a Value, String),
    Entry,
    Item,
}

fn wrap(steps: &[Step<'_>], leaf: Value, root: &Value) -> Value {
    steps.iter().rev().fold(leaf, |inner, step| match step {
        Step::Key(container, k) => {
            let mut m = required_of(container, root, 0);
            m.insert(k.clone(), inner);
            Value::Object(m)
        }
        Step::Entry => json!({ "x": inner }),
        Step::Item => json!([inner]),
    })
}

fn path_of(steps: &[Step<'_>]) -> String {
    steps.iter().fold(String::new(), |p, s| match s {
        Step::Key(_, k) => join(&p, k),
        Step::Entry => join(&p, "*"),
        Step::Item => join(&p, "[]"),
    })
}

fn each_key<'a>(
    node: &'a Value,
    root: &'a Value,
    steps: &mut Vec<Step<'a>>,
    f: &mut dyn FnMut(&[Step<'a>], &'a Value),
    depth: usize,
) {
    if depth > 40 {
        return;
    }
    if let Some(t) = resolve(node, root) {
        each_key(t, root, steps, f, depth + 1);
    }
    let Value::Object(o) = node else { return };
    for k in ["anyOf", "oneOf", "allOf"] {
        for sub in o.get(k).and_then(Value::as_array).into_iter().flatten() {
            each_key(sub, root, steps, f, depth + 1);
        }
    }
    if let Some(props) = o.get("properties").and_then(Value::as_object) {
        for (k, child) in props {
            steps.push(Step::Key(node, k.clone()));
            f(steps, child);
            each_key(child, root, steps, f, depth + 1);
            steps.pop();
        }
    }
    if let Some(ap) = o.get("additionalProperties").filter(|a| a.is_object()) {
        steps.push(Step::Entry);
        each_key(ap, root, steps, f, depth + 1);
        steps.pop();
    }
    if let Some(items) = o.get("items").filter(|i| i.is_object()) {
        steps.push(Step::Item);
        each_key(items, root, steps, f, depth + 1);
        steps.pop();
    }
}

#[test]
fn no_openclaw_key_is_unknown() {
    let schema = openclaw_schema();
    let mut checked = 0usize;
    let mut unsupported = BTreeSet::new();
    let mut unknown = Vec::new();
    let mut refused = BTreeSet::new();
    let mut steps = Vec::new();
    each_key(
        &schema,
        &schema,
        &mut steps,
        &mut |steps, leaf| {
            if steps
                .first()
                .is_some_and(|s| matches!(s, Step::Key(_, k) if k == "$schema"))
            {
                return;
            }
            checked += 1;
            let value = wrap(steps, sample(leaf, &schema, 0), &schema);
            match tidepool_gateway::config::check_value(value.clone()) {
                Ok(loaded) => unsupported.extend(loaded.unsupported),
                Err(tidepool_gateway::config::ConfigError::Invalid { at, message, .. })
                    if message.starts_with("unknown setting")
                        || message.starts_with("unknown field") =>
                {
                    unknown.push(format!("{} ({at}: {message}) in {value}", path_of(steps)));
                }
                Err(e) => {
                    refused.insert(format!("{}: {e}", path_of(steps)));
                }
            }
        },
        0,
    );
    assert!(checked > 6000, "walked only {checked} keys");
    assert!(
        unknown.is_empty(),
        "{} OpenClaw keys are unknown to Tidepool:\n{}",
        unknown.len(),
        unknown.join("\n")
    );
    // The walk really reaches keys Tidepool sets aside, deep ones included.
    for p in [
        "channels",
        "gateway.reload",
        "agents.defaults.blockStreamingBreak",
    ] {
        let deep = unsupported
            .iter()
            .any(|u| u == p || u.starts_with(&format!("{p}.")));
        assert!(
            deep || p == "gateway.reload",
            "{p} not reported: {unsupported:?}"
        );
    }
    // Values Tidepool narrows (a sample OpenClaw accepts that Tidepool's types refuse) are
    // listed for the docs, not failed: they are errors with a reason, not unknown keys.
    eprintln!(
        "{checked} OpenClaw keys walked; {} set aside as not supported; {} sample values refused:\n{}",
        unsupported.len(),
        refused.len(),
        refused.iter().cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn real_openclaw_configs_validate() {
    // Configs as OpenClaw users write them, one per area, each with keys inside sections
    // Tidepool implements that it does not act on.
    let configs = [
        json!({ "gateway": { "mode": "local", "port": 18789, "bind": "loopback",
            "reload": { "mode": "hybrid" }, "auth": { "mode": "token", "token": "a".repeat(48),
            "rateLimit": { "maxAttempts": 10 } }, "controlUi": { "enabled": true },
            "nodes": { "browser": { "mode": "auto" } }, "tailscale": { "mode": "off" } } }),
        json!({ "agents": { "defaults": { "model": { "primary": "anthropic/claude-sonnet-4-5",
            "fallbacks": ["openai/gpt-5.2"] }, "workspace": "~/.openclaw/workspace",
            "skills": ["github"], "blockStreamingBreak": "text_end", "heartbeat": { "every": "30m" },
            "sandbox": { "mode": "off" } } } }),
        json!({ "models": { "mode": "merge", "providers": { "local": {
            "baseUrl": "http://127.0.0.1:8000/v1", "apiKey": "sk-local", "api": "openai-completions",
            "models": [{ "id": "my-model", "name": "My Model", "contextWindow": 120000,
            "maxTokens": 8192, "reasoning": false, "input": ["text"],
            "cost": { "input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0 } }] } } } }),
        json!({ "tools": { "profile": "coding", "exec": { "security": "allowlist", "ask": "on-miss" },
            "web": { "search": { "enabled": false }, "fetch": { "enabled": true } },
            "loopDetection": { "enabled": true } } }),
        json!({ "logging": { "level": "info", "consoleStyle": "pretty", "redactPatterns": ["sk-[a-z0-9]+"] } }),
        json!({ "session": { "dmScope": "main" }, "channels": { "telegram": { "enabled": false, "dmPolicy": "pairing", "groupPolicy": "allowlist" } },
            "skills": { "entries": { "github": { "enabled": true } } }, "cron": { "enabled": false },
            "plugins": { "enabled": true }, "hooks": { "enabled": false }, "ui": {},
            "messages": {}, "commands": { "native": "auto" }, "memory": {}, "env": { "vars": {} },
            "update": { "channel": "stable" }, "wizard": { "lastRunAt": "2026-09-01T00:00:00Z" },
            "meta": { "lastTouchedVersion": "2026.9.6" }, "security": {}, "telemetry": {} }),
    ];
    // A few of OpenClaw's string patterns use ECMAScript syntax the validator's meta-schema
    // refuses, and plugin schemas embedded in it point at `$defs` of their own that were not
    // carried along; both constrain values deep in sections of no concern here.
    fn drop_patterns(v: &mut Value) {
        match v {
            Value::Object(o) => {
                if o.get("pattern").is_some_and(Value::is_string) {
                    o.remove("pattern");
                }
                if o.contains_key("$ref") {
                    *v = Value::Bool(true);
                    return;
                }
                o.values_mut().for_each(drop_patterns);
            }
            Value::Array(a) => a.iter_mut().for_each(drop_patterns),
            _ => {}
        }
    }
    let mut schema = openclaw_schema();
    drop_patterns(&mut schema);
    let openclaw = jsonschema::options()
        .with_pattern_options(jsonschema::PatternOptions::fancy_regex())
        .build(&schema)
        .expect("OpenClaw's schema compiles");
    for c in configs {
        let text = c.to_string();
        let errors: Vec<String> = openclaw.iter_errors(&c).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "OpenClaw itself refuses {text}: {errors:?}"
        );
        if let Err(e) = tidepool_gateway::config::parse(&text, "openclaw.json") {
            panic!("a valid OpenClaw config was refused: {e}\n{text}");
        }
    }
    let l = tidepool_gateway::config::parse(
        r#"{ gateway: { port: 1, nodes: { browser: { mode: "auto" } } }, telemetry: {} }"#,
        "openclaw.json",
    )
    .expect("valid");
    assert_eq!(l.unsupported, ["gateway.nodes", "telemetry"]);
}
