//! Sessions: OpenClaw-style keys (`agent:<agentId>:<name>`), the SQLite transcript store, and
//! exports.

mod decode;
pub mod export;
pub mod methods;
pub mod store;
pub mod usage;
pub mod usage_methods;

pub use store::{Entry, EntryKind, ListFilter, NewEntry, SessionRow, SessionStore, StoreError};

/// The name of an agent's main session.
pub const MAIN: &str = "main";

/// Normalizes a session key: `agent:<id>:<rest>` stays; a bare name becomes
/// `agent:<default_agent>:<name>`. Returns (key, agent id).
pub fn normalize_key(key: &str, default_agent: &str) -> Result<(String, String), String> {
    let key = key.trim();
    if key.is_empty() || key.len() > 512 {
        return Err("a session key must be 1 to 512 characters".into());
    }
    if key.chars().any(char::is_control) {
        return Err("a session key cannot contain control characters".into());
    }
    if let Some(rest) = key.strip_prefix("agent:") {
        let (agent, _) = rest
            .split_once(':')
            .filter(|(a, n)| !a.is_empty() && !n.is_empty())
            .ok_or_else(|| {
                format!("session key \"{key}\" must look like agent:<agentId>:<name>")
            })?;
        return Ok((key.to_owned(), agent.to_owned()));
    }
    Ok((
        format!("agent:{default_agent}:{key}"),
        default_agent.to_owned(),
    ))
}

#[cfg(test)]
mod tests;
