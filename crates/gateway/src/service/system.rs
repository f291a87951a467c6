//! Facts of this host a service install needs (who we are, whether a port is free, who owns
//! the state dir) and the launchd and Task Scheduler commands (run on those systems only).

use super::{LAUNCHD_LABEL, Manager, Record, Scope, ServiceError, TASK_NAME};
use std::path::{Path, PathBuf};

/// Whether we run as root (Unix) — the right to install a system service.
pub(super) fn is_root() -> bool {
    euid() == Some(0)
}

fn euid() -> Option<u32> {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and touches no memory.
        #[allow(unsafe_code)]
        Some(unsafe { libc::geteuid() })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The user's login name, for messages and `loginctl`.
pub(super) fn user_name() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

/// Refuses a state dir that belongs to another user: the service would run as us and could
/// neither read its config nor take its lock (or would take over someone else's gateway).
pub(super) fn check_state_dir_owner(dir: &Path) -> Result<(), ServiceError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(meta), Some(me)) = (std::fs::metadata(dir), euid())
            && me != 0
            && meta.uid() != me
        {
            return Err(ServiceError::ForeignStateDir {
                path: dir.display().to_string(),
                owner: meta.uid(),
                me,
            });
        }
    }
    let _ = dir;
    Ok(())
}

/// Whether something listens on the loopback port already.
pub(super) fn port_busy(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
}

/// `~/Library/LaunchAgents/ai.tidepool.gateway.plist` or `/Library/LaunchDaemons/…`.
pub(super) fn launchd_plist_path(scope: Scope) -> PathBuf {
    let name = format!("{LAUNCHD_LABEL}.plist");
    match scope {
        Scope::User => tidepool_platform::home_dir()
            .join("Library")
            .join("LaunchAgents")
            .join(name),
        Scope::System => PathBuf::from("/Library/LaunchDaemons").join(name),
    }
}

fn launchd_domain(scope: Scope) -> String {
    match scope {
        Scope::User => format!("gui/{}", euid().unwrap_or(0)),
        Scope::System => "system".into(),
    }
}

async fn run(program: &str, args: &[String]) -> Result<(), ServiceError> {
    let out = tidepool_process::command(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| ServiceError::Command {
            command: program.to_owned(),
            detail: e.to_string(),
        })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Err(ServiceError::Command {
        command: format!("{program} {}", args.join(" ")),
        detail: [stderr, stdout]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| format!("exit status {}", out.status)),
    })
}

fn file_arg(record: &Record) -> String {
    record
        .file
        .as_ref()
        .map(|f| f.display().to_string())
        .unwrap_or_default()
}

/// Makes the written file known to the manager (Task Scheduler imports the XML; launchd reads
/// the plist at the next login, or at `start`).
pub(super) async fn register(manager: Manager, record: &Record) -> Result<(), ServiceError> {
    match manager {
        Manager::Task => {
            let args = ["/Create", "/TN", TASK_NAME, "/XML", &file_arg(record), "/F"];
            run("schtasks", &args.map(String::from)).await
        }
        _ => Ok(()),
    }
}

/// Removes the job from the manager (gone already is fine).
pub(super) async fn unregister(manager: Manager, record: &Record) -> Result<(), ServiceError> {
    let r = match manager {
        Manager::Task => {
            run(
                "schtasks",
                &["/Delete", "/TN", TASK_NAME, "/F"].map(String::from),
            )
            .await
        }
        Manager::Launchd => {
            let target = format!("{}/{LAUNCHD_LABEL}", launchd_domain(record.scope));
            run("launchctl", &["bootout".to_owned(), target]).await
        }
        _ => Ok(()),
    };
    // Uninstalling something the manager no longer knows is not an error.
    if let Err(ServiceError::Command { .. }) = r {
        return Ok(());
    }
    r
}

/// Starts the job.
pub(super) async fn start(manager: Manager, record: &Record) -> Result<(), ServiceError> {
    match manager {
        Manager::Task => run("schtasks", &["/Run", "/TN", TASK_NAME].map(String::from)).await,
        Manager::Launchd => {
            let domain = launchd_domain(record.scope);
            // Loaded already (exit 37 / "already loaded"): kick it instead.
            if run(
                "launchctl",
                &["bootstrap".to_owned(), domain.clone(), file_arg(record)],
            )
            .await
            .is_err()
            {
                run(
                    "launchctl",
                    &["kickstart".to_owned(), format!("{domain}/{LAUNCHD_LABEL}")],
                )
                .await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Stops the job (launchd sends SIGTERM, so the gateway drains).
pub(super) async fn stop(manager: Manager, record: &Record) -> Result<(), ServiceError> {
    match manager {
        Manager::Task => run("schtasks", &["/End", "/TN", TASK_NAME].map(String::from)).await,
        Manager::Launchd => {
            let target = format!("{}/{LAUNCHD_LABEL}", launchd_domain(record.scope));
            run("launchctl", &["bootout".to_owned(), target]).await
        }
        _ => Ok(()),
    }
}
