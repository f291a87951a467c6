//! The one home of Tidepool's small OS helpers, so each is written once and the same
//! everywhere: where the home and state directories are, directories and files only the
//! owner can read, and random tokens and keys from the OS RNG. clippy's `disallowed-methods`
//! (`clippy.toml`) sends every other crate here.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The variable that moves the state directory (tests, portable installs).
pub const STATE_DIR_ENV: &str = "TIDEPOOL_STATE_DIR";

/// The user's home directory (`HOME`; on Windows the profile folder), or `.` when there is
/// none (a service account without a home).
#[allow(clippy::disallowed_methods)] // This is the one home of the home directory.
pub fn home_dir() -> PathBuf {
    std::env::home_dir()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `path` with a leading `~/` meaning the home directory.
pub fn expand_home(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home_dir().join(rest),
        None => PathBuf::from(path),
    }
}

/// Tidepool's state directory: `TIDEPOOL_STATE_DIR`, else `~/.tidepool`.
pub fn state_dir() -> PathBuf {
    match std::env::var_os(STATE_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => home_dir().join(".tidepool"),
    }
}

/// Writes `bytes` to `path` atomically (temp file + fsync + rename) with owner-only permissions.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_private_with(path, bytes, true)
}

/// The same without the fsync, for copies kept only as a way back (`tidepool.json.last-good`):
/// still atomic for readers, and a crash can at worst leave the previous copy.
pub fn write_private_copy(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_private_with(path, bytes, false)
}

fn write_private_with(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    // Unique per call: two writes of one file at once must not share (and truncate) a temp.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{seq}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates `path` (and missing parents) readable only by the owner (0700 on Unix; the
/// parents it creates too). An existing directory keeps its permissions: it may be one the
/// user chose and shares.
#[allow(clippy::disallowed_methods)] // This is the one home of private directories.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)?;
    // The umask may have taken bits away from 0700 but never adds any; make it exact.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Makes an existing file readable by its owner only (best effort; no-op off Unix).
pub fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// `n` bytes from the OS RNG, hex-encoded (`2n` characters). Aborts if the OS has no
/// randomness (never on supported platforms) rather than return a guessable value.
#[allow(clippy::disallowed_methods)] // This is the one home of random tokens.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if getrandom::fill(&mut bytes).is_err() {
        std::process::abort();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new secret token: 32 random bytes, hex (64 characters), as gateway tokens are.
pub fn new_token() -> String {
    random_hex(32)
}

/// A fresh idempotency key: a retried request with the same key is the same run.
pub fn idempotency_key() -> String {
    random_hex(12)
}

/// The environment variable that makes `tidepool` act as `ssh`'s askpass helper: it prints
/// the secret served at that Unix socket (the desktop's hosts serve it; see
/// `tidepool_control::hosts::Askpass`).
pub const ASKPASS_SOCKET_ENV: &str = "TIDEPOOL_ASKPASS_SOCKET";

/// The askpass helper: prints what the socket at `socket` serves, with a newline. `false` when
/// nothing was served (a second prompt after a wrong answer: `ssh` then gives up).
#[cfg(unix)]
pub fn askpass_answer(socket: &Path) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return false;
    };
    let mut secret = String::new();
    if s.read_to_string(&mut secret).is_err() || secret.is_empty() {
        return false;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{secret}").is_ok() && out.flush().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_hex_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(idempotency_key().len(), 24);
    }

    #[test]
    fn home_paths_expand_and_others_stay() {
        assert_eq!(expand_home("~/x/y"), home_dir().join("x/y"));
        assert_eq!(expand_home("/etc/x"), PathBuf::from("/etc/x"));
        assert_eq!(expand_home("rel"), PathBuf::from("rel"));
    }

    #[cfg(unix)]
    #[test]
    fn private_dirs_and_files_are_owner_only_and_writes_replace_whole() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b");
        create_private_dir(&d).unwrap();
        for p in [t.path().join("a"), d.clone()] {
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o700,
                "{p:?}"
            );
        }
        let f = d.join("token");
        write_private(&f, b"first, longer").unwrap();
        write_private(&f, b"second").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"second");
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // No temp files are left beside it.
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        // An existing shared directory keeps its mode.
        let shared = t.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&shared).unwrap();
        assert_eq!(
            std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }
}
