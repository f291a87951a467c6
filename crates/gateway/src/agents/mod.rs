//! Agents as OpenClaw's clients manage them: create, update and delete entries in the config,
//! their workspace files, and their identity.

pub mod config_edit;
pub mod files;
pub mod identity;
pub mod methods;

use crate::chat::{AgentSpec, agents};
use crate::config::Config;
use crate::config::agents::AgentEntry;
use crate::paths::StatePaths;
use crate::rpc::invalid_params;
use std::path::{Path, PathBuf};
use tidepool_protocol::agents::detail_codes;
use tidepool_protocol::{ErrorCode, ErrorShape};

/// Longest agent id (OpenClaw's limit).
pub const MAX_ID_LEN: usize = 64;

/// The id OpenClaw-style tools expect for a display name: lowercase `a-z`, `0-9` and single
/// dashes (every other run of characters becomes one dash), at most 64 characters. `None`
/// when the name has no letter or digit to make one from.
pub fn id_from_name(name: &str) -> Option<String> {
    let mut id = String::new();
    let mut gap = false;
    for c in name.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if gap && !id.is_empty() {
                id.push('-');
            }
            gap = false;
            id.push(c);
        } else {
            gap = true;
        }
        if id.len() >= MAX_ID_LEN {
            break;
        }
    }
    id.truncate(MAX_ID_LEN);
    let id = id.trim_end_matches('-').to_owned();
    (!id.is_empty()).then_some(id)
}

/// One line of text as OpenClaw keeps names: runs of whitespace (newlines too) become one
/// space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error for an agent id nobody configured: OpenClaw's `UNKNOWN_AGENT_ID` details, and
/// the ids that do exist in the message.
pub fn unknown_agent(id: &str, list: &[AgentSpec]) -> ErrorShape {
    let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
    ErrorShape::new(
        ErrorCode::InvalidRequest,
        format!(
            "unknown agent \"{id}\" (configured: {}); use one of those ids, or add the agent with agents.create",
            ids.join(", ")
        ),
    )
    .with_details(serde_json::json!({
        "code": detail_codes::UNKNOWN_AGENT_ID,
        "agentId": if id.is_empty() { "(empty)" } else { id },
    }))
}

/// The configured agent `id` (exactly, else ignoring case).
pub fn find(config: &Config, paths: &StatePaths, id: &str) -> Result<AgentSpec, ErrorShape> {
    let list = agents(config, paths);
    let want = id.trim();
    list.iter()
        .find(|a| a.id == want)
        .or_else(|| list.iter().find(|a| a.id.eq_ignore_ascii_case(want)))
        .cloned()
        .ok_or_else(|| unknown_agent(want, &list))
}

/// The agent a request means: `agent_id`, else the agent of `session_key`, else the default.
/// Both given and disagreeing is an error. Returns the agent and the normalized session key.
pub fn target(
    config: &Config,
    paths: &StatePaths,
    method: &str,
    agent_id: Option<&str>,
    session_key: Option<&str>,
) -> Result<(AgentSpec, Option<String>), ErrorShape> {
    let list = agents(config, paths);
    let default = list
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_else(|| "main".into());
    let Some(key) = session_key else {
        return find(config, paths, agent_id.unwrap_or(&default)).map(|a| (a, None));
    };
    let (key, owner) = crate::sessions::normalize_key(key, agent_id.unwrap_or(&default))
        .map_err(|e| invalid_params(method, format!("sessionKey: {e}")))?;
    if let Some(a) = agent_id
        && !a.trim().eq_ignore_ascii_case(&owner)
    {
        return Err(invalid_params(
            method,
            format!(
                "sessionKey {key} belongs to agent \"{owner}\", not agentId \"{a}\"; send one of them"
            ),
        ));
    }
    find(config, paths, &owner).map(|a| (a, Some(key)))
}

