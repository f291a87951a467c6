//! Launching the sidecar: spawn, wait for the ready line and a real `hello-ok`, and the
//! helpers that stop or kill it and turn its last words into a reason.

use super::{Actor, Cmd, GatewayState, SupervisorError, now_ms};
use crate::process;
use crate::remote;
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tidepool_client::Client;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::oneshot;
use tracing::{info, warn};

/// A ready gateway: our child process (`local`) or a remote one, and the app's connection.
pub(super) struct Running {
    pub(super) local: Option<Local>,
    pub(super) client: Client,
    /// A service manager runs it: Stop goes through the service, quitting leaves it running.
    pub(super) service: bool,
}

impl Running {
    pub(super) fn client_url(&self) -> String {
        self.client.url().to_owned()
    }
}

/// The sidecar process.
pub(super) struct Local {
    pub(super) child: Child,
    pub(super) stdin: Option<ChildStdin>,
    pub(super) pid: u32,
    pub(super) stderr_tail: Tail,
    pub(super) stderr_done: Option<tokio::task::JoinHandle<()>>,
}

/// Resolves when the local process exits; never for a remote gateway.
pub(super) async fn exited(local: &mut Option<Local>) -> std::io::Result<std::process::ExitStatus> {
    match local {
        Some(l) => l.child.wait().await,
        None => std::future::pending().await,
    }
}

/// Last lines of the child's stderr, for crash reasons.
#[derive(Clone, Default)]
pub(super) struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    const KEEP: usize = 20;

    fn spawn_reader(
        &self,
        stream: impl AsyncRead + Unpin + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let tail = self.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut t) = tail.0.lock() {
                    if t.len() == Self::KEEP {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            }
        })
    }

    /// The last line that can explain an exit: an error or a warning, or a line that is not a
    /// log record at all (a panic's message, a fatal error printed before logging started).
    /// Routine records (INFO, DEBUG, TRACE) and Rust's "note: run with RUST_BACKTRACE" hint
    /// explain nothing and are skipped; a record keeps its message without the time stamp.
    pub(super) fn last(&self) -> Option<String> {
        let t = self.0.lock().ok()?;
        t.iter().rev().find_map(|l| cause_of(&strip_ansi(l.trim())))
    }
}

