//! `tidepool gateway install|uninstall|start|stop|restart|status`: the gateway as a service
//! (the domain is `tidepool_gateway::service`; this file parses, prints and picks exit codes).
//!
//! Every command takes `--json` and then prints one JSON document on stdout, also on failure
//! (`{"ok":false,"error":{"kind","message"}}`), with the same exit code as without it.

use crate::{Connection, output, target};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tidepool_gateway::service::{self, Manager, Scope, ServiceError, Spec};
use tidepool_gateway::{StatePaths, version};
use tidepool_protocol::Scope as RpcScope;
use tidepool_protocol::methods::{StatusResult, names};
use tidepool_protocol::service as report;

/// Options every service command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// State directory (default: TIDEPOOL_STATE_DIR or ~/.tidepool).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Print JSON (stable fields, for scripts and the desktop app).
    #[arg(long)]
    json: bool,
}

/// `gateway install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    #[command(flatten)]
    common: Common,
    /// Install a user service (the default): runs as you.
    #[arg(long, conflicts_with = "system")]
    user: bool,
    /// Install a system service (needs root): runs at boot.
    #[arg(long)]
    system: bool,
    /// Port the service listens on (default: the config's, else 18789).
    #[arg(long)]
    port: Option<u16>,
    /// Rewrite an existing install with these settings.
    #[arg(long)]
    force: bool,
    /// Service manager (default: the one this host runs).
    #[arg(long, value_parser = parse_manager)]
    manager: Option<Manager>,
}

/// `gateway uninstall`.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {
    #[command(flatten)]
    common: Common,
    /// Also delete the state dir (config, conversations, token). Asks first unless --yes.
    #[arg(long)]
    purge: bool,
    /// Do not ask before --purge deletes the state dir.
    #[arg(long)]
    yes: bool,
}

fn parse_manager(s: &str) -> Result<Manager, String> {
    s.parse()
}

use super::runtime;

fn paths(c: &Common) -> StatePaths {
    StatePaths::resolve(c.state_dir.clone())
}

/// Prints an outcome (JSON or a sentence) or the error, and gives the exit code.
fn finish(json: bool, r: Result<(Value, String), ServiceError>) -> ExitCode {
    match r {
        Ok((doc, sentence)) => {
            if json {
                output::json(&doc);
            } else {
                println!("{sentence}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                output::json(&json!({
                    "ok": false,
                    "error": { "kind": e.kind(), "message": e.to_string() },
                }));
            } else {
                eprintln!("tidepool: {e}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// `tidepool gateway install`.
pub fn install(args: InstallArgs) -> ExitCode {
    let paths = paths(&args.common);
    let binary = match std::env::current_exe() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("tidepool: cannot tell where this binary is: {e}");
            return ExitCode::from(71);
        }
    };
    let spec = Spec {
        binary,
        state_dir: paths.root().to_path_buf(),
        port: args.port,
        scope: if args.system {
            Scope::System
        } else {
            Scope::User
        },
    };
    let manager = args.manager.unwrap_or_else(Manager::detect);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(c) => return c,
    };
    let r = rt.block_on(service::install(&paths, &spec, manager, args.force));
    finish(
        args.common.json,
        r.map(|i| {
            let mut sentence = if i.changed {
                format!(
                    "Installed the gateway as a {} {} service ({}); start it with `tidepool gateway start`.",
                    i.record.scope.as_str(),
                    i.record.manager,
                    i.record
                        .file
                        .as_ref()
                        .map_or_else(|| i.record.label.clone(), |f| f.display().to_string())
                )
            } else {
                format!(
                    "Already installed as a {} service with these settings; nothing changed.",
                    i.record.manager
                )
            };
            for n in &i.notes {
                sentence.push_str("\nNote: ");
                sentence.push_str(n);
            }
            (
                json!({ "ok": true, "changed": i.changed, "service": i.record, "notes": i.notes }),
                sentence,
            )
        }),
    )
}

/// `tidepool gateway uninstall`.
pub fn uninstall(args: UninstallArgs) -> ExitCode {
    let paths = paths(&args.common);
    if args.purge && !args.yes && !confirm_purge(&paths) {
        eprintln!("tidepool: nothing removed (not confirmed)");
        return ExitCode::from(1);
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(c) => return c,
    };
    let r = rt.block_on(service::uninstall(&paths)).and_then(|record| {
        if args.purge {
            std::fs::remove_dir_all(paths.root()).map_err(|source| ServiceError::Io {
                what: "remove",
                path: paths.root().display().to_string(),
                source,
            })?;
        }
        Ok(record)
    });
    let root = paths.root().display().to_string();
    finish(
        args.common.json,
        r.map(|record| {
            let kept = if args.purge {
                format!("{root} was deleted.")
            } else {
                format!("The state dir {root} (config, conversations, token) was kept.")
            };
            (
                json!({ "ok": true, "removed": record, "stateDirDeleted": args.purge }),
                format!("Uninstalled the {} service. {kept}", record.manager),
            )
        }),
    )
}

