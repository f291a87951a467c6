//! `$include`: `{ "$include": "part.json5" }` is replaced by that file; an array of files is
//! deep-merged in order; keys next to `$include` override what was included. Includes nest at
//! most 10 deep, stay inside the config's directory, are at most 2 MiB, and may not loop.

use super::source::{self, Location, Positions};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Deepest include nesting.
pub const MAX_DEPTH: usize = 10;
/// Largest file read (main config or include).
pub const MAX_BYTES: u64 = 2 * 1024 * 1024;

/// Why an include failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeError {
    /// Where the `$include` is.
    pub location: Option<Location>,
    /// The config path of the object holding it.
    pub at: String,
    /// What went wrong.
    pub message: String,
}

/// Reads a config-like file with the size cap.
pub fn read_capped(path: &Path) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} is {} bytes; the limit is 2 MiB",
                path.display(),
                meta.len()
            ),
        ));
    }
    std::fs::read_to_string(path)
}

/// Resolves every `$include` in `value` (parsed from `file`), whose includes must stay in `root`.
pub fn resolve(
    value: Value,
    positions: &mut Positions,
    file: &Path,
    root: &Path,
) -> Result<Value, IncludeError> {
    let mut stack = vec![canonical(file)];
    walk(value, &mut String::new(), positions, file, root, &mut stack)
}

/// The real path; for a file that does not exist (yet), its path with `.` and `..` resolved
/// lexically, so `dir/../x` cannot pass for a path inside `dir`.
fn canonical(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let mut out = PathBuf::new();
    for comp in p.components() {
        match comp {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    match (out.parent(), out.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map(|p| p.join(name))
            .unwrap_or(out.clone()),
        _ => out,
    }
}

/// `path` is the value's path (empty for the root), built up in one buffer: most values hold
/// no include, and formatting a path for each of them would cost more than the rest.
fn walk(
    value: Value,
    path: &mut String,
    positions: &mut Positions,
    file: &Path,
    root: &Path,
    stack: &mut Vec<PathBuf>,
) -> Result<Value, IncludeError> {
    match value {
        Value::Object(mut map) => {
            let include = map.remove("$include");
            let mut siblings = Map::new();
            let len = path.len();
            for (k, v) in map {
                source::push_key(path, len, &k);
                let v = walk(v, path, positions, file, root, stack)?;
                siblings.insert(k, v);
            }
            path.truncate(len);
            let Some(spec) = include else {
                return Ok(Value::Object(siblings));
            };
            let path = path.clone();
            let err = |message: String, positions: &Positions| IncludeError {
                location: positions.find(&child(&path, "$include")),
                at: if path.is_empty() {
                    ".".into()
                } else {
                    path.clone()
                },
                message,
            };
            let files: Vec<String> = match spec {
                Value::String(s) => vec![s],
                Value::Array(items) => items
                    .into_iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s),
                        _ => Err(err("$include entries must be file names".into(), positions)),
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(err(
                        "$include must be a file name or a list of them".into(),
                        positions,
                    ));
                }
            };
            if stack.len() > MAX_DEPTH {
                return Err(err(
                    format!("includes nest more than {MAX_DEPTH} deep"),
                    positions,
                ));
            }
            let mut merged = Value::Object(Map::new());
            for name in files {
                let base = file.parent().unwrap_or(root);
                let target = canonical(&base.join(&name));
                if !target.starts_with(canonical(root)) {
                    return Err(err(
                        format!(
                            "\"{name}\" is outside the config directory {}; includes must stay inside it",
                            root.display()
                        ),
                        positions,
                    ));
                }
                if stack.contains(&target) {
                    return Err(err(
                        format!("\"{name}\" includes itself (an include loop)"),
                        positions,
                    ));
                }
                let text = read_capped(&target)
                    .map_err(|e| err(format!("cannot read \"{name}\": {e}"), positions))?;
                let (v, mut inner) = source::parse(&text, &target).map_err(|e| IncludeError {
                    location: Some(e.location.clone()),
                    at: if path.is_empty() {
                        ".".into()
                    } else {
                        path.clone()
                    },
                    message: e.message,
                })?;
                stack.push(target.clone());
                let v = walk(v, &mut String::new(), &mut inner, &target, root, stack)?;
                stack.pop();
                positions.graft(&path, inner);
                merge(&mut merged, v);
            }
            if siblings.is_empty() {
                return Ok(merged);
            }
            if !merged.is_object() {
                return Err(err(
                    "an included file that is not an object cannot have sibling keys".into(),
                    positions,
                ));
            }
            merge(&mut merged, Value::Object(siblings));
            Ok(merged)
        }
        Value::Array(items) => {
            let len = path.len();
            let mut digits = itoa::Buffer::new();
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                path.truncate(len);
                path.push('[');
                path.push_str(digits.format(i));
                path.push(']');
                out.push(walk(v, path, positions, file, root, stack)?);
            }
            path.truncate(len);
            Ok(Value::Array(out))
        }
        other => Ok(other),
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() || path == "." {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Deep merge: objects merge key by key, anything else is replaced by `over`.
pub fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// SHA-256 over `files` (path and text), in order.
pub fn fingerprint<'a>(files: impl Iterator<Item = (&'a Path, &'a str)>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut any = false;
    for (p, t) in files {
        any = true;
        h.update(p.as_os_str().as_encoded_bytes());
        h.update([0]);
        h.update(t.as_bytes());
        h.update([0]);
    }
    if !any {
        return String::new();
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The current fingerprint of `files` (read again now; an unreadable one counts as changed).
pub fn current_fingerprint(files: &[std::path::PathBuf]) -> String {
    let texts: Vec<(&Path, String)> = files
        .iter()
        .map(|p| {
            (
                p.as_path(),
                read_capped(p).unwrap_or_else(|e| format!("\u{0}unreadable: {e}")),
            )
        })
        .collect();
    fingerprint(texts.iter().map(|(p, t)| (*p, t.as_str())))
}
