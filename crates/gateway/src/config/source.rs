//! JSON5 text to a `serde_json::Value`, remembering where every value sits in the file so that
//! validation errors can name the line and column.

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where a value is: file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (the main config or an included one).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

/// Locations by value path (`gateway.auth.mode`, `agents.list[0].id`; the root is `.`), kept as
/// byte offsets and turned into lines and columns only when an error needs one.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    entries: HashMap<String, (usize, usize)>,
    files: Vec<(PathBuf, std::sync::Arc<str>)>,
}

impl Positions {
    fn for_file(file: &Path, text: &str) -> Self {
        Positions {
            entries: HashMap::new(),
            files: vec![(file.to_path_buf(), std::sync::Arc::from(text))],
        }
    }

    fn location(&self, (file, offset): (usize, usize)) -> Option<Location> {
        let (path, text) = self.files.get(file)?;
        let (line, column) = LineIndex::new(text).line_col(text, offset);
        Some(Location {
            file: path.clone(),
            line,
            column,
        })
    }

    /// Every file read after the first (the included ones), with its text.
    pub fn included(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().skip(1).map(|(p, t)| (p.as_path(), &**t))
    }

    /// The location of `path`, or of its nearest ancestor that has one.
    pub fn find(&self, path: &str) -> Option<Location> {
        let mut p = path.to_owned();
        loop {
            if let Some(e) = self.entries.get(&p) {
                return self.location(*e);
            }
            let Some(cut) = p.rfind(['.', '[']) else {
                return self.entries.get(".").and_then(|e| self.location(*e));
            };
            p.truncate(cut);
            if p.is_empty() {
                return self.entries.get(".").and_then(|e| self.location(*e));
            }
        }
    }

    /// Moves every entry of `other` under `prefix` (an included file's values grafted in).
    pub fn graft(&mut self, prefix: &str, other: Positions) {
        let base = self.files.len();
        self.files.extend(other.files);
        self.entries.reserve(other.entries.len());
        for (k, (f, off)) in other.entries {
            let key = match (prefix, k.as_str()) {
                ("." | "", _) => k,
                (_, ".") => prefix.to_owned(),
                (_, rest) => {
                    // Not format!: this runs for every value of every included file.
                    let mut key = String::with_capacity(prefix.len() + 1 + rest.len());
                    key.push_str(prefix);
                    if !rest.starts_with('[') {
                        key.push('.');
                    }
                    key.push_str(rest);
                    key
                }
            };
            self.entries.entry(key).or_insert((f + base, off));
        }
    }
}

/// A syntax or value error, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

fn options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: true,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: true,
        allow_hexadecimal_numbers: true,
        allow_unary_plus_numbers: true,
        allow_bare_decimal_point_numbers: true,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: true,
    }
}

/// Parses JSON5 `text` (from `file`, for locations). Empty text is `{}`.
pub fn parse(text: &str, file: &Path) -> Result<(Value, Positions), SyntaxError> {
    let parsed =
        parse_to_ast(text, &CollectOptions::default(), &options()).map_err(|e| SyntaxError {
            location: Location {
                file: file.to_path_buf(),
                line: e.line_display(),
                column: e.column_display(),
            },
            message: e.kind().to_string(),
        })?;
    let mut positions = Positions::for_file(file, text);
    let value = match parsed.value {
        None => Value::Object(Map::new()),
        Some(ast) => convert(&ast, &mut String::new(), true, &mut positions).map_err(
            |(offset, message)| SyntaxError {
                location: positions.location((0, offset)).unwrap_or(Location {
                    file: file.to_path_buf(),
                    line: 1,
                    column: 1,
                }),
                message,
            },
        )?,
    };
    Ok((value, positions))
}

