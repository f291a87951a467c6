//! An agent's workspace bootstrap files (`AGENTS.md`, `SOUL.md`, ...): the files the system
//! prompt reads, listed, read and written by name only, never by path.

use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::UNIX_EPOCH;
use tidepool_protocol::agents::AgentsFileEntry;

/// The names `agents.files.get|set` accept: OpenClaw's bootstrap files (2026.9:
/// `AGENTS.md`, `SOUL.md`, `IDENTITY.md`, `USER.md`, `BOOTSTRAP.md`, `MEMORY.md`) and
/// `TOOLS.md`, which older OpenClaw workspaces have and Tidepool's prompt still reads.
pub const ALLOWED: &[&str] = &[
    "AGENTS.md",
    "SOUL.md",
    "IDENTITY.md",
    "USER.md",
    "TOOLS.md",
    "BOOTSTRAP.md",
    "MEMORY.md",
];

/// Largest file read or written (OpenClaw's bound).
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Why a file operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The name is a link, a folder, or has other hard links: not touched.
    #[error("{0}")]
    Unsafe(String),
    /// `expectedHash` does not match.
    #[error("{name} changed since it was read; read it again and reapply your edit")]
    Conflict {
        /// The file.
        name: String,
        /// Its hash now (`None`: it does not exist).
        current: Option<String>,
    },
    /// Too big to read or write.
    #[error("{0}")]
    TooBig(String),
    /// Not UTF-8 text.
    #[error("{0}")]
    NotText(String),
    /// The disk refused.
    #[error("{0}")]
    Io(String),
}

/// A name that is not one of the workspace bootstrap files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a workspace bootstrap file; use one of {list} (names only, no paths)", list = ALLOWED.join(", "))]
pub struct NotABootstrapFile(pub String);

/// The allowed name `name` is, or why it is not one.
pub fn check_name(name: &str) -> Result<&'static str, NotABootstrapFile> {
    ALLOWED
        .iter()
        .find(|n| **n == name.trim())
        .copied()
        .ok_or_else(|| NotABootstrapFile(name.to_owned()))
}

fn ms(meta: &std::fs::Metadata) -> Option<u64> {
    meta.modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_millis()).ok())
}

fn present(workspace: &Path, name: &str, meta: &std::fs::Metadata) -> AgentsFileEntry {
    AgentsFileEntry {
        name: name.to_owned(),
        path: workspace.join(name).display().to_string(),
        missing: false,
        expected_absent: None,
        size: Some(meta.len()),
        updated_at_ms: ms(meta),
        content: None,
    }
}

fn absent(workspace: &Path, name: &str) -> AgentsFileEntry {
    AgentsFileEntry {
        name: name.to_owned(),
        path: workspace.join(name).display().to_string(),
        missing: true,
        // The prompt simply leaves out a file that is not there.
        expected_absent: Some(true),
        size: None,
        updated_at_ms: None,
        content: None,
    }
}

/// The files as OpenClaw lists them: every allowed name but `IDENTITY.md` (edited through
/// the agent's identity), and `BOOTSTRAP.md` only while it exists (Tidepool runs no
/// first-run ritual that would create it). A missing file is listed as missing.
pub fn list(workspace: &Path) -> Vec<AgentsFileEntry> {
    ALLOWED
        .iter()
        .filter(|n| **n != super::identity::IDENTITY_FILE)
        .filter_map(|name| match std::fs::metadata(workspace.join(name)) {
            Ok(meta) if meta.is_file() => Some(present(workspace, name, &meta)),
            _ if *name == "BOOTSTRAP.md" => None,
            _ => Some(absent(workspace, name)),
        })
        .collect()
}

