//! `tidepool providers check`: asks a provider for its models with a given key, the way the
//! onboarding checks a key before storing it. The key comes from stdin, never from argv.

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;
use tidepool_gateway::config::Config;
use tidepool_gateway::config::agents::{ProviderApi, ProviderConfig};
use tidepool_gateway::config::secret::{NoStore, Secret};
use tidepool_gateway::providers::{self, ProviderError};

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ProvidersCommand {
    /// List a provider's models with a key read from stdin; exit 0 when the key works.
    Check {
        /// Provider id: anthropic, openai, ollama, lmstudio, or any name with --base-url.
        id: String,
        /// Wire format (anthropic-messages, openai-completions, ollama); built-ins know theirs.
        #[arg(long)]
        api: Option<String>,
        /// Base URL, e.g. http://127.0.0.1:11434/v1 (built-ins know theirs).
        #[arg(long)]
        base_url: Option<String>,
        /// Read the API key from stdin.
        #[arg(long)]
        key_stdin: bool,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
        /// Print JSON (stable, for scripts and the desktop app).
        #[arg(long)]
        json: bool,
    },
}

fn failure(json: bool, kind: &str, message: &str, code: u8) -> ExitCode {
    if json {
        let v = serde_json::json!({ "ok": false, "error": { "kind": kind, "message": message } });
        println!("{v}");
    }
    eprintln!("tidepool: {message}");
    ExitCode::from(code)
}

/// Runs a subcommand.
pub fn run(command: ProvidersCommand) -> ExitCode {
    let ProvidersCommand::Check {
        id,
        api,
        base_url,
        key_stdin,
        timeout,
        json,
    } = command;
    let api: Option<ProviderApi> = match api
        .as_deref()
        .map(|a| serde_json::from_value(serde_json::json!(a)))
    {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => {
            return failure(
                json,
                "usage",
                "--api must be anthropic-messages, openai-completions or ollama",
                64,
            );
        }
    };
    let key = if key_stdin {
        let mut buf = tidepool_secrets::Zeroizing::new(String::new());
        if let Err(e) = std::io::stdin().read_to_string(&mut buf) {
            return failure(
                json,
                "usage",
                &format!("cannot read the key from stdin: {e}"),
                64,
            );
        }
        Some(buf.trim().to_owned()).filter(|k| !k.is_empty())
    } else {
        None
    };
    let mut config = Config::default();
    config.models.providers.insert(
        id.clone(),
        ProviderConfig {
            base_url,
            api_key: key.map(Secret::Plain),
            api,
            ..ProviderConfig::default()
        },
    );
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return failure(json, "internal", &format!("cannot start: {e}"), 70),
    };
    let result = rt.block_on(async {
        let http = providers::http_client()?;
        let p = providers::resolve(&config, std::path::Path::new("."), &NoStore, &id, &http)?;
        match tokio::time::timeout(Duration::from_secs(timeout), p.list_models()).await {
            Ok(r) => r,
            Err(_) => Err(ProviderError::Unreachable {
                provider: id.clone(),
                url: p.base_url.clone(),
                message: format!("no answer in {timeout} s"),
            }),
        }
    });
    match result {
        Ok(models) => {
            if json {
                println!("{}", serde_json::json!({ "ok": true, "models": models }));
            } else {
                for m in &models {
                    println!("{}/{}", m.provider, m.id);
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => failure(json, e.kind(), &e.to_string(), 1),
    }
}
