//! `fake-provider`: the fake LLM provider as a standalone process, for end-to-end tests.
//!
//! Environment: `FAKE_PROVIDER_API_KEY` (required key, if set and non-empty),
//! `FAKE_PROVIDER_MODELS` (comma-separated model ids; default `fake-model,fake-large`).
//! Prints `{"port":N}` on one stdout line once listening on 127.0.0.1:N, then serves until stdin
//! reaches end-of-file, or SIGTERM/SIGINT. `--ignore-stdin`: wait for a signal only.
//! Replies follow the "magic prompts" of the library docs (`[[tool:NAME {json args}]]`).

use std::io::{self, Read, Write};
use std::process::ExitCode;

use tidepool_testkit::{FakeOptions, FakeProvider};
use tokio::sync::oneshot;

const USAGE: &str = "usage: fake-provider [--ignore-stdin]
  env FAKE_PROVIDER_API_KEY  key the fake requires (default: none)
  env FAKE_PROVIDER_MODELS   comma-separated model ids (default: fake-model,fake-large)
Prints {\"port\":N} when listening on 127.0.0.1:N; runs until stdin closes or SIGTERM.";

#[tokio::main]
async fn main() -> ExitCode {
    let mut ignore_stdin = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--ignore-stdin" => ignore_stdin = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("fake-provider: unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match run(ignore_stdin).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fake-provider: {err}");
            ExitCode::FAILURE
        }
    }
}

fn options() -> FakeOptions {
    let mut opts = FakeOptions {
        magic_prompts: true,
        ..FakeOptions::default()
    };
    if let Some(key) = std::env::var("FAKE_PROVIDER_API_KEY")
        .ok()
        .filter(|k| !k.is_empty())
    {
        opts.api_key = Some(key);
    }
    if let Ok(models) = std::env::var("FAKE_PROVIDER_MODELS") {
        let models: Vec<String> = models
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect();
        if !models.is_empty() {
            opts.models = models;
        }
    }
    opts
}

async fn run(ignore_stdin: bool) -> io::Result<()> {
    // Signal handlers go in before the ready line, so a SIGTERM right after it is handled.
    let terminated = termination()?;
    let fake = FakeProvider::start(options()).await?;
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{{\"port\":{}}}", fake.addr().port())?;
        out.flush()?;
    }
    // A plain thread: tokio's stdin cannot be cancelled and would hold up runtime shutdown.
    let (closed_tx, closed_rx) = oneshot::channel::<()>();
    if !ignore_stdin {
        std::thread::spawn(move || {
            let mut sink = [0u8; 4096];
            let mut stdin = io::stdin().lock();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = closed_tx.send(());
        });
    }
    let stdin_closed = async move {
        if ignore_stdin {
            std::future::pending::<()>().await;
        }
        let _ = closed_rx.await;
    };
    tokio::select! {
        () = stdin_closed => {}
        () = terminated => {}
    }
    drop(fake);
    Ok(())
}

/// Registers the termination signals now; the future ends when one arrives.
#[cfg(unix)]
fn termination() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn termination() -> io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
