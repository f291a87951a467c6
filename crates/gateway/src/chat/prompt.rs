//! The system prompt: Tidepool's own short preamble, the agent's configured instructions, and
//! the OpenClaw-style workspace files (`AGENTS.md`, `SOUL.md`, ...) when they exist.

use super::AgentSpec;
use std::fmt::Write as _;

/// Workspace files read into the prompt, in this order (OpenClaw's bootstrap files).
pub const WORKSPACE_FILES: &[&str] = &[
    "AGENTS.md",
    "SOUL.md",
    "IDENTITY.md",
    "USER.md",
    "TOOLS.md",
    "MEMORY.md",
];

/// Characters of one workspace file kept in the prompt.
const MAX_FILE_CHARS: usize = 20_000;

/// Builds the system prompt for a run.
pub async fn system_prompt(agent: &AgentSpec, tool_names: &[&str], extra: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "You are {}, a personal assistant running in Tidepool. Be helpful, direct and honest.",
        agent.name
    );
    if !tool_names.is_empty() {
        let _ = writeln!(
            s,
            "You can use these tools: {}. File paths are relative to your workspace ({}).",
            tool_names.join(", "),
            agent.workspace.display()
        );
    }
    let now = time::OffsetDateTime::now_utc();
    let _ = writeln!(
        s,
        "Current date (UTC): {:04}-{:02}-{:02}.",
        now.year(),
        u8::from(now.month()),
        now.day()
    );
    if let Some(p) = agent
        .system_prompt
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        let _ = write!(s, "\n{}\n", p.trim());
    }
    for name in WORKSPACE_FILES {
        let path = agent.workspace.join(name);
        let Ok(text) = tokio::fs::read_to_string(&path).await else {
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let mut body: String = text.chars().take(MAX_FILE_CHARS).collect();
        if body.len() < text.len() {
            body.push_str("\n… (cut)");
        }
        let _ = write!(s, "\n## {name}\n\n{body}\n");
    }
    if let Some(e) = extra.filter(|e| !e.trim().is_empty()) {
        let _ = write!(s, "\n{}\n", e.trim());
    }
    s
}
