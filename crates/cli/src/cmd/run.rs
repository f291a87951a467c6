//! `tidepool gateway run`: the daemon, following the process contract in DESIGN.md.

use crate::target::{RuntimeInfo, runtime_file};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_gateway::config::Bind;
use tidepool_gateway::lifecycle::{self, ExitCause};
use tidepool_gateway::logs::{self as logging, LogOptions};
use tidepool_gateway::{Gateway, Overrides, StatePaths, fsutil, prepare, version};
use tidepool_protocol::methods::ShutdownEvent;
use tracing::{info, warn};

/// Options of `gateway run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Port to listen on (0 = any free port; default from config, else 18789).
    #[arg(long)]
    port: Option<u16>,
    /// `loopback`, `lan`, or an IP address (default from config, else loopback).
    #[arg(long, value_parser = parse_bind)]
    bind: Option<Bind>,
    /// State directory (default: TIDEPOOL_STATE_DIR or ~/.tidepool).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Exit when this process exits (set by the desktop app).
    #[arg(long)]
    parent_pid: Option<u32>,
    /// Do not exit when stdin (a pipe) closes.
    #[arg(long)]
    no_stdin_watch: bool,
}

fn parse_bind(s: &str) -> Result<Bind, tidepool_gateway::config::BindError> {
    Bind::parse(s)
}

/// glibc gives every thread that allocates its own arena and keeps freed memory in them; a
/// daemon with a few busy threads then holds far more than it uses. Two arenas are plenty here.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only tunes the allocator; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// Runs the gateway until a signal, the parent's exit or stdin's close.
pub fn run(args: RunArgs) -> ExitCode {
    limit_malloc_arenas();
    let paths = StatePaths::resolve(args.state_dir.clone());
    let overrides = Overrides {
        port: args.port,
        bind: args.bind,
    };
    let prepared = match prepare(paths.clone(), &overrides) {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string(), e.exit_code()),
    };
    let log_cfg = &prepared.config.logging;
    let guard = match logging::init(&LogOptions {
        dir: Some(paths.logs()),
        level: log_cfg.level.clone(),
        console_level: log_cfg
            .console_level
            .clone()
            .unwrap_or_else(|| log_cfg.level.clone()),
        retention_days: log_cfg.retention_days,
        max_file_bytes: log_cfg.max_file_bytes,
        redactor: prepared.redactor.clone(),
    }) {
        Ok(g) => g,
        Err(e) => {
            return fail(
                &format!("cannot open log dir {}: {e}", paths.logs().display()),
                73,
            );
        }
    };
    if !prepared.unsupported.is_empty() {
        let settings = prepared.unsupported.join(", ");
        warn!(settings = %settings, "OpenClaw settings not supported by Tidepool yet, ignored: {settings}");
    }
    let mut prepared = prepared;
    prepared.log_levels = guard.levels.clone();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tidepool")
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}"), 71),
    };
    let code = runtime.block_on(serve(prepared, paths, &args));
    // Flush the log file before leaving; stdin-watch threads must not hold the process.
    drop(guard);
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}

fn fail(message: &str, code: i32) -> ExitCode {
    eprintln!("tidepool: {message}");
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

async fn serve(
    prepared: tidepool_gateway::Prepared,
    paths: StatePaths,
    args: &RunArgs,
) -> ExitCode {
    // Signal handlers go in before the ready line: a supervisor may stop us right after it.
    let signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => return fail(&format!("cannot install signal handlers: {e}"), 71),
    };
    let gateway = match Gateway::start(prepared, version()).await {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "gateway failed to start");
            return fail(&e.to_string(), e.exit_code());
        }
    };
    let addr = gateway.local_addr();
    let pid = std::process::id();
    let url = format!("ws://{addr}");
    let runtime_path = runtime_file(&paths);
    let info_json = serde_json::to_vec(&RuntimeInfo {
        pid,
        port: addr.port(),
        url: url.clone(),
        version: version().into(),
    })
    .unwrap_or_default();
    if let Err(e) = fsutil::write_private(&runtime_path, &info_json) {
        warn!(error = %e, "cannot write {}", runtime_path.display());
    }
    // Announce readiness last, once everything a client may look for (the runtime file) exists.
    let ready = tidepool_protocol::methods::ReadyLine {
        event: tidepool_protocol::methods::ReadyEvent::Ready,
        port: addr.port(),
        pid,
        version: version().into(),
    };
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&ready).unwrap_or_default()
        );
        let _ = stdout.flush();
    }
    info!(
        url = %url,
        auth = gateway.auth_mode().as_str(),
        token_source = ?gateway.token_source(),
        state_dir = %paths.root().display(),
        "gateway listening on {url}"
    );

    let reason = wait_for_stop(args, signals).await;
    info!(reason, "shutting down");
    let drained = gateway
        .shutdown(ShutdownEvent {
            reason: reason.into(),
            restart_expected_ms: None,
        })
        .await;
    if !drained {
        warn!("drain time ran out; remaining requests were cancelled");
    }
    let _ = std::fs::remove_file(&runtime_path);
    info!("gateway stopped");
    ExitCode::SUCCESS
}

async fn wait_for_stop(args: &RunArgs, mut signals: Signals) -> &'static str {
    let parent = async {
        match args.parent_pid {
            Some(pid) => lifecycle::parent_exit(pid).await,
            None => std::future::pending::<ExitCause>().await,
        }
    };
    let stdin = async {
        if !args.no_stdin_watch && lifecycle::stdin_is_pipe() {
            lifecycle::stdin_closed().await
        } else {
            std::future::pending::<ExitCause>().await
        }
    };
    tokio::select! {
        s = signals.recv() => s,
        c = parent => c.reason(),
        c = stdin => c.reason(),
    }
}

#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "sigterm",
            _ = self.int.recv() => "sigint",
        }
    }
}

#[cfg(not(unix))]
struct Signals {
    ctrl_c: tokio::signal::windows::CtrlC,
    close: tokio::signal::windows::CtrlClose,
}

#[cfg(not(unix))]
impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            ctrl_c: tokio::signal::windows::ctrl_c()?,
            close: tokio::signal::windows::ctrl_close()?,
        })
    }

    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.ctrl_c.recv() => "ctrl-c",
            _ = self.close.recv() => "ctrl-close",
        }
    }
}
