//! Deciding whether a command may run: every program it invokes is matched against the rules
//! in force for the agent and session; the strictest answer wins (deny, then ask, then allow).

use super::analyze::{Analysis, Invocation};
use crate::config::exec::{
    AskFallback, AskWhen, ExecConfig, ExecMode, ExecRule, RuleAction, RuleScope,
};
pub use tidepool_protocol::exec::{Decision, PartVerdict, Verdict, suggest};

pub use super::pattern::Pattern;

fn applies(rule: &ExecRule, agent: &str, session: &str) -> bool {
    match rule.scope {
        RuleScope::Global => true,
        RuleScope::Agent => rule.agent_id.as_deref() == Some(agent),
        RuleScope::Session => rule.session_key.as_deref() == Some(session),
    }
}

/// Judges `analysis` under `cfg` for `agent` in `session`.
pub fn decide(analysis: &Analysis, cfg: &ExecConfig, agent: &str, session: &str) -> Verdict {
    let mode = cfg.effective_mode();
    if mode == ExecMode::Deny {
        return Verdict {
            decision: Decision::Deny,
            parts: Vec::new(),
            reason: "shell commands are turned off (tools.exec.mode is \"deny\")".into(),
            mode,
        };
    }
    if let Some(e) = &analysis.error {
        let decision = match mode {
            ExecMode::Full => Decision::Allow,
            ExecMode::Ask => Decision::Ask,
            _ => Decision::Deny,
        };
        return Verdict {
            decision,
            parts: Vec::new(),
            reason: format!("the command is {e}"),
            mode,
        };
    }
    let rules: Vec<(&ExecRule, Pattern)> = cfg
        .rules
        .iter()
        .filter(|r| applies(r, agent, session))
        .filter_map(|r| Pattern::compile(&r.pattern.0).ok().map(|p| (r, p)))
        .collect();
    let parts: Vec<PartVerdict> = analysis
        .invocations
        .iter()
        .map(|inv| judge(inv, &rules, cfg, mode))
        .collect();
    let decision = parts
        .iter()
        .map(|p| p.decision)
        .max()
        .unwrap_or(Decision::Allow);
    // The part a rule decided says more than a miss.
    let deciding = parts
        .iter()
        .filter(|p| p.decision == decision)
        .max_by_key(|p| p.rule.is_some());
    let reason = match deciding {
        Some(p) if parts.len() > 1 => format!("{}: {}", p.display, p.reason),
        Some(p) => p.reason.clone(),
        None => "the command runs nothing".into(),
    };
    Verdict {
        decision,
        parts,
        reason,
        mode,
    }
}

fn judge(
    inv: &Invocation,
    rules: &[(&ExecRule, Pattern)],
    cfg: &ExecConfig,
    mode: ExecMode,
) -> PartVerdict {
    let display = inv.display();
    let found = |action: RuleAction| {
        rules
            .iter()
            .find(|(r, p)| r.action == action && p.matches(inv))
            .map(|(r, _)| *r)
    };
    let verdict = |decision, rule: Option<&ExecRule>, reason: String| PartVerdict {
        invocation: inv.clone(),
        display: display.clone(),
        decision,
        rule: rule.map(|r| r.pattern.0.clone()),
        rule_id: rule.and_then(|r| r.id.clone()),
        reason,
    };
    if let Some(r) = found(RuleAction::Deny) {
        return verdict(
            Decision::Deny,
            Some(r),
            format!("denied by the rule \"{}\"", r.pattern.0),
        );
    }
    if mode == ExecMode::Full {
        if let Some(r) = found(RuleAction::Ask) {
            return verdict(
                Decision::Ask,
                Some(r),
                format!("the rule \"{}\" asks first", r.pattern.0),
            );
        }
        return verdict(
            Decision::Allow,
            None,
            "every command runs (tools.exec.mode is \"full\")".into(),
        );
    }
    let miss = if mode == ExecMode::Ask && cfg.ask != AskWhen::Off {
        Decision::Ask
    } else {
        Decision::Deny
    };
    if let Some(f) = inv.flags.first() {
        return verdict(
            miss,
            None,
            format!("it {}; no rule can allow that", f.describe()),
        );
    }
    if let Some(r) = found(RuleAction::Ask) {
        return verdict(
            Decision::Ask,
            Some(r),
            format!("the rule \"{}\" asks first", r.pattern.0),
        );
    }
    if let Some(r) = found(RuleAction::Allow) {
        if mode == ExecMode::Ask && cfg.ask == AskWhen::Always {
            return verdict(
                Decision::Ask,
                Some(r),
                "every command is asked (tools.exec.ask is \"always\")".into(),
            );
        }
        return verdict(
            Decision::Allow,
            Some(r),
            format!("allowed by the rule \"{}\"", r.pattern.0),
        );
    }
    let reason = if miss == Decision::Ask {
        "no rule allows it".to_owned()
    } else {
        "no rule allows it (tools.exec.mode is \"allowlist\")".to_owned()
    };
    verdict(miss, None, reason)
}

/// What an unanswered approval becomes.
pub fn fallback(cfg: &ExecConfig) -> Decision {
    match cfg.ask_fallback {
        AskFallback::Full => Decision::Allow,
        // Asked means the rules did not allow it.
        AskFallback::Deny | AskFallback::Allowlist => Decision::Deny,
    }
}