fn confirm_purge(paths: &StatePaths) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "tidepool: --purge deletes {}; add --yes to confirm",
            paths.root().display()
        );
        return false;
    }
    eprint!(
        "Delete {} and everything in it (config, conversations, token)? [y/N] ",
        paths.root().display()
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes")
}

fn outcome_doc(o: &service::Outcome) -> Value {
    json!({ "ok": true, "result": o.result, "pid": o.pid, "port": o.port, "version": o.version })
}

fn outcome_sentence(o: &service::Outcome) -> String {
    let pid = o.pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
    match o.result {
        "started" => format!(
            "Gateway started{pid}{}{}.",
            o.port.map(|p| format!(" on port {p}")).unwrap_or_default(),
            o.version
                .as_ref()
                .map(|v| format!(", v{v}"))
                .unwrap_or_default()
        ),
        "already-running" => format!("Gateway already running{pid}."),
        "stopped" => format!("Gateway stopped{pid}."),
        "killed" => format!("Gateway did not stop in time and was killed{pid}."),
        _ => "Gateway was not running.".to_owned(),
    }
}

/// `tidepool gateway start`.
pub fn start(c: Common) -> ExitCode {
    let paths = paths(&c);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let r = rt.block_on(service::start(&paths));
    finish(c.json, r.map(|o| (outcome_doc(&o), outcome_sentence(&o))))
}

/// `tidepool gateway stop`.
pub fn stop(c: Common) -> ExitCode {
    let paths = paths(&c);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let r = rt.block_on(service::stop(&paths));
    finish(c.json, r.map(|o| (outcome_doc(&o), outcome_sentence(&o))))
}

/// `tidepool gateway restart`: stop (if running), then start.
pub fn restart(c: Common) -> ExitCode {
    let paths = paths(&c);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let r = rt.block_on(async {
        let stopped = service::stop(&paths).await?;
        let started = service::start(&paths).await?;
        Ok::<_, ServiceError>((stopped, started))
    });
    finish(
        c.json,
        r.map(|(stopped, started)| {
            let doc = json!({
                "ok": true,
                "result": started.result,
                "pid": started.pid,
                "port": started.port,
                "version": started.version,
                "stopped": outcome_doc(&stopped),
            });
            (
                doc,
                format!(
                    "{} {}",
                    outcome_sentence(&stopped),
                    outcome_sentence(&started)
                ),
            )
        }),
    )
}

/// `tidepool gateway status`: service, config, listener, RPC and versions in one document.
/// Answers when the gateway is down or broken. Exit 0 when it answers, 3 when it is not
/// running, 1 when it runs but does not answer.
pub fn status(c: Common) -> ExitCode {
    let paths = paths(&c);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let doc = rt.block_on(status_doc(&paths));
    let code = if doc.rpc.ok {
        0
    } else if doc.service.active {
        1
    } else {
        3
    };
    if c.json {
        output::json(&serde_json::to_value(&doc).unwrap_or(Value::Null));
    } else {
        print_status(&doc);
    }
    ExitCode::from(code)
}

