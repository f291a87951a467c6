//! `tidepool secrets list|set|delete`: the secrets store of a state dir, directly (so it works
//! while the gateway is down). Values come from stdin or a hidden prompt, never from argv (which
//! other users can read in the process list). A running gateway is told to reload.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_gateway::StatePaths;
use tidepool_secrets::{Choice, Kind, SecretStore, SecretsError, Zeroizing};

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SecretsCommand {
    /// List the stored names (never the secret values).
    List {
        /// Print JSON (stable, for scripts).
        #[arg(long)]
        json: bool,
    },
    /// Store a value under NAME, read from stdin (or a hidden prompt at a terminal).
    Set {
        /// The name, e.g. ANTHROPIC_API_KEY (use it as `{ source: "store", id: "NAME" }`).
        name: String,
        /// Store a plain environment value (shown in lists) instead of a secret.
        #[arg(long)]
        env: bool,
    },
    /// Delete NAME.
    Delete {
        /// The name.
        name: String,
    },
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("tidepool: {message}");
    ExitCode::from(code)
}

pub(crate) fn open(dir: &std::path::Path) -> Result<SecretStore, SecretsError> {
    match SecretStore::open(dir, Choice::from_env(), None) {
        Err(SecretsError::Locked) if std::io::stdin().is_terminal() => {
            let pw =
                rpassword::prompt_password("Vault passphrase: ").map_err(|e| SecretsError::Io {
                    path: dir.into(),
                    why: e.to_string(),
                })?;
            SecretStore::open(dir, Choice::from_env(), Some(Zeroizing::new(pw)))
        }
        other => other,
    }
}

fn read_value(name: &str) -> Result<Zeroizing<String>, String> {
    let value = if std::io::stdin().is_terminal() {
        Zeroizing::new(
            rpassword::prompt_password(format!("Value for {name} (hidden): "))
                .map_err(|e| format!("cannot read the value: {e}"))?,
        )
    } else {
        let mut buf = Zeroizing::new(String::new());
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| format!("cannot read the value from stdin: {e}"))?;
        // One trailing newline (from `echo` or a file) is not part of the value.
        let trimmed = buf.strip_suffix('\n').unwrap_or(&buf);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
        Zeroizing::new(trimmed.to_owned())
    };
    if value.is_empty() {
        return Err(format!(
            "no value for {name}: pipe it in (`tidepool secrets set {name} < file`) or type it at the prompt"
        ));
    }
    Ok(value)
}

/// Tells a gateway running on this state dir to re-read the store (best effort).
pub(crate) fn reload_running(paths: &StatePaths) {
    let conn = crate::Connection::for_state_dir(paths.root().to_path_buf());
    let _ = crate::cmd::rpc::call_quiet(&conn, "secrets.reload", "{}");
}

/// Runs a subcommand.
pub fn run(command: SecretsCommand, state_dir: Option<PathBuf>) -> ExitCode {
    let paths = StatePaths::resolve(state_dir);
    if let Err(e) = tidepool_gateway::fsutil::create_private_dir(paths.root()) {
        return fail(&format!("cannot use {}: {e}", paths.root().display()), 73);
    }
    let mut store = match open(paths.root()) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string(), 69),
    };
    match command {
        SecretsCommand::List { json } => {
            let list = store.list();
            if json {
                let v = serde_json::json!({ "backend": store.backend_name(), "entries": list });
                println!("{v}");
            } else if list.is_empty() {
                println!("No secrets yet (kept in the {}).", store.backend_name());
            } else {
                for m in &list {
                    let kind = if m.kind == Kind::Env { " (env)" } else { "" };
                    println!("{}{kind}", m.name);
                }
            }
            ExitCode::SUCCESS
        }
        SecretsCommand::Set { name, env } => {
            if let Err(e) = tidepool_secrets::check_name(&name) {
                return fail(&e.to_string(), 64);
            }
            let value = match read_value(&name) {
                Ok(v) => v,
                Err(e) => return fail(&e, 64),
            };
            let kind = if env { Kind::Env } else { Kind::Secret };
            match store.set(&name, &value, kind) {
                Ok(_) => {
                    reload_running(&paths);
                    eprintln!(
                        "Stored {name} in the {}. Use it as {{ source: \"store\", id: \"{name}\" }}.",
                        store.backend_name()
                    );
                    ExitCode::SUCCESS
                }
                Err(e @ (SecretsError::InvalidName { .. } | SecretsError::InvalidValue { .. })) => {
                    fail(&e.to_string(), 64)
                }
                Err(e) => fail(&e.to_string(), 1),
            }
        }
        SecretsCommand::Delete { name } => match store.delete(&name) {
            Ok(true) => {
                reload_running(&paths);
                eprintln!("Deleted {name}.");
                ExitCode::SUCCESS
            }
            Ok(false) => fail(&format!("there is no secret named {name}"), 1),
            Err(e @ SecretsError::InvalidName { .. }) => fail(&e.to_string(), 64),
            Err(e) => fail(&e.to_string(), 1),
        },
    }
}
