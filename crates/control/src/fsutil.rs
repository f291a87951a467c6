//! Directories that hold secrets or logs are created readable by the owner only.

use std::path::Path;

/// Creates `path` (and missing parents) with mode 0700 on Unix. An existing directory keeps
/// its permissions.
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
    b.create(path)
}
