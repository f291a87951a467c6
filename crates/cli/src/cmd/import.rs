//! `tidepool import openclaw`: carry an OpenClaw setup over, with a report of what came along.

use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_gateway::StatePaths;
use tidepool_gateway::import::{ImportError, ImportOptions, Report, import_openclaw};

/// What to import from.
#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Import an OpenClaw config, its secrets, workspace and skills.
    Openclaw {
        /// The OpenClaw folder (default: OPENCLAW_STATE_DIR or ~/.openclaw).
        #[arg(long)]
        from: Option<PathBuf>,
        /// Show what would be imported without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// Import over an existing Tidepool config (kept as tidepool.json.before-import).
        #[arg(long)]
        replace: bool,
        /// Print the report as JSON (stable, for scripts and the desktop app).
        #[arg(long)]
        json: bool,
        /// State directory (default: TIDEPOOL_STATE_DIR or ~/.tidepool).
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
}

/// Exit code for each failure (sysexits).
fn code(e: &ImportError) -> u8 {
    match e {
        ImportError::NotFound(_) => 66,
        ImportError::Source(_) => 65,
        ImportError::ConfigExists(_) => 73,
        ImportError::Secrets(_) | ImportError::NoStore => 69,
        ImportError::Io { .. } | ImportError::Sessions(_) => 74,
    }
}

/// Runs the import.
pub fn run(command: ImportCommand) -> ExitCode {
    let ImportCommand::Openclaw {
        from,
        dry_run,
        replace,
        json,
        state_dir,
    } = command;
    let paths = StatePaths::resolve(state_dir);
    let opts = ImportOptions {
        from: from.unwrap_or_else(tidepool_gateway::import::default_source),
        to: paths.clone(),
        dry_run,
        replace,
    };
    // The store is opened only when something will be written to it (a dry run of a machine
    // without a keychain must not ask for a passphrase).
    let mut store = if dry_run {
        crate::cmd::secrets::open(paths.root()).ok()
    } else {
        match crate::cmd::secrets::open(paths.root()) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("tidepool: cannot open the secrets store: {e}");
                return ExitCode::from(69);
            }
        }
    };
    match import_openclaw(&opts, store.as_mut()) {
        Ok(report) => {
            if !dry_run && !report.secrets.is_empty() {
                crate::cmd::secrets::reload_running(&paths);
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&report).unwrap_or_else(|_| "{}".into())
                );
            } else {
                print!("{}", human(&report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                let v =
                    serde_json::json!({ "error": { "kind": kind(&e), "message": e.to_string() } });
                println!("{v}");
            }
            eprintln!("tidepool: {e}");
            ExitCode::from(code(&e))
        }
    }
}

fn kind(e: &ImportError) -> &'static str {
    match e {
        ImportError::NotFound(_) => "not_found",
        ImportError::Source(_) => "invalid_source",
        ImportError::ConfigExists(_) => "config_exists",
        ImportError::Secrets(_) | ImportError::NoStore => "secrets",
        ImportError::Io { .. } => "io",
        ImportError::Sessions(_) => "sessions",
    }
}

/// The report as text.
fn human(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let verb = if r.dry_run {
        "Would import"
    } else {
        "Imported"
    };
    let _ = writeln!(s, "{verb} {} → {}", r.source, r.config_path);
    let _ = writeln!(s, "\nCarried over ({}):", r.carried.len());
    for i in &r.carried {
        match i.note.as_str() {
            "" => {
                let _ = writeln!(s, "  ✓ {}", i.path);
            }
            n => {
                let _ = writeln!(s, "  ✓ {} ({n})", i.path);
            }
        }
    }
    if !r.secrets.is_empty() {
        let _ = writeln!(s, "\nSecrets ({}):", r.secrets.len());
        for x in &r.secrets {
            let mark = if x.stored { "✓" } else { "!" };
            let _ = writeln!(s, "  {mark} {} from {}: {}", x.name, x.from, x.note);
        }
    }
    if !r.folders.is_empty() {
        let _ = writeln!(s, "\nFolders:");
        for f in &r.folders {
            let _ = write!(
                s,
                "  ✓ {} → {}: {} file{}, {}",
                f.from,
                f.to,
                f.files,
                if f.files == 1 { "" } else { "s" },
                crate::output::bytes(f.bytes)
            );
            if f.kept_existing > 0 {
                let _ = write!(s, ", {} already there (kept)", f.kept_existing);
            }
            if f.skipped > 0 {
                let _ = write!(s, ", {} links or special files skipped", f.skipped);
            }
            let _ = writeln!(s, " ({})", f.note);
        }
    }
    if !r.conversations.is_empty() {
        let _ = writeln!(s, "\nConversations ({}):", r.conversations.len());
        for c in &r.conversations {
            let _ = write!(
                s,
                "  ✓ {}: {} message{}",
                c.key,
                c.messages,
                if c.messages == 1 { "" } else { "s" }
            );
            if c.skipped > 0 {
                let _ = write!(s, " ({} other events left behind)", c.skipped);
            }
            let _ = writeln!(s, " — {}", c.note);
        }
    }
    if !r.left_behind.is_empty() {
        let _ = writeln!(s, "\nStays with OpenClaw ({}):", r.left_behind.len());
        for i in &r.left_behind {
            let _ = writeln!(s, "  ✗ {}: {}", i.path, i.note);
        }
    }
    if !r.not_carried.is_empty() {
        let _ = writeln!(s, "\nNot carried over ({}):", r.not_carried.len());
        for i in &r.not_carried {
            let _ = writeln!(s, "  ✗ {}: {}", i.path, i.note);
        }
    }
    if let Some(b) = &r.backup {
        let _ = writeln!(s, "\nThe previous config is kept as {b}.");
    }
    if r.dry_run {
        let _ = writeln!(s, "\nNothing was changed (dry run).");
    }
    s
}
