//! Reading a request's conversation (either API) and the "magic prompt" tags of binary mode.

use serde_json::Value;

/// What the fake needs to know about a request's `messages`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Conversation {
    /// Text of the last message that carries user text (tool results are not user text).
    pub last_user_text: Option<String>,
    /// Text of the last tool result, if it comes in a message after the last user text.
    pub tool_result_after_user: Option<String>,
}

/// Reads `body.messages` of an OpenAI Chat Completions or Anthropic Messages request.
///
/// User text: a `role: "user"` message whose `content` is a string, or an array of parts/blocks
/// of which the `type: "text"` ones count. Tool results: OpenAI `role: "tool"` messages and
/// Anthropic `tool_result` blocks (inside `role: "user"` messages).
/// `[Wed 2026-12-02 13:40 UTC] hi` → `hi`.
fn strip_openclaw_stamp(text: &str) -> &str {
    let Some(end) = text.find("] ") else {
        return text;
    };
    let head = text.get(..end).unwrap_or_default();
    if head.starts_with('[') && (head.ends_with(" UTC") || head.contains(" GMT")) {
        text.get(end + 2..).unwrap_or(text)
    } else {
        text
    }
}

pub(crate) fn analyze(body: &Value) -> Conversation {
    let Some(messages) = body.get("messages").and_then(Value::as_array) else {
        return Conversation::default();
    };
    let mut user: Option<(usize, String)> = None;
    let mut tool: Option<(usize, String)> = None;
    for (i, msg) in messages.iter().enumerate() {
        let role = msg.get("role").and_then(Value::as_str).unwrap_or("");
        let content = msg.get("content").unwrap_or(&Value::Null);
        match role {
            "user" => {
                let text = text_of(content);
                // OpenClaw appends its own context as a last user message after every turn,
                // and prefixes what the person typed with a time stamp: neither is the prompt.
                if !text.is_empty() && !text.starts_with("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>") {
                    user = Some((i, strip_openclaw_stamp(&text).to_owned()));
                }
                if let Some(blocks) = content.as_array() {
                    for block in blocks {
                        if block.get("type").and_then(Value::as_str) == Some("tool_result") {
                            tool = Some((i, text_of(block.get("content").unwrap_or(&Value::Null))));
                        }
                    }
                }
            }
            "tool" => tool = Some((i, text_of(content))),
            _ => {}
        }
    }
    let tool_result_after_user = match (&user, tool) {
        (Some((u, _)), Some((t, text))) if t > *u => Some(text),
        (None, Some((_, text))) => Some(text),
        _ => None,
    };
    Conversation {
        last_user_text: user.map(|(_, text)| text),
        tool_result_after_user,
    }
}

/// Text of a `content` value: a string, or the `text` of its `type: "text"` parts joined by `\n`.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Finds `[[tool:NAME {json args}]]` tags (args optional, default `{}`) in a text.
pub(crate) fn tool_tags(text: &str) -> Vec<(String, Value)> {
    const OPEN: &str = "[[tool:";
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(OPEN) {
        let after = rest.get(pos + OPEN.len()..).unwrap_or("");
        rest = after;
        let name_end = after
            .find(|c: char| c.is_whitespace() || c == ']')
            .unwrap_or(after.len());
        let (name, tail) = after.split_at(name_end);
        if name.is_empty() {
            continue;
        }
        let tail = tail.trim_start();
        if let Some(next) = tail.strip_prefix("]]") {
            found.push((name.to_owned(), Value::Object(serde_json::Map::new())));
            rest = next;
            continue;
        }
        let mut values = serde_json::Deserializer::from_str(tail).into_iter::<Value>();
        if let Some(Ok(args)) = values.next() {
            let after_args = tail.get(values.byte_offset()..).unwrap_or("").trim_start();
            if let Some(next) = after_args.strip_prefix("]]") {
                found.push((name.to_owned(), args));
                rest = next;
            }
        }
    }
    found
}

/// A `[[status:CODE message]]`, `[[fail-once:CODE message]]` or `[[hold]]` tag in a text.
#[derive(Debug, PartialEq)]
pub(crate) enum Control {
    /// Answer with this HTTP status and error message, every time.
    Status(u16, String),
    /// The same, but only the first time this text is seen; then the usual reply.
    FailOnce(u16, String),
    /// Stream the usual reply's first part, then wait until the client leaves.
    Hold,
}

