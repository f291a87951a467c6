//! The OpenClaw config value → a Tidepool config value, with notes on everything left out.

use super::Item;
use crate::config::env::{self, DotEnv};
use crate::config::{ConfigError, check_value, known};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use tidepool_secrets::Zeroizing;

/// A secret found in the config.
pub(super) struct PlannedSecret {
    /// Store name.
    pub name: String,
    /// Config path it came from.
    pub from: String,
    /// The value to store; `None` when it stays where it is (an unset env var, OpenClaw's store).
    pub value: Option<Zeroizing<String>>,
    /// What happens.
    pub note: String,
    /// The store already holds another value under this name.
    pub replaces: bool,
}

/// The mapped config and what goes with it.
pub(super) struct Mapped {
    pub config: Value,
    pub dropped: Vec<Item>,
    pub secrets: Vec<PlannedSecret>,
    /// (from, to, what it is).
    pub folders: Vec<(PathBuf, PathBuf, String)>,
}

impl Mapped {
    /// The sections of the written config, one level below the top (two for agents and
    /// providers).
    pub fn carried(&self) -> Vec<Item> {
        let mut out = Vec::new();
        let Some(top) = self.config.as_object() else {
            return out;
        };
        for (k, v) in top {
            match v.as_object() {
                Some(o) => {
                    for (k2, v2) in o {
                        let deeper = matches!((k.as_str(), k2.as_str()), ("agents", "entries"))
                            || matches!((k.as_str(), k2.as_str()), ("models", "providers"));
                        match v2.as_object().filter(|_| deeper) {
                            Some(o2) => out.extend(o2.keys().map(|k3| Item {
                                path: format!("{k}.{k2}.{k3}"),
                                note: describe(k2, v2.get(k3)),
                            })),
                            None => out.push(Item {
                                path: format!("{k}.{k2}"),
                                note: if k == "agents" && k2 == "defaults" {
                                    describe("entries", Some(v2))
                                } else {
                                    String::new()
                                },
                            }),
                        }
                    }
                }
                None => out.push(Item {
                    path: k.clone(),
                    note: String::new(),
                }),
            }
        }
        out
    }
}

fn describe(kind: &str, v: Option<&Value>) -> String {
    let Some(v) = v else { return String::new() };
    match kind {
        "entries" => match v.get("model") {
            Some(Value::String(m)) => format!("model {m}"),
            Some(m) => m
                .get("primary")
                .and_then(Value::as_str)
                .map(|m| format!("model {m}"))
                .unwrap_or_default(),
            None => String::new(),
        },
        _ => {
            let n = v
                .get("models")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            match n {
                0 => String::new(),
                1 => "1 model".into(),
                n => format!("{n} models"),
            }
        }
    }
}

/// Maps `value` (the OpenClaw config with includes merged, `${VAR}` unexpanded).
pub(super) fn map(value: Value, oc_dir: &Path, state: &Path) -> Mapped {
    let mut m = Mapped {
        config: json!({}),
        dropped: Vec::new(),
        secrets: Vec::new(),
        folders: Vec::new(),
    };
    let Value::Object(top) = value else {
        m.dropped
            .push(item("(root)", "the OpenClaw config is not an object"));
        return m;
    };
    let mut vars = DotEnv::load(oc_dir);
    if let Some(Value::Object(block)) = top.get("env") {
        for (k, v) in block {
            match (k.as_str(), v) {
                ("vars", Value::Object(vs)) => {
                    for (k, v) in vs {
                        if let Value::String(s) = v {
                            vars.insert(k.clone(), s.clone());
                        }
                    }
                }
                (_, Value::String(s)) => vars.insert(k.clone(), s.clone()),
                _ => {}
            }
        }
    }
    let mut cfg = Map::new();
    for (k, v) in top {
        if k == "$schema" {
            continue;
        }
        if !known::tidepool_knows(&k) && known::openclaw_knows(&k) {
            let why = if k == "env" {
                "used to fill in ${VAR} references during the import; an env section is not supported by Tidepool yet"
            } else {
                "not supported by Tidepool yet"
            };
            m.dropped.push(item(&k, why));
        } else {
            cfg.insert(k, v);
        }
    }
    let mut cfg = Value::Object(cfg);
    legacy_list(&mut cfg, &mut m.dropped);
    super::secrets::secrets(&mut cfg, &vars, oc_dir, &mut m);
    workspaces(&mut cfg, oc_dir, state, &mut m);
    // `${VAR}` in ordinary strings: written as the value it has now.
    for _ in 0..500 {
        let mut trial = cfg.clone();
        match env::substitute(&mut trial, &vars) {
            Ok(()) => {
                cfg = trial;
                break;
            }
            Err(e) => {
                remove(&mut cfg, &e.at);
                m.dropped.push(Item {
                    path: e.at,
                    note: format!(
                        "uses the environment variable {} which is not set here (nor in {}/.env)",
                        e.name,
                        oc_dir.display()
                    ),
                });
            }
        }
    }
    // Whatever Tidepool's validator refuses is left out, one key at a time.
    for _ in 0..500 {
        match check_value(cfg.clone()) {
            Ok(loaded) => {
                for path in loaded.unsupported {
                    remove(&mut cfg, &path);
                    m.dropped.push(item(&path, "not supported by Tidepool yet"));
                }
                break;
            }
            Err(ConfigError::Invalid {
                at, message, hint, ..
            }) if at != "(root)" && remove(&mut cfg, &at) => {
                let note = if message.starts_with("unknown field") {
                    "not supported by Tidepool yet".to_owned()
                } else if message.starts_with("unknown setting") {
                    "not an OpenClaw setting either (a typo or from another version?)".to_owned()
                } else {
                    match hint {
                        Some(h) => format!("{message} ({h})"),
                        None => message,
                    }
                };
                m.dropped.push(Item { path: at, note });
            }
            Err(e) => {
                m.dropped.push(item(
                    "(all)",
                    &format!("the mapped config is still refused: {e}"),
                ));
                cfg = json!({});
                break;
            }
        }
    }
    prune_empty(&mut cfg);
    escape_literals(&mut cfg);
    m.config = cfg;
    m
}