/// What a stderr line says about an exit, if anything (see [`Tail::last`]).
fn cause_of(line: &str) -> Option<String> {
    if line.is_empty() || line.starts_with("note: ") || line.starts_with("stack backtrace") {
        return None;
    }
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or_default();
    let stamped = first.len() >= 19
        && first.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && first.contains('T');
    if !stamped {
        return Some(line.to_owned());
    }
    match words.next() {
        Some("INFO" | "DEBUG" | "TRACE") => None,
        Some(level @ ("WARN" | "ERROR")) => {
            let rest = line
                .split_once(level)
                .map(|(_, r)| r.trim())
                .unwrap_or_default();
            (!rest.is_empty()).then(|| rest.to_owned())
        }
        _ => Some(line.to_owned()),
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How a launch failed.
pub(super) enum LaunchError {
    /// Restarting will not help (config invalid, state dir locked, binary missing).
    Fatal(String, Option<i32>),
    /// Worth retrying.
    Transient(String, Option<i32>),
    /// A stop or shutdown arrived while starting.
    Interrupted(Cmd),
}

impl Actor {
    pub(super) async fn launch(&mut self) -> Result<Running, LaunchError> {
        let cfg = self.cfg();
        if let Some(via) = cfg.via {
            let remote = self.resolve(via.as_ref()).await?;
            return self.connect_remote(remote, Some(via.host())).await;
        }
        if let Some(remote) = cfg.remote {
            return self.connect_remote(remote, None).await;
        }
        match super::service::installed(&cfg).await {
            Ok(Some(status)) => return self.connect_service(&cfg, status).await,
            Ok(None) => self.set(|s| s.managed_by = None),
            Err(e) => return Err(LaunchError::Transient(e, None)),
        }
        let mut cmd = process::command(&cfg.program);
        cmd.args(["gateway", "run", "--port"])
            .arg(cfg.port.to_string())
            .arg("--state-dir")
            .arg(&cfg.state_dir)
            .arg("--parent-pid")
            .arg(std::process::id().to_string())
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(t) = &cfg.token {
            cmd.env("TIDEPOOL_GATEWAY_TOKEN", t);
        }
        let mut child = cmd.spawn().map_err(|e| {
            LaunchError::Fatal(format!("cannot start {}: {e}", cfg.program.display()), None)
        })?;
        let pid = child.id().unwrap_or(0);
        let stdin = child.stdin.take();
        let tail = Tail::default();
        let mut stderr_done = child.stderr.take().map(|err| tail.spawn_reader(err));
        let Some(out) = child.stdout.take() else {
            return Err(LaunchError::Transient(
                "no stdout from the gateway".into(),
                None,
            ));
        };
        let mut lines = BufReader::new(out).lines();
        let deadline = tokio::time::sleep(cfg.ready_timeout);
        tokio::pin!(deadline);
        let ready = loop {
            tokio::select! {
                line = lines.next_line() => match line {
                    Ok(Some(l)) => match serde_json::from_str::<tidepool_protocol::methods::ReadyLine>(&l) {
                        Ok(r) => break r,
                        _ => warn!(line = %l.chars().take(200).collect::<String>(), "unexpected output from the gateway before ready"),
                    },
                    // stdout closed: the process is exiting; its exit status says why.
                    Ok(None) | Err(_) => {
                        let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                        let code = status.ok().and_then(|s| s.ok()).and_then(|s| s.code());
                        // Its last words are on stderr: read them to the end first.
                        if let Some(h) = stderr_done.take() {
                            let _ = tokio::time::timeout(Duration::from_secs(1), h).await;
                        }
                        return Err(exit_before_ready(code, &tail));
                    }
                },
                cmd = self.rx.recv() => {
                    match cmd {
                        Some(Cmd::Start(r)) => { let _ = r.send(Err(SupervisorError::Cancelled)); }
                        Some(other) => {
                            stop_child(&mut child, stdin, pid, cfg.stop_timeout).await;
                            return Err(LaunchError::Interrupted(other));
                        }
                        None => {
                            stop_child(&mut child, stdin, pid, cfg.stop_timeout).await;
                            return Err(LaunchError::Interrupted(Cmd::Shutdown(oneshot::channel().0)));
                        }
                    }
                }
                _ = &mut deadline => {
                    kill_child(&mut child, pid).await;
                    return Err(LaunchError::Transient(
                        format!("the gateway did not report ready within {} s", cfg.ready_timeout.as_secs()),
                        None,
                    ));
                }
            }
        };
        // Keep draining stdout so the child never blocks writing to it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (port, version) = (ready.port, ready.version);
        let url = format!("ws://127.0.0.1:{port}");
        let token = cfg.token.clone().or_else(|| {
            std::fs::read_to_string(cfg.state_dir.join("gateway.token"))
                .ok()
                .map(|t| t.trim().to_owned())
        });
        let opts = remote::connect_options(&url, token, &version);
        let client = match Client::connect(opts).await {
            Ok(c) => c,
            Err(e) => {
                kill_child(&mut child, pid).await;
                return Err(if e.is_fatal() {
                    LaunchError::Fatal(format!("the gateway refused the desktop app: {e}"), None)
                } else {
                    LaunchError::Transient(
                        format!("the gateway reported ready but does not answer: {e}"),
                        None,
                    )
                });
            }
        };
        if let Ok(mut c) = self.client.lock() {
            *c = Some(client.clone());
        }
        info!(pid, port, %version, "gateway running");
        self.set(|s| {
            s.state = GatewayState::Running {
                pid: Some(pid),
                port,
                version,
            };
            s.url = Some(url);
            s.remote = None;
            s.host = None;
            s.started_at_ms = Some(now_ms());
        });
        Ok(Running {
            local: Some(Local {
                child,
                stdin,
                pid,
                stderr_tail: tail,
                stderr_done,
            }),
            client,
            service: false,
        })
    }
}

fn exit_before_ready(code: Option<i32>, tail: &Tail) -> LaunchError {
    let detail = tail.last().unwrap_or_else(|| "no output".into());
    match code {
        // Invalid config (EX_CONFIG) and a locked state dir (EX_TEMPFAIL) need the user.
        Some(78) => LaunchError::Fatal(
            format!("invalid gateway config: {}", strip_prefix(&detail)),
            code,
        ),
        Some(75) | Some(69) => LaunchError::Fatal(strip_prefix(&detail), code),
        Some(c) => LaunchError::Transient(
            format!(
                "the gateway exited with code {c} before it was ready: {}",
                strip_prefix(&detail)
            ),
            code,
        ),
        None => LaunchError::Transient(
            format!(
                "the gateway was killed before it was ready: {}",
                strip_prefix(&detail)
            ),
            None,
        ),
    }
}

fn strip_prefix(s: &str) -> String {
    s.strip_prefix("tidepool: ").unwrap_or(s).to_owned()
}

/// SIGTERM (stdin closed where there is no SIGTERM), then a kill of the process group after `bound`.
pub(super) async fn stop_child(
    child: &mut Child,
    stdin: Option<ChildStdin>,
    pid: u32,
    bound: Duration,
) {
    // SIGTERM where it exists (the log then says why it stopped); closing stdin is the
    // graceful path elsewhere, and the backstop if the process does not react.
    let stdin = if process::terminate(pid) { stdin } else { None };
    if tokio::time::timeout(bound, child.wait()).await.is_err() {
        warn!(
            pid,
            "the gateway did not stop in {} s; killing it",
            bound.as_secs()
        );
        kill_child(child, pid).await;
    }
    drop(stdin);
}

pub(super) async fn kill_child(child: &mut Child, pid: u32) {
    process::kill_group(pid);
    let _ = child.kill().await;
}

#[cfg(test)]
mod cause_tests {
    use super::cause_of;

    #[test]
    fn routine_records_explain_nothing_and_errors_lose_their_stamp() {
        let table = [
            (
                "2026-12-03T17:35:25.1Z  INFO conn: client connected peer=127.0.0.1:5",
                None,
            ),
            ("2026-12-03T17:35:25Z DEBUG x: y", None),
            (
                "2026-12-03T17:35:25.000Z ERROR gateway: cannot bind 127.0.0.1:80: permission denied",
                Some("gateway: cannot bind 127.0.0.1:80: permission denied"),
            ),
            (
                "2026-12-03T17:35:25Z  WARN config: reload refused",
                Some("config: reload refused"),
            ),
            (
                "thread 'main' panicked at crates/gateway/src/lib.rs:3:5:",
                Some("thread 'main' panicked at crates/gateway/src/lib.rs:3:5:"),
            ),
            (
                "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
                None,
            ),
            (
                "tidepool: the state dir is locked by pid 42",
                Some("tidepool: the state dir is locked by pid 42"),
            ),
            ("", None),
        ];
        for (line, want) in table {
            assert_eq!(cause_of(line).as_deref(), want, "{line}");
        }
    }
}
