//! The systemd backend: `systemctl [--user]` from argument lists, never a shell string.

use super::{SYSTEMD_UNIT, Scope, ServiceError};
use std::path::PathBuf;

/// Where the unit goes: `~/.config/systemd/user/` or `/etc/systemd/system/`.
pub(super) fn unit_path(scope: Scope) -> Result<PathBuf, ServiceError> {
    Ok(match scope {
        Scope::System => PathBuf::from("/etc/systemd/system").join(SYSTEMD_UNIT),
        Scope::User => {
            let base = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| tidepool_platform::home_dir().join(".config"));
            base.join("systemd").join("user").join(SYSTEMD_UNIT)
        }
    })
}

/// Runs `systemctl [--user] ARGS`; its stderr becomes the error.
pub(super) async fn systemctl(scope: Scope, args: &[&str]) -> Result<String, ServiceError> {
    let mut all: Vec<&str> = Vec::new();
    if scope == Scope::User {
        all.push("--user");
    }
    all.extend_from_slice(args);
    let shown = format!("systemctl {}", all.join(" "));
    let out = tidepool_process::command("systemctl")
        .args(&all)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| ServiceError::ManagerUnavailable {
            manager: super::Manager::Systemd,
            detail: format!("cannot run systemctl ({e})"),
            hint: "install systemd",
        })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    Err(ServiceError::Command {
        command: shown,
        detail: if stderr.is_empty() {
            format!("exit status {}", out.status)
        } else {
            stderr
        },
    })
}

/// Checks that systemd runs here (and, for a user unit, that this user has a manager).
pub(super) async fn check_available(scope: Scope) -> Result<(), ServiceError> {
    if !std::path::Path::new("/run/systemd/system").is_dir() {
        return Err(ServiceError::ManagerUnavailable {
            manager: super::Manager::Systemd,
            detail: "systemd is not running as init (no /run/systemd/system; a container or WSL without systemd?)".into(),
            hint: "enable systemd on this host",
        });
    }
    if scope == Scope::User
        && let Err(ServiceError::Command { .. }) = systemctl(scope, &["show-environment"]).await
    {
        return Err(ServiceError::NoUserSession {
            user: super::system::user_name().unwrap_or_else(|| "$USER".into()),
        });
    }
    Ok(())
}

/// Reloads units and enables ours (started at boot / login from now on).
pub(super) async fn enable(scope: Scope) -> Result<(), ServiceError> {
    daemon_reload(scope).await?;
    systemctl(scope, &["enable", SYSTEMD_UNIT])
        .await
        .map(|_| ())
}

/// Disables the unit (it may already be gone).
pub(super) async fn disable(scope: Scope) -> Result<(), ServiceError> {
    match systemctl(scope, &["disable", SYSTEMD_UNIT]).await {
        Ok(_) => Ok(()),
        Err(ServiceError::Command { detail, .. }) if detail.contains("not") => Ok(()),
        Err(e) => Err(e),
    }
}

/// `systemctl daemon-reload`.
pub(super) async fn daemon_reload(scope: Scope) -> Result<(), ServiceError> {
    systemctl(scope, &["daemon-reload"]).await.map(|_| ())
}

/// What `systemctl show` says of the unit.
#[derive(Debug, Default)]
pub(super) struct Show {
    pub active_state: String,
    pub sub_state: String,
    pub main_pid: u32,
}

pub(super) async fn show(scope: Scope) -> Result<Show, ServiceError> {
    let text = systemctl(
        scope,
        &[
            "show",
            SYSTEMD_UNIT,
            "--property=ActiveState,SubState,MainPID",
        ],
    )
    .await?;
    Ok(parse_show(&text))
}

fn parse_show(text: &str) -> Show {
    let mut s = Show::default();
    for line in text.lines() {
        match line.split_once('=') {
            Some(("ActiveState", v)) => v.clone_into(&mut s.active_state),
            Some(("SubState", v)) => v.clone_into(&mut s.sub_state),
            Some(("MainPID", v)) => s.main_pid = v.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    s
}

/// Whether `loginctl` says this user lingers; `None` when it cannot tell.
pub(super) async fn linger(user: &str) -> Option<bool> {
    let out = tidepool_process::command("loginctl")
        .args(["show-user", user, "--property=Linger", "--value"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .ok()?;
    match String::from_utf8_lossy(&out.stdout).trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_systemctl_show() {
        let s = parse_show("ActiveState=active\nSubState=running\nMainPID=4242\n");
        assert_eq!(
            (s.active_state.as_str(), s.sub_state.as_str(), s.main_pid),
            ("active", "running", 4242)
        );
        let s = parse_show("ActiveState=failed\nSubState=failed\nMainPID=0\njunk\n");
        assert_eq!((s.active_state.as_str(), s.main_pid), ("failed", 0));
    }
}
