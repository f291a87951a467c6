//! `tidepool config path|validate|get|set|unset|schema|restore-last-good`: works on the file
//! directly (so it also works while the gateway is down); a running gateway picks the change up
//! through its file watcher. Writes go through the same validation, last-good copy and atomic
//! replacement as the gateway's own `config.apply`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tidepool_gateway::StatePaths;
use tidepool_gateway::config::store::{ConfigStore, ReloadKind, hash, last_good, reload_kind};
use tidepool_gateway::config::{self, edit, source};

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's path.
    Path,
    /// Check the config; exits 78 with the reason when it is invalid.
    Validate {
        /// Another file to check.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Print a value (the whole config without PATH); `${VAR}`s are shown as written.
    Get {
        /// Dotted path, e.g. `gateway.port`.
        path: Option<String>,
    },
    /// Set a value: JSON5 (`19000`, `true`, `{a: 1}`) or plain text.
    Set {
        /// Dotted path.
        path: String,
        /// The value.
        value: String,
    },
    /// Remove a key.
    Unset {
        /// Dotted path.
        path: String,
    },
    /// Print the config's JSON Schema.
    Schema,
    /// Replace the config with the last valid one (the replaced file is kept).
    RestoreLastGood,
    /// Replace the whole config with the text on stdin (validated first; used by the desktop
    /// app while the gateway is down). Prints a JSON outcome.
    Apply {
        /// The hash of the text being replaced (from `config get-raw`), if the file exists.
        #[arg(long)]
        base_hash: Option<String>,
        /// Allow a write that removes most settings.
        #[arg(long)]
        force: bool,
    },
    /// Print the file's text and hash as JSON (`{exists, raw, hash, problem}`), validating it.
    GetRaw,
}

fn fail(msg: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("tidepool: {msg}");
    ExitCode::from(code)
}

/// Runs a config subcommand against the state dir.
pub fn run(cmd: ConfigCommand, state_dir: Option<PathBuf>) -> ExitCode {
    let paths = StatePaths::resolve(state_dir);
    let file = paths.config().to_path_buf();
    match cmd {
        ConfigCommand::Path => {
            println!("{}", file.display());
            ExitCode::SUCCESS
        }
        ConfigCommand::Schema => {
            println!("{:#}", config::schema::schema());
            ExitCode::SUCCESS
        }
        ConfigCommand::Validate { file: other } => validate(other.as_deref().unwrap_or(&file)),
        ConfigCommand::Get { path } => get(&file, path.as_deref()),
        ConfigCommand::Set { path, value } => edit_file(&file, &path, |doc| {
            let v = parse_value(&value);
            *edit::set_path(doc, &path).map_err(|e| e.to_string())? = v;
            Ok(())
        }),
        ConfigCommand::Unset { path } => edit_file(&file, &path, |doc| {
            if edit::unset_path(doc, &path) {
                Ok(())
            } else {
                Err(format!("`{path}` is not set in {}", file.display()))
            }
        }),
        ConfigCommand::RestoreLastGood => restore(&file),
        ConfigCommand::Apply { base_hash, force } => apply(&file, base_hash.as_deref(), force),
        ConfigCommand::GetRaw => get_raw(&file),
    }
}

fn problem(e: &config::ConfigError) -> Value {
    let (line, column) = e.position().unwrap_or((1, 1));
    serde_json::json!({ "message": e.to_string(), "line": line, "column": column })
}

