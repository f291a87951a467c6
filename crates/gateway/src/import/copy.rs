//! Copying a folder without overwriting anything: files the destination already has are kept,
//! symbolic links and special files are skipped (never followed out of the folder).

use super::FolderCopy;
use std::path::{Path, PathBuf};

/// What a copy did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Copied {
    pub files: u64,
    pub bytes: u64,
    pub kept_existing: u64,
    pub skipped: u64,
}

/// What copying `from` to `to` would do.
pub(super) fn plan(from: &Path, to: &Path, note: &str) -> FolderCopy {
    let mut c = Copied::default();
    walk(from, to, &mut c, false).ok();
    FolderCopy {
        from: from.display().to_string(),
        to: to.display().to_string(),
        files: c.files,
        bytes: c.bytes,
        kept_existing: c.kept_existing,
        skipped: c.skipped,
        note: note.to_owned(),
    }
}

/// Copies `from` into `to`; on failure, the path that failed and why.
pub(super) fn copy(from: &Path, to: &Path) -> Result<Copied, (PathBuf, std::io::Error)> {
    let mut c = Copied::default();
    walk(from, to, &mut c, true)?;
    Ok(c)
}

fn walk(
    from: &Path,
    to: &Path,
    c: &mut Copied,
    write: bool,
) -> Result<(), (PathBuf, std::io::Error)> {
    let err = |p: &Path| {
        let p = p.to_path_buf();
        move |e| (p, e)
    };
    if write {
        std::fs::create_dir_all(to).map_err(err(to))?;
    }
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(err(from))?
        .collect::<Result<_, _>>()
        .map_err(err(from))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let src = e.path();
        let dst = to.join(e.file_name());
        // `file_type` does not follow symbolic links.
        let ty = e.file_type().map_err(err(&src))?;
        if ty.is_dir() {
            walk(&src, &dst, c, write)?;
        } else if ty.is_file() {
            if dst.symlink_metadata().is_ok() {
                c.kept_existing += 1;
                continue;
            }
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            if write {
                std::fs::copy(&src, &dst).map_err(err(&src))?;
            }
            c.files += 1;
            c.bytes += len;
        } else {
            c.skipped += 1;
        }
    }
    Ok(())
}