/// The first control tag in a text, if any (see [`Control`]).
pub(crate) fn control_tag(text: &str) -> Option<Control> {
    // The last tag wins: a gateway merges two user turns in a row (the reply between them
    // failed) into one message, and the newer turn comes last.
    let last = ["[[hold]]", "[[status:", "[[fail-once:"]
        .into_iter()
        .filter_map(|open| text.rfind(open).map(|pos| (pos, open)))
        .max_by_key(|(pos, _)| *pos)?;
    let (pos, open) = last;
    if open == "[[hold]]" {
        return Some(Control::Hold);
    }
    let after = text.get(pos + open.len()..).unwrap_or("");
    let end = after.find("]]")?;
    let body = after.get(..end).unwrap_or("");
    let (code, message) = body.split_once(' ').unwrap_or((body, "scripted failure"));
    let code: u16 = code.parse().ok().filter(|c| (400..600).contains(c))?;
    let message = message.trim().to_owned();
    Some(if open == "[[fail-once:" {
        Control::FailOnce(code, message)
    } else {
        Control::Status(code, message)
    })
}

#[cfg(test)]
mod control_tests {
    use super::{Control, control_tag};

    #[test]
    fn the_newest_tag_wins_and_malformed_ones_are_ignored() {
        assert_eq!(
            control_tag("a [[status:400 no]]\n\nb [[fail-once:503 busy]]"),
            Some(Control::FailOnce(503, "busy".into()))
        );
        assert_eq!(
            control_tag("a [[fail-once:400 x]]\n\nb [[hold]]"),
            Some(Control::Hold)
        );
        assert_eq!(
            control_tag("[[status:429]]"),
            Some(Control::Status(429, "scripted failure".into()))
        );
        assert_eq!(control_tag("[[status:200 fine]]"), None);
        assert_eq!(control_tag("[[status:4xx nope]]"), None);
        assert_eq!(control_tag("[[status:400 unterminated"), None);
        assert_eq!(control_tag("plain"), None);
    }
}

/// Splits a text into about `parts` pieces of whole characters (never empty pieces; an empty text
/// gives no piece).
pub(crate) fn split(text: &str, parts: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(parts.max(1)).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// A rough token count (4 characters a token, at least 1).
pub(crate) fn tokens(text: &str) -> u64 {
    let n = u64::try_from(text.chars().count()).unwrap_or(u64::MAX);
    n.div_ceil(4).max(1)
}

/// The first `n` characters of a text.
pub(crate) fn prefix(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openai_user_text_and_tool_results() {
        let body = json!({"messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "assistant", "content": null, "tool_calls": []},
            {"role": "tool", "tool_call_id": "c1", "content": "result!"}
        ]});
        let c = analyze(&body);
        assert_eq!(c.last_user_text.as_deref(), Some("a\nb"));
        assert_eq!(c.tool_result_after_user.as_deref(), Some("result!"));
    }

    #[test]
    fn openclaw_s_context_message_and_time_stamp_are_not_the_prompt() {
        let body = json!({"messages": [
            {"role": "user", "content": "[Wed 2026-12-02 13:40 UTC] hi [[tool:exec]]"},
            {"role": "assistant", "content": null, "tool_calls": []},
            {"role": "tool", "tool_call_id": "c1", "content": "ran"},
            {"role": "user", "content": [{"type": "text", "text": "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nx\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"}]}
        ]});
        let c = analyze(&body);
        assert_eq!(c.last_user_text.as_deref(), Some("hi [[tool:exec]]"));
        assert_eq!(c.tool_result_after_user.as_deref(), Some("ran"));
        assert_eq!(strip_openclaw_stamp("[not a stamp] x"), "[not a stamp] x");
    }

    #[test]
    fn anthropic_tool_result_blocks_are_not_user_text() {
        let body = json!({"messages": [
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "x", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
                "content": [{"type": "text", "text": "out"}]}]}
        ]});
        let c = analyze(&body);
        assert_eq!(c.last_user_text.as_deref(), Some("hello"));
        assert_eq!(c.tool_result_after_user.as_deref(), Some("out"));
        let later = json!({"messages": [
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "old"}]},
            {"role": "user", "content": "again"}
        ]});
        assert_eq!(analyze(&later).tool_result_after_user, None);
    }

    #[test]
    fn tags() {
        let tags = tool_tags(
            r#"x [[tool:read {"path": "a]]b"}]] y [[tool:ls]] [[tool: bad]] [[tool:z {oops]]"#,
        );
        assert_eq!(
            tags,
            vec![
                ("read".to_owned(), json!({"path": "a]]b"})),
                ("ls".to_owned(), json!({}))
            ]
        );
    }

    #[test]
    fn splitting() {
        assert_eq!(split("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(split("ab", 3), vec!["a", "b"]);
        assert!(split("", 3).is_empty());
        assert_eq!(split("héé", 3), vec!["h", "é", "é"]);
    }
}
