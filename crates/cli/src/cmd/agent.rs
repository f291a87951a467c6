//! `tidepool agent send|chat` and `tidepool sessions list|show|reset|delete|export`.

// serde_json `Value[key]` on a gateway reply returns Null for a missing key and never panics.
#![allow(clippy::indexing_slicing)]

use crate::output;
use crate::{Connection, target};
use clap::Subcommand;
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_client::{Client, ClientError};
use tidepool_protocol::Scope;
use tidepool_protocol::chat::{events, names};
use tokio::io::AsyncBufReadExt;

/// `tidepool agent ...`.
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Send one message and print the streamed reply.
    Send {
        /// The message.
        message: String,
        /// Session key (default: the agent's main session).
        #[arg(long, short, default_value = "main")]
        session: String,
        /// Agent id (default: the default agent).
        #[arg(long)]
        agent: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Chat interactively: Ctrl-C stops the reply being written; Ctrl-D or /exit quits.
    Chat {
        /// Session key (default: the agent's main session).
        #[arg(long, short, default_value = "main")]
        session: String,
        /// Agent id.
        #[arg(long)]
        agent: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
}

/// `tidepool sessions ...`.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions, most recent first.
    List {
        /// Only sessions whose key, label or title contains this.
        #[arg(long)]
        search: Option<String>,
        /// How many.
        #[arg(long, short = 'n', default_value_t = 50)]
        limit: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Print a session's transcript.
    Show {
        /// Session key.
        key: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Start a fresh transcript (the old one is kept in the database).
    Reset {
        /// Session key.
        key: String,
        #[command(flatten)]
        conn: Connection,
    },
    /// Delete a session and all its transcripts.
    Delete {
        /// Session key.
        key: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Export a transcript as Markdown or JSONL.
    Export {
        /// Session key.
        key: String,
        /// `markdown` or `jsonl`.
        #[arg(long, default_value = "markdown")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        conn: Connection,
    },
}

use super::runtime;

/// How a streamed turn ended.
enum Ended {
    Final,
    Aborted,
    Error(String),
}

/// Sends a message and prints the reply as it streams; Ctrl-C aborts the turn.
async fn turn(
    client: &Client,
    session: &str,
    agent: Option<&str>,
    message: &str,
) -> Result<Ended, ClientError> {
    let mut rx = client.events();
    let mut params = json!({ "sessionKey": session, "message": message, "idempotencyKey": tidepool_platform::idempotency_key() });
    if let (Some(a), Some(o)) = (agent, params.as_object_mut()) {
        o.insert("agentId".into(), json!(a));
    }
    let ack = client.request(names::CHAT_SEND, params).await?;
    let run_id = ack
        .get("runId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let key = ack
        .get("sessionKey")
        .and_then(Value::as_str)
        .unwrap_or(session)
        .to_owned();
    let mut out = std::io::stdout();
    let mut aborting = false;
    loop {
        let ev = tokio::select! {
            ev = rx.recv() => ev,
            _ = tokio::signal::ctrl_c(), if !aborting => {
                aborting = true;
                eprintln!("\n(stopping the reply…)");
                client.request(names::CHAT_ABORT, json!({ "sessionKey": key, "runId": run_id })).await?;
                continue;
            }
        };
        let ev = match ev {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return Ok(Ended::Error("the connection to the gateway closed".into())),
        };
        let Some(p) = ev.payload.as_ref() else {
            continue;
        };
        if ev.event == events::AGENT
            && p.get("runId").and_then(Value::as_str) == Some(run_id.as_str())
            && p["data"]["phase"] == "start"
            && p["stream"] == "tool"
        {
            eprintln!("\n[tool {}]", p["data"]["name"].as_str().unwrap_or("?"));
            continue;
        }
        if ev.event != events::CHAT
            || p.get("runId").and_then(Value::as_str) != Some(run_id.as_str())
        {
            continue;
        }
        match p.get("state").and_then(Value::as_str) {
            Some("delta") => {
                let _ = write!(
                    out,
                    "{}",
                    p.get("deltaText")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                );
                let _ = out.flush();
            }
            Some("final") => {
                println!();
                return Ok(Ended::Final);
            }
            Some("aborted") => {
                println!();
                return Ok(Ended::Aborted);
            }
            Some("error") => {
                println!();
                return Ok(Ended::Error(
                    p.get("errorMessage")
                        .and_then(Value::as_str)
                        .unwrap_or("the turn failed")
                        .to_owned(),
                ));
            }
            _ => {}
        }
    }
}

/// Runs an agent subcommand.
pub fn run(cmd: AgentCommand) -> ExitCode {
    let rt = match runtime() {
        Ok(r) => r,
        Err(c) => return c,
    };
    rt.block_on(async move {
        match cmd {
            AgentCommand::Send {
                message,
                session,
                agent,
                conn,
            } => {
                let client = match target::connect(&conn, vec![Scope::Read, Scope::Write]).await {
                    Ok(c) => c,
                    Err(e) => return output::client_error(&e),
                };
                let r = turn(&client, &session, agent.as_deref(), &message).await;
                client.close();
                match r {
                    Ok(Ended::Final) => ExitCode::SUCCESS,
                    Ok(Ended::Aborted) => ExitCode::from(130),
                    Ok(Ended::Error(m)) => {
                        eprintln!("tidepool: {m}");
                        ExitCode::FAILURE
                    }
                    Err(e) => output::client_error(&e),
                }
            }
            AgentCommand::Chat {
                session,
                agent,
                conn,
            } => {
                let client = match target::connect(&conn, vec![Scope::Read, Scope::Write]).await {
                    Ok(c) => c,
                    Err(e) => return output::client_error(&e),
                };
                let tty = std::io::stdin().is_terminal();
                if tty {
                    eprintln!(
                        "Chatting in {session}. Ctrl-C stops a reply; Ctrl-D or /exit quits."
                    );
                }
                let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
                loop {
                    if tty {
                        eprint!("› ");
                    }
                    let line = tokio::select! {
                        l = lines.next_line() => l,
                        _ = tokio::signal::ctrl_c() => break,
                    };
                    let Ok(Some(line)) = line else { break };
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    if line == "/exit" || line == "/quit" {
                        break;
                    }
                    match turn(&client, &session, agent.as_deref(), line).await {
                        Ok(Ended::Error(m)) => eprintln!("tidepool: {m}"),
                        Ok(_) => {}
                        Err(e) => {
                            client.close();
                            return output::client_error(&e);
                        }
                    }
                }
                client.close();
                ExitCode::SUCCESS
            }
        }
    })
}

async fn call(
    conn: &Connection,
    scopes: Vec<Scope>,
    method: &str,
    params: Value,
) -> Result<Value, ClientError> {
    let client = target::connect(conn, scopes).await?;
    let r = client.request(method, params).await;
    client.close();
    r
}

fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

/// Runs a sessions subcommand.
pub fn sessions(cmd: SessionsCommand) -> ExitCode {
    let rt = match runtime() {
        Ok(r) => r,
        Err(c) => return c,
    };
    let admin = vec![Scope::Read, Scope::Write, Scope::Admin];
    let result = match cmd {
        SessionsCommand::List {
            search,
            limit,
            json,
            conn,
        } => rt
            .block_on(call(
                &conn,
                vec![Scope::Read],
                names::SESSIONS_LIST,
                json!({ "search": search, "limit": limit }),
            ))
            .map(|v| {
                if json {
                    output::json(&v);
                    return;
                }
                let rows = v["sessions"].as_array().cloned().unwrap_or_default();
                if rows.is_empty() {
                    println!("No sessions yet. Start one with: tidepool agent chat");
                    return;
                }
                println!("{:<32} {:>6} {:>10}  TITLE", "KEY", "MSGS", "TOKENS");
                for r in &rows {
                    println!(
                        "{:<32} {:>6} {:>10}  {}",
                        r["key"].as_str().unwrap_or_default(),
                        r["messageCount"].as_i64().unwrap_or(0),
                        r["totalTokens"].as_i64().unwrap_or(0),
                        r["displayName"].as_str().unwrap_or_default()
                    );
                }
                let total = v["total"].as_i64().unwrap_or(0);
                if total > rows.len() as i64 {
                    println!("({} of {total}; use --limit to see more)", rows.len());
                }
            }),
        SessionsCommand::Show { key, json, conn } => rt
            .block_on(call(
                &conn,
                vec![Scope::Read],
                names::CHAT_HISTORY,
                json!({ "sessionKey": key, "limit": 10000 }),
            ))
            .map(|v| {
                if json {
                    output::json(&v);
                    return;
                }
                for m in v["messages"].as_array().cloned().unwrap_or_default() {
                    let role = m["role"].as_str().unwrap_or("?");
                    let text: String = m["content"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .map(|b| match b["type"].as_str() {
                                    Some("toolCall") => {
                                        format!("[calls {}]", b["name"].as_str().unwrap_or("?"))
                                    }
                                    _ => b["text"].as_str().unwrap_or_default().to_owned(),
                                })
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default();
                    let status = m["status"]
                        .as_str()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default();
                    println!("{role}{status}: {text}\n");
                }
            }),
        SessionsCommand::Reset { key, conn } => rt
            .block_on(call(
                &conn,
                admin,
                names::SESSIONS_RESET,
                json!({ "key": key }),
            ))
            .map(|v| {
                println!(
                    "{} starts fresh (new session id {})",
                    v["key"].as_str().unwrap_or(&key),
                    v["sessionId"].as_str().unwrap_or("?")
                )
            }),
        SessionsCommand::Delete { key, yes, conn } => {
            if !yes {
                if !std::io::stdin().is_terminal() {
                    eprintln!(
                        "tidepool: deleting {key} needs confirmation; pass --yes to delete without asking"
                    );
                    return ExitCode::from(64);
                }
                if !confirm(&format!("Delete session {key} and all its messages?")) {
                    eprintln!("Not deleted.");
                    return ExitCode::FAILURE;
                }
            }
            rt.block_on(call(
                &conn,
                admin,
                names::SESSIONS_DELETE,
                json!({ "key": key }),
            ))
            .map(|v| {
                if v["deleted"] == true {
                    println!("Deleted {}", v["key"].as_str().unwrap_or(&key));
                } else {
                    println!("{} did not exist", v["key"].as_str().unwrap_or(&key));
                }
            })
        }
        SessionsCommand::Export {
            key,
            format,
            output: file,
            conn,
        } => {
            match rt.block_on(call(
                &conn,
                vec![Scope::Read],
                names::SESSIONS_EXPORT,
                json!({ "key": key, "format": format }),
            )) {
                Ok(v) => {
                    let content = v["content"].as_str().unwrap_or_default();
                    match file {
                        Some(path) => {
                            if let Err(e) = std::fs::write(&path, content) {
                                eprintln!("tidepool: cannot write {}: {e}", path.display());
                                return ExitCode::from(73);
                            }
                            println!("Wrote {}", path.display());
                        }
                        None => print!("{content}"),
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::client_error(&e),
    }
}