/// Converts the AST; errors are (byte offset, message). `path` is the value's path (empty for
/// the root), built up in one buffer; `record` is false for a property's value, whose key
/// position is recorded instead.
fn convert(
    ast: &Ast<'_>,
    path: &mut String,
    record: bool,
    pos: &mut Positions,
) -> Result<Value, (usize, String)> {
    let start = match ast {
        Ast::StringLit(s) => s.range.start,
        Ast::NumberLit(n) => n.range.start,
        Ast::BooleanLit(b) => b.range.start,
        Ast::Object(o) => o.range.start,
        Ast::Array(a) => a.range.start,
        Ast::NullKeyword(n) => n.range.start,
    };
    if record {
        let key = if path.is_empty() { "." } else { path.as_str() };
        pos.entries.insert(key.to_owned(), (0, start));
    }
    Ok(match ast {
        Ast::StringLit(s) => Value::String(s.value.to_string()),
        Ast::BooleanLit(b) => Value::Bool(b.value),
        Ast::NullKeyword(_) => Value::Null,
        Ast::NumberLit(n) => Value::Number(number(n.value).ok_or_else(|| {
            (
                start,
                format!("{} is not a number this config can hold", n.value),
            )
        })?),
        Ast::Array(a) => {
            let mut out = Vec::with_capacity(a.elements.len());
            let len = path.len();
            let mut digits = itoa::Buffer::new();
            for (i, el) in a.elements.iter().enumerate() {
                path.truncate(len);
                path.push('[');
                path.push_str(digits.format(i));
                path.push(']');
                out.push(convert(el, path, true, pos)?);
            }
            path.truncate(len);
            Value::Array(out)
        }
        Ast::Object(o) => {
            let mut map = Map::new();
            let len = path.len();
            for prop in &o.properties {
                let key = match &prop.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_owned(),
                };
                if map.contains_key(&key) {
                    return Err((
                        prop.range.start,
                        format!("the key `{key}` appears twice in the same object"),
                    ));
                }
                push_key(path, len, &key);
                // The key's own position is more useful than the value's for "unknown key".
                pos.entries.insert(path.clone(), (0, prop.range.start));
                let v = convert(&prop.value, path, false, pos)?;
                map.insert(key, v);
            }
            path.truncate(len);
            Value::Object(map)
        }
    })
}

/// `path` (cut back to `len`) extended by `.key`: value paths are built in one buffer while
/// walking, since formatting a fresh path for every value costs more than the rest.
pub(super) fn push_key(path: &mut String, len: usize, key: &str) {
    path.truncate(len);
    if len > 0 {
        path.push('.');
    }
    path.push_str(key);
}

fn number(text: &str) -> Option<Number> {
    let t = text.trim_start_matches('+');
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = i64::from_str_radix(hex, 16).ok()?;
        return Some(Number::from(if neg { -v } else { v }));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = t.parse::<u64>() {
        return Some(Number::from(u));
    }
    let f: f64 = t.parse().ok()?;
    Number::from_f64(f)
}

/// Byte offset → (line, column), both 1-based; columns count characters.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json5_values_and_their_places() {
        let text = "// c\n{\n  gateway: { port: 0x10, bind: 'lan', },\n  list: [1, +2, .5],\n}\n";
        let (v, pos) = parse(text, Path::new("t.json")).unwrap();
        assert_eq!(v["gateway"]["port"], 16);
        assert_eq!(v["gateway"]["bind"], "lan");
        assert_eq!(v["list"][1], 2);
        assert_eq!(v["list"][2], 0.5);
        let l = pos.find("gateway.bind").unwrap();
        assert_eq!((l.line, l.column), (3, 26));
        assert_eq!(
            pos.find("list[1]").map(|l| (l.line, l.column)),
            Some((4, 13))
        );
        assert_eq!(pos.find("gateway.nope.deeper").map(|l| l.line), Some(3));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = parse("{\n  a: 1,\n  b: ,\n}", Path::new("t.json")).unwrap_err();
        assert_eq!(e.location.line, 3);
        let e = parse("{ a: 1 } x", Path::new("t.json")).unwrap_err();
        assert_eq!(e.location.line, 1);
        let e = parse("{ a: 1, a: 2 }", Path::new("t.json")).unwrap_err();
        assert!(e.message.contains("appears twice"), "{}", e.message);
        let e = parse("{ a: NaN }", Path::new("t.json")).unwrap_err();
        assert_eq!(e.location.line, 1);
    }
}
