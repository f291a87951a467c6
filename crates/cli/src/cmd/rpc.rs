//! `tidepool health`, `status` and `gateway call`.

use crate::output;
use crate::{Connection, target};
use serde_json::Value;
use std::process::ExitCode;
use tidepool_client::ClientError;
use tidepool_protocol::Scope;
use tidepool_protocol::methods::{HealthSummary, StatusResult, names};

fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, ExitCode> {
    super::runtime().map(|rt| rt.block_on(f))
}

async fn request(
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

fn finish(
    r: Result<Result<Value, ClientError>, ExitCode>,
    print: impl FnOnce(Value) -> Result<(), String>,
) -> ExitCode {
    match r {
        Err(code) => code,
        Ok(Err(e)) => output::client_error(&e),
        Ok(Ok(v)) => match print(v) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("tidepool: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Calls `method` on the gateway of `conn` for a side effect, quietly (2 s at most); false
/// when no gateway answered.
pub fn call_quiet(conn: &Connection, method: &str, params: &str) -> bool {
    let Ok(params) = serde_json::from_str::<Value>(params) else {
        return false;
    };
    block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(2),
            request(conn, Scope::ALL.to_vec(), method, params),
        )
        .await
    })
    .is_ok_and(|r| r.is_ok_and(|r| r.is_ok()))
}

/// `tidepool health`.
pub fn health(conn: &Connection, json: bool) -> ExitCode {
    let started = std::time::Instant::now();
    let r = block_on(request(conn, vec![Scope::Read], names::HEALTH, Value::Null));
    let rtt = started.elapsed();
    finish(r, |v| {
        if json {
            output::json(&v);
            return Ok(());
        }
        let h: HealthSummary =
            serde_json::from_value(v).map_err(|e| format!("unexpected health result: {e}"))?;
        println!(
            "Gateway {} · default agent {} · {} channel(s) · answered in {} ms",
            if h.ok { "OK" } else { "NOT OK" },
            h.default_agent_id,
            h.channels.len(),
            rtt.as_millis()
        );
        // Said once here too, so a health check shows what of an OpenClaw config is ignored.
        if let Ok(Ok(Ok(v))) =
            block_on(request(conn, vec![Scope::Read], names::STATUS, Value::Null))
                .map(|r| r.map(serde_json::from_value::<StatusResult>))
            && !v.config_unsupported.is_empty()
        {
            println!(
                "Config: {} OpenClaw setting(s) not supported by Tidepool yet, ignored: {}",
                v.config_unsupported.len(),
                v.config_unsupported.join(", ")
            );
        }
        Ok(())
    })
}

/// `tidepool status`.
pub fn status(conn: &Connection, json: bool) -> ExitCode {
    let r = block_on(request(conn, vec![Scope::Read], names::STATUS, Value::Null));
    finish(r, |v| {
        if json {
            output::json(&v);
            return Ok(());
        }
        let s: StatusResult =
            serde_json::from_value(v).map_err(|e| format!("unexpected status result: {e}"))?;
        let rows = [
            (
                "Gateway",
                format!("running · v{} · protocol {}", s.version, s.protocol),
            ),
            (
                "Listening",
                format!("ws://{}:{} ({} auth)", s.bind, s.port, s.auth_mode),
            ),
            (
                "Process",
                format!("pid {} on {} ({})", s.pid, s.host, s.platform),
            ),
            ("Uptime", output::duration_ms(s.uptime_ms)),
            (
                "Memory",
                s.rss_bytes
                    .map(output::bytes)
                    .unwrap_or_else(|| "n/a".into()),
            ),
            ("Clients", s.connections.to_string()),
            ("State dir", s.state_dir),
            (
                "Config",
                format!(
                    "{}{}",
                    s.config_path,
                    if s.config_exists {
                        ""
                    } else {
                        " (not created; defaults in use)"
                    }
                ),
            ),
            ("Log file", s.log_file),
        ];
        let unsupported = s.config_unsupported.join(", ");
        for (k, v) in rows {
            println!("{k:<10} {v}");
        }
        if !unsupported.is_empty() {
            println!(
                "{:<10} OpenClaw settings not supported by Tidepool yet, ignored: {unsupported}",
                ""
            );
        }
        Ok(())
    })
}

/// `tidepool gateway call METHOD --params JSON`.
pub fn call(conn: &Connection, method: &str, params: &str) -> ExitCode {
    let params: Value = match serde_json::from_str(params) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "tidepool: --params is not valid JSON ({e}); example: --params '{{\"limit\":10}}'"
            );
            return ExitCode::from(64);
        }
    };
    let r = block_on(request(conn, Scope::ALL.to_vec(), method, params));
    finish(r, |v| {
        output::json(&v);
        Ok(())
    })
}