fn get_raw(file: &Path) -> ExitCode {
    let (exists, raw) = match std::fs::read_to_string(file) {
        Ok(t) => (true, t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (false, String::new()),
        Err(e) => return fail(format!("cannot read {}: {e}", file.display()), 1),
    };
    let (problem, unsupported) = match config::load(file) {
        Ok(l) => (Value::Null, l.unsupported),
        Err(e) => (problem(&e), vec![]),
    };
    println!(
        "{}",
        serde_json::json!({
            "path": file.display().to_string(),
            "exists": exists,
            "raw": raw,
            "hash": hash(&raw),
            "problem": problem,
            "unsupported": unsupported,
        })
    );
    ExitCode::SUCCESS
}

fn apply(file: &Path, base_hash: Option<&str>, force: bool) -> ExitCode {
    use std::io::Read;
    use tidepool_gateway::config::store::WriteError;
    let mut raw = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut raw) {
        return fail(format!("cannot read the new config from stdin: {e}"), 66);
    }
    // An invalid file on disk must not block replacing it (nor become the last-good copy).
    let store = match ConfigStore::open(file) {
        Ok(s) => s,
        Err(e) => match std::fs::read_to_string(file) {
            Ok(current) => ConfigStore::new_invalid(file.to_path_buf(), current),
            Err(_) => return fail(e, 78),
        },
    };
    let outcome = match store.write(&raw, base_hash, force) {
        Ok(c) => serde_json::json!({
            "ok": true,
            "hash": c.hash,
            "changed": c.changed,
            "restartRequired": c.restart_required,
        }),
        Err(e) => {
            let mut o = serde_json::Map::new();
            o.insert("ok".into(), Value::Bool(false));
            o.insert("message".into(), Value::String(e.to_string()));
            let code = match &e {
                WriteError::Conflict { current, .. } => {
                    o.insert("currentHash".into(), Value::String(current.clone()));
                    "CONFIG_CONFLICT"
                }
                WriteError::BaseHashRequired => "BASE_HASH_REQUIRED",
                WriteError::Invalid { error, .. } => {
                    let (line, column) = error.position().unwrap_or((1, 1));
                    o.insert("line".into(), Value::from(line));
                    o.insert("column".into(), Value::from(column));
                    "CONFIG_INVALID"
                }
                WriteError::DropsMost { .. } => "CONFIG_DROPS_MOST",
                WriteError::Io { .. } => "CONFIG_IO",
            };
            o.insert("code".into(), Value::String(code.into()));
            Value::Object(o)
        }
    };
    println!("{outcome}");
    if outcome.get("ok") == Some(&Value::Bool(true)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn validate(file: &Path) -> ExitCode {
    match config::load(file) {
        Ok(l) if !l.exists => {
            println!("{} does not exist: the defaults are in use", file.display());
            ExitCode::SUCCESS
        }
        Ok(l) => {
            print!("{} is valid", file.display());
            if !l.unsupported.is_empty() {
                print!(
                    " (OpenClaw settings not supported by Tidepool yet, ignored: {})",
                    l.unsupported.join(", ")
                );
            }
            println!();
            ExitCode::SUCCESS
        }
        Err(e) => fail(e, 78),
    }
}

fn get(file: &Path, path: Option<&str>) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "{}".into(),
        Err(e) => return fail(format!("cannot read {}: {e}", file.display()), 1),
    };
    let doc = match config::resolve_unexpanded(&text, file) {
        Ok(v) => v,
        Err(e) => return fail(e, 78),
    };
    match path {
        None => println!("{doc:#}"),
        Some(p) => match edit::get_path(&doc, p) {
            Some(Value::String(s)) => println!("{s}"),
            Some(v) => println!("{v:#}"),
            None => return fail(format!("`{p}` is not set in {}", file.display()), 1),
        },
    }
    ExitCode::SUCCESS
}

/// `19000` → number, `true` → bool, `{a: 1}` → object; anything that is not JSON5 is text.
fn parse_value(text: &str) -> Value {
    source::parse(text, Path::new("value"))
        .map(|(v, _)| v)
        .unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn edit_file(
    file: &Path,
    path: &str,
    f: impl FnOnce(&mut Value) -> Result<(), String>,
) -> ExitCode {
    let store = match ConfigStore::open(file) {
        Ok(s) => s,
        Err(e) => {
            return fail(
                format!("{e}; fix the file or run `tidepool config restore-last-good`"),
                78,
            );
        }
    };
    let snap = store.snapshot();
    let mut doc = if snap.exists {
        match source::parse(&snap.raw, file) {
            Ok((v, _)) => v,
            Err(e) => return fail(e.message, 78),
        }
    } else {
        Value::Object(Default::default())
    };
    if let Err(msg) = f(&mut doc) {
        return fail(msg, 64);
    }
    let raw = edit::rewrite(&snap.raw, &doc);
    match store.write(&raw, Some(&snap.hash), false) {
        Ok(change) => {
            let when = match reload_kind(path) {
                ReloadKind::Restart => " (takes effect when the gateway restarts)",
                ReloadKind::Hot => "",
                ReloadKind::None => " (not used by Tidepool yet)",
            };
            if change.changed.is_empty() {
                println!("No change.");
            } else {
                println!("Updated {}{when}", change.changed.join(", "));
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e, 78),
    }
}

fn restore(file: &Path) -> ExitCode {
    let good = last_good(file);
    let text = match std::fs::read_to_string(&good) {
        Ok(t) => t,
        Err(e) => {
            return fail(
                format!("there is no last good config ({}: {e})", good.display()),
                1,
            );
        }
    };
    if let Err(e) = config::parse_with(
        &text,
        file,
        &config::env::DotEnv::load(file.parent().unwrap_or(Path::new("."))),
    ) {
        return fail(format!("the last good config no longer validates: {e}"), 78);
    }
    let kept = match std::fs::read_to_string(file) {
        Ok(current) if hash(&current) != hash(&text) => {
            let p = file.with_file_name(format!(
                "{}.replaced.{}",
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                tidepool_gateway::sysinfo::now_ms()
            ));
            if let Err(e) = tidepool_gateway::fsutil::write_private(&p, current.as_bytes()) {
                return fail(
                    format!("cannot keep the current file as {}: {e}", p.display()),
                    73,
                );
            }
            Some(p)
        }
        _ => None,
    };
    if let Err(e) = tidepool_gateway::fsutil::write_private(file, text.as_bytes()) {
        return fail(format!("cannot write {}: {e}", file.display()), 73);
    }
    match kept {
        Some(p) => println!(
            "Restored {} from {} (the replaced file is kept as {})",
            file.display(),
            good.display(),
            p.display()
        ),
        None => println!("{} already matches the last good config", file.display()),
    }
    ExitCode::SUCCESS
}
