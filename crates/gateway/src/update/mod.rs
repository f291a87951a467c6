//! `tidepool update`: replace the binary the gateway runs with a verified new one, restart the
//! service on it, and put the previous one back when the new one fails its health gate.
//!
//! Steps, each recorded in `<state>/update.json` (`tidepool update status`): **fetch** (copy or
//! download beside the installed binary), **checksum** (`--sha256`), **verify** (it runs
//! `version --json` on this host and was built for this target), **swap** (the installed binary
//! is kept as `<binary>.previous`, the new one renamed over it), **restart** (through the
//! service manager), **gate** (`/readyz` answers and the gateway reports the new version over
//! RPC, within a bound), and on failure **rollback** (the previous binary back, restarted,
//! gated on its version). Nothing changes before the swap; every failure before it leaves the
//! installed binary and the running gateway untouched.

mod error;
mod fetch;

pub use error::UpdateError;

pub use fetch::binary_version;

use crate::StatePaths;
use crate::service;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};
use tidepool_protocol::update::{
    StepStatus, UpdateErrorInfo, UpdateOutcome, UpdateRun, UpdateStep,
};

/// The default bound on the health gate.
pub const GATE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the new binary comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on this host.
    Path(PathBuf),
    /// An `https://` URL (or `http://` with a checksum, or on loopback).
    Url(String),
}

impl Source {
    /// `http(s)://…` is a URL; anything else a path.
    pub fn parse(s: &str) -> Source {
        if s.starts_with("https://") || s.starts_with("http://") {
            Source::Url(s.to_owned())
        } else {
            Source::Path(PathBuf::from(s))
        }
    }

    fn display(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Url(u) => u.clone(),
        }
    }
}

/// What to do.
#[derive(Debug, Clone)]
pub struct Request {
    /// The new binary.
    pub source: Source,
    /// Its expected SHA-256 (hex).
    pub sha256: Option<String>,
    /// Check everything, change nothing.
    pub dry_run: bool,
    /// Swap the binary but do not restart the service.
    pub no_restart: bool,
    /// Bound on the health gate (each of: the new version, the rollback).
    pub gate_timeout: Duration,
}

/// The health gate's RPC half: asks the gateway of a state dir which version it runs.
/// (The CLI implements it with its client; `/readyz` is checked here.)
pub trait VersionProbe: Send + Sync {
    /// The running gateway's version, or why it did not answer.
    fn running_version<'a>(
        &'a self,
        paths: &'a StatePaths,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;
}

/// The record of the last run.
pub fn record_file(paths: &StatePaths) -> PathBuf {
    paths.root().join("update.json")
}

/// Reads the last run; `None` when there was none (or the record is unreadable).
pub fn last_run(paths: &StatePaths) -> Option<UpdateRun> {
    let text = std::fs::read_to_string(record_file(paths)).ok()?;
    serde_json::from_str(&text).ok()
}

/// `<binary>.previous`: the binary an update replaced, kept for the rollback.
pub fn previous_of(binary: &Path) -> PathBuf {
    let mut name = binary.file_name().unwrap_or_default().to_os_string();
    name.push(".previous");
    binary.with_file_name(name)
}

/// Checks the request before anything is fetched.
fn check_request(req: &Request) -> Result<(), UpdateError> {
    if let Some(sum) = &req.sha256
        && (sum.len() != 64 || !sum.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(UpdateError::BadChecksumArg(sum.clone()));
    }
    if let Source::Url(url) = &req.source
        && let Some(rest) = url.strip_prefix("http://")
        && req.sha256.is_none()
    {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = if host.starts_with('[') {
            host.split(']')
                .next()
                .unwrap_or_default()
                .trim_start_matches('[')
        } else {
            host.split(':').next().unwrap_or_default()
        };
        let loopback = name == "localhost"
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return Err(UpdateError::Insecure { url: url.clone() });
        }
    }
    Ok(())
}

/// One run's log, written to `update.json` at the end.
struct Log {
    run: UpdateRun,
}

