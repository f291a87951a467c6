//! Host keys, strictly: the app keeps its own `known_hosts` file (0600, in its data dir). A host
//! is trusted only after the user saw its SHA256 fingerprint and said yes; a host whose key
//! changed is refused, and nothing here replaces a recorded key (the user removes the host
//! and adds it again, knowingly).

use super::HostSpec;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// A host's public key as the host offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostKey {
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`.
    pub algorithm: String,
    /// The key, base64 as in `known_hosts`.
    pub key: String,
    /// `SHA256:…`, as `ssh` shows it.
    pub fingerprint: String,
}

impl HostKey {
    /// Reads `algorithm base64` (the tail of a `known_hosts` or `ssh-keyscan` line).
    pub fn from_parts(algorithm: &str, key: &str) -> Option<HostKey> {
        let blob = base64::engine::general_purpose::STANDARD.decode(key).ok()?;
        let digest = Sha256::digest(&blob);
        Some(HostKey {
            algorithm: algorithm.to_owned(),
            key: key.to_owned(),
            fingerprint: format!(
                "SHA256:{}",
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
            ),
        })
    }
}

/// What the app's file says about the keys a host offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Trust {
    /// One of the offered keys is recorded.
    Trusted,
    /// Nothing is recorded for this host: ask the user about this key.
    Unknown {
        /// The key to show (the strongest one offered).
        offered: HostKey,
    },
    /// A different key is recorded: someone may be in the middle, or the host was rebuilt.
    Changed {
        /// What the host offers now.
        offered: HostKey,
        /// The fingerprints recorded for it.
        recorded: Vec<String>,
    },
}

/// Why keys could not be read or recorded.
#[derive(Debug, thiserror::Error)]
pub enum KnownHostsError {
    /// `ssh-keyscan` could not run.
    #[error("cannot run ssh-keyscan: {0}")]
    Keyscan(std::io::Error),
    /// The host offered no key (not an SSH server, or unreachable).
    #[error("{host} did not offer a host key: {reason}")]
    NoKey {
        /// The host.
        host: String,
        /// What ssh-keyscan said.
        reason: String,
    },
    /// The file could not be read or written.
    #[error("cannot use the known hosts file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// `trust` on a host whose recorded key differs.
    #[error(
        "{host} already has a different key recorded; remove the host and add it again if you are sure it was rebuilt"
    )]
    WouldReplace {
        /// The host.
        host: String,
    },
}

/// The app's own `known_hosts` file.
#[derive(Debug, Clone)]
pub struct KnownHostsFile {
    path: PathBuf,
}

/// Key types, strongest first: the one shown to the user is the first offered.
const PREFERENCE: [&str; 3] = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"];

impl KnownHostsFile {
    /// The file at `path` (created on the first `trust`).
    pub fn new(path: PathBuf) -> KnownHostsFile {
        KnownHostsFile { path }
    }

    /// Its path (passed to `ssh` as `UserKnownHostsFile`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The keys `spec` offers, asked with `ssh-keyscan` (strongest first).
    pub async fn scan(spec: &HostSpec) -> Result<Vec<HostKey>, KnownHostsError> {
        spec.validate().map_err(|e| KnownHostsError::NoKey {
            host: spec.host.clone(),
            reason: e.to_string(),
        })?;
        let mut cmd = tidepool_process::command("ssh-keyscan");
        cmd.args(["-T", "5", "-t", "ed25519,ecdsa,rsa", "-p"])
            .arg(spec.port.unwrap_or(22).to_string())
            .arg("--")
            .arg(&spec.host)
            .stdin(Stdio::null());
        let out = tokio::time::timeout(Duration::from_secs(15), cmd.output())
            .await
            .map_err(|_| KnownHostsError::NoKey {
                host: spec.host.clone(),
                reason: "no answer within 15 s".into(),
            })?
            .map_err(KnownHostsError::Keyscan)?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut keys: Vec<HostKey> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                let _name = parts.next()?;
                HostKey::from_parts(parts.next()?, parts.next()?)
            })
            .collect();
        keys.sort_by_key(|k| {
            PREFERENCE
                .iter()
                .position(|p| *p == k.algorithm)
                .unwrap_or(PREFERENCE.len())
        });
        if keys.is_empty() {
            let err = String::from_utf8_lossy(&out.stderr);
            let reason = err
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .unwrap_or("it did not answer as an SSH server")
                .to_owned();
            return Err(KnownHostsError::NoKey {
                host: spec.host.clone(),
                reason,
            });
        }
        Ok(keys)
    }

    /// The keys recorded for `spec`.
    pub fn recorded(&self, spec: &HostSpec) -> Result<Vec<HostKey>, KnownHostsError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(KnownHostsError::File {
                    path: self.path.display().to_string(),
                    source,
                });
            }
        };
        let name = spec.known_hosts_name();
        Ok(text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                let names = parts.next()?;
                if !names.split(',').any(|n| n == name) {
                    return None;
                }
                HostKey::from_parts(parts.next()?, parts.next()?)
            })
            .collect())
    }

    /// Judges the keys a host offers against the file.
    pub fn check(&self, spec: &HostSpec, offered: &[HostKey]) -> Result<Trust, KnownHostsError> {
        let recorded = self.recorded(spec)?;
        let Some(first) = offered.first() else {
            return Err(KnownHostsError::NoKey {
                host: spec.host.clone(),
                reason: "no key offered".into(),
            });
        };
        if offered.iter().any(|o| {
            recorded
                .iter()
                .any(|r| r.algorithm == o.algorithm && r.key == o.key)
        }) {
            Ok(Trust::Trusted)
        } else if recorded.is_empty() {
            Ok(Trust::Unknown {
                offered: first.clone(),
            })
        } else {
            Ok(Trust::Changed {
                offered: first.clone(),
                recorded: recorded.into_iter().map(|k| k.fingerprint).collect(),
            })
        }
    }

    /// Records `key` for `spec` (the user said yes to its fingerprint). Refuses to add a second,
    /// different key for a host that has one.
    pub fn trust(&self, spec: &HostSpec, key: &HostKey) -> Result<(), KnownHostsError> {
        let recorded = self.recorded(spec)?;
        if recorded.iter().any(|r| r.key == key.key) {
            return Ok(());
        }
        if !recorded.is_empty() {
            return Err(KnownHostsError::WouldReplace {
                host: spec.to_string(),
            });
        }
        let file_err = |source| KnownHostsError::File {
            path: self.path.display().to_string(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            tidepool_platform::create_private_dir(dir).map_err(file_err)?;
        }
        let mut text = std::fs::read_to_string(&self.path).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!(
            "{} {} {}\n",
            spec.known_hosts_name(),
            key.algorithm,
            key.key
        ));
        tidepool_platform::write_private(&self.path, text.as_bytes()).map_err(file_err)
    }

    /// Removes every key recorded for `spec` (the host is removed from the app).
    pub fn forget(&self, spec: &HostSpec) -> Result<(), KnownHostsError> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return Ok(());
        };
        let name = spec.known_hosts_name();
        let kept: String = text
            .lines()
            .filter(|l| {
                l.split_whitespace()
                    .next()
                    .is_none_or(|names| !names.split(',').any(|n| n == name))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        tidepool_platform::write_private(&self.path, kept.as_bytes()).map_err(|source| {
            KnownHostsError::File {
                path: self.path.display().to_string(),
                source,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `ssh-keygen -lf` of this key says SHA256:MMwkwjVP/7yZM/VB6zl1P3Jt1kvfBSnGqbspCUVB3G8.
    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAINOVpQobS/VOM5mUuOfnucig7xQCRPNMDvnhIfXUG/Ws";

    #[test]
    fn fingerprints_trust_and_a_changed_key() {
        let k = HostKey::from_parts("ssh-ed25519", ED).unwrap();
        assert_eq!(
            k.fingerprint,
            "SHA256:MMwkwjVP/7yZM/VB6zl1P3Jt1kvfBSnGqbspCUVB3G8"
        );
        assert!(HostKey::from_parts("ssh-ed25519", "not base64!").is_none());

        let dir = tempfile::tempdir().unwrap();
        let f = KnownHostsFile::new(dir.path().join("hosts").join("known_hosts"));
        let spec = HostSpec::parse("me@box:2222").unwrap();
        assert_eq!(
            f.check(&spec, std::slice::from_ref(&k)).unwrap(),
            Trust::Unknown { offered: k.clone() }
        );
        f.trust(&spec, &k).unwrap();
        f.trust(&spec, &k).unwrap();
        let text = std::fs::read_to_string(f.path()).unwrap();
        assert_eq!(
            text,
            format!("[box]:2222 ssh-ed25519 {ED}\n"),
            "once, under [host]:port"
        );
        assert_eq!(
            f.check(&spec, std::slice::from_ref(&k)).unwrap(),
            Trust::Trusted
        );
        // The same host on port 22 is another entry.
        let other_port = HostSpec::parse("box").unwrap();
        assert!(matches!(
            f.check(&other_port, std::slice::from_ref(&k)).unwrap(),
            Trust::Unknown { .. }
        ));

        let mut blob = base64::engine::general_purpose::STANDARD
            .decode(ED)
            .unwrap();
        if let Some(last) = blob.last_mut() {
            *last ^= 0xff;
        }
        let changed = HostKey::from_parts(
            "ssh-ed25519",
            &base64::engine::general_purpose::STANDARD.encode(&blob),
        )
        .unwrap();
        assert_ne!(changed.fingerprint, k.fingerprint);
        assert_eq!(
            f.check(&spec, std::slice::from_ref(&changed)).unwrap(),
            Trust::Changed {
                offered: changed.clone(),
                recorded: vec![k.fingerprint.clone()]
            }
        );
        assert!(matches!(
            f.trust(&spec, &changed),
            Err(KnownHostsError::WouldReplace { .. })
        ));
        f.forget(&spec).unwrap();
        assert!(f.recorded(&spec).unwrap().is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
