//! A rule pattern compiled for matching: a program and its arguments, with `*` and `**`
//! wildcards. The config validates patterns with it, so it depends on the analysis only.

use super::analyze::{self, Arg, Invocation};
use wildmatch::WildMatch;

/// A compiled rule pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    program: Piece,
    args: Vec<Piece>,
    /// Ends in `**`: any further arguments.
    rest: bool,
}

#[derive(Debug, Clone)]
enum Piece {
    Exact(String),
    Glob(WildMatch, String),
}

impl Piece {
    fn matches(&self, a: &Arg) -> bool {
        match self {
            // A literal word matches only the same literal word.
            Piece::Exact(s) => !a.dynamic && a.text == *s,
            // A value known only at run time matches only a bare `*`.
            Piece::Glob(g, src) => {
                if a.dynamic {
                    src == "*"
                } else {
                    g.matches(&a.text)
                }
            }
        }
    }
}

/// Why a rule pattern does not compile, in words (shown with the rule).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

impl Pattern {
    /// Compiles `text` (one simple command; `*` and `**` unquoted are wildcards).
    pub fn compile(text: &str) -> Result<Pattern, PatternError> {
        let a = analyze::analyze(text);
        if let Some(e) = a.error {
            return Err(PatternError(format!("the pattern {text:?} is {e}")));
        }
        let plain = |i: &Invocation| i.via.is_none() && i.env.is_empty() && i.writes.is_empty();
        if !a.invocations.iter().all(plain) {
            return Err(PatternError(format!(
                "the pattern {text:?} must be a plain command: no substitutions, variables or redirections"
            )));
        }
        let [inv] = a.invocations.as_slice() else {
            return Err(PatternError(format!(
                "the pattern {text:?} must be one command, like \"git status\" or \"npm run *\" (it names {})",
                a.invocations.len()
            )));
        };
        let piece = |a: &Arg| {
            if a.dynamic {
                Piece::Glob(WildMatch::new(&a.text), a.text.clone())
            } else {
                Piece::Exact(a.text.clone())
            }
        };
        let mut args: Vec<Piece> = inv.args.iter().map(piece).collect();
        let rest = matches!(args.last(), Some(Piece::Glob(_, s)) if s == "**");
        if rest {
            args.pop();
        }
        if args
            .iter()
            .any(|p| matches!(p, Piece::Glob(_, s) if s.contains("**")))
        {
            return Err(PatternError(format!(
                "in the pattern {text:?}, `**` may only be the last word"
            )));
        }
        let program = if inv.flags.contains(&analyze::Flag::DynamicProgram) {
            Piece::Glob(WildMatch::new(&inv.program), inv.program.clone())
        } else {
            Piece::Exact(inv.program.clone())
        };
        Ok(Pattern {
            program,
            args,
            rest,
        })
    }

    /// Whether the invocation is what this pattern describes.
    pub fn matches(&self, inv: &Invocation) -> bool {
        let program = Arg {
            text: inv.program.clone(),
            dynamic: inv.flags.contains(&analyze::Flag::DynamicProgram),
        };
        if !self.program.matches(&program) {
            return false;
        }
        if inv.args.len() < self.args.len() || (!self.rest && inv.args.len() != self.args.len()) {
            return false;
        }
        self.args.iter().zip(&inv.args).all(|(p, a)| p.matches(a))
    }
}