impl Log {
    fn step(&mut self, name: &str, status: StepStatus, detail: impl Into<String>, since: Instant) {
        self.run.steps.push(UpdateStep {
            name: name.to_owned(),
            status,
            detail: detail.into(),
            ms: u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }

    fn fail(&mut self, name: &str, since: Instant, e: &UpdateError) {
        self.step(name, StepStatus::Failed, e.to_string(), since);
    }
}

/// Runs an update of the gateway of `paths` and records it; the run says how it ended (also
/// when it failed: `ok` false and `error`).
pub async fn run(paths: &StatePaths, req: &Request, probe: &dyn VersionProbe) -> UpdateRun {
    let mut log = Log {
        run: UpdateRun {
            ok: false,
            outcome: UpdateOutcome::Failed,
            source: req.source.display(),
            binary: String::new(),
            previous: None,
            from_version: None,
            to_version: None,
            sha256: None,
            restarted: false,
            steps: Vec::new(),
            error: None,
            started_at_ms: crate::sysinfo::now_ms(),
            finished_at_ms: 0,
        },
    };
    let result = steps(paths, req, probe, &mut log).await;
    match result {
        Ok(outcome) => {
            log.run.ok = true;
            log.run.outcome = outcome;
        }
        Err(e) => {
            log.run.ok = false;
            log.run.outcome = if matches!(e, UpdateError::GateFailed { .. }) {
                UpdateOutcome::RolledBack
            } else {
                UpdateOutcome::Failed
            };
            log.run.error = Some(UpdateErrorInfo {
                kind: e.kind().to_owned(),
                message: e.to_string(),
            });
        }
    }
    log.run.finished_at_ms = crate::sysinfo::now_ms();
    // A dry run changes nothing, not even the record of the last real run.
    if !req.dry_run
        && let Ok(text) = serde_json::to_vec_pretty(&log.run)
    {
        let _ = crate::fsutil::write_private(&record_file(paths), &text);
    }
    log.run
}

/// The binary the service runs, else this one.
fn installed_binary(paths: &StatePaths) -> Result<(PathBuf, bool), UpdateError> {
    match service::read_record(paths)? {
        Some(r) => Ok((r.binary, true)),
        None => std::env::current_exe()
            .map(|p| (p, false))
            .map_err(|e| UpdateError::Swap {
                reason: format!("cannot tell which binary to replace: {e}"),
            }),
    }
}

async fn steps(
    paths: &StatePaths,
    req: &Request,
    probe: &dyn VersionProbe,
    log: &mut Log,
) -> Result<UpdateOutcome, UpdateError> {
    check_request(req)?;
    let (binary, installed) = installed_binary(paths)?;
    log.run.binary = binary.display().to_string();
    log.run.from_version = binary_version(&binary).await.ok().map(|v| v.version);

    // fetch
    let t = Instant::now();
    let name = binary.file_name().unwrap_or_default().to_string_lossy();
    let staged_path = binary.with_file_name(format!(".{name}.update-{}", std::process::id()));
    let mut staged = match fetch::stage(&req.source, &staged_path).await {
        Ok(s) => s,
        Err(e) => {
            log.fail("fetch", t, &e);
            return Err(e);
        }
    };
    log.run.sha256 = Some(staged.sha256.clone());
    log.step(
        "fetch",
        StepStatus::Ok,
        format!("{} bytes from {}", staged.bytes, req.source.display()),
        t,
    );

    // checksum
    let t = Instant::now();
    match &req.sha256 {
        Some(expected) if !expected.eq_ignore_ascii_case(&staged.sha256) => {
            let e = UpdateError::ChecksumMismatch {
                expected: expected.to_ascii_lowercase(),
                actual: staged.sha256.clone(),
            };
            log.fail("checksum", t, &e);
            return Err(e);
        }
        Some(_) => log.step("checksum", StepStatus::Ok, "SHA-256 matches", t),
        None => log.step(
            "checksum",
            StepStatus::Skipped,
            format!("no --sha256 given; the file's SHA-256 is {}", staged.sha256),
            t,
        ),
    }

    // verify
    let t = Instant::now();
    let info = match binary_version(&staged.path).await {
        Ok(info) => info,
        Err(e) => {
            log.fail("verify", t, &e);
            return Err(e);
        }
    };
    if let Err(e) = fetch::same_target(&info) {
        log.fail("verify", t, &e);
        return Err(e);
    }
    let to = info.version.clone();
    log.run.to_version = Some(to.clone());
    log.step(
        "verify",
        StepStatus::Ok,
        format!("tidepool {to} for {}", info.target),
        t,
    );

    let from = log
        .run
        .from_version
        .clone()
        .unwrap_or_else(|| "the installed version".into());
    if fetch::sha256_of(&binary).await.as_deref() == Some(staged.sha256.as_str()) {
        log.step(
            "swap",
            StepStatus::Skipped,
            format!("{} is already this binary ({to})", binary.display()),
            Instant::now(),
        );
        return Ok(UpdateOutcome::Unchanged);
    }
    let active = installed && service::state(paths).await.is_ok_and(|s| s.active);
    if req.dry_run {
        log.step(
            "swap",
            StepStatus::Skipped,
            format!("would replace {} ({from}) with {to}", binary.display()),
            Instant::now(),
        );
        log.step(
            "restart",
            StepStatus::Skipped,
            if active {
                "would restart the service and wait for the health gate".to_owned()
            } else {
                "would not restart: the service is not running".to_owned()
            },
            Instant::now(),
        );
        return Ok(UpdateOutcome::Planned);
    }

    // swap
    let t = Instant::now();
    let previous = previous_of(&binary);
    if let Err(e) = swap(&staged.path, &binary, &previous) {
        log.fail("swap", t, &e);
        return Err(e);
    }
    staged.keep();
    log.run.previous = Some(previous.display().to_string());
    log.step(
        "swap",
        StepStatus::Ok,
        format!(
            "{} is {to}; the previous one is kept as {}",
            binary.display(),
            previous.display()
        ),
        t,
    );

    // restart
    let t = Instant::now();
    if !installed || !active || req.no_restart {
        let why = if !installed {
            "no service is installed for this state dir: the next `tidepool gateway run` uses it"
        } else if req.no_restart {
            "--no-restart: `tidepool gateway restart` starts the new version"
        } else {
            "the service is not running: `tidepool gateway start` starts the new version"
        };
        log.step("restart", StepStatus::Skipped, why, t);
        return Ok(UpdateOutcome::Updated);
    }
    let started = restart(paths).await;
    let reason = match started {
        Ok(port) => {
            log.run.restarted = true;
            log.step(
                "restart",
                StepStatus::Ok,
                format!("listening on port {port}"),
                t,
            );
            // gate
            let t = Instant::now();
            match gate(paths, port, Some(&to), req.gate_timeout, probe).await {
                Ok(()) => {
                    log.step(
                        "gate",
                        StepStatus::Ok,
                        format!("ready, and answers as {to}"),
                        t,
                    );
                    return Ok(UpdateOutcome::Updated);
                }
                Err(reason) => {
                    log.step("gate", StepStatus::Failed, reason.clone(), t);
                    reason
                }
            }
        }
        Err(reason) => {
            log.step("restart", StepStatus::Failed, reason.clone(), t);
            reason
        }
    };

    // rollback
    let t = Instant::now();
    let expected = log.run.from_version.clone();
    match rollback(
        paths,
        &binary,
        &previous,
        expected.as_deref(),
        req.gate_timeout,
        probe,
    )
    .await
    {
        Ok(()) => {
            log.step(
                "rollback",
                StepStatus::Ok,
                format!("{} is {from} again and answering", binary.display()),
                t,
            );
            Err(UpdateError::GateFailed {
                version: to,
                reason,
                previous: from,
            })
        }
        Err(rollback) => {
            log.step("rollback", StepStatus::Failed, rollback.clone(), t);
            Err(UpdateError::RollbackFailed {
                version: to,
                reason,
                rollback,
                binary: binary.display().to_string(),
                previous_file: previous.display().to_string(),
            })
        }
    }
}

/// Keeps the installed binary as `previous`, then puts `staged` in its place.
fn swap(staged: &Path, binary: &Path, previous: &Path) -> Result<(), UpdateError> {
    let failed = |what: &str, e: std::io::Error| UpdateError::Swap {
        reason: format!("{what}: {e}; nothing was changed"),
    };
    #[cfg(windows)]
    {
        // A running .exe cannot be replaced, but it can be renamed.
        let _ = std::fs::remove_file(previous);
        std::fs::rename(binary, previous)
            .map_err(|e| failed("cannot move the installed binary aside", e))?;
        if let Err(e) = std::fs::rename(staged, binary) {
            let _ = std::fs::rename(previous, binary);
            return Err(failed("cannot move the new binary in", e));
        }
    }
    #[cfg(not(windows))]
    {
        // Copy, then rename over: the installed path never goes missing.
        let tmp = previous.with_extension("previous-tmp");
        std::fs::copy(binary, &tmp)
            .map_err(|e| failed("cannot keep a copy of the installed binary", e))?;
        if let Err(e) = std::fs::rename(&tmp, previous) {
            let _ = std::fs::remove_file(&tmp);
            return Err(failed("cannot keep a copy of the installed binary", e));
        }
        std::fs::rename(staged, binary).map_err(|e| failed("cannot move the new binary in", e))?;
    }
    Ok(())
}

/// Stops and starts the service; the port it listens on, or why it did not start.
async fn restart(paths: &StatePaths) -> Result<u16, String> {
    service::stop(paths).await.map_err(|e| e.to_string())?;
    let started = service::start(paths).await.map_err(|e| e.to_string())?;
    started
        .port
        .ok_or_else(|| "it started but did not say its port".to_owned())
}

/// Waits, within `bound`, for `/readyz` to answer 200 and the RPC to report `expected`.
async fn gate(
    paths: &StatePaths,
    port: u16,
    expected: Option<&str>,
    bound: Duration,
    probe: &dyn VersionProbe,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + bound;
    let client = crate::providers::http_client().map_err(|e| e.to_string())?;
    let mut delay = Duration::from_millis(50);
    loop {
        let last;
        let ready = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match ready {
            Ok(r) if r.status().is_success() => match probe.running_version(paths).await {
                Ok(v) if expected.is_none_or(|e| e == v) => return Ok(()),
                Ok(v) => {
                    last = format!("it answers as {v}, not {}", expected.unwrap_or_default());
                }
                Err(e) => last = format!("ready, but the RPC failed: {e}"),
            },
            Ok(r) => {
                let body = r.text().await.unwrap_or_default();
                last = format!("/readyz answered {}", body.trim());
            }
            Err(e) => last = format!("/readyz did not answer: {e}"),
        }
        if tokio::time::Instant::now() + delay > deadline {
            return Err(format!("after {} s {last}", bound.as_secs()));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// Puts `previous` back over `binary`, restarts and gates it.
async fn rollback(
    paths: &StatePaths,
    binary: &Path,
    previous: &Path,
    expected: Option<&str>,
    bound: Duration,
    probe: &dyn VersionProbe,
) -> Result<(), String> {
    // The new version may be crash-looping under its manager: stop it first.
    let _ = service::stop(paths).await;
    std::fs::rename(previous, binary)
        .map_err(|e| format!("cannot move {} back: {e}", previous.display()))?;
    let started = service::start(paths).await.map_err(|e| e.to_string())?;
    let port = started
        .port
        .ok_or_else(|| "it started but did not say its port".to_owned())?;
    gate(paths, port, expected, bound, probe).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(source: &str, sha256: Option<&str>) -> Request {
        Request {
            source: Source::parse(source),
            sha256: sha256.map(str::to_owned),
            dry_run: false,
            no_restart: false,
            gate_timeout: GATE_TIMEOUT,
        }
    }

    #[test]
    fn requests_are_checked_before_anything_is_fetched() {
        let sum = "ab".repeat(32);
        let table: &[(&str, Option<&str>, Option<&str>)] = &[
            ("/tmp/tidepool", None, None),
            ("https://example.com/tidepool", None, None),
            ("http://127.0.0.1:8080/tidepool", None, None),
            ("http://localhost/tidepool", None, None),
            ("http://[::1]:9/t", None, None),
            ("http://user@127.0.0.1/t", None, None),
            ("http://example.com/tidepool", Some(&sum), None),
            ("http://example.com/tidepool", None, Some("insecure_source")),
            (
                "http://127.0.0.1.example.com/t",
                None,
                Some("insecure_source"),
            ),
            (
                "http://localhost@example.com/t",
                None,
                Some("insecure_source"),
            ),
            ("/tmp/t", Some("abc"), Some("usage")),
            ("/tmp/t", Some(&"zz".repeat(32)), Some("usage")),
        ];
        for (source, sha, want) in table {
            let got = check_request(&req(source, *sha)).err().map(|e| e.kind());
            assert_eq!(got, *want, "{source} {sha:?}");
        }
    }

    #[test]
    fn the_previous_binary_sits_beside_the_installed_one() {
        assert_eq!(
            previous_of(Path::new("/opt/tidepool/bin/tidepool")),
            PathBuf::from("/opt/tidepool/bin/tidepool.previous")
        );
        assert_eq!(
            previous_of(Path::new("tidepool.exe")),
            PathBuf::from("tidepool.exe.previous")
        );
    }
}