/// Refuses links and anything but a plain file; `Ok(None)` when nothing is there.
fn plain_file(workspace: &Path, name: &str) -> Result<Option<std::fs::Metadata>, FileError> {
    let path = workspace.join(name);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(FileError::Io(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    if meta.file_type().is_symlink() {
        return Err(FileError::Unsafe(format!(
            "{} is a symbolic link; Tidepool does not read or replace workspace files through links (edit the file it points to, or replace the link with a file)",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(FileError::Unsafe(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(FileError::Unsafe(format!(
                "{} has other hard links; Tidepool does not read or replace such files",
                path.display()
            )));
        }
    }
    Ok(Some(meta))
}

fn read_bytes(
    workspace: &Path,
    name: &str,
) -> Result<Option<(Vec<u8>, std::fs::Metadata)>, FileError> {
    let Some(meta) = plain_file(workspace, name)? else {
        return Ok(None);
    };
    let path = workspace.join(name);
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileError::TooBig(format!(
            "{} is {} bytes, more than the {MAX_FILE_BYTES} this method reads",
            path.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| FileError::Io(format!("cannot read {}: {e}", path.display())))?;
    Ok(Some((bytes, meta)))
}

/// SHA-256 of a file's bytes, hex (OpenClaw's `expectedHash`).
pub fn hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One file with its content (missing: `missing: true`, no content).
pub fn get(workspace: &Path, name: &str) -> Result<AgentsFileEntry, FileError> {
    let Some((bytes, meta)) = read_bytes(workspace, name)? else {
        return Ok(absent(workspace, name));
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        FileError::NotText(format!(
            "{} is not UTF-8 text",
            workspace.join(name).display()
        ))
    })?;
    let mut entry = present(workspace, name, &meta);
    entry.content = Some(text);
    Ok(entry)
}

/// Writes a file atomically (temp file + rename, 0600), creating the workspace (0700) when
/// it does not exist. With `expected_hash`, only if the file is still that.
pub fn set(
    workspace: &Path,
    name: &str,
    content: &str,
    expected_hash: Option<&str>,
) -> Result<AgentsFileEntry, FileError> {
    if content.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooBig(format!(
            "the content is {} bytes, more than the {MAX_FILE_BYTES} a bootstrap file may have",
            content.len()
        )));
    }
    if let Some(want) = expected_hash {
        let current = read_bytes(workspace, name)?.map(|(b, _)| hash(&b));
        if current.as_deref() != Some(want.trim().to_ascii_lowercase().as_str()) {
            return Err(FileError::Conflict {
                name: name.to_owned(),
                current,
            });
        }
    } else {
        plain_file(workspace, name)?;
    }
    crate::fsutil::create_private_dir(workspace).map_err(|e| {
        FileError::Io(format!(
            "cannot create the workspace {}: {e}",
            workspace.display()
        ))
    })?;
    let path = workspace.join(name);
    crate::fsutil::write_private(&path, content.as_bytes())
        .map_err(|e| FileError::Io(format!("cannot write {}: {e}", path.display())))?;
    let meta = std::fs::metadata(&path)
        .map_err(|e| FileError::Io(format!("cannot read {}: {e}", path.display())))?;
    let mut entry = present(workspace, name, &meta);
    entry.content = Some(content.to_owned());
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bootstrap_names_are_allowed() {
        assert_eq!(check_name("SOUL.md"), Ok("SOUL.md"));
        for bad in ["../SOUL.md", "soul.md", "x/AGENTS.md", "", "HEARTBEAT.md"] {
            let e = check_name(bad).unwrap_err();
            assert!(e.to_string().contains("AGENTS.md, SOUL.md"), "{e}");
        }
    }

    #[test]
    fn set_get_list_and_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        let listed = list(&ws);
        assert!(listed.iter().all(|f| f.missing));
        assert!(
            !listed
                .iter()
                .any(|f| f.name == "IDENTITY.md" || f.name == "BOOTSTRAP.md")
        );
        let e = set(&ws, "AGENTS.md", "be kind\n", None).unwrap();
        assert_eq!(e.size, Some(8));
        assert_eq!(
            get(&ws, "AGENTS.md").unwrap().content.as_deref(),
            Some("be kind\n")
        );
        let h = hash(b"be kind\n");
        set(&ws, "AGENTS.md", "two\n", Some(&h)).unwrap();
        assert!(matches!(
            set(&ws, "AGENTS.md", "three\n", Some(&h)),
            Err(FileError::Conflict {
                current: Some(_),
                ..
            })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ws.join("AGENTS.md"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            std::os::unix::fs::symlink("/etc/hostname", ws.join("SOUL.md")).unwrap();
            assert!(matches!(get(&ws, "SOUL.md"), Err(FileError::Unsafe(_))));
            assert!(matches!(
                set(&ws, "SOUL.md", "x", None),
                Err(FileError::Unsafe(_))
            ));
        }
    }
}
