//! An agent's identity: `identity` in its config entry, and `IDENTITY.md` in its workspace
//! (read into the system prompt), parsed and updated the way OpenClaw does: `- Label: value`
//! lines, labels case-insensitive, template placeholders ignored, other lines kept.

use crate::chat::AgentSpec;
use crate::config::agents::AgentEntry;
use std::path::Path;
use tidepool_protocol::agents::AgentIdentityResult;

/// The workspace file that holds the identity.
pub const IDENTITY_FILE: &str = "IDENTITY.md";

/// OpenClaw's display limits (UTF-16 units there; characters here).
const NAME_MAX_CHARS: usize = 50;
const EMOJI_MAX_CHARS: usize = 16;

/// Template text that is not a real value.
const PLACEHOLDERS: &[&str] = &[
    "not set yet",
    "pick something you like",
    "ai? robot? familiar? ghost in the machine? something weirder?",
    "how do you come across? sharp? warm? chaotic? calm?",
    "your signature - pick one that feels right",
    "workspace-relative path, http(s) url, or data uri",
];

/// What `IDENTITY.md` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileIdentity {
    /// `Name:`.
    pub name: Option<String>,
    /// `Emoji:`.
    pub emoji: Option<String>,
    /// `Avatar:`.
    pub avatar: Option<String>,
    /// `Theme:`.
    pub theme: Option<String>,
}

fn label_of(line: &str) -> Option<(String, &str)> {
    let cleaned = line.trim();
    let cleaned = cleaned.strip_prefix('-').unwrap_or(cleaned).trim_start();
    let (label, value) = cleaned.split_once(':')?;
    let label: String = label
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect::<String>()
        .trim()
        .to_ascii_lowercase();
    Some((label, value))
}

fn strip_marks(s: &str) -> &str {
    s.trim_matches(|c: char| matches!(c, '*' | '_' | '`') || c.is_whitespace())
}

fn is_placeholder(value: &str) -> bool {
    let mut v = strip_marks(value).trim();
    if let Some(inner) = v.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        v = inner.trim();
    }
    let v = v
        .replace(['\u{2013}', '\u{2014}'], "-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    PLACEHOLDERS.contains(&v.as_str())
}

/// Parses `IDENTITY.md`.
pub fn parse(content: &str) -> FileIdentity {
    let mut id = FileIdentity::default();
    for line in content.lines() {
        let Some((label, value)) = label_of(line) else {
            continue;
        };
        let value = strip_marks(value);
        if value.is_empty() || is_placeholder(value) {
            continue;
        }
        let slot = match label.as_str() {
            "name" => &mut id.name,
            "emoji" => &mut id.emoji,
            "avatar" => &mut id.avatar,
            "theme" => &mut id.theme,
            _ => continue,
        };
        *slot = Some(value.to_owned());
    }
    id
}

fn is_identity_line(line: &str, label: &str) -> bool {
    line.trim_start().starts_with('-')
        && label_of(line).is_some_and(|(l, _)| l.eq_ignore_ascii_case(label))
}

/// `content` (or a new file) with each `(label, value)` set: `Some` replaces the first
/// `- Label:` line (dropping duplicates) or adds one after the identity lines; `None`
/// removes the label's lines. Everything else is kept as written.
pub fn merge(content: Option<&str>, fields: &[(&str, Option<&str>)]) -> String {
    let mut lines: Vec<String> = match content.map(|c| c.replace("\r\n", "\n")) {
        Some(c) if !c.is_empty() => c.split('\n').map(str::to_owned).collect(),
        _ => vec!["# IDENTITY.md - Agent Identity".into(), String::new()],
    };
    for (label, value) in fields {
        let matching: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| is_identity_line(l, label))
            .map(|(i, _)| i)
            .collect();
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => {
                for i in matching.iter().rev() {
                    lines.remove(*i);
                }
            }
            Some(v) => {
                let line = format!("- {label}: {v}");
                if let Some((first, dups)) = matching.split_first() {
                    for i in dups.iter().rev() {
                        lines.remove(*i);
                    }
                    if let Some(l) = lines.get_mut(*first) {
                        *l = line;
                    }
                } else {
                    let at = insert_index(&lines);
                    lines.insert(at, line);
                }
            }
        }
    }
    let mut out = lines.join("\n");
    while out.ends_with('\n') {
        out.pop();
    }
    out.push('\n');
    out
}

/// After the last identity line, else after the first heading (and the blank lines below
/// it), else at the top.
fn insert_index(lines: &[String]) -> usize {
    const LABELS: &[&str] = &["name", "creature", "vibe", "theme", "emoji", "avatar"];
    if let Some(i) = lines
        .iter()
        .rposition(|l| label_of(l).is_some_and(|(label, _)| LABELS.contains(&label.as_str())))
    {
        return i + 1;
    }
    let Some(h) = lines.iter().position(|l| l.trim_start().starts_with('#')) else {
        return 0;
    };
    let mut at = h + 1;
    while lines.get(at).is_some_and(|l| l.trim().is_empty()) {
        at += 1;
    }
    at
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// An emoji is something non-ASCII that is not a URL or a path.
fn as_emoji(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && !s.is_ascii() && !s.contains('/') && !s.contains(':'))
        .then(|| clip(s, EMOJI_MAX_CHARS))
}

