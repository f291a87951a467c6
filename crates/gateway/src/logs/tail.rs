//! `logs.tail`: cursor-based reads of the JSONL log so a client can follow it. The cursor is a
//! byte offset into the current file; only complete lines are returned, so a line being written
//! is picked up whole on the next call.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use tidepool_protocol::methods::{LogsTailParams, LogsTailResult};

/// Default and maximum of `limit`.
pub const DEFAULT_LIMIT: u32 = 200;
/// Maximum of `limit` (schema).
pub const MAX_LIMIT: u32 = 5000;
/// Default of `maxBytes`.
pub const DEFAULT_MAX_BYTES: u64 = 250_000;
/// Maximum of `maxBytes` (schema).
pub const MAX_MAX_BYTES: u64 = 1_000_000;

/// Reads lines of `path` per `params`. A missing file is an empty log.
pub fn tail(path: &Path, params: &LogsTailParams) -> io::Result<LogsTailResult> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
    let max_bytes = params
        .max_bytes
        .unwrap_or(DEFAULT_MAX_BYTES)
        .clamp(1, MAX_MAX_BYTES);
    let file_name = path.display().to_string();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(LogsTailResult {
                file: file_name,
                cursor: 0,
                size: 0,
                lines: vec![],
                truncated: None,
                reset: params.cursor.map(|c| c > 0).filter(|r| *r),
                skipped_bytes: None,
            });
        }
        Err(e) => return Err(e),
    };
    let size = file.metadata()?.len();
    let mut result = LogsTailResult {
        file: file_name,
        cursor: 0,
        size,
        lines: vec![],
        truncated: None,
        reset: None,
        skipped_bytes: None,
    };
    match params.cursor {
        None => tail_end(&mut file, size, limit, max_bytes, &mut result)?,
        Some(c) => {
            let start = if c > size {
                result.reset = Some(true);
                0
            } else {
                c
            };
            read_forward(&mut file, start, size, limit, max_bytes, &mut result)?;
        }
    }
    Ok(result)
}

fn read_range(file: &mut File, start: u64, len: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(len).read_to_end(&mut buf)?;
    Ok(buf)
}

fn to_line(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// The most recent lines: the last `max_bytes` of the file, whole lines only.
fn tail_end(
    file: &mut File,
    size: u64,
    limit: usize,
    max_bytes: u64,
    out: &mut LogsTailResult,
) -> io::Result<()> {
    let start = size.saturating_sub(max_bytes);
    let buf = read_range(file, start, size - start)?;
    let Some(last_nl) = buf.iter().rposition(|b| *b == b'\n') else {
        out.cursor = start;
        out.truncated = Some(start > 0).filter(|t| *t);
        return Ok(());
    };
    let mut body = buf.get(..last_nl).unwrap_or_default();
    let mut truncated = false;
    if start > 0 {
        // The first line is cut unless the byte before `start` ends a line; drop it.
        match body.iter().position(|b| *b == b'\n') {
            Some(i) => body = body.get(i + 1..).unwrap_or_default(),
            None => body = &[],
        }
        truncated = true;
    }
    let mut lines: Vec<&[u8]> = if body.is_empty() && start > 0 {
        vec![]
    } else {
        body.split(|b| *b == b'\n').collect()
    };
    if lines.len() > limit {
        lines.drain(..lines.len() - limit);
        truncated = true;
    }
    out.lines = lines.into_iter().map(to_line).collect();
    out.cursor = start + last_nl as u64 + 1;
    out.truncated = Some(truncated).filter(|t| *t);
    Ok(())
}

/// Lines after `start`, oldest first.
fn read_forward(
    file: &mut File,
    start: u64,
    size: u64,
    limit: usize,
    max_bytes: u64,
    out: &mut LogsTailResult,
) -> io::Result<()> {
    let len = (size - start).min(max_bytes);
    let buf = read_range(file, start, len)?;
    let mut consumed = 0usize;
    let mut rest = buf.as_slice();
    while out.lines.len() < limit {
        let Some(nl) = rest.iter().position(|b| *b == b'\n') else {
            break;
        };
        out.lines.push(to_line(rest.get(..nl).unwrap_or_default()));
        consumed += nl + 1;
        rest = rest.get(nl + 1..).unwrap_or_default();
    }
    let mut cursor = start + consumed as u64;
    if out.lines.is_empty() && len == max_bytes && size - start > max_bytes {
        // One line longer than max_bytes: skip it rather than stall the follower forever.
        let mut skip_to = start + len;
        let mut chunk = [0u8; 64 * 1024];
        file.seek(SeekFrom::Start(skip_to))?;
        loop {
            let n = file.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            if let Some(i) = chunk
                .get(..n)
                .and_then(|c| c.iter().position(|b| *b == b'\n'))
            {
                skip_to += i as u64 + 1;
                out.skipped_bytes = Some(skip_to - start);
                cursor = skip_to;
                break;
            }
            skip_to += n as u64;
        }
    }
    out.cursor = cursor;
    // More complete data remains after the cursor.
    out.truncated =
        Some(cursor < size && (out.lines.len() == limit || len == max_bytes)).filter(|t| *t);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn params(cursor: Option<u64>, limit: Option<u32>, max_bytes: Option<u64>) -> LogsTailParams {
        LogsTailParams {
            cursor,
            limit,
            max_bytes,
        }
    }

    fn write_lines(path: &Path, n: usize) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        for i in 0..n {
            writeln!(f, "{{\"n\":{i}}}").unwrap();
        }
    }

    #[test]
    fn follow_sees_every_line_exactly_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        write_lines(&path, 10);
        let first = tail(&path, &params(None, Some(3), None)).unwrap();
        assert_eq!(first.lines, vec!["{\"n\":7}", "{\"n\":8}", "{\"n\":9}"]);
        assert_eq!(first.truncated, Some(true));
        let mut cursor = first.cursor;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"n\":10}\n{\"n\":11}\n{\"partial\":")
            .unwrap();
        let mut seen = vec![];
        loop {
            let r = tail(&path, &params(Some(cursor), Some(1), None)).unwrap();
            if r.lines.is_empty() {
                break;
            }
            cursor = r.cursor;
            seen.extend(r.lines);
        }
        assert_eq!(
            seen,
            vec!["{\"n\":10}", "{\"n\":11}"],
            "partial line must wait"
        );
    }

    #[test]
    fn cursor_past_end_resets_after_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        write_lines(&path, 2);
        let r = tail(&path, &params(Some(10_000), None, None)).unwrap();
        assert_eq!(r.reset, Some(true));
        assert_eq!(r.lines.len(), 2);
    }

    #[test]
    fn max_bytes_bounds_the_answer_and_long_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let long = "x".repeat(500);
        std::fs::write(&path, format!("{long}\nshort\n")).unwrap();
        let r = tail(&path, &params(Some(0), None, Some(100))).unwrap();
        assert!(r.lines.is_empty());
        assert_eq!(r.skipped_bytes, Some(501));
        let r = tail(&path, &params(Some(r.cursor), None, Some(100))).unwrap();
        assert_eq!(r.lines, vec!["short"]);
        let r = tail(&path, &params(None, None, Some(8))).unwrap();
        assert!(r.lines.iter().all(|l| l.len() <= 8));
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let r = tail(&dir.path().join("none"), &params(None, None, None)).unwrap();
        assert!(r.lines.is_empty());
        assert_eq!(r.size, 0);
    }
}