fn item(path: &str, note: &str) -> Item {
    Item {
        path: path.to_owned(),
        note: note.to_owned(),
    }
}

/// `agents.list[]` (older OpenClaw) → `agents.entries.<id>`.
fn legacy_list(cfg: &mut Value, dropped: &mut Vec<Item>) {
    let Some(agents) = cfg.get_mut("agents").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(Value::Array(list)) = agents.remove("list") else {
        return;
    };
    let mut entries = match agents.remove("entries") {
        Some(Value::Object(e)) => e,
        _ => Map::new(),
    };
    for (i, a) in list.into_iter().enumerate() {
        let Value::Object(mut a) = a else {
            dropped.push(item(&format!("agents.list[{i}]"), "not an object"));
            continue;
        };
        let id = match a.remove("id") {
            Some(Value::String(id)) if !id.is_empty() => id,
            _ => {
                dropped.push(item(&format!("agents.list[{i}]"), "has no id"));
                continue;
            }
        };
        if entries.contains_key(&id) {
            dropped.push(item(
                &format!("agents.list[{i}]"),
                &format!("agent {id} is also in agents.entries, which wins"),
            ));
            continue;
        }
        entries.insert(id, Value::Object(a));
    }
    agents.insert("entries".into(), Value::Object(entries));
}

/// Workspaces inside the OpenClaw dir are copied to the same place under Tidepool's; others stay.
fn workspaces(cfg: &mut Value, oc_dir: &Path, state: &Path, m: &mut Mapped) {
    let home = crate::paths::home_dir();
    let resolve = |w: &str| -> PathBuf {
        normalize(&match w.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None if Path::new(w).is_absolute() => PathBuf::from(w),
            None => oc_dir.join(w),
        })
    };
    let oc_dir = &normalize(oc_dir);
    let default_ws = cfg
        .pointer("/agents/defaults/workspace")
        .and_then(Value::as_str)
        .map(&resolve);
    let mut ids: Vec<String> = cfg
        .pointer("/agents/entries")
        .and_then(Value::as_object)
        .map(|e| e.keys().cloned().collect())
        .unwrap_or_default();
    if ids.is_empty() {
        ids.push("main".into());
    }
    let default_id = cfg
        .pointer("/agents/entries")
        .and_then(Value::as_object)
        .and_then(|e| {
            e.iter()
                .find(|(_, a)| a.get("default").and_then(Value::as_bool) == Some(true))
                .map(|(id, _)| id.clone())
        })
        .unwrap_or_else(|| ids.first().cloned().unwrap_or_default());
    let mut seen: Vec<PathBuf> = Vec::new();
    for id in &ids {
        let pointer = format!("/agents/entries/{id}/workspace");
        let own = cfg.pointer(&pointer).and_then(Value::as_str).map(&resolve);
        let src = own.clone().or(default_ws.clone()).unwrap_or_else(|| {
            if *id == default_id {
                oc_dir.join("workspace")
            } else {
                oc_dir.join(format!("workspace-{id}"))
            }
        });
        let tidepool_default = if id == "main" {
            state.join("workspace")
        } else {
            state.join(format!("workspace-{id}"))
        };
        let dst = match src.strip_prefix(oc_dir) {
            Ok(rel) => state.join(rel),
            Err(_) => {
                if !seen.contains(&src) {
                    m.dropped.push(item(
                        &format!("agents.entries.{id}.workspace"),
                        &format!(
                            "{} is outside {}: kept in place, not copied",
                            src.display(),
                            oc_dir.display()
                        ),
                    ));
                }
                seen.push(src.clone());
                set_workspace(cfg, id, &src, &tidepool_default);
                continue;
            }
        };
        set_workspace(cfg, id, &dst, &tidepool_default);
        if src.is_dir() && !seen.contains(&src) {
            m.folders
                .push((src.clone(), dst, format!("workspace of agent {id}")));
        }
        seen.push(src);
    }
    if let Some(d) = cfg
        .pointer_mut("/agents/defaults")
        .and_then(Value::as_object_mut)
    {
        d.remove("workspace");
    }
    let skills = oc_dir.join("skills");
    if skills.is_dir() {
        m.folders.push((
            skills,
            state.join("skills"),
            "shared skills (kept for when Tidepool loads skills; it does not yet)".into(),
        ));
    }
}