/// Reads `IDENTITY.md` when it is a readable file of sensible size.
pub fn read_file(workspace: &Path) -> Option<FileIdentity> {
    let path = workspace.join(IDENTITY_FILE);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > super::files::MAX_FILE_BYTES {
        return None;
    }
    std::fs::read_to_string(&path).ok().map(|t| parse(&t))
}

/// How an agent presents itself: the config's `identity`, then its `name`, then
/// `IDENTITY.md`, then its id; the avatar from the config or the file, checked.
pub fn resolve(agent: &AgentSpec, entry: Option<&AgentEntry>) -> AgentIdentityResult {
    let configured = entry.and_then(|e| e.identity.clone()).unwrap_or_default();
    let file = read_file(&agent.workspace).unwrap_or_default();
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (name, source) = if let Some(n) = clean(&configured.name) {
        (n, "agent")
    } else if let Some(n) = entry.and_then(|e| clean(&e.name)) {
        (n, "config")
    } else if let Some(n) = clean(&file.name) {
        (n, "workspace")
    } else {
        (agent.id.clone(), "default")
    };
    let emoji = [&configured.emoji, &file.emoji]
        .into_iter()
        .find_map(|e| e.as_deref().and_then(as_emoji));
    let mut out = AgentIdentityResult {
        agent_id: agent.id.clone(),
        name: Some(clip(&name, NAME_MAX_CHARS)),
        name_source: Some(source.into()),
        avatar: emoji.clone(),
        avatar_source: None,
        avatar_status: None,
        avatar_reason: None,
        emoji,
    };
    let Some(src) = clean(&configured.avatar).or_else(|| clean(&file.avatar)) else {
        return out;
    };
    match classify(&src, &agent.workspace) {
        Avatar::Text => out.avatar = Some(src),
        Avatar::Usable(status) => {
            out.avatar = Some(src.clone());
            out.avatar_source = Some(src);
            out.avatar_status = Some(status.into());
        }
        Avatar::Unusable(reason) => {
            out.avatar_source = Some(src);
            out.avatar_status = Some("none".into());
            out.avatar_reason = Some(reason.into());
        }
    }
    out
}

enum Avatar {
    /// A letter or a few characters shown as they are.
    Text,
    /// `remote`, `data` or `local`.
    Usable(&'static str),
    /// Why not.
    Unusable(&'static str),
}

fn classify(src: &str, workspace: &Path) -> Avatar {
    let lower = src.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return Avatar::Usable("remote");
    }
    if lower.starts_with("data:image/") {
        return Avatar::Usable("data");
    }
    if lower.starts_with("data:") {
        return Avatar::Unusable("unsupported_data_url");
    }
    let has_scheme = src.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1 && scheme.chars().all(|c| c.is_ascii_alphabetic())
    });
    if has_scheme {
        return Avatar::Unusable("unsupported_uri");
    }
    let looks_like_path = src.contains('/') || src.contains('\\') || src.contains('.');
    if !looks_like_path && !src.contains(char::is_whitespace) && src.chars().count() <= 4 {
        return Avatar::Text;
    }
    match crate::tools::fs::confine(workspace, src) {
        Ok(p) if p.is_file() => Avatar::Usable("local"),
        Ok(_) => Avatar::Unusable("missing"),
        Err(_) if !workspace.exists() => Avatar::Unusable("missing"),
        Err(_) => Avatar::Unusable("outside_workspace"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "# IDENTITY.md - Who Am I?\n\n_Fill this in._\n\n- **Name:**\n  _(pick something you like)_\n- **Emoji:**\n  _(your signature — pick one that feels right)_\n\n---\n\nNotes.\n";

    #[test]
    fn the_template_has_no_values_and_filled_lines_are_read() {
        assert_eq!(parse(TEMPLATE), FileIdentity::default());
        let t =
            "- **Name:** Clawd\n- Emoji: 🦞\n- avatar: `avatars/me.png`\n- Name: (not set yet)\n";
        let id = parse(t);
        assert_eq!(id.name.as_deref(), Some("Clawd"));
        assert_eq!(id.emoji.as_deref(), Some("🦞"));
        assert_eq!(id.avatar.as_deref(), Some("avatars/me.png"));
    }

    #[test]
    fn merge_replaces_adds_and_removes_lines_and_keeps_the_rest() {
        let out = merge(None, &[("Name", Some("Work")), ("Emoji", Some("🛠"))]);
        assert_eq!(
            out,
            "# IDENTITY.md - Agent Identity\n\n- Name: Work\n- Emoji: 🛠\n"
        );
        let mine = "# Me\n\nSome words.\n- Name: Old\n- name: dup\n\n## More\n- Emoji: 🙂\n";
        let out = merge(Some(mine), &[("Name", Some("New")), ("Emoji", None)]);
        assert_eq!(out, "# Me\n\nSome words.\n- Name: New\n\n## More\n");
        let out = merge(Some(TEMPLATE), &[("Name", Some("Clawd"))]);
        assert_eq!(parse(&out).name.as_deref(), Some("Clawd"));
        assert!(out.contains("Notes."));
    }
}
