//! Edits of a JSON5 document (the gateway's `tidepool.json`) that keep what its author wrote.
//!
//! Every writer of the config — `config.set`/`config.patch`, "allow always" in an approval, the
//! `tidepool config set|unset` CLI, the desktop's settings form — computes the value it wants and
//! hands it to [`rewrite`], which changes only the parts of the text whose value differs:
//! comments, key order, blank lines, quoting and number spelling elsewhere stay as they were.
//! The result is checked by parsing it again; if it does not hold exactly the wanted value
//! (a construct the editor cannot handle in place), the whole document is written out plainly
//! instead, so an edit is never wrong, at worst less tidy.
//!
//! No I/O: callers read and write files (atomically, with validation) themselves.

mod array;
mod style;

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstContainerNode, CstInputValue, CstLeafNode, CstNode, CstRootNode};
use serde_json::{Map, Value};
use style::Style;

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text does not parse; nothing can be edited in place.
    #[error("the file is not valid JSON5 at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A path goes through a value that is not an object (`gateway.port.x`).
    #[error("`{path}` cannot be set: `{key}` is inside a value that is not an object")]
    NotAnObject {
        /// The whole path, dotted.
        path: String,
        /// The segment that could not be entered.
        key: String,
    },
    /// An empty path or an empty segment.
    #[error("the path `{0}` has an empty segment")]
    EmptySegment(String),
}

fn options() -> ParseOptions {
    ParseOptions::default()
}

fn syntax(e: &jsonc_parser::errors::ParseError) -> EditError {
    EditError::Syntax {
        line: e.line_display(),
        column: e.column_display(),
        message: e.kind().to_string(),
    }
}

/// The document's value; an empty (or comment-only) text is an empty object.
pub fn parse(text: &str) -> Result<Value, EditError> {
    let v: Value = jsonc_parser::parse_to_serde_value(text, &options()).map_err(|e| syntax(&e))?;
    Ok(if v.is_null() {
        Value::Object(Map::new())
    } else {
        v
    })
}

/// `text` changed so that it holds `new`, touching only what differs (see the crate docs).
pub fn rewrite(text: &str, new: &Value) -> Result<String, EditError> {
    Ok(in_place(text, new)?.unwrap_or_else(|| plain(new)))
}

/// The edited text, or `None` when the edit in place did not produce exactly `new`.
fn in_place(text: &str, new: &Value) -> Result<Option<String>, EditError> {
    // The plain value first (cheap): unchanged subtrees are then skipped without walking them.
    let old = parse(text)?;
    if same(&old, new) {
        return Ok(Some(text.to_owned()));
    }
    let root = CstRootNode::parse(text, &options()).map_err(|e| syntax(&e))?;
    match root.value() {
        Some(node) => {
            let style = Style::of(&node);
            reconcile(node, Some(&old), new, style);
        }
        None => root.set_value(input(new)),
    }
    let mut out = root.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(parse(&out).ok().filter(|v| same(v, new)).map(|_| out))
}

