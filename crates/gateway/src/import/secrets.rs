//! Secrets found in an OpenClaw config: each value goes into the plan for the store and a
//! `{ source: "store" }` reference takes its place; what cannot move is named with the fix.

use super::map::{Mapped, PlannedSecret, remove};
use crate::config::env::{self, DotEnv};
use serde_json::{Value, json};
use std::path::Path;
use tidepool_secrets::Zeroizing;

/// Store name for a secret at a config path: `OPENAI_API_KEY`, `GATEWAY_AUTH_TOKEN`.
fn derived_name(path: &[&str]) -> String {
    let raw = match path {
        ["models", "providers", id, "apiKey"] => format!("{id}_API_KEY"),
        other => other.join("_"),
    };
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        name.insert_str(0, "OPENCLAW_");
    }
    name.truncate(128);
    name
}

/// The config paths that hold secrets.
fn secret_paths(cfg: &Value) -> Vec<Vec<String>> {
    let mut out = vec![
        vec!["gateway".into(), "auth".into(), "token".into()],
        vec!["gateway".into(), "auth".into(), "password".into()],
    ];
    if let Some(ps) = cfg.pointer("/models/providers").and_then(Value::as_object) {
        for id in ps.keys() {
            out.push(vec![
                "models".into(),
                "providers".into(),
                id.clone(),
                "apiKey".into(),
            ]);
        }
    }
    out
}

fn store_ref(name: &str) -> Value {
    json!({ "source": "store", "id": name })
}

/// Moves every secret value into the plan and leaves a store reference in its place.
pub(super) fn secrets(cfg: &mut Value, vars: &DotEnv, oc_dir: &Path, m: &mut Mapped) {
    for path in secret_paths(cfg) {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let pointer = format!("/{}", parts.join("/"));
        let dotted = parts.join(".");
        let Some(slot) = cfg.pointer_mut(&pointer) else {
            continue;
        };
        let derived = derived_name(&parts);
        let plan = |name: &str, value: Option<String>, note: String| PlannedSecret {
            name: name.to_owned(),
            from: dotted.clone(),
            value: value.map(Zeroizing::new),
            note,
            replaces: false,
        };
        let (replacement, planned) = match slot.clone() {
            Value::String(s) if s.is_empty() => (None, None),
            Value::String(s) => {
                let var = s
                    .strip_prefix("${")
                    .and_then(|r| r.strip_suffix('}'))
                    .filter(|n| env::is_name(n));
                match var {
                    Some(var) => match vars.lookup(var) {
                        Some(v) => {
                            let name = valid_or(var, &derived);
                            let note = format!("the value of ${{{var}}}, moved into the store");
                            (Some(store_ref(&name)), Some(plan(&name, Some(v), note)))
                        }
                        None => (
                            Some(json!({ "source": "env", "id": var })),
                            Some(plan(
                                var,
                                None,
                                format!(
                                    "{var} is not set here; Tidepool will read it from the environment, or store it with `tidepool secrets set {var}`"
                                ),
                            )),
                        ),
                    },
                    None => match env::expand(&s, vars) {
                        Ok(v) => (
                            Some(store_ref(&derived)),
                            Some(plan(
                                &derived,
                                Some(v),
                                "moved out of the config into the store".into(),
                            )),
                        ),
                        Err(var) => (
                            None,
                            Some(plan(
                                &derived,
                                None,
                                format!(
                                    "left out: it uses {var}, which is not set here; store it with `tidepool secrets set {derived}`"
                                ),
                            )),
                        ),
                    },
                }
            }
            Value::Object(r) => {
                let source = r.get("source").and_then(Value::as_str).unwrap_or_default();
                let id = r
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                match source {
                    "env" => match vars.lookup(&id) {
                        Some(v) => {
                            let name = valid_or(&id, &derived);
                            (
                                Some(store_ref(&name)),
                                Some(plan(
                                    &name,
                                    Some(v),
                                    format!("the value of {id}, moved into the store"),
                                )),
                            )
                        }
                        None => (
                            Some(Value::Object(r.clone())),
                            Some(plan(
                                &id,
                                None,
                                format!("{id} is not set here; kept as an environment reference"),
                            )),
                        ),
                    },
                    "file" => {
                        let p = Path::new(&id);
                        let full = if p.is_absolute() {
                            p.to_path_buf()
                        } else {
                            oc_dir.join(p)
                        };
                        match std::fs::read_to_string(&full) {
                            Ok(v) if !v.trim().is_empty() => (
                                Some(store_ref(&derived)),
                                Some(plan(
                                    &derived,
                                    Some(v.trim_end_matches(['\r', '\n']).to_owned()),
                                    format!("read from {}, moved into the store", full.display()),
                                )),
                            ),
                            _ => (
                                None,
                                Some(plan(
                                    &derived,
                                    None,
                                    format!(
                                        "left out: {} cannot be read; store the value with `tidepool secrets set {derived}`",
                                        full.display()
                                    ),
                                )),
                            ),
                        }
                    }
                    "store" => (
                        Some(store_ref(&valid_or(&id, &derived))),
                        Some(plan(
                            &valid_or(&id, &derived),
                            None,
                            format!(
                                "was in OpenClaw's store, which Tidepool cannot read; store it with `tidepool secrets set {}`",
                                valid_or(&id, &derived)
                            ),
                        )),
                    ),
                    "exec" => (
                        None,
                        Some(plan(
                            &derived,
                            None,
                            format!(
                                "left out: secrets from a command (source \"exec\") are not supported by Tidepool; store it with `tidepool secrets set {derived}`"
                            ),
                        )),
                    ),
                    _ => continue,
                }
            }
            _ => continue,
        };
        match replacement {
            Some(r) => *slot = r,
            None => {
                remove(cfg, &dotted);
            }
        }
        if let Some(p) = planned {
            m.secrets.push(p);
        }
    }
}

fn valid_or(name: &str, fallback: &str) -> String {
    if tidepool_secrets::check_name(name).is_ok() {
        name.to_owned()
    } else {
        fallback.to_owned()
    }
}
