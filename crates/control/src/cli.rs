//! Running the `tidepool` CLI (the sidecar binary) for work on the state dir that needs no
//! running gateway: config, secrets, provider checks, imports.

use crate::process;
use std::path::Path;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

/// What a `tidepool` run printed.
#[derive(Debug, Clone)]
pub struct CliOutput {
    /// Exit status 0.
    pub ok: bool,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr, trimmed, without the `tidepool: ` prefix.
    pub stderr: String,
}

/// Why the `tidepool` CLI could not be run at all (its own failures are in `CliOutput`).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// Its stdin could not be written.
    #[error("cannot pass input to tidepool: {0}")]
    Input(std::io::Error),
    /// Waiting for it failed.
    #[error("tidepool failed: {0}")]
    Wait(std::io::Error),
}

/// Runs `program ARGS`, feeding `stdin` when given (secrets go this way, never in argv).
/// `Err` says why it could not run at all.
pub async fn run(
    program: &Path,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<CliOutput, CliError> {
    let mut cmd = process::command(program);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| CliError::Spawn {
        program: program.display().to_string(),
        source,
    })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .await
            .map_err(CliError::Input)?;
        drop(pipe);
    }
    let out = child.wait_with_output().await.map_err(CliError::Wait)?;
    Ok(CliOutput {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr)
            .trim()
            .trim_start_matches("tidepool: ")
            .to_owned(),
    })
}
