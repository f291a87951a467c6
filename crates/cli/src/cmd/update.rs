//! `tidepool update` and `tidepool version`: replace the installed binary safely, say what
//! happened (the domain is `tidepool_gateway::update`; this file parses, prints and exits).

use crate::{Connection, output, target};
use serde_json::{Value, json};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;
use tidepool_gateway::StatePaths;
use tidepool_gateway::update::{self, Request, Source, VersionProbe};
use tidepool_protocol::Scope as RpcScope;
use tidepool_protocol::methods::{StatusResult, names};
use tidepool_protocol::update::{BinaryVersion, StepStatus, UpdateRun};

/// `tidepool update`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UpdateArgs {
    #[command(subcommand)]
    command: Option<UpdateCommand>,
    /// The new binary: a path on this host or an https:// URL.
    #[arg(long)]
    from: Option<String>,
    /// Its SHA-256 (64 hex digits); the update stops if the file does not match.
    #[arg(long)]
    sha256: Option<String>,
    /// Fetch and check the new binary, say what would change, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Put the new binary in place without restarting the service.
    #[arg(long)]
    no_restart: bool,
    /// Seconds the new version has to become ready and answer (then it is rolled back).
    #[arg(long, default_value_t = update::GATE_TIMEOUT.as_secs())]
    timeout: u64,
    /// State directory (default: TIDEPOOL_STATE_DIR or ~/.tidepool).
    #[arg(long, global = true)]
    state_dir: Option<PathBuf>,
    /// Print JSON (stable fields, for scripts and the fleet).
    #[arg(long, global = true)]
    json: bool,
}

/// `tidepool update status`.
#[derive(Debug, clap::Subcommand)]
pub enum UpdateCommand {
    /// What the last update did, step by step.
    Status,
}

/// The RPC half of the health gate: a real `status` call to the state dir's gateway.
struct RpcProbe;

impl VersionProbe for RpcProbe {
    fn running_version<'a>(
        &'a self,
        paths: &'a StatePaths,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(async move {
            let mut conn = Connection::for_state_dir(paths.root().to_path_buf());
            conn.timeout = 5;
            let client = target::connect(&conn, vec![RpcScope::Read])
                .await
                .map_err(|e| e.to_string())?;
            let r = client.request(names::STATUS, Value::Null).await;
            client.close();
            let v = r.map_err(|e| e.to_string())?;
            serde_json::from_value::<StatusResult>(v)
                .map(|s| s.version)
                .map_err(|e| format!("unexpected status reply: {e}"))
        })
    }
}

/// `tidepool update …`.
pub fn run(args: UpdateArgs) -> ExitCode {
    let paths = StatePaths::resolve(args.state_dir.clone());
    if let Some(UpdateCommand::Status) = args.command {
        return status(&paths, args.json);
    }
    let Some(from) = args.from.clone() else {
        let msg = "say where the new binary is: `tidepool update --from PATH|URL [--sha256 HEX]`";
        return usage(args.json, msg);
    };
    let req = Request {
        source: Source::parse(&from),
        sha256: args.sha256.clone(),
        dry_run: args.dry_run,
        no_restart: args.no_restart,
        gate_timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let run = rt.block_on(update::run(&paths, &req, &RpcProbe));
    if args.json {
        output::json(&serde_json::to_value(&run).unwrap_or(Value::Null));
    } else {
        print_run(&run);
    }
    exit_code(&run)
}

fn usage(json: bool, msg: &str) -> ExitCode {
    if json {
        output::json(&json!({"ok": false, "error": {"kind": "usage", "message": msg}}));
    } else {
        eprintln!("tidepool: {msg}");
    }
    ExitCode::from(64)
}

/// The run's exit code: 0 when it succeeded, else the error kind's.
fn exit_code(run: &UpdateRun) -> ExitCode {
    let Some(err) = &run.error else {
        return ExitCode::SUCCESS;
    };
    ExitCode::from(match err.kind.as_str() {
        "usage" | "insecure_source" => 64,
        "bad_source" => 66,
        "download_failed" => 69,
        "truncated" | "checksum_mismatch" | "not_runnable" | "wrong_target" | "not_tidepool" => 65,
        "permission" => 77,
        "swap_failed" => 74,
        "rollback_failed" => 70,
        _ => 1,
    })
}

fn print_run(run: &UpdateRun) {
    for s in &run.steps {
        let mark = match s.status {
            StepStatus::Ok => "✓",
            StepStatus::Failed => "✗",
            StepStatus::Skipped => "–",
        };
        println!("{mark} {:<9} {}", s.name, s.detail);
    }
    match (&run.error, run.outcome) {
        (Some(e), _) => eprintln!("tidepool: {}", e.message),
        (None, o) => {
            let to = run.to_version.as_deref().unwrap_or("?");
            let from = run.from_version.as_deref().unwrap_or("?");
            match o {
                tidepool_protocol::update::UpdateOutcome::Unchanged => {
                    println!("Already up to date ({to}).");
                }
                tidepool_protocol::update::UpdateOutcome::Planned => {
                    println!("Dry run: {from} → {to} would be installed; nothing changed.");
                }
                _ if run.restarted => {
                    println!("Updated {from} → {to}; the gateway answers as {to}.")
                }
                _ => println!("Updated {from} → {to}."),
            }
        }
    }
}

/// `tidepool update status`: the last run, or a note that there was none.
fn status(paths: &StatePaths, json: bool) -> ExitCode {
    match update::last_run(paths) {
        Some(run) => {
            if json {
                output::json(&serde_json::to_value(&run).unwrap_or(Value::Null));
            } else {
                print_run(&run);
            }
            ExitCode::SUCCESS
        }
        None => {
            let file = update::record_file(paths);
            if json {
                output::json(
                    &json!({"ok": true, "lastRun": null, "file": file.display().to_string()}),
                );
            } else {
                println!("No update has run for {} yet.", paths.root().display());
            }
            ExitCode::SUCCESS
        }
    }
}

/// `tidepool version [--json]`.
pub fn version(json: bool) -> ExitCode {
    let v = BinaryVersion {
        version: tidepool_gateway::version().to_owned(),
        target: tidepool_gateway::version::TARGET.to_owned(),
    };
    if json {
        output::json(&serde_json::to_value(&v).unwrap_or(Value::Null));
    } else {
        println!("tidepool {} ({})", v.version, v.target);
    }
    ExitCode::SUCCESS
}
