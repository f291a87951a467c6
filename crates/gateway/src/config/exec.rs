//! `tools.exec`: whether agents may run shell commands, and under which rules.

use serde::{Deserialize, Deserializer};
pub use tidepool_protocol::exec::{AskFallback, AskWhen, ExecMode, RuleAction, RuleScope};

/// Shell commands for agents (the `exec` tool).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecConfig {
    /// `deny`: agents get no shell. `allowlist`: only commands the rules allow run.
    /// `ask`: commands the rules do not allow wait for someone to approve them in the desktop
    /// app (or any client with `operator.approvals`). `full`: everything runs (deny rules still
    /// hold). Default `deny`.
    #[serde(default)]
    pub mode: Option<ExecMode>,
    /// OpenClaw's name for the mode (`deny`, `allowlist`, `full`); `mode` wins when both are set.
    #[serde(default)]
    pub security: Option<OpenClawSecurity>,
    /// When to ask: `on-miss` (a command no rule allows, the default), `always` (every command
    /// not denied), `off` (never: a miss is denied).
    #[serde(default)]
    pub ask: AskWhen,
    /// What happens when nobody answers in time: `deny` (default), `allowlist` (the rules
    /// decide, so a miss is denied), `full` (it runs).
    #[serde(default)]
    pub ask_fallback: AskFallback,
    /// How long an approval waits for an answer, in seconds.
    #[serde(default = "default_approval_timeout")]
    #[schemars(range(min = 1, max = 86400))]
    pub approval_timeout_seconds: u64,
    /// Longest a command may run, in seconds (the agent may ask for less).
    #[serde(default = "default_timeout", alias = "timeoutSec")]
    #[schemars(range(min = 1, max = 86400))]
    pub timeout_seconds: u64,
    /// Most characters of output given back to the model (the rest is cut from the middle).
    #[serde(default = "default_max_output")]
    pub max_output_chars: usize,
    /// Environment variables passed to commands besides the basic ones (PATH, HOME, LANG, ...);
    /// everything else, API keys included, is removed.
    #[serde(default)]
    pub env_allow: Vec<String>,
    /// Rules, matched against every program a command runs (after parsing it as a shell
    /// would). Deny rules win over ask rules, which win over allow rules.
    #[serde(default)]
    pub rules: Vec<ExecRule>,
}

impl Default for ExecConfig {
    fn default() -> Self {
        ExecConfig {
            mode: None,
            security: None,
            ask: AskWhen::default(),
            ask_fallback: AskFallback::default(),
            approval_timeout_seconds: default_approval_timeout(),
            timeout_seconds: default_timeout(),
            max_output_chars: default_max_output(),
            env_allow: Vec::new(),
            rules: Vec::new(),
        }
    }
}

impl ExecConfig {
    /// The mode in force: `mode`, else OpenClaw's `security` + `ask`, else `deny`.
    pub fn effective_mode(&self) -> ExecMode {
        if let Some(m) = self.mode {
            return m;
        }
        match self.security {
            Some(OpenClawSecurity::Deny) | None => ExecMode::Deny,
            Some(OpenClawSecurity::Full) => ExecMode::Full,
            Some(OpenClawSecurity::Allowlist) if self.ask == AskWhen::Off => ExecMode::Allowlist,
            Some(OpenClawSecurity::Allowlist) => ExecMode::Ask,
        }
    }
}

fn default_approval_timeout() -> u64 {
    120
}
fn default_timeout() -> u64 {
    120
}
fn default_max_output() -> usize {
    30_000
}

/// OpenClaw's `tools.exec.security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OpenClawSecurity {
    /// No shell.
    Deny,
    /// Rules decide.
    Allowlist,
    /// Everything runs.
    Full,
}

/// A rule about commands.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecRule {
    /// Stable id (set by the app when it adds a rule).
    #[serde(default)]
    pub id: Option<String>,
    /// A command with wildcards, written like a shell command: `git status`, `git log **`
    /// (`**` at the end: any further arguments), `npm run *` (`*`: any one argument, or part
    /// of one: `*.txt`). The program matches by name (`/bin/rm` is `rm`); quoted words match
    /// literally.
    pub pattern: ExecPattern,
    /// `allow` (default), `ask` or `deny`.
    #[serde(default)]
    pub action: RuleAction,
    /// `global` (default), `agent` (only for `agentId`) or `session` (only in `sessionKey`).
    #[serde(default)]
    pub scope: RuleScope,
    /// The agent an `agent` rule is for.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// The session a `session` rule is for.
    #[serde(default)]
    pub session_key: Option<String>,
    /// Why the rule exists.
    #[serde(default)]
    pub note: Option<String>,
    /// `allow-always` when it was added from an approval.
    #[serde(default)]
    pub source: Option<String>,
}

/// A rule pattern, checked when the config loads: it must be one simple command.
#[derive(Debug, Clone, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(transparent)]
pub struct ExecPattern(pub String);

impl<'de> Deserialize<'de> for ExecPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        crate::exec::pattern::Pattern::compile(&s).map_err(serde::de::Error::custom)?;
        Ok(ExecPattern(s))
    }
}
