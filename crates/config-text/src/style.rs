//! The document's own way of writing keys and strings, so that what an edit adds looks like
//! what is already there: `port: 1` in a file of bare keys, `'loopback'` in a file of
//! single-quoted strings (as the desktop's setup writes them), `"port": 1` in plain JSON.

use jsonc_parser::cst::{CstContainerNode, CstLeafNode, CstNode, ObjectPropName};

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Style {
    bare_keys: bool,
    single_quotes: bool,
}

#[derive(Default)]
struct Counts {
    bare: usize,
    quoted: usize,
    single: usize,
    double: usize,
}

/// Enough keys and strings to tell the style; a big file is not walked to the end.
const SAMPLE: usize = 64;

impl Counts {
    fn enough(&self) -> bool {
        self.bare + self.quoted >= SAMPLE && self.single + self.double >= SAMPLE
    }
}

impl Style {
    /// The majority style of `node`'s keys and strings, from the first few dozen of each
    /// (plain JSON when there are none).
    pub(crate) fn of(node: &CstNode) -> Style {
        let mut c = Counts::default();
        count(node, &mut c);
        Style {
            bare_keys: c.bare > c.quoted,
            single_quotes: c.single > c.double,
        }
    }

    /// Rewrites the keys and strings of a freshly inserted `node` in this style.
    pub(crate) fn apply(self, node: &CstNode) {
        if !self.bare_keys && !self.single_quotes {
            return;
        }
        match node {
            CstNode::Container(CstContainerNode::Object(o)) => {
                for prop in o.properties() {
                    if let (true, Some(ObjectPropName::String(name))) =
                        (self.bare_keys, prop.name())
                        && let Ok(key) = name.decoded_value()
                        && is_identifier(&key)
                    {
                        name.set_raw_value(key);
                    }
                    if let Some(v) = prop.value() {
                        self.apply(&v);
                    }
                }
            }
            CstNode::Container(CstContainerNode::Array(a)) => {
                for el in a.elements() {
                    self.apply(&el);
                }
            }
            CstNode::Container(CstContainerNode::ObjectProp(p)) => {
                if let (true, Some(ObjectPropName::String(name))) = (self.bare_keys, p.name())
                    && let Ok(key) = name.decoded_value()
                    && is_identifier(&key)
                {
                    name.set_raw_value(key);
                }
                if let Some(v) = p.value() {
                    self.apply(&v);
                }
            }
            CstNode::Leaf(CstLeafNode::StringLit(s)) if self.single_quotes => {
                if let Ok(text) = s.decoded_value() {
                    s.set_raw_value(single_quoted(&text));
                }
            }
            _ => {}
        }
    }
}

fn count(node: &CstNode, c: &mut Counts) {
    if c.enough() {
        return;
    }
    match node {
        CstNode::Container(CstContainerNode::ObjectProp(p)) => {
            match p.name() {
                Some(ObjectPropName::Word(_)) => c.bare += 1,
                Some(ObjectPropName::String(_)) => c.quoted += 1,
                None => {}
            }
            if let Some(v) = p.value() {
                count(&v, c);
            }
        }
        CstNode::Container(n) => {
            for child in n.children() {
                count(&child, c);
            }
        }
        CstNode::Leaf(CstLeafNode::StringLit(s)) => {
            if s.raw_value().starts_with('\'') {
                c.single += 1;
            } else {
                c.double += 1;
            }
        }
        CstNode::Leaf(_) => {}
    }
}

/// A JSON5 identifier that needs no quotes (ASCII only, and not a word JSON5 gives meaning).
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !matches!(key, "true" | "false" | "null" | "Infinity" | "NaN")
}

/// `text` as a single-quoted JSON5 string.
fn single_quoted(text: &str) -> String {
    let json = serde_json::to_string(text).unwrap_or_default();
    let inner = json
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default();
    let mut out = String::with_capacity(inner.len() + 2);
    out.push('\'');
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('"') => out.push('"'),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '\'' => out.push_str("\\'"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}
