//! The exec policy and its verdicts, one model for the gateway, the desktop and the window:
//! modes and rule kinds (also used by the config file's schema), the editor's policy, what a
//! command would run and what the policy says about each part; the approval records and the
//! `exec.approval.*` methods and events are in `approvals`.

use serde::{Deserialize, Serialize};

mod approvals;
mod openclaw;
pub use approvals::*;
pub use openclaw::*;

// --- modes and rules -------------------------------------------------------------

/// Whether and how agents run shell commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExecMode {
    /// No shell.
    Deny,
    /// Only what the rules allow.
    Allowlist,
    /// What the rules do not allow is asked.
    Ask,
    /// Everything but what deny rules name.
    Full,
}

/// When to ask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum AskWhen {
    /// Never.
    Off,
    /// When no rule allows the command.
    #[default]
    OnMiss,
    /// Every command not denied.
    Always,
}

/// What an unanswered approval becomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum AskFallback {
    /// Refused.
    #[default]
    Deny,
    /// Decided by the rules alone (an asked command was not allowed by them: refused).
    Allowlist,
    /// Runs.
    Full,
}

/// What a rule does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Runs without asking.
    #[default]
    Allow,
    /// Always asks.
    Ask,
    /// Never runs.
    Deny,
}

/// Where a rule applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum RuleScope {
    /// Everywhere.
    #[default]
    Global,
    /// For one agent.
    Agent,
    /// In one session.
    Session,
}

// --- what a command runs --------------------------------------------------------------

/// One argument (or the program word) as the shell would see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Arg {
    /// The unquoted text; for a dynamic word, the text as written.
    pub text: String,
    /// Known only when it runs: a variable, a substitution, or an unquoted glob.
    pub dynamic: bool,
}

/// Why an invocation cannot be judged by its words alone; any of these makes a command ask
/// (or fail an allowlist) whatever the rules say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "detail", rename_all = "camelCase")]
pub enum Flag {
    /// The program's name comes from a variable or substitution.
    DynamicProgram,
    /// An interpreter runs code given inline (`python -c`, `node -e`) or read from stdin.
    InlineCode(String),
    /// An environment variable that changes what runs (`LD_PRELOAD`, `PATH`, ...).
    RiskyEnv(String),
    /// Output is redirected to a file outside the workspace (or to an unknown path).
    WritesOutside(String),
    /// A part of the command could not be analyzed (nesting too deep, a parse error inside).
    Unanalyzable(String),
}

impl Flag {
    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Flag::DynamicProgram => "the program name is only known when it runs".into(),
            Flag::InlineCode(how) => format!("runs code given inline ({how})"),
            Flag::RiskyEnv(name) => format!("sets {name}, which changes what runs"),
            Flag::WritesOutside(p) => format!("writes to {p}, outside the workspace"),
            Flag::Unanalyzable(why) => format!("cannot be analyzed: {why}"),
        }
    }
}

/// One program the command would run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    /// What rules match: the bare name for programs in system directories (`/bin/../bin/rm`
    /// is `rm`), the normalized path otherwise (`./rm` is not `rm`).
    pub program: String,
    /// Its arguments.
    pub args: Vec<Arg>,
    /// `NAME=value` assignments in front of it (or given to `env`).
    pub env: Vec<String>,
    /// Files it writes through redirections.
    pub writes: Vec<String>,
    /// How it is reached, when not directly: `$(...)`, `sh -c`, `xargs`, `sudo`, ...
    pub via: Option<String>,
    /// What makes it impossible to judge by its words.
    pub flags: Vec<Flag>,
}

