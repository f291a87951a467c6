//! A tiny JSON writer that keeps object keys in the order they are written, so frames come out
//! in the same key order as the real providers send them (serde_json's `Value` sorts keys unless
//! its workspace-wide `preserve_order` feature is on, which would change other crates).

use serde_json::Value;

/// A JSON value whose objects keep insertion order.
#[derive(Debug, Clone)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(u64),
    Str(String),
    /// An arbitrary `serde_json::Value`, written as serde_json writes it.
    Value(Value),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

/// Builds a `J::Obj` from `"key" => value` pairs, each value converted with `J::from`.
macro_rules! obj {
    ($($k:literal => $v:expr),* $(,)?) => {
        $crate::json::J::Obj(vec![$(($k, $crate::json::J::from($v))),*])
    };
}
pub(crate) use obj;

impl J {
    /// Serializes to compact JSON text.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(&n.to_string()),
            J::Str(s) => write_str(out, s),
            J::Value(v) => out.push_str(&v.to_string()),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    // `Value::String` display is serde_json's escaping, and cannot fail.
    out.push_str(&Value::String(s.to_owned()).to_string());
}

impl From<&str> for J {
    fn from(s: &str) -> Self {
        J::Str(s.to_owned())
    }
}
impl From<String> for J {
    fn from(s: String) -> Self {
        J::Str(s)
    }
}
impl From<&String> for J {
    fn from(s: &String) -> Self {
        J::Str(s.clone())
    }
}
impl From<u64> for J {
    fn from(n: u64) -> Self {
        J::Num(n)
    }
}
impl From<bool> for J {
    fn from(b: bool) -> Self {
        J::Bool(b)
    }
}
impl From<Value> for J {
    fn from(v: Value) -> Self {
        J::Value(v)
    }
}
impl From<Vec<J>> for J {
    fn from(items: Vec<J>) -> Self {
        J::Arr(items)
    }
}
impl<T: Into<J>> From<Option<T>> for J {
    fn from(v: Option<T>) -> Self {
        v.map_or(J::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_escapes() {
        let j = obj! {"z" => 1u64, "a" => "q\"\n", "m" => J::Null, "arr" => vec![J::Bool(true)]};
        assert_eq!(j.render(), r#"{"z":1,"a":"q\"\n","m":null,"arr":[true]}"#);
    }
}
