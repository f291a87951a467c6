//! Commands that run other commands: shells (`sh -c`), interpreters with inline code
//! (`python -c`, `node -e`), `eval`, and wrappers (`env`, `sudo`, `timeout`, `xargs`,
//! `find -exec`, ...). The inner command becomes an invocation of its own, so a rule about
//! `rm` holds however it is wrapped.

use super::analyze::{Arg, Flag, Invocation, Walker, program_identity};

/// Shells whose `-c` string is itself a command.
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"];
/// Interpreters and the flags that take inline code.
const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("python2", &["-c"]),
    ("python3", &["-c"]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("deno", &["eval"]),
    ("bun", &["-e", "--eval"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("Rscript", &["-e"]),
    ("osascript", &["-e"]),
    (
        "pwsh",
        &[
            "-c",
            "-command",
            "-Command",
            "-encodedcommand",
            "-EncodedCommand",
        ],
    ),
    (
        "powershell",
        &[
            "-c",
            "-command",
            "-Command",
            "-encodedcommand",
            "-EncodedCommand",
        ],
    ),
    ("tclsh", &[]),
];
/// Variables that change which program runs or what it loads.
const RISKY_ENV: &[&str] = &[
    "PATH",
    "BASH_ENV",
    "ENV",
    "IFS",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "NODE_OPTIONS",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PERL5OPT",
    "PERL5LIB",
    "RUBYOPT",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_EXEC_PATH",
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "PAGER",
    "EDITOR",
    "VISUAL",
];
pub(super) fn risky_env(name: &str) -> bool {
    RISKY_ENV.contains(&name)
        || name.starts_with("LD_")
        || name.starts_with("DYLD_")
        || name.ends_with("_COMMAND")
}

impl Walker {
    /// Finds the command a wrapper, shell or interpreter runs and adds it as an invocation of
    /// its own; returns flags for the outer one.
    pub(super) fn unwrap_inner(
        &mut self,
        inv: &Invocation,
        stdin_code: bool,
        heredoc: Option<&str>,
        depth: usize,
    ) -> Result<Vec<Flag>, String> {
        let name = inv.program.rsplit('/').next().unwrap_or_default();
        let args = &inv.args;
        let mut flags = Vec::new();
        let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        if SHELLS.contains(&name) {
            if let Some(i) = args.iter().position(|a| {
                !a.dynamic
                    && a.text.starts_with('-')
                    && a.text.contains('c')
                    && !a.text.starts_with("--")
            }) {
                match args.get(i + 1) {
                    Some(a) if !a.dynamic => {
                        self.program(&a.text, Some(&format!("{name} -c")), depth + 1)?
                    }
                    Some(a) => flags.push(Flag::InlineCode(format!("{name} -c {}", a.text))),
                    None => flags.push(Flag::Unanalyzable(format!("{name} -c without a command"))),
                }
            } else if args.iter().all(|a| a.text.starts_with('-')) {
                // No script: the shell runs whatever arrives on stdin.
                match heredoc {
                    Some(doc) => self.program(doc, Some(&format!("{name} <<")), depth + 1)?,
                    None if stdin_code => flags.push(Flag::InlineCode(format!(
                        "{name} reading commands from a pipe"
                    ))),
                    None => {}
                }
            }
            return Ok(flags);
        }
        if let Some((_, code_flags)) = INTERPRETERS.iter().find(|(n, _)| *n == name || *n == base) {
            if let Some(a) = args.iter().find(|a| code_flags.contains(&a.text.as_str())) {
                flags.push(Flag::InlineCode(format!("{name} {}", a.text)));
            } else if stdin_code && args.iter().all(|a| a.text.starts_with('-')) {
                flags.push(Flag::InlineCode(format!("{name} reading code from stdin")));
            }
            return Ok(flags);
        }
        if matches!(name, "awk" | "gawk" | "mawk" | "nawk") {
            let program = args.iter().find(|a| !a.text.starts_with('-'));
            if let Some(p) = program
                && (p.text.contains("system(")
                    || p.text.contains("| getline")
                    || p.text.contains("|&")
                    || p.text.contains("print >")
                    || p.text.contains("print |"))
            {
                flags.push(Flag::InlineCode(format!(
                    "{name} program that runs commands or writes files"
                )));
            }
            return Ok(flags);
        }
        if name == "eval" {
            let code: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
            if args.iter().any(|a| a.dynamic) {
                flags.push(Flag::InlineCode(
                    "eval of text known only when it runs".into(),
                ));
            } else {
                self.program(&code.join(" "), Some("eval"), depth + 1)?;
            }
            return Ok(flags);
        }
        // Wrappers: skip their options (and option values), the rest is a command.
        let skip = |takes_value: &[&str], mut i: usize, env: &mut Vec<String>| -> usize {
            while let Some(a) = args.get(i) {
                let t = a.text.as_str();
                if t == "--" {
                    return i + 1;
                }
                if name == "env" && !a.dynamic && t.contains('=') && !t.starts_with('-') {
                    env.push(t.to_owned());
                } else if !t.starts_with('-') {
                    break;
                } else if takes_value.contains(&t) {
                    i += 1;
                }
                i += 1;
            }
            i
        };
        let mut inner_env = Vec::new();
        let start = match name {
            "sudo" | "doas" => Some(skip(
                &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"],
                0,
                &mut inner_env,
            )),
            "env" => Some(skip(&["-u", "-C", "-S"], 0, &mut inner_env)),
            "nice" => Some(skip(&["-n"], 0, &mut inner_env)),
            "ionice" => Some(skip(&["-c", "-n", "-p"], 0, &mut inner_env)),
            "nohup" | "setsid" | "exec" | "builtin" | "time" | "stdbuf" | "unbuffer"
            | "caffeinate" => Some(skip(&["-o", "-e", "-i"], 0, &mut inner_env)),
            "command" => {
                if args.iter().any(|a| a.text == "-v" || a.text == "-V") {
                    None
                } else {
                    Some(skip(&[], 0, &mut inner_env))
                }
            }
            "timeout" => {
                Some(skip(&["-s", "-k", "--signal", "--kill-after"], 0, &mut inner_env) + 1)
            }
            "flock" => Some(skip(&["-w", "-E", "-c"], 0, &mut inner_env) + 1),
            "watch" => Some(skip(&["-n", "-d", "--interval"], 0, &mut inner_env)),
            "xargs" => Some(skip(
                &[
                    "-I",
                    "-i",
                    "-n",
                    "-P",
                    "-d",
                    "-L",
                    "-s",
                    "-E",
                    "-a",
                    "--max-args",
                    "--max-procs",
                    "--delimiter",
                    "--arg-file",
                ],
                0,
                &mut inner_env,
            )),
            "find" => {
                let mut found = None;
                for (i, a) in args.iter().enumerate() {
                    if matches!(a.text.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") {
                        found = Some(i + 1);
                    }
                }
                found
            }
            _ => None,
        };
        let Some(start) = start else {
            return Ok(flags);
        };
        let mut rest: Vec<Arg> = args.get(start..).map(<[Arg]>::to_vec).unwrap_or_default();
        if name == "find"
            && let Some(end) = rest.iter().position(|a| a.text == ";" || a.text == "+")
        {
            rest.truncate(end);
        }
        if name == "watch"
            && let [only] = rest.as_slice()
            && !only.dynamic
        {
            // `watch 'cmd args'` runs its single argument through `sh -c`.
            let text = only.text.clone();
            self.program(&text, Some("watch"), depth + 1)?;
            return Ok(flags);
        }
        // No command: `xargs` alone runs echo, the others run nothing.
        let Some((first, more)) = rest.split_first() else {
            return Ok(flags);
        };
        let mut inner = super::analyze::invocation(String::new(), Some(name));
        inner.env = inner_env;
        for e in &inner.env {
            let n = e.split('=').next().unwrap_or_default();
            if risky_env(n) {
                inner.flags.push(Flag::RiskyEnv(n.to_owned()));
            }
        }
        inner.args = more.to_vec();
        inner.program = if first.dynamic {
            inner.flags.push(Flag::DynamicProgram);
            first.text.clone()
        } else {
            program_identity(&first.text)
        };
        let extra = self.unwrap_inner(&inner, false, None, depth + 1)?;
        inner.flags.extend(extra);
        self.out.push(inner);
        Ok(flags)
    }
}
