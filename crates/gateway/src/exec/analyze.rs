//! What a shell command would run, seen through a real shell parser (brush-parser): every
//! program it invokes — behind `;`, `&&`, `||`, pipes, subshells, `$(...)`, backticks,
//! process substitution, `sh -c`, `eval`, wrappers like `env`, `sudo`, `xargs` and
//! `find -exec` — with its arguments unquoted, plus what makes it impossible to judge by its
//! words alone (a program name from a variable, inline interpreter code, risky environment
//! variables, writes outside the workspace). Policy rules match these invocations, never the
//! raw string, so quoting tricks and chaining cannot smuggle a command past them.

use super::wrappers::risky_env;
use brush_parser::ast::{self, Command, CommandPrefixOrSuffixItem as Item, CompoundCommand};
use brush_parser::word::{self, WordPiece, WordPieceWithSource};
use brush_parser::{Parser, ParserOptions};
use serde::Serialize;
use std::path::{Component, Path, PathBuf};
pub use tidepool_protocol::exec::{Arg, Flag, Invocation, quote};

/// How deep `sh -c`, `eval` and substitutions may nest before the command is refused as
/// unanalyzable.
const MAX_DEPTH: usize = 8;

/// A command taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    /// Every program it runs, in order of appearance.
    pub invocations: Vec<Invocation>,
    /// Set when the command does not parse as shell syntax.
    pub error: Option<String>,
}

/// Takes `command` apart. Redirection targets that are absolute, under `~` or climb out with
/// `..` count as outside the workspace (the command runs in it).
pub fn analyze(command: &str) -> Analysis {
    let mut w = Walker {
        out: Vec::new(),
        opts: ParserOptions::default(),
    };
    match w.program(command, None, 0) {
        Ok(()) => Analysis {
            invocations: w.out,
            error: None,
        },
        Err(e) => Analysis {
            invocations: w.out,
            error: Some(e),
        },
    }
}

/// Directories whose programs are known by their bare name.
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/opt/homebrew/bin",
];

