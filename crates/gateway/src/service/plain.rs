//! The plain backend, for hosts without a service manager: `start` launches the gateway in its
//! own session (it outlives the shell or SSH session that started it), waits for its ready line,
//! and writes a pid file; `stop` sends SIGTERM and waits for the state-dir lock to be released —
//! the OS drops it only when the process has gone. The lock also keeps a second start from
//! running a second gateway.

use super::{Outcome, Record, START_TIMEOUT, ServiceError, pid_file};
use crate::StatePaths;
use crate::lock::StateLock;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// How long a graceful stop may take before the gateway is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// The line `gateway run` prints once it listens (the process contract).
#[derive(serde::Deserialize)]
struct Ready {
    event: String,
    pid: u32,
    port: u16,
    version: String,
}

pub(super) async fn start(paths: &StatePaths, record: &Record) -> Result<Outcome, ServiceError> {
    if let Some(pid) = StateLock::holder(&paths.lock()) {
        return Ok(super::already(pid));
    }
    let spec = record.spec();
    let log = spec.stderr_log();
    if let Some(dir) = log.parent() {
        crate::fsutil::create_private_dir(dir).map_err(ServiceError::io("create", dir))?;
    }
    let stderr = open_log(&log)?;
    let mut cmd = tidepool_process::detached(&record.binary);
    cmd.args(spec.run_args())
        .current_dir(paths.root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    if let Some(env_file) = &record.env_file
        && let Ok(iter) = dotenvy::from_path_iter(env_file)
    {
        for (k, v) in iter.flatten() {
            cmd.env(k, v);
        }
    }
    let mut child = cmd.spawn().map_err(|e| ServiceError::StartFailed {
        code: String::new(),
        reason: format!("cannot run {}: {e}", record.binary.display()),
    })?;
    let Some(stdout) = child.stdout.take() else {
        return Err(ServiceError::StartFailed {
            code: String::new(),
            reason: "no stdout pipe".into(),
        });
    };
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(START_TIMEOUT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(r) = serde_json::from_str::<Ready>(&line)
                && r.event == "ready"
            {
                return Some(r);
            }
        }
        None
    })
    .await;
    match ready {
        Ok(Some(r)) => {
            let pf = pid_file(paths);
            crate::fsutil::write_private(&pf, r.pid.to_string().as_bytes())
                .map_err(ServiceError::io("write", &pf))?;
            Ok(Outcome {
                result: "started",
                pid: Some(r.pid),
                port: Some(r.port),
                version: Some(r.version),
            })
        }
        Ok(None) => {
            // stdout closed before the ready line: the gateway exited; say with what.
            let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            let code = match status {
                Ok(Ok(s)) => s.code().map(|c| format!(" (exit {c})")).unwrap_or_default(),
                _ => String::new(),
            };
            Err(ServiceError::StartFailed {
                code,
                reason: last_words(&log).unwrap_or_else(|| {
                    format!("it exited before it was ready; see {}", log.display())
                }),
            })
        }
        Err(_) => {
            let _ = child.start_kill();
            Err(ServiceError::NotReady {
                secs: START_TIMEOUT.as_secs(),
                log: log.display().to_string(),
            })
        }
    }
}

pub(super) async fn stop(paths: &StatePaths) -> Result<Outcome, ServiceError> {
    let lock = paths.lock();
    let pf = pid_file(paths);
    let Some(holder) = StateLock::holder(&lock) else {
        let _ = std::fs::remove_file(&pf);
        return Ok(super::stopped(None));
    };
    // The lock file names the holder; the pid file is the fallback for an older gateway.
    let pid = Some(holder)
        .filter(|p| *p != 0)
        .or_else(|| std::fs::read_to_string(&pf).ok()?.trim().parse().ok());
    let Some(pid) = pid else {
        return Err(ServiceError::Command {
            command: "stop".into(),
            detail: format!(
                "a gateway holds {} but its pid is unknown; stop it by hand",
                lock.display()
            ),
        });
    };
    let mut result = "stopped";
    if !tidepool_process::terminate(pid) {
        return Err(ServiceError::Command {
            command: format!("kill -TERM {pid}"),
            detail: "the gateway could not be signalled (another user's process?)".into(),
        });
    }
    let wait = |t| {
        let lock = lock.clone();
        tokio::task::spawn_blocking(move || StateLock::wait_released(&lock, t))
    };
    if !wait(STOP_TIMEOUT).await.unwrap_or(false) {
        tidepool_process::kill(pid);
        result = "killed";
        if !wait(Duration::from_secs(5)).await.unwrap_or(false) {
            return Err(ServiceError::Command {
                command: format!("kill -KILL {pid}"),
                detail: "the gateway did not exit".into(),
            });
        }
    }
    let _ = std::fs::remove_file(&pf);
    Ok(Outcome {
        result,
        pid: Some(pid),
        port: None,
        version: None,
    })
}

fn open_log(path: &std::path::Path) -> Result<std::fs::File, ServiceError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map_err(ServiceError::io("open", path))
}

/// The last line the gateway wrote to stderr (its one-line reason when it refuses to start).
pub fn last_words(log: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.strip_prefix("tidepool: ").unwrap_or(l).to_owned())
}

/// The gateway's last refusal in its stderr log (`tidepool: …`, the one line it prints before
/// a non-zero exit), for `status`'s `lastError`.
pub fn last_error(log: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("tidepool: "))
        .map(str::to_owned)
}
