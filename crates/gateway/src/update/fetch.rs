//! Getting the new binary next to the one it replaces (same directory, so the swap is one
//! atomic rename), hashing it on the way, and asking it what it is.

use super::{Source, UpdateError};
use crate::version::TARGET;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_protocol::update::BinaryVersion;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest binary accepted (a release build is ~15 MB).
const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// How long `version --json` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// The new binary, staged beside the one it replaces. Removed on drop unless swapped in.
#[derive(Debug)]
pub(super) struct Staged {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    keep: bool,
}

impl Staged {
    /// The file is now the installed binary: do not remove it.
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Copies or downloads `source` to `path` (created new, owner-executable).
pub(super) async fn stage(source: &Source, path: &Path) -> Result<Staged, UpdateError> {
    let file = create(path).await?;
    let mut staged = Staged {
        path: path.to_path_buf(),
        sha256: String::new(),
        bytes: 0,
        keep: false,
    };
    let (sha256, bytes) = match source {
        Source::Path(from) => copy(from, file).await?,
        Source::Url(url) => download(url, file).await?,
    };
    staged.sha256 = sha256;
    staged.bytes = bytes;
    Ok(staged)
}

async fn create(path: &Path) -> Result<tokio::fs::File, UpdateError> {
    let mut opts = tokio::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o755);
    opts.open(path).await.map_err(|e| {
        let dir = path.parent().unwrap_or(path).display().to_string();
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            UpdateError::Permission { dir }
        } else {
            UpdateError::Swap {
                reason: format!("cannot write in {dir}: {e}"),
            }
        }
    })
}

async fn copy(from: &Path, mut out: tokio::fs::File) -> Result<(String, u64), UpdateError> {
    let bad = |reason: String| UpdateError::Source {
        from: from.display().to_string(),
        reason,
    };
    let meta = tokio::fs::metadata(from)
        .await
        .map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a file".into()));
    }
    let mut input = tokio::fs::File::open(from)
        .await
        .map_err(|e| bad(e.to_string()))?;
    let mut hash = Sha256::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut buf).await.map_err(|e| bad(e.to_string()))?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            break;
        };
        hash.update(chunk);
        total += n as u64;
        out.write_all(chunk).await.map_err(write_failed)?;
    }
    finish(out).await?;
    Ok((hex(&hash.finalize()), total))
}

async fn download(url: &str, mut out: tokio::fs::File) -> Result<(String, u64), UpdateError> {
    let failed = |reason: String| UpdateError::Download {
        url: url.to_owned(),
        reason,
    };
    let client = crate::providers::http_client().map_err(|e| failed(e.to_string()))?;
    let mut resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| failed(error_chain(&e)))?;
    if !resp.status().is_success() {
        return Err(failed(format!("the server answered {}", resp.status())));
    }
    let expected = resp.content_length();
    if expected.is_some_and(|n| n > MAX_BYTES) {
        return Err(failed(format!(
            "it is {} MB, more than the {} MB a tidepool binary can be",
            expected.unwrap_or_default() / 1_000_000,
            MAX_BYTES / 1_000_000
        )));
    }
    let mut hash = Sha256::new();
    let mut total = 0u64;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                total += chunk.len() as u64;
                if total > MAX_BYTES {
                    return Err(failed(format!(
                        "it is more than the {} MB a tidepool binary can be",
                        MAX_BYTES / 1_000_000
                    )));
                }
                hash.update(&chunk);
                out.write_all(&chunk).await.map_err(write_failed)?;
            }
            Ok(None) => break,
            Err(e) => {
                return Err(match expected {
                    Some(expected) => UpdateError::Truncated {
                        got: total,
                        expected,
                    },
                    None => failed(error_chain(&e)),
                });
            }
        }
    }
    if let Some(expected) = expected
        && total != expected
    {
        return Err(UpdateError::Truncated {
            got: total,
            expected,
        });
    }
    finish(out).await?;
    Ok((hex(&hash.finalize()), total))
}

async fn finish(mut out: tokio::fs::File) -> Result<(), UpdateError> {
    out.flush().await.map_err(write_failed)?;
    out.sync_all().await.map_err(write_failed)?;
    Ok(())
}

fn write_failed(e: std::io::Error) -> UpdateError {
    UpdateError::Swap {
        reason: format!("cannot write the new binary: {e}"),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

/// Lowercase hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file (the installed binary, to tell "unchanged").
pub(super) async fn sha256_of(path: &Path) -> Option<String> {
    let mut f = tokio::fs::File::open(path).await.ok()?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).await.ok()?;
        match buf.get(..n) {
            Some(c) if !c.is_empty() => hash.update(c),
            _ => break,
        }
    }
    Some(hex(&hash.finalize()))
}

/// Runs `BINARY version --json`: what it is and what it was built for. Also checks that it
/// runs on this host at all.
pub async fn binary_version(binary: &Path) -> Result<BinaryVersion, UpdateError> {
    let not_runnable = |reason: String| UpdateError::NotRunnable { reason };
    let mut attempts = 0;
    let output = loop {
        let mut cmd = tidepool_process::command(binary);
        cmd.args(["version", "--json"])
            .stdin(std::process::Stdio::null())
            .env_remove("TIDEPOOL_GATEWAY_TOKEN");
        match tokio::time::timeout(VERSION_TIMEOUT, cmd.output()).await {
            Err(_) => {
                return Err(not_runnable(format!(
                    "it did not answer `version --json` within {} s",
                    VERSION_TIMEOUT.as_secs()
                )));
            }
            // "Text file busy": another thread's fork still held the file open for writing
            // when it was executed; it goes away at once.
            Ok(Err(e)) if e.raw_os_error() == Some(26) && attempts < 5 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(Err(e)) => {
                return Err(not_runnable(if e.raw_os_error() == Some(8) {
                    "exec format error: it is built for another OS or architecture".to_owned()
                } else {
                    e.to_string()
                }));
            }
            Ok(Ok(o)) => break o,
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(not_runnable(format!(
            "`version --json` exited with {}{}",
            output.status,
            last.map(|l| format!(": {}", l.trim())).unwrap_or_default()
        )));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let info: BinaryVersion =
        serde_json::from_str(text.trim()).map_err(|_| UpdateError::NotTidepool {
            output: text.chars().take(120).collect::<String>().trim().to_owned(),
        })?;
    Ok(info)
}

/// Checks the target triple.
pub(super) fn same_target(info: &BinaryVersion) -> Result<(), UpdateError> {
    if info.target == TARGET {
        Ok(())
    } else {
        Err(UpdateError::WrongTarget {
            theirs: info.target.clone(),
            ours: TARGET.to_owned(),
        })
    }
}
