//! `tidepool logs [--follow] [--json] [--limit N]`: reads the log through `logs.tail`, and with
//! `--follow` keeps reading with the cursor, riding out gateway restarts.

use crate::{Connection, output, target};
use serde_json::Value;
use std::process::ExitCode;
use std::time::Duration;
use tidepool_client::{Client, ClientError, Reconnect};
use tidepool_protocol::Scope;
use tidepool_protocol::methods::{LogsTail, LogsTailParams};

const POLL: Duration = Duration::from_millis(500);

/// Runs the command.
pub fn logs(conn: &Connection, follow: bool, json: bool, limit: u32) -> ExitCode {
    if !(1..=5000).contains(&limit) {
        eprintln!("tidepool: --limit must be between 1 and 5000");
        return ExitCode::from(64);
    }
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match rt.block_on(run(conn, follow, json, limit)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::client_error(&e),
    }
}

async fn run(conn: &Connection, follow: bool, json: bool, limit: u32) -> Result<(), ClientError> {
    let first = target::connect(conn, vec![Scope::Read]).await?;
    let params = LogsTailParams {
        cursor: None,
        limit: Some(limit),
        max_bytes: None,
    };
    let r = first.call::<LogsTail>(&params).await?;
    print_lines(&r.lines, json);
    if !follow {
        first.close();
        return Ok(());
    }
    first.close();
    let client = Client::connect_persistent(
        target::options(conn, vec![Scope::Read]),
        Reconnect::default(),
    );
    let mut cursor = r.cursor;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => { client.close(); return Ok(()); }
            _ = tokio::time::sleep(POLL) => {}
        }
        if client.wait_connected(Duration::from_secs(1)).await.is_err() {
            continue;
        }
        let params = LogsTailParams {
            cursor: Some(cursor),
            limit: Some(5000),
            max_bytes: None,
        };
        match client.call::<LogsTail>(&params).await {
            Ok(r) => {
                if r.reset == Some(true) && !json {
                    eprintln!("-- log file rotated: {} --", r.file);
                }
                print_lines(&r.lines, json);
                cursor = r.cursor;
            }
            Err(
                ClientError::NotConnected | ClientError::Closed(_) | ClientError::Timeout { .. },
            ) => {}
            Err(e) => return Err(e),
        }
    }
}

fn print_lines(lines: &[String], json: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = if json {
            writeln!(out, "{line}")
        } else {
            writeln!(out, "{}", human(line))
        };
    }
    let _ = out.flush();
}

/// `{"time":..,"level":..,"message":..,"k":v}` → `time LEVEL message k=v`.
fn human(line: &str) -> String {
    let Ok(Value::Object(mut obj)) = serde_json::from_str::<Value>(line) else {
        return line.to_owned();
    };
    let mut take = |k: &str| match obj.remove(k) {
        Some(Value::String(s)) => s,
        Some(v) => v.to_string(),
        None => String::new(),
    };
    let time = take("time");
    let level = take("level").to_uppercase();
    let message = take("message");
    let _ = take("target");
    let time = time.get(11..23).unwrap_or(&time).to_owned();
    let mut s = format!("{time} {level:<5} {message}");
    for (k, v) in obj {
        let v = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        s.push_str(&format!(" {k}={v}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn human_lines() {
        let l = r#"{"time":"2026-11-21T14:03:05.123456Z","level":"info","target":"x","message":"client connected","conn_id":"ab"}"#;
        assert_eq!(human(l), "14:03:05.123 INFO  client connected conn_id=ab");
        assert_eq!(human("not json"), "not json");
    }
}
