//! What a host is: OS, architecture, libc, service manager, free disk, and whether Tidepool or
//! OpenClaw is installed. One round trip: a fixed script (no user input in it) run by `sh`.

use super::{Auth, HostError, HostPool, HostSpec};
use serde::{Deserialize, Serialize};
use tidepool_protocol::update::BinaryVersion;

/// The service manager a host runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ServiceManager {
    /// systemd is init; `linger`: user services run without a login session.
    Systemd {
        /// `loginctl` says Linger=yes for the login user.
        linger: bool,
    },
    /// macOS.
    Launchd,
    /// None Tidepool can use (containers, Alpine, WSL without systemd): the plain backend.
    None,
}

/// The facts [`probe`] reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostFacts {
    /// `uname -s`: `Linux`, `Darwin`, …
    pub os: String,
    /// `uname -m`: `x86_64`, `aarch64`, `arm64`, …
    pub arch: String,
    /// `glibc 2.36`, `musl`, or empty when unknown.
    pub libc: String,
    /// The Rust target triple a Tidepool build for this host has, when there is one.
    pub target: Option<String>,
    /// Who logs in.
    pub uid: u32,
    /// Their home directory.
    pub home: String,
    /// Free space in the home directory, bytes.
    pub disk_free_bytes: Option<u64>,
    /// The service manager.
    pub service_manager: ServiceManager,
    /// `tidepool version --json`, when installed.
    pub tidepool: Option<BinaryVersion>,
    /// Where that `tidepool` is.
    pub tidepool_path: Option<String>,
    /// `openclaw --version`, when installed.
    pub openclaw: Option<String>,
}

const SCRIPT: &str = r#"echo "os=$(uname -s)"
echo "arch=$(uname -m)"
if ldd --version 2>&1 | head -n1 | grep -qi musl; then echo libc=musl
elif ldd --version >/dev/null 2>&1; then echo "libc=glibc $(ldd --version 2>&1 | head -n1 | awk '{print $NF}')"
else echo libc=; fi
if [ -d /run/systemd/system ]; then echo init=systemd; echo "linger=$(loginctl show-user "$(id -un)" -p Linger --value 2>/dev/null)"
elif command -v launchctl >/dev/null 2>&1; then echo init=launchd
else echo init=none; fi
echo "uid=$(id -u)"
echo "home=$HOME"
echo "disk=$(df -Pk "$HOME" 2>/dev/null | awk 'NR==2{print $4}')"
tp=$(command -v tidepool 2>/dev/null || true)
[ -z "$tp" ] && [ -x "$HOME/.local/bin/tidepool" ] && tp="$HOME/.local/bin/tidepool"
if [ -n "$tp" ]; then echo "tidepool_path=$tp"; echo "tidepool=$("$tp" version --json 2>/dev/null | tr -d '\n')"; fi
if command -v openclaw >/dev/null 2>&1; then echo "openclaw=$(openclaw --version 2>/dev/null | head -n1)"; fi
echo end=1
"#;

/// Reads what the host is, over the pool's master.
pub async fn probe(pool: &HostPool, spec: &HostSpec, auth: &Auth) -> Result<HostFacts, HostError> {
    let out = pool.run(spec, auth, "sh", &["-c", SCRIPT], None).await?;
    parse(&out.stdout).ok_or_else(|| {
        HostError::Remote(format!(
            "the host did not answer the probe as a POSIX shell would{}",
            out.stderr
                .lines()
                .next()
                .map(|l| format!(": {l}"))
                .unwrap_or_default()
        ))
    })
}

/// The target triple of a Tidepool build that runs on `os`/`arch`/`libc`.
pub fn target_for(os: &str, arch: &str, libc: &str) -> Option<String> {
    let arch = match arch {
        "x86_64" | "amd64" => "x86_64",
        "aarch64" | "arm64" => "aarch64",
        _ => return None,
    };
    match os {
        "Linux" if libc.starts_with("musl") => Some(format!("{arch}-unknown-linux-musl")),
        "Linux" => Some(format!("{arch}-unknown-linux-gnu")),
        "Darwin" => Some(format!("{arch}-apple-darwin")),
        _ => None,
    }
}

fn parse(text: &str) -> Option<HostFacts> {
    let mut kv = std::collections::HashMap::new();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once('=') {
            kv.insert(k.trim(), v.trim());
        }
    }
    kv.get("end")?;
    let get = |k: &str| kv.get(k).copied().unwrap_or_default().to_owned();
    let (os, arch, libc) = (get("os"), get("arch"), get("libc"));
    let service_manager = match kv.get("init").copied() {
        Some("systemd") => ServiceManager::Systemd {
            linger: kv.get("linger").copied() == Some("yes"),
        },
        Some("launchd") => ServiceManager::Launchd,
        _ => ServiceManager::None,
    };
    Some(HostFacts {
        target: target_for(&os, &arch, &libc),
        uid: kv.get("uid")?.parse().ok()?,
        home: get("home"),
        disk_free_bytes: kv
            .get("disk")
            .and_then(|d| d.parse::<u64>().ok())
            .map(|kb| kb * 1024),
        service_manager,
        tidepool: kv
            .get("tidepool")
            .and_then(|j| serde_json::from_str::<BinaryVersion>(j).ok()),
        tidepool_path: kv.get("tidepool_path").map(|s| (*s).to_owned()),
        openclaw: kv
            .get("openclaw")
            .filter(|v| !v.is_empty())
            .map(|s| (*s).to_owned()),
        os,
        arch,
        libc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_output_reads_and_targets_follow_os_arch_and_libc() {
        let f = parse(
            "os=Linux\narch=aarch64\nlibc=musl\ninit=none\nuid=1000\nhome=/home/me\ndisk=2048\n\
             tidepool_path=/home/me/.local/bin/tidepool\n\
             tidepool={\"version\":\"0.2.0\",\"target\":\"aarch64-unknown-linux-musl\"}\nend=1\n",
        )
        .unwrap();
        assert_eq!(f.target.as_deref(), Some("aarch64-unknown-linux-musl"));
        assert_eq!(f.disk_free_bytes, Some(2048 * 1024));
        assert_eq!(f.service_manager, ServiceManager::None);
        assert_eq!(f.tidepool.map(|t| t.version), Some("0.2.0".into()));
        assert_eq!(f.openclaw, None);
        let s = parse("os=Linux\narch=x86_64\nlibc=glibc 2.36\ninit=systemd\nlinger=yes\nuid=0\nhome=/root\ndisk=\nend=1\n").unwrap();
        assert_eq!(s.service_manager, ServiceManager::Systemd { linger: true });
        assert_eq!(s.target.as_deref(), Some("x86_64-unknown-linux-gnu"));
        assert_eq!(s.disk_free_bytes, None);
        // Cut short (the connection dropped): not half a set of facts.
        assert!(parse("os=Linux\narch=x86_64\n").is_none());
        assert_eq!(
            target_for("Darwin", "arm64", ""),
            Some("aarch64-apple-darwin".into())
        );
        assert_eq!(target_for("Linux", "riscv64", "glibc 2.36"), None);
        assert_eq!(target_for("FreeBSD", "x86_64", ""), None);
    }
}