async fn status_doc(paths: &StatePaths) -> report::ServiceStatus {
    let record = service::read_record(paths);
    let service_state = service::state(paths).await;
    let (config_valid, config_errors, cfg) = match tidepool_gateway::config::load(paths.config()) {
        Ok(l) => (true, Vec::<String>::new(), Some(l.config)),
        Err(e) => (false, vec![e.to_string()], None),
    };
    let rec = record.as_ref().ok().and_then(|r| r.as_ref());
    let configured_port = rec
        .and_then(|r| r.port)
        .or_else(|| cfg.as_ref().map(|c| c.gateway.port))
        .unwrap_or(tidepool_protocol::DEFAULT_PORT);
    let bind = cfg
        .as_ref()
        .map(|c| c.gateway.bind.to_string())
        .unwrap_or_else(|| "loopback".into());

    let mut conn = Connection::for_state_dir(paths.root().to_path_buf());
    conn.timeout = 3;
    let (url, _) = target::resolve(&conn);
    let started = Instant::now();
    let rpc = async {
        let client = target::connect(&conn, vec![RpcScope::Read]).await?;
        let r = client.request(names::STATUS, Value::Null).await;
        client.close();
        r
    }
    .await;
    let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let rpc = match rpc {
        Ok(v) => {
            let server =
                serde_json::from_value::<StatusResult>(v)
                    .ok()
                    .map(|s| report::RpcServer {
                        version: s.version,
                        pid: s.pid,
                        port: s.port,
                        uptime_ms: s.uptime_ms,
                    });
            report::RpcInfo {
                ok: true,
                url: url.clone(),
                latency_ms: Some(latency),
                error: None,
                server,
            }
        }
        Err(e) => report::RpcInfo {
            ok: false,
            url: url.clone(),
            latency_ms: None,
            error: Some(e.to_string()),
            server: None,
        },
    };
    let running = rpc.server.as_ref().map(|s| s.version.clone());
    // `--port 0` installs listen wherever the OS put them: the running gateway says where.
    let port = rpc.server.as_ref().map_or(configured_port, |s| s.port);
    let (state, state_error) = match service_state {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let active = state.as_ref().is_some_and(|s| s.active);
    let stderr_log = paths.root().join("logs").join("gateway-stderr.log");
    let last_error = state_error
        .clone()
        .or_else(|| config_errors.first().cloned())
        .or_else(|| {
            if !active && rec.is_some() {
                service::last_error(&stderr_log)
            } else if active && !rpc.ok {
                rpc.error.clone()
            } else {
                None
            }
        });
    let manager = state.as_ref().map_or(Manager::detect(), |s| s.manager);
    let service = report::ServiceInfo {
        manager: manager.as_str().to_owned(),
        label: manager.label().to_owned(),
        scope: state
            .as_ref()
            .map_or(Scope::User, |s| s.scope)
            .as_str()
            .to_owned(),
        installed: state.as_ref().is_some_and(|s| s.installed),
        file: state
            .as_ref()
            .and_then(|s| s.file.as_ref())
            .map(|f| f.display().to_string()),
        active,
        pid: state.as_ref().and_then(|s| s.pid),
        runtime: report::RuntimeInfo {
            status: state
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), |s| s.status.clone()),
            detail: state.as_ref().and_then(|s| s.detail.clone()),
        },
        binary: rec.map(|r| r.binary.display().to_string()),
    };
    // The binary the service runs may not be this one (`tidepool update` replaced it, or the
    // CLI on PATH is another install): ask it.
    let this_exe = std::env::current_exe().ok();
    let on_disk = match rec {
        Some(r) if this_exe.as_ref() != Some(&r.binary) => {
            tidepool_gateway::update::binary_version(&r.binary)
                .await
                .map_or_else(|e| format!("unknown ({e})"), |v| v.version)
        }
        _ => version().to_owned(),
    };
    let port_busy = port != 0 && std::net::TcpListener::bind(("127.0.0.1", port)).is_err();
    report::ServiceStatus {
        cli: report::CliInfo {
            version: version().to_owned(),
            entrypoint: std::env::current_exe()
                .ok()
                .map(|p| p.display().to_string()),
        },
        service,
        config: report::ConfigInfo {
            path: paths.config().display().to_string(),
            exists: paths.config().exists(),
            valid: config_valid,
            errors: config_errors,
        },
        gateway: report::ListenInfo {
            bind_mode: bind,
            port,
            probe_url: url,
            version: running.clone(),
        },
        port: report::PortInfo {
            port,
            status: if port_busy { "busy" } else { "free" }.to_owned(),
        },
        version: report::VersionInfo {
            r#match: running.as_deref().map(|r| r == on_disk),
            binary: on_disk,
            running,
        },
        rpc,
        last_error,
        log_dir: paths.logs().display().to_string(),
        state_dir: paths.root().display().to_string(),
    }
}

fn print_status(doc: &report::ServiceStatus) {
    let s = &doc.service;
    let service = if s.installed {
        format!(
            "{} {} service {} · {}",
            s.scope, s.manager, s.label, s.runtime.status
        )
    } else {
        format!("not installed (would use {})", s.manager)
    };
    let rpc = &doc.rpc;
    let gateway = match (&rpc.server, &rpc.error) {
        (Some(server), _) => format!(
            "answering at {} in {} ms · v{}",
            rpc.url,
            rpc.latency_ms.unwrap_or(0),
            server.version
        ),
        (None, Some(e)) => format!("not answering at {} ({e})", rpc.url),
        (None, None) => format!("answering at {}", rpc.url),
    };
    let config = if doc.config.valid {
        doc.config.path.clone()
    } else {
        format!("{} — INVALID", doc.config.path)
    };
    let mut rows = vec![
        ("Service", service),
        ("Gateway", gateway),
        ("Config", config),
        ("Port", format!("{} ({})", doc.port.port, doc.port.status)),
        ("Binary", format!("v{}", doc.version.binary)),
    ];
    if doc.version.r#match == Some(false) {
        rows.push((
            "Version",
            format!(
                "running v{} differs from this binary; `tidepool gateway restart` picks it up",
                doc.version.running.as_deref().unwrap_or("?")
            ),
        ));
    }
    if let Some(e) = &doc.last_error {
        rows.push(("Last error", e.clone()));
    }
    for (k, v) in rows {
        println!("{k:<11} {v}");
    }
}