impl Invocation {
    /// The invocation as a command line (for display and suggested rules).
    pub fn display(&self) -> String {
        std::iter::once(quote(&self.program))
            .chain(self.args.iter().map(|a| {
                if a.dynamic {
                    a.text.clone()
                } else {
                    quote(&a.text)
                }
            }))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Quotes a word for a shell command line when it needs it.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^~".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

// --- verdicts ---------------------------------------------------------------------------

/// Allow, ask or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Runs.
    Allow,
    /// Waits for a person.
    Ask,
    /// Refused.
    Deny,
}

/// The verdict on one invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PartVerdict {
    /// The invocation.
    #[serde(flatten)]
    pub invocation: Invocation,
    /// The command line it stands for.
    pub display: String,
    /// Its decision.
    pub decision: Decision,
    /// The rule that decided, if one did (its pattern).
    pub rule: Option<String>,
    /// The rule's id.
    pub rule_id: Option<String>,
    /// Why, in words.
    pub reason: String,
}

/// The verdict on a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The strictest of its parts.
    pub decision: Decision,
    /// One per invocation.
    pub parts: Vec<PartVerdict>,
    /// Why, in one sentence.
    pub reason: String,
    /// The mode it was judged under.
    pub mode: ExecMode,
}

impl Verdict {
    /// Rules "allow always" would add: one per part not already allowed.
    pub fn suggested_rules(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in self.parts.iter().filter(|p| p.decision != Decision::Allow) {
            let s = suggest(&p.invocation);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }
}

/// The pattern that covers exactly this invocation's intent: the program and its literal
/// arguments; an argument known only at run time becomes `*`.
pub fn suggest(inv: &Invocation) -> String {
    std::iter::once(quote(&inv.program))
        .chain(inv.args.iter().map(|a| {
            if a.dynamic {
                "*".to_owned()
            } else {
                quote(&a.text)
            }
        }))
        .collect::<Vec<_>>()
        .join(" ")
}

// --- the editor's policy ------------------------------------------------------------------

/// A rule as the policy editor and the wire carry it (the config file's form; the gateway
/// checks the pattern when it loads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExecRule {
    /// Stable id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `git status`, `npm run *`, `git log **`.
    pub pattern: String,
    /// What it does.
    #[serde(default)]
    pub action: RuleAction,
    /// Where it applies.
    #[serde(default)]
    pub scope: RuleScope,
    /// For an `agent` rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// For a `session` rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// Why it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `allow-always` when added from an approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// What the policy editor edits: `tools.exec` without the fields it leaves alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExecPolicy {
    /// The mode.
    pub mode: ExecMode,
    /// What an unanswered approval becomes.
    #[serde(default)]
    pub ask_fallback: AskFallback,
    /// How long an approval waits, seconds.
    #[serde(default = "default_approval_timeout")]
    pub approval_timeout_seconds: u32,
    /// The rules, in order.
    #[serde(default)]
    pub rules: Vec<ExecRule>,
}

fn default_approval_timeout() -> u32 {
    120
}

/// `tools.exec` as written in a config (OpenClaw's `security` + `ask` included), for reading
/// the editor's policy out of `config.get`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecSection {
    #[serde(default)]
    mode: Option<ExecMode>,
    #[serde(default)]
    security: Option<String>,
    #[serde(default)]
    ask: Option<AskWhen>,
    #[serde(default)]
    ask_fallback: Option<AskFallback>,
    #[serde(default)]
    approval_timeout_seconds: Option<u32>,
    #[serde(default)]
    rules: Vec<ExecRule>,
}

#[derive(Default, Deserialize)]
struct ToolsSection {
    #[serde(default)]
    exec: ExecSection,
}

#[derive(Default, Deserialize)]
struct ConfigTools {
    #[serde(default)]
    tools: ToolsSection,
}

impl ExecPolicy {
    /// The editor's view of a loaded config's `tools.exec`, defaults filled in: `mode`, else
    /// OpenClaw's `security` + `ask`, else `deny`.
    pub fn from_config(config: &serde_json::Value) -> Result<ExecPolicy, serde_json::Error> {
        let exec = ConfigTools::deserialize(config)?.tools.exec;
        let mode = exec.mode.unwrap_or(match exec.security.as_deref() {
            Some("full") => ExecMode::Full,
            Some("allowlist") if exec.ask == Some(AskWhen::Off) => ExecMode::Allowlist,
            Some("allowlist") => ExecMode::Ask,
            _ => ExecMode::Deny,
        });
        Ok(ExecPolicy {
            mode,
            ask_fallback: exec.ask_fallback.unwrap_or_default(),
            approval_timeout_seconds: exec
                .approval_timeout_seconds
                .unwrap_or_else(default_approval_timeout),
            rules: exec.rules,
        })
    }