/// `/bin/../bin/rm` → `rm`; `./x/../rm` → `./rm`; a bare name stays as it is.
pub(super) fn program_identity(word: &str) -> String {
    if !word.contains('/') {
        return word.to_owned();
    }
    let mut out = PathBuf::new();
    for c in Path::new(word).components() {
        match c {
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    let normal = out.to_string_lossy().into_owned();
    if let (Some(parent), Some(name)) = (out.parent(), out.file_name())
        && SYSTEM_DIRS.iter().any(|d| Path::new(d) == parent)
    {
        return name.to_string_lossy().into_owned();
    }
    if word.starts_with("./") && !normal.starts_with("..") {
        return format!("./{normal}");
    }
    normal
}

pub(super) struct Walker {
    pub(super) out: Vec<Invocation>,
    opts: ParserOptions,
}

pub(super) type R = Result<(), String>;

impl Walker {
    pub(super) fn program(&mut self, text: &str, via: Option<&str>, depth: usize) -> R {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        let program = Parser::new(text.as_bytes(), &self.opts)
            .parse_program()
            .map_err(|e| format!("not valid shell syntax: {e}"))?;
        for list in &program.complete_commands {
            self.list(list, via, depth)?;
        }
        Ok(())
    }

    fn list(&mut self, list: &ast::CompoundList, via: Option<&str>, depth: usize) -> R {
        for ast::CompoundListItem(and_or, _) in &list.0 {
            self.pipeline(&and_or.first, via, depth)?;
            for next in &and_or.additional {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
                self.pipeline(p, via, depth)?;
            }
        }
        Ok(())
    }

    fn pipeline(&mut self, p: &ast::Pipeline, via: Option<&str>, depth: usize) -> R {
        let piped = p.seq.len() > 1;
        for (i, c) in p.seq.iter().enumerate() {
            // A shell or interpreter at the receiving end of a pipe runs what flows into it.
            let fed = piped && i > 0;
            self.command(c, via, depth, fed)?;
        }
        Ok(())
    }

    fn command(&mut self, c: &Command, via: Option<&str>, depth: usize, fed: bool) -> R {
        match c {
            Command::Simple(s) => self.simple(s, via, depth, fed),
            Command::Compound(cc, redirects) => {
                self.compound(cc, via, depth)?;
                if let Some(r) = redirects {
                    let mut scratch = invocation(String::new(), via);
                    for io in &r.0 {
                        self.redirect(io, &mut scratch, depth)?;
                    }
                    self.attach_writes(scratch);
                }
                Ok(())
            }
            Command::Function(f) => self.compound(&f.body.0, via, depth),
            Command::ExtendedTest(t, _) => self.test_expr(&t.expr, depth),
        }
    }

    /// Redirections on a compound command (`{ ...; } > /etc/x`) count against the last
    /// invocation inside it, or stand alone.
    fn attach_writes(&mut self, scratch: Invocation) {
        if scratch.writes.is_empty() && scratch.flags.is_empty() {
            return;
        }
        match self.out.last_mut() {
            Some(last) => {
                last.writes.extend(scratch.writes);
                last.flags.extend(scratch.flags);
            }
            None => self.out.push(Invocation {
                program: ":".into(),
                ..scratch
            }),
        }
    }

    fn test_expr(&mut self, e: &ast::ExtendedTestExpr, depth: usize) -> R {
        use ast::ExtendedTestExpr as T;
        match e {
            T::And(a, b) | T::Or(a, b) => {
                self.test_expr(a, depth)?;
                self.test_expr(b, depth)
            }
            T::Not(a) | T::Parenthesized(a) => self.test_expr(a, depth),
            T::UnaryTest(_, w) => self.word(&w.value, depth).map(|_| ()),
            T::BinaryTest(_, a, b) => {
                self.word(&a.value, depth)?;
                self.word(&b.value, depth).map(|_| ())
            }
        }
    }

    fn compound(&mut self, c: &CompoundCommand, via: Option<&str>, depth: usize) -> R {
        match c {
            CompoundCommand::BraceGroup(b) => self.list(&b.list, via, depth),
            CompoundCommand::Subshell(s) => self.list(&s.list, via, depth),
            CompoundCommand::ForClause(f) => {
                for w in f.values.iter().flatten() {
                    self.word(&w.value, depth)?;
                }
                self.list(&f.body.list, via, depth)
            }
            CompoundCommand::CaseClause(cc) => {
                self.word(&cc.value.value, depth)?;
                for item in &cc.cases {
                    if let Some(l) = &item.cmd {
                        self.list(l, via, depth)?;
                    }
                }
                Ok(())
            }
            CompoundCommand::IfClause(i) => {
                self.list(&i.condition, via, depth)?;
                self.list(&i.then, via, depth)?;
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.list(cond, via, depth)?;
                    }
                    self.list(&e.body, via, depth)?;
                }
                Ok(())
            }
            CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                self.list(&w.0, via, depth)?;
                self.list(&w.1.list, via, depth)
            }
            CompoundCommand::Arithmetic(a) => self.arith(&a.expr.value, depth),
            CompoundCommand::ArithmeticForClause(a) => {
                for e in [&a.initializer, &a.condition, &a.updater]
                    .into_iter()
                    .flatten()
                {
                    self.arith(&e.value, depth)?;
                }
                self.list(&a.body.list, via, depth)
            }
            CompoundCommand::Coprocess(c) => self.command(&c.body, via, depth, false),
        }
    }

    /// `$(( ... ))` may hide a command substitution.
    fn arith(&mut self, expr: &str, depth: usize) -> R {
        if expr.contains("$(") || expr.contains('`') {
            self.word(&format!("\"{expr}\""), depth)?;
        }
        Ok(())
    }

    /// Parses a word: its unquoted text (or its text as written when dynamic), recording the
    /// commands inside its substitutions as invocations of their own.
    fn word(&mut self, raw: &str, depth: usize) -> Result<Arg, String> {
        let pieces = word::parse(raw, &self.opts)
            .map_err(|e| format!("cannot read the word {raw:?}: {e}"))?;
        let mut text = String::new();
        let mut dynamic = false;
        self.pieces(raw, &pieces, &mut text, &mut dynamic, false, depth)?;
        if dynamic {
            text = raw.to_owned();
        }
        Ok(Arg { text, dynamic })
    }

    #[allow(clippy::too_many_arguments)]
    fn pieces(
        &mut self,
        raw: &str,
        pieces: &[WordPieceWithSource],
        text: &mut String,
        dynamic: &mut bool,
        quoted: bool,
        depth: usize,
    ) -> R {
        for p in pieces {
            match &p.piece {
                WordPiece::Text(t) => {
                    // Unquoted glob characters expand to names known only when it runs.
                    if !quoted && t.contains(['*', '?', '[']) {
                        *dynamic = true;
                    }
                    text.push_str(t);
                }
                WordPiece::SingleQuotedText(t) | WordPiece::AnsiCQuotedText(t) => text.push_str(t),
                WordPiece::EscapeSequence(t) => text.push_str(t.strip_prefix('\\').unwrap_or(t)),
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.pieces(raw, inner, text, dynamic, true, depth)?;
                }
                WordPiece::TildeExpansion(_) => {
                    text.push_str(raw.get(p.start_index..p.end_index).unwrap_or("~"));
                }
                WordPiece::ParameterExpansion(_) => {
                    *dynamic = true;
                    // `${x:-$(cmd)}`: the default may itself run a command.
                    let src = raw.get(p.start_index..p.end_index).unwrap_or_default();
                    if let Some(i) = src.find("$(").or_else(|| src.find('`')) {
                        let inner = src.get(i..src.len().saturating_sub(1)).unwrap_or_default();
                        self.word(&format!("\"{inner}\""), depth + 1)?;
                    }
                }
                WordPiece::CommandSubstitution(cmd) => {
                    *dynamic = true;
                    self.program(cmd, Some("$(...)"), depth + 1)?;
                }
                WordPiece::BackquotedCommandSubstitution(cmd) => {
                    *dynamic = true;
                    self.program(cmd, Some("`...`"), depth + 1)?;
                }
                WordPiece::ArithmeticExpression(e) => {
                    *dynamic = true;
                    self.arith(&e.value, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    fn redirect(&mut self, io: &ast::IoRedirect, inv: &mut Invocation, depth: usize) -> R {
        use ast::{IoFileRedirectKind as K, IoFileRedirectTarget as T, IoRedirect as Io};
        match io {
            Io::File(_, kind, target) => {
                let writes = matches!(kind, K::Write | K::Append | K::Clobber | K::ReadAndWrite);
                match target {
                    T::Filename(w) => {
                        let a = self.word(&w.value, depth)?;
                        if writes {
                            self.write_target(&a, inv);
                        }
                    }
                    T::ProcessSubstitution(_, sub) => {
                        self.list(&sub.list, Some("<(...)"), depth + 1)?;
                    }
                    T::Duplicate(w) => {
                        self.word(&w.value, depth)?;
                    }
                    T::Fd(_) => {}
                }
            }
            Io::HereDocument(_, doc) => {
                if doc.requires_expansion {
                    self.word(
                        &format!("\"{}\"", doc.doc.value.replace('"', "\\\"")),
                        depth,
                    )?;
                }
            }
            Io::HereString(_, w) => {
                self.word(&w.value, depth)?;
            }
            Io::OutputAndError(w, _) => {
                let a = self.word(&w.value, depth)?;
                self.write_target(&a, inv);
            }
        }
        Ok(())
    }

    fn write_target(&mut self, a: &Arg, inv: &mut Invocation) {
        const HARMLESS: &[&str] = &["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"];
        if HARMLESS.contains(&a.text.as_str()) {
            return;
        }
        inv.writes.push(a.text.clone());
        let escapes = a.dynamic
            || a.text.starts_with('/')
            || a.text.starts_with('~')
            || program_identity(&format!("./{}", a.text)).starts_with("..");
        if escapes {
            inv.flags.push(Flag::WritesOutside(a.text.clone()));
        }
    }

    fn simple(&mut self, s: &ast::SimpleCommand, via: Option<&str>, depth: usize, fed: bool) -> R {
        let mut env = Vec::new();
        let mut inv = invocation(String::new(), via);
        let mut words: Vec<Arg> = Vec::new();
        let mut heredoc_body: Option<String> = None;
        // Prefix: assignments and redirections; then the program; then, in order, its
        // arguments (an `X=y` after the program is an argument, as for `env` or `export`).
        let prefix = s.prefix.iter().flat_map(|p| p.0.iter()).map(|i| (true, i));
        let suffix = s.suffix.iter().flat_map(|x| x.0.iter()).map(|i| (false, i));
        if let Some(w) = &s.word_or_name {
            words.push(self.word(&w.value, depth)?);
        }
        for (in_prefix, item) in prefix.chain(suffix) {
            match item {
                Item::AssignmentWord(a, w) if in_prefix => env.push(self.assignment(a, w, depth)?),
                Item::AssignmentWord(_, w) | Item::Word(w) => {
                    words.push(self.word(&w.value, depth)?)
                }
                Item::IoRedirect(io) => {
                    match io {
                        ast::IoRedirect::HereDocument(_, d) => {
                            heredoc_body = Some(d.doc.value.clone())
                        }
                        ast::IoRedirect::HereString(_, w) => {
                            heredoc_body = Some(self.word(&w.value, depth)?.text);
                        }
                        _ => {}
                    }
                    self.redirect(io, &mut inv, depth)?;
                }
                Item::ProcessSubstitution(_, sub) => {
                    self.list(&sub.list, Some("<(...)"), depth + 1)?;
                    words.push(Arg {
                        text: "<(...)".into(),
                        dynamic: true,
                    });
                }
            }
        }
        let Some((first, rest)) = words.split_first() else {
            // Only assignments and redirections: nothing runs but what they contain.
            if !inv.flags.is_empty() {
                inv.program = ":".into();
                self.out.push(inv);
            }
            return Ok(());
        };
        inv.env = env;
        inv.args = rest.to_vec();
        inv.program = if first.dynamic {
            inv.flags.push(Flag::DynamicProgram);
            first.text.clone()
        } else {
            program_identity(&first.text)
        };
        for e in &inv.env {
            let name = e.split('=').next().unwrap_or_default();
            if risky_env(name) {
                inv.flags.push(Flag::RiskyEnv(name.to_owned()));
            }
        }
        let stdin_code = fed || heredoc_body.is_some();
        self.unwrap_inner(&inv, stdin_code, heredoc_body.as_deref(), depth)
            .map(|flags| {
                let mut inv = inv;
                inv.flags.extend(flags);
                self.out.push(inv);
            })
    }

    fn assignment(
        &mut self,
        a: &ast::Assignment,
        w: &ast::Word,
        depth: usize,
    ) -> Result<String, String> {
        let name = match &a.name {
            ast::AssignmentName::VariableName(n) | ast::AssignmentName::ArrayElementName(n, _) => {
                n.clone()
            }
        };
        let value = match &a.value {
            ast::AssignmentValue::Scalar(v) => self.word(&v.value, depth)?.text,
            ast::AssignmentValue::Array(items) => {
                for (k, v) in items {
                    if let Some(k) = k {
                        self.word(&k.value, depth)?;
                    }
                    self.word(&v.value, depth)?;
                }
                w.value.clone()
            }
        };
        Ok(format!("{name}={value}"))
    }
}

/// A new invocation of `program` with nothing found yet.
pub(super) fn invocation(program: String, via: Option<&str>) -> Invocation {
    Invocation {
        program,
        args: Vec::new(),
        env: Vec::new(),
        writes: Vec::new(),
        via: via.map(str::to_owned),
        flags: Vec::new(),
    }
}
