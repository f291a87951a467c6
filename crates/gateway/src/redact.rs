//! Masks every known secret value (stored secrets, API keys as resolved, the gateway token)
//! in log lines and in every frame sent to clients, whatever code path produced the text.

use aho_corasick::{AhoCorasick, MatchKind};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

/// What a masked value is replaced with.
pub const MASK: &str = "[redacted]";
/// Values shorter than this are not masked: they would hide ordinary words.
pub const MIN_LEN: usize = 6;

#[derive(Default)]
struct Inner {
    /// Values from the secrets store (replaced as a whole on reload).
    stored: BTreeSet<String>,
    /// Values met at use (API keys, tokens): kept for the life of the process.
    seen: BTreeSet<String>,
    matcher: Option<Arc<AhoCorasick>>,
}

/// A shared, cheap-to-clone masker.
#[derive(Clone, Default)]
pub struct Redactor(Arc<RwLock<Inner>>);

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .0
            .read()
            .map(|i| i.stored.len() + i.seen.len())
            .unwrap_or(0);
        write!(f, "Redactor({n} values)")
    }
}

fn rebuild(i: &mut Inner) {
    let all: Vec<&String> = i.stored.iter().chain(i.seen.iter()).collect();
    i.matcher = if all.is_empty() {
        None
    } else {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(all)
            .ok()
            .map(Arc::new)
    };
}

impl Redactor {
    /// A masker that knows no values yet.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Replaces the stored secrets' values.
    pub fn set_stored<I: IntoIterator<Item = String>>(&self, values: I) {
        if let Ok(mut i) = self.0.write() {
            i.stored = values.into_iter().filter(|v| v.len() >= MIN_LEN).collect();
            rebuild(&mut i);
        }
    }

    /// Remembers a secret value met at use (an API key as resolved, a token).
    pub fn remember(&self, value: &str) {
        if value.len() < MIN_LEN {
            return;
        }
        if self.0.read().is_ok_and(|i| i.seen.contains(value)) {
            return;
        }
        if let Ok(mut i) = self.0.write() {
            i.seen.insert(value.to_owned());
            rebuild(&mut i);
        }
    }

    /// `text` with every known value replaced by `[redacted]`.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let Some(m) = self.0.read().ok().and_then(|i| i.matcher.clone()) else {
            return Cow::Borrowed(text);
        };
        if !m.is_match(text) {
            return Cow::Borrowed(text);
        }
        Cow::Owned(m.replace_all(text, &vec![MASK; m.patterns_len()]))
    }

    /// Like `redact`, for an owned string (no copy when nothing matches).
    pub fn redact_owned(&self, text: String) -> String {
        match self.redact(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(s) => s,
        }
    }
}

/// An `io::Write` that masks what passes through (one formatted log line per write).
pub struct RedactingWriter<W> {
    inner: W,
    redactor: Redactor,
}

impl<W: std::io::Write> RedactingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W, redactor: Redactor) -> Self {
        RedactingWriter { inner, redactor }
    }
}

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(s) => self.inner.write_all(self.redactor.redact(s).as_bytes())?,
            Err(_) => self.inner.write_all(buf)?,
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_are_masked_wherever_they_appear() {
        let r = Redactor::new();
        assert_eq!(
            r.redact("nothing known yet sk-123456"),
            "nothing known yet sk-123456"
        );
        r.set_stored(["sk-ant-AAAA1111".to_owned(), "short".to_owned()]);
        r.remember("tok-ZZZZ9999");
        r.remember("abc");
        let text = r#"{"header":"Bearer sk-ant-AAAA1111","echo":"xsk-ant-AAAA1111y","t":"tok-ZZZZ9999","s":"short abc"}"#;
        assert_eq!(
            r.redact(text),
            r#"{"header":"Bearer [redacted]","echo":"x[redacted]y","t":"[redacted]","s":"short abc"}"#
        );
        // Replacing the stored values forgets the old ones but not those met at use.
        r.set_stored(Vec::new());
        assert_eq!(
            r.redact("sk-ant-AAAA1111 tok-ZZZZ9999"),
            "sk-ant-AAAA1111 [redacted]"
        );
    }

    #[test]
    fn the_longest_value_wins_and_writers_mask_lines() {
        use std::io::Write;
        let r = Redactor::new();
        r.set_stored(["secret".to_owned(), "secret-longer".to_owned()]);
        assert_eq!(r.redact("a secret-longer b"), "a [redacted] b");
        let mut out = Vec::new();
        let mut w = RedactingWriter::new(&mut out, r.clone());
        w.write_all(b"key=secret-longer\n").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "key=[redacted]\n");
    }
}