/// `a/b/../c` → `a/c`, without touching the file system (the folder may not exist).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes an agent's workspace only when it differs from Tidepool's default for that agent.
fn set_workspace(cfg: &mut Value, id: &str, path: &Path, tidepool_default: &Path) {
    let Some(entries) = cfg
        .pointer_mut("/agents/entries")
        .and_then(Value::as_object_mut)
    else {
        if path != tidepool_default {
            crate::json::set_field(cfg, "agents", json!({}));
            if let Some(a) = cfg.get_mut("agents") {
                crate::json::set_field(
                    a,
                    "defaults",
                    a.get("defaults").cloned().unwrap_or(json!({})),
                );
                if let Some(d) = a.get_mut("defaults") {
                    crate::json::set_field(d, "workspace", json!(path.display().to_string()));
                }
            }
        }
        return;
    };
    let Some(Value::Object(e)) = entries.get_mut(id) else {
        return;
    };
    if path == tidepool_default {
        e.remove("workspace");
    } else {
        e.insert("workspace".into(), json!(path.display().to_string()));
    }
}

/// Removes the value at a dotted path (`a.b[0].c`); whether something was removed.
pub(super) fn remove(v: &mut Value, path: &str) -> bool {
    let mut segs: Vec<Seg> = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (
                part.get(..i).unwrap_or_default(),
                part.get(i..).unwrap_or_default(),
            ),
            None => (part, ""),
        };
        if !name.is_empty() {
            segs.push(Seg::Key(name.to_owned()));
        }
        while let Some(close) = rest.find(']') {
            match rest.get(1..close).unwrap_or_default().parse() {
                Ok(i) => segs.push(Seg::Index(i)),
                Err(_) => return false,
            }
            rest = rest.get(close + 1..).unwrap_or_default();
        }
    }
    let Some((last, parents)) = segs.split_last() else {
        return false;
    };
    let mut cur = v;
    for s in parents {
        cur = match (s, cur) {
            (Seg::Key(k), Value::Object(o)) => match o.get_mut(k) {
                Some(c) => c,
                None => return false,
            },
            (Seg::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(c) => c,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, cur) {
        (Seg::Key(k), Value::Object(o)) => o.remove(k).is_some(),
        (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

enum Seg {
    Key(String),
    Index(usize),
}

/// Drops objects left empty by the mapping (`agents: { defaults: {} }`).
fn prune_empty(v: &mut Value) {
    if let Value::Object(o) = v {
        for child in o.values_mut() {
            prune_empty(child);
        }
        o.retain(|_, c| !matches!(c, Value::Object(x) if x.is_empty()));
    }
}

/// Text that now holds a literal `${NAME}` (from `$${NAME}`) is written back escaped, so the
/// file means what it meant.
fn escape_literals(v: &mut Value) {
    match v {
        Value::String(s) if s.contains("${") => {
            let mut out = String::with_capacity(s.len() + 2);
            let mut rest = s.as_str();
            while let Some(i) = rest.find("${") {
                out.push_str(rest.get(..i).unwrap_or_default());
                let tail = rest.get(i + 2..).unwrap_or_default();
                let named = tail
                    .find('}')
                    .is_some_and(|e| env::is_name(tail.get(..e).unwrap_or_default()));
                out.push_str(if named { "$${" } else { "${" });
                rest = tail;
            }
            out.push_str(rest);
            *s = out;
        }
        Value::Object(o) => o.values_mut().for_each(escape_literals),
        Value::Array(a) => a.iter_mut().for_each(escape_literals),
        _ => {}
    }
}
