//! `tidepool`: the gateway daemon (`tidepool gateway run`) and its command-line client.

mod cmd;
mod output;
mod target;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Tidepool: a small, fast, OpenClaw-compatible personal-AI gateway.
#[derive(Debug, Parser)]
#[command(name = "tidepool", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where to find a running gateway.
#[derive(Debug, Clone, clap::Args)]
pub struct Connection {
    /// Gateway URL (default: the running gateway of the state dir, else ws://127.0.0.1:18789).
    #[arg(long, global = true, env = "TIDEPOOL_GATEWAY_URL")]
    url: Option<String>,
    /// Gateway token (default: TIDEPOOL_GATEWAY_TOKEN, else the state dir's gateway.token).
    #[arg(long, global = true)]
    token: Option<String>,
    /// State directory (default: TIDEPOOL_STATE_DIR or ~/.tidepool).
    #[arg(long, global = true)]
    state_dir: Option<PathBuf>,
    /// Seconds to wait for the gateway.
    #[arg(long, global = true, default_value_t = 10)]
    timeout: u64,
}

impl Connection {
    /// The running gateway of a state dir, found through its files.
    pub fn for_state_dir(state_dir: PathBuf) -> Connection {
        Connection {
            url: None,
            token: None,
            state_dir: Some(state_dir),
            timeout: 2,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run or call the gateway.
    Gateway {
        #[command(subcommand)]
        command: GatewayCommand,
    },
    /// Show the gateway's health.
    Health {
        /// Print JSON (stable, for scripts).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Show the gateway's process and listener status.
    Status {
        /// Print JSON (stable, for scripts).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Read, change and check the config file.
    Config {
        #[command(subcommand)]
        command: cmd::config::ConfigCommand,
        /// State directory (default: TIDEPOOL_STATE_DIR or ~/.tidepool).
        #[arg(long, global = true)]
        state_dir: Option<PathBuf>,
    },
    /// Keep API keys and other secrets in the OS keychain (or an encrypted vault).
    Secrets {
        #[command(subcommand)]
        command: cmd::secrets::SecretsCommand,
        /// State directory (default: TIDEPOOL_STATE_DIR or ~/.tidepool).
        #[arg(long, global = true)]
        state_dir: Option<PathBuf>,
    },
    /// Bring a setup over from another assistant (OpenClaw).
    Import {
        #[command(subcommand)]
        command: cmd::import::ImportCommand,
    },
    /// Check a model provider and a key.
    Providers {
        #[command(subcommand)]
        command: cmd::providers::ProvidersCommand,
    },
    /// Talk to your assistant.
    Agent {
        #[command(subcommand)]
        command: cmd::agent::AgentCommand,
    },
    /// List, show, reset, delete and export conversations.
    Sessions {
        #[command(subcommand)]
        command: cmd::agent::SessionsCommand,
    },
    /// Replace the installed binary with a checked new one; roll back if it does not come up.
    Update(cmd::update::UpdateArgs),
    /// Print the version and the target this binary was built for.
    Version {
        /// Print JSON (`{"version","target"}`).
        #[arg(long)]
        json: bool,
    },
    /// Show the gateway's log.
    Logs {
        /// Keep printing new lines as they are written (Ctrl-C to stop).
        #[arg(long, short)]
        follow: bool,
        /// Print the raw JSON lines.
        #[arg(long)]
        json: bool,
        /// How many recent lines to show first.
        #[arg(long, short = 'n', default_value_t = 200)]
        limit: u32,
        #[command(flatten)]
        conn: Connection,
    },
}

#[derive(Debug, Subcommand)]
enum GatewayCommand {
    /// Run the gateway in the foreground.
    Run(cmd::run::RunArgs),
    /// Install the gateway as a service (systemd, launchd, a Scheduled Task, or plain).
    Install(cmd::service::InstallArgs),
    /// Stop and remove the service (the state dir stays unless --purge).
    Uninstall(cmd::service::UninstallArgs),
    /// Start the installed service and wait until it is ready.
    Start(cmd::service::Common),
    /// Stop the service gracefully.
    Stop(cmd::service::Common),
    /// Stop, then start the service.
    Restart(cmd::service::Common),
    /// Service, config, listener, RPC and versions, also when the gateway is down.
    Status(cmd::service::Common),
    /// Call any gateway method and print the JSON result.
    Call {
        /// Method name, e.g. `health`.
        method: String,
        /// Params as JSON.
        #[arg(long, default_value = "{}")]
        params: String,
        /// Accepted for OpenClaw compatibility; output is always JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: Connection,
    },
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    // Run by `ssh` as its askpass helper (the desktop's password sign-in): print the secret
    // served at the socket and nothing else.
    #[cfg(unix)]
    if let Some(socket) = std::env::var_os(tidepool_platform::ASKPASS_SOCKET_ENV) {
        return if tidepool_platform::askpass_answer(std::path::Path::new(&socket)) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    // The version is read at run time: a release stamp may have set it (see `version.rs`).
    let matches = Cli::command()
        .version(tidepool_gateway::version())
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Gateway {
            command: GatewayCommand::Run(args),
        } => cmd::run::run(args),
        Command::Gateway {
            command: GatewayCommand::Install(a),
        } => cmd::service::install(a),
        Command::Gateway {
            command: GatewayCommand::Uninstall(a),
        } => cmd::service::uninstall(a),
        Command::Gateway {
            command: GatewayCommand::Start(c),
        } => cmd::service::start(c),
        Command::Gateway {
            command: GatewayCommand::Stop(c),
        } => cmd::service::stop(c),
        Command::Gateway {
            command: GatewayCommand::Restart(c),
        } => cmd::service::restart(c),
        Command::Gateway {
            command: GatewayCommand::Status(c),
        } => cmd::service::status(c),
        Command::Gateway {
            command:
                GatewayCommand::Call {
                    method,
                    params,
                    json: _,
                    conn,
                },
        } => cmd::rpc::call(&conn, &method, &params),
        Command::Config { command, state_dir } => cmd::config::run(command, state_dir),
        Command::Secrets { command, state_dir } => cmd::secrets::run(command, state_dir),
        Command::Import { command } => cmd::import::run(command),
        Command::Providers { command } => cmd::providers::run(command),
        Command::Agent { command } => cmd::agent::run(command),
        Command::Sessions { command } => cmd::agent::sessions(command),
        Command::Health { json, conn } => cmd::rpc::health(&conn, json),
        Command::Status { json, conn } => cmd::rpc::status(&conn, json),
        Command::Update(args) => cmd::update::run(args),
        Command::Version { json } => cmd::update::version(json),
        Command::Logs {
            follow,
            json,
            limit,
            conn,
        } => cmd::logs::logs(&conn, follow, json, limit),
    }
}
