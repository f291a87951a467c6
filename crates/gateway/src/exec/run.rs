//! Running an approved command: `sh -c` in the workspace, in its own process group (killed
//! whole on timeout or abort), with a scrubbed environment, stdout and stderr merged as they
//! arrive, and the output capped (the middle is cut, the start and the end are kept).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

/// Variables every command gets (when set): enough to find programs and behave normally.
const BASE_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TERM",
    "TMPDIR",
    "TZ",
    "SHELL",
    "SYSTEMROOT",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "TEMP",
    "TMP",
];

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Working directory.
    pub cwd: PathBuf,
    /// Longest it may run.
    pub timeout: Duration,
    /// Most characters of output kept.
    pub max_output: usize,
    /// Extra variables passed through from the gateway's environment.
    pub env_allow: Vec<String>,
    /// Stops it.
    pub cancel: CancellationToken,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Exit code (`None` when killed by a signal).
    pub exit_code: Option<i32>,
    /// stdout and stderr as they arrived, capped.
    pub output: String,
    /// Characters cut from the middle.
    pub cut: usize,
    /// Killed because it ran too long.
    pub timed_out: bool,
    /// Killed because the run was aborted.
    pub cancelled: bool,
    /// How long it ran.
    pub duration: Duration,
}

/// Keeps the first and last halves of a long output.
struct Capped {
    head: String,
    tail: std::collections::VecDeque<char>,
    half: usize,
    cut: usize,
}

impl Capped {
    fn new(max: usize) -> Capped {
        Capped {
            head: String::new(),
            tail: std::collections::VecDeque::new(),
            half: (max / 2).max(1),
            cut: 0,
        }
    }
    fn push(&mut self, s: &str) {
        for c in s.chars() {
            if self.head.chars().count() < self.half {
                self.head.push(c);
            } else {
                self.tail.push_back(c);
                if self.tail.len() > self.half {
                    self.tail.pop_front();
                    self.cut += 1;
                }
            }
        }
    }
    fn finish(self) -> (String, usize) {
        let tail: String = self.tail.into_iter().collect();
        if self.cut == 0 {
            return (self.head + &tail, 0);
        }
        (
            format!(
                "{}\n[... {} characters cut ...]\n{}",
                self.head, self.cut, tail
            ),
            self.cut,
        )
    }
}

/// Why a command could not be run at all (its own failures are in the `Outcome`).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// No POSIX shell to run it with.
    #[error("shell commands need a POSIX shell (sh.exe from Git for Windows) on PATH")]
    NoShell,
    /// The shell could not be started.
    #[error("could not start {shell}: {source}")]
    Spawn {
        /// The shell.
        shell: String,
        /// Why.
        source: std::io::Error,
    },
    /// Reading its output or waiting for it failed.
    #[error("{0}")]
    Io(String),
}

/// The shell commands run through.
fn shell() -> Result<PathBuf, RunError> {
    if cfg!(unix) {
        return Ok(PathBuf::from("/bin/sh"));
    }
    // Windows: a POSIX shell from Git for Windows or MSYS2, found on PATH.
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("sh.exe"), d.join("bash.exe")])
        .find(|p| p.is_file())
        .ok_or(RunError::NoShell)
}

/// Runs `command`, calling `on_output` with output as it arrives.
pub async fn run(
    command: &str,
    opts: &Options,
    mut on_output: impl FnMut(&str) + Send,
) -> Result<Outcome, RunError> {
    let mut cmd = tidepool_process::command(shell()?);
    cmd.arg("-c")
        .arg(command)
        .current_dir(&opts.cwd)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in BASE_ENV
        .iter()
        .copied()
        .chain(opts.env_allow.iter().map(String::as_str))
    {
        if let Some(v) = std::env::var_os(name) {
            cmd.env(name, v);
        }
    }
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
        shell: shell().unwrap_or_default().display().to_string(),
        source,
    })?;
    let pid = child.id();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let mut out = Capped::new(opts.max_output);
    let (mut b1, mut b2) = ([0u8; 8192], [0u8; 8192]);
    let deadline = tokio::time::sleep(opts.timeout);
    tokio::pin!(deadline);
    let (mut timed_out, mut cancelled) = (false, false);
    // Invalid UTF-8 split across reads is decoded lossily per chunk: good enough for a log.
    while stdout.is_some() || stderr.is_some() {
        tokio::select! {
            n = async { match stdout.as_mut() { Some(s) => s.read(&mut b1).await, None => std::future::pending().await } } => match n {
                Ok(0) | Err(_) => stdout = None,
                Ok(n) => {
                    let s = String::from_utf8_lossy(b1.get(..n).unwrap_or_default());
                    on_output(&s);
                    out.push(&s);
                }
            },
            n = async { match stderr.as_mut() { Some(s) => s.read(&mut b2).await, None => std::future::pending().await } } => match n {
                Ok(0) | Err(_) => stderr = None,
                Ok(n) => {
                    let s = String::from_utf8_lossy(b2.get(..n).unwrap_or_default());
                    on_output(&s);
                    out.push(&s);
                }
            },
            () = &mut deadline => { timed_out = true; break; }
            () = opts.cancel.cancelled() => { cancelled = true; break; }
        }
    }
    if timed_out || cancelled {
        if let Some(pid) = pid {
            tidepool_process::kill_group(pid);
        }
        let _ = child.kill().await;
    }
    // Output closed but the shell may still run (a background child holding nothing open).
    let status = tokio::select! {
        s = child.wait() => s.ok(),
        () = &mut deadline, if !timed_out && !cancelled => {
            timed_out = true;
            if let Some(pid) = pid { tidepool_process::kill_group(pid); }
            let _ = child.kill().await;
            child.wait().await.ok()
        }
        () = opts.cancel.cancelled(), if !timed_out && !cancelled => {
            cancelled = true;
            if let Some(pid) = pid { tidepool_process::kill_group(pid); }
            let _ = child.kill().await;
            child.wait().await.ok()
        }
    };
    // Whatever the shell left running in its group goes with it.
    if let Some(pid) = pid {
        tidepool_process::kill_group(pid);
    }
    let (output, cut) = out.finish();
    Ok(Outcome {
        exit_code: status.and_then(|s| s.code()),
        output,
        cut,
        timed_out,
        cancelled,
        duration: started.elapsed(),
    })
}