/// `text` with the value at `path` set to `value`, or removed when `value` is `None`. Objects
/// on the way are created; a segment may contain dots (provider names do).
pub fn set<S: AsRef<str>>(
    text: &str,
    path: &[S],
    value: Option<&Value>,
) -> Result<String, EditError> {
    let dotted = path.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(".");
    if path.is_empty() || path.iter().any(|s| s.as_ref().is_empty()) {
        return Err(EditError::EmptySegment(dotted));
    }
    let mut doc = parse(text)?;
    let Some((last, parents)) = path.split_last() else {
        return Err(EditError::EmptySegment(dotted));
    };
    let mut cur = &mut doc;
    for key in parents {
        let key = key.as_ref();
        let Value::Object(map) = cur else {
            return Err(not_object(&dotted, key));
        };
        if value.is_none() && !map.contains_key(key) {
            return Ok(text.to_owned());
        }
        cur = map
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(map) = cur else {
        return Err(not_object(&dotted, last.as_ref()));
    };
    match value {
        Some(v) => {
            map.insert(last.as_ref().to_owned(), v.clone());
        }
        None => {
            if map.remove(last.as_ref()).is_none() {
                return Ok(text.to_owned());
            }
        }
    }
    rewrite(text, &doc)
}

fn not_object(path: &str, key: &str) -> EditError {
    EditError::NotAnObject {
        path: path.to_owned(),
        key: key.to_owned(),
    }
}

/// The value written out plainly (two-space JSON, which is JSON5 too).
pub fn plain(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// Equal as config values: numbers compare by value (`1.0` and `1`, `0x10` and `16`).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn input(v: &Value) -> CstInputValue {
    match v {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(a) => CstInputValue::Array(a.iter().map(input).collect()),
        Value::Object(o) => {
            CstInputValue::Object(o.iter().map(|(k, v)| (k.clone(), input(v))).collect())
        }
    }
}

/// Makes `node` (whose value is `old`, when known) hold `new`: objects and arrays are edited
/// member by member, anything else that differs is replaced.
fn reconcile(node: CstNode, old: Option<&Value>, new: &Value, style: Style) {
    if old.is_some_and(|o| same(o, new)) {
        return;
    }
    match (&node, new) {
        (CstNode::Container(CstContainerNode::Object(obj)), Value::Object(map)) => {
            let props = obj.properties();
            let names: Vec<Option<String>> = props.iter().map(|p| p.decoded_name()).collect();
            // With a repeated key the plain value holds only the last one: compare the text.
            let mut distinct = std::collections::HashSet::new();
            let repeated = names.iter().flatten().any(|n| !distinct.insert(n));
            let old_map = old.and_then(Value::as_object).filter(|_| !repeated);
            let mut seen = std::collections::HashSet::new();
            for (prop, name) in props.into_iter().zip(names) {
                match name.as_deref().and_then(|n| map.get(n).map(|v| (n, v))) {
                    Some((n, v)) if seen.insert(n.to_owned()) => match prop.value() {
                        Some(child) => reconcile(child, old_map.and_then(|m| m.get(n)), v, style),
                        None => {
                            prop.set_value(input(v));
                            style.apply(&prop.into());
                        }
                    },
                    // Gone from the value, or a repeated key (the last one wins in JSON5).
                    _ => prop.remove(),
                }
            }
            for (k, v) in map {
                if !seen.contains(k) {
                    style.apply(&obj.append(k, input(v)).into());
                }
            }
        }
        (CstNode::Container(CstContainerNode::Array(arr)), Value::Array(items)) => {
            array::reconcile(arr, old.and_then(Value::as_array), items, style);
        }
        _ => {
            let differs = match old {
                Some(_) => true,
                None => !node.to_serde_value().is_some_and(|o| same(&o, new)),
            };
            if differs && let Some(added) = replace(node, input(new)) {
                style.apply(&added);
            }
        }
    }
}

fn replace(node: CstNode, with: CstInputValue) -> Option<CstNode> {
    match node {
        CstNode::Container(CstContainerNode::Object(n)) => n.replace_with(with),
        CstNode::Container(CstContainerNode::Array(n)) => n.replace_with(with),
        CstNode::Leaf(CstLeafNode::StringLit(n)) => n.replace_with(with),
        CstNode::Leaf(CstLeafNode::NumberLit(n)) => n.replace_with(with),
        CstNode::Leaf(CstLeafNode::BooleanLit(n)) => n.replace_with(with),
        CstNode::Leaf(CstLeafNode::NullKeyword(n)) => n.replace_with(with),
        CstNode::Leaf(CstLeafNode::WordLit(n)) => n.replace_with(with),
        // Not a value node: the check after the edit falls back to a plain rewrite.
        _ => None,
    }
}

#[cfg(test)]
mod tests;