    /// The policy as it goes into the config: blank optional fields left out, and the agent
    /// or session only on rules of that scope.
    pub fn normalized(&self) -> ExecPolicy {
        let keep = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        ExecPolicy {
            rules: self
                .rules
                .iter()
                .map(|r| ExecRule {
                    id: keep(&r.id),
                    pattern: r.pattern.clone(),
                    action: r.action,
                    scope: r.scope,
                    agent_id: keep(&r.agent_id).filter(|_| r.scope == RuleScope::Agent),
                    session_key: keep(&r.session_key).filter(|_| r.scope == RuleScope::Session),
                    note: keep(&r.note),
                    source: keep(&r.source),
                })
                .collect(),
            ..self.clone()
        }
    }
}

impl ExecMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecMode::Deny => "deny",
            ExecMode::Allowlist => "allowlist",
            ExecMode::Ask => "ask",
            ExecMode::Full => "full",
        }
    }
}

impl Decision {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Ask => "ask",
            Decision::Deny => "deny",
        }
    }
}

impl Flag {
    /// The wire name of its kind (`inlineCode`, `riskyEnv`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Flag::DynamicProgram => "dynamicProgram",
            Flag::InlineCode(_) => "inlineCode",
            Flag::RiskyEnv(_) => "riskyEnv",
            Flag::WritesOutside(_) => "writesOutside",
            Flag::Unanalyzable(_) => "unanalyzable",
        }
    }
}

impl RuleScope {
    /// Every scope, in the order the editor offers them.
    pub const ALL: [RuleScope; 3] = [RuleScope::Global, RuleScope::Agent, RuleScope::Session];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleScope::Global => "global",
            RuleScope::Agent => "agent",
            RuleScope::Session => "session",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<RuleScope> {
        RuleScope::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openclaw_security_maps_to_a_mode_and_defaults_fill_in() {
        let cases = [
            (json!({}), ExecMode::Deny),
            (
                json!({ "tools": { "exec": { "security": "full" } } }),
                ExecMode::Full,
            ),
            (
                json!({ "tools": { "exec": { "security": "allowlist", "ask": "off" } } }),
                ExecMode::Allowlist,
            ),
            (
                json!({ "tools": { "exec": { "security": "allowlist" } } }),
                ExecMode::Ask,
            ),
            (
                json!({ "tools": { "exec": { "mode": "ask", "security": "full" } } }),
                ExecMode::Ask,
            ),
        ];
        for (config, mode) in cases {
            let p = ExecPolicy::from_config(&config).unwrap();
            assert_eq!(p.mode, mode, "{config}");
            assert_eq!(p.ask_fallback, AskFallback::Deny);
            assert_eq!(p.approval_timeout_seconds, 120);
        }
        assert!(
            ExecPolicy::from_config(&json!({ "tools": { "exec": { "mode": "sometimes" } } }))
                .is_err()
        );
    }

    #[test]
    fn normalized_drops_blanks_and_fields_of_other_scopes() {
        let p = ExecPolicy {
            mode: ExecMode::Ask,
            ask_fallback: AskFallback::Deny,
            approval_timeout_seconds: 60,
            rules: vec![ExecRule {
                id: Some(" ".into()),
                pattern: "git status".into(),
                action: RuleAction::Allow,
                scope: RuleScope::Global,
                agent_id: Some("main".into()),
                session_key: None,
                note: Some(" why ".into()),
                source: None,
            }],
        };
        let v = serde_json::to_value(p.normalized()).unwrap();
        assert_eq!(
            v["rules"][0],
            json!({ "pattern": "git status", "action": "allow", "scope": "global", "note": "why" })
        );
    }
}