/// Why a request names no agent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    /// The session key is not one.
    #[error(transparent)]
    Key(#[from] crate::sessions::KeyError),
    /// No such agent.
    #[error("unknown agent \"{want}\" (configured: {})", .configured.join(", "))]
    Unknown {
        /// The id asked for.
        want: String,
        /// The ids there are.
        configured: Vec<String>,
    },
}

/// Why a workspace path is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceError {
    /// Blank.
    #[error("workspace is empty")]
    Empty,
    /// Has a NUL byte.
    #[error("workspace contains a NUL byte")]
    Nul,
}

/// The agent named by `agent_id`, or the one `key` names, or the default; and the normalized
/// key.
pub fn pick(
    config: &Config,
    paths: &StatePaths,
    agent_id: Option<&str>,
    key: Option<&str>,
) -> Result<(AgentSpec, Option<String>), PickError> {
    let list = agents(config, paths);
    let default = list
        .first()
        .map(|a| a.id.clone())
        .unwrap_or_else(|| "main".into());
    let normalized = match key {
        Some(k) => Some(crate::sessions::normalize_key(
            k,
            agent_id.unwrap_or(&default),
        )?),
        None => None,
    };
    let want = agent_id
        .map(str::to_owned)
        .or_else(|| normalized.as_ref().map(|(_, a)| a.clone()))
        .unwrap_or(default);
    let agent = list
        .iter()
        .find(|a| a.id == want)
        .cloned()
        .ok_or_else(|| PickError::Unknown {
            configured: list.iter().map(|a| a.id.clone()).collect(),
            want,
        })?;
    Ok((agent, normalized.map(|(k, _)| k)))
}

/// The agent's own entry in the config (`agents.entries.<id>` or `agents.list[]`), if it has
/// one (an implicit `main` has none).
pub fn entry(config: &Config, id: &str) -> Option<AgentEntry> {
    config.agents.entries.get(id).cloned().or_else(|| {
        config
            .agents
            .list
            .iter()
            .find(|l| l.id == id)
            .map(|l| <(String, AgentEntry)>::from(l.clone()).1)
    })
}

/// A workspace path as the config means it: `~/` is the home folder, a relative path is
/// inside the state dir.
pub fn workspace_path(raw: &str, paths: &StatePaths) -> Result<PathBuf, WorkspaceError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(WorkspaceError::Empty);
    }
    if raw.contains('\0') {
        return Err(WorkspaceError::Nul);
    }
    if let Some(rest) = raw.strip_prefix("~/") {
        return Ok(crate::paths::home_dir().join(rest));
    }
    let p = Path::new(raw);
    Ok(if p.is_absolute() {
        p.to_path_buf()
    } else {
        paths.root().join(p)
    })
}

/// The default workspace of a new agent: `<state dir>/workspace-<id>`.
pub fn default_workspace(paths: &StatePaths, id: &str) -> PathBuf {
    paths.root().join(format!("workspace-{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_letters_digits_and_single_dashes() {
        assert_eq!(id_from_name("Work").as_deref(), Some("work"));
        assert_eq!(
            id_from_name("  My  Research_Bot! 2 ").as_deref(),
            Some("my-research-bot-2")
        );
        assert_eq!(id_from_name("Café au lait").as_deref(), Some("caf-au-lait"));
        assert_eq!(id_from_name("--x--").as_deref(), Some("x"));
        assert_eq!(id_from_name("!!!"), None);
        assert_eq!(id_from_name("日本"), None);
        let long = id_from_name(&"ab ".repeat(50)).unwrap();
        assert!(long.len() <= MAX_ID_LEN && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn workspace_paths_follow_the_config_rules() {
        let paths = StatePaths::new(PathBuf::from("/state"), None);
        assert_eq!(
            workspace_path("ws", &paths).unwrap(),
            PathBuf::from("/state/ws")
        );
        assert_eq!(
            workspace_path("/abs/ws", &paths).unwrap(),
            PathBuf::from("/abs/ws")
        );
        assert!(workspace_path(" ", &paths).is_err());
    }
}
