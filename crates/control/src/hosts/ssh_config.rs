//! The hosts in the user's `~/.ssh/config`, to pick from instead of typing: the named `Host`
//! entries (patterns with `*`, `?` or `!` are not hosts), each resolved by `ssh -G` itself, so
//! what the list shows is what `ssh` will do (`HostName`, `User`, `Port`, `ProxyJump`, and
//! `Match` blocks and defaults applied). `Include`d files are read for their `Host` lines too.

use super::HostSpec;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One host of the config, as `ssh` resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConfigHost {
    /// The `Host` name (what to type to reach it).
    pub alias: String,
    /// Where it really is.
    pub hostname: String,
    /// The login user.
    pub user: Option<String>,
    /// The port.
    pub port: u16,
    /// A jump host, when it goes through one.
    pub proxy_jump: Option<String>,
}

/// The `Host` names of a config text (not patterns), in order, each once.
pub fn aliases(text: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for line in text.lines() {
        let line = line.trim();
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else { continue };
        if !key.eq_ignore_ascii_case("host") {
            continue;
        }
        for w in words {
            if w.starts_with('#') {
                break;
            }
            let name = w.trim_matches('"');
            if name.contains(['*', '?', '!']) || HostSpec::parse(name).is_err() {
                continue;
            }
            if !out.iter().any(|a| a == name) {
                out.push(name.to_owned());
            }
        }
    }
    out
}

/// The files `Include` names in a config text (relative ones from `~/.ssh`), globs expanded.
fn includes(text: &str, ssh_dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if !words
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case("include"))
        {
            continue;
        }
        for w in words {
            let p = if let Some(rest) = w.strip_prefix("~/") {
                tidepool_platform::home_dir().join(rest)
            } else if Path::new(w).is_absolute() {
                PathBuf::from(w)
            } else {
                ssh_dir.join(w)
            };
            // A trailing `*` (the common `config.d/*`): every file of that directory.
            if p.file_name().is_some_and(|n| n == "*") {
                if let Some(dir) = p.parent()
                    && let Ok(rd) = std::fs::read_dir(dir)
                {
                    let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
                    files.sort();
                    out.extend(files);
                }
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Asks `ssh -G` how it would reach `alias` with `config`.
async fn resolve(config: &Path, alias: &str) -> Option<ConfigHost> {
    let mut cmd = tidepool_process::command("ssh");
    cmd.arg("-G")
        .arg("-F")
        .arg(config)
        .arg("--")
        .arg(alias)
        .stdin(std::process::Stdio::null());
    let out = tokio::time::timeout(Duration::from_secs(5), cmd.output())
        .await
        .ok()?
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix(' ')))
            .map(str::to_owned)
    };
    Some(ConfigHost {
        alias: alias.to_owned(),
        hostname: get("hostname").unwrap_or_else(|| alias.to_owned()),
        user: get("user"),
        port: get("port").and_then(|p| p.parse().ok()).unwrap_or(22),
        proxy_jump: get("proxyjump").filter(|j| j != "none"),
    })
}

/// The hosts of `config` (the user's is `~/.ssh/config`), resolved; none when it is missing.
pub async fn config_hosts(config: &Path) -> Vec<ConfigHost> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return vec![];
    };
    let ssh_dir = config.parent().unwrap_or(Path::new("."));
    let mut names = aliases(&text);
    for inc in includes(&text, ssh_dir) {
        if let Ok(t) = std::fs::read_to_string(&inc) {
            for a in aliases(&t) {
                if !names.contains(&a) {
                    names.push(a);
                }
            }
        }
    }
    let mut out = vec![];
    for a in names {
        if let Some(h) = resolve(config, &a).await {
            out.push(h);
        }
    }
    out
}

/// The user's own `~/.ssh/config`.
pub fn user_config() -> PathBuf {
    tidepool_platform::home_dir().join(".ssh").join("config")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_hosts_are_listed_and_patterns_are_not() {
        let text = "# mine\nHost vps web-1 \"quoted\"\n  HostName 203.0.113.7\nHost *.internal !skip ?x\nhost lower # a comment\nHost vps\nHost -oProxyCommand=id\nMatch host foo\n";
        assert_eq!(aliases(text), ["vps", "web-1", "quoted", "lower"]);
    }

    #[tokio::test]
    async fn ssh_resolves_each_host_with_includes_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config.d")).unwrap();
        std::fs::write(
            dir.path().join("config.d").join("work"),
            "Host build\n  HostName build.example.com\n  User ci\n  ProxyJump bastion\n",
        )
        .unwrap();
        let cfg = dir.path().join("config");
        std::fs::write(
            &cfg,
            format!(
                "Include {}/config.d/*\nHost vps\n  HostName 203.0.113.7\n  User deploy\n  Port 2222\nHost *\n  User fallback\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let hosts = config_hosts(&cfg).await;
        assert_eq!(
            hosts,
            vec![
                ConfigHost {
                    alias: "vps".into(),
                    hostname: "203.0.113.7".into(),
                    user: Some("deploy".into()),
                    port: 2222,
                    proxy_jump: None,
                },
                ConfigHost {
                    alias: "build".into(),
                    hostname: "build.example.com".into(),
                    user: Some("ci".into()),
                    port: 22,
                    proxy_jump: Some("bastion".into()),
                },
            ]
        );
        assert!(config_hosts(&dir.path().join("missing")).await.is_empty());
    }
}
