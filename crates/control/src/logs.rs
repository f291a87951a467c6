//! Follows the gateway's JSONL log files directly (not through the gateway), so the desktop
//! shows logs while the gateway is down or crash-looping. Watches the log directory with
//! `notify` (plus a slow poll as a safety net), switches to a newer daily file when one appears,
//! restarts a file that shrank, and delivers lines in batches.

use notify::{RecursiveMode, Watcher};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use tokio::sync::mpsc;

/// One parsed log line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// Position in the stream since the follower started (for stable list keys).
    pub seq: u64,
    /// RFC 3339 time, as written.
    pub time: String,
    /// `error`, `warn`, `info`, `debug`, `trace` (or `raw` for a line that is not JSON).
    pub level: String,
    /// Module that logged it.
    pub target: String,
    /// The message.
    pub message: String,
    /// Other fields (`conn_id`, `peer`, ...), as `key=value` text.
    pub fields: Vec<(String, String)>,
}

impl LogLine {
    /// Parses a JSONL line; anything else becomes a `raw` line with the text as message.
    pub fn parse(seq: u64, line: &str) -> LogLine {
        let Ok(Value::Object(mut obj)) = serde_json::from_str::<Value>(line) else {
            return LogLine {
                seq,
                time: String::new(),
                level: "raw".into(),
                target: String::new(),
                message: line.to_owned(),
                fields: vec![],
            };
        };
        let mut take = |k: &str| match obj.remove(k) {
            Some(Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => String::new(),
        };
        let time = take("time");
        let level = take("level").to_ascii_lowercase();
        let target = take("target");
        let message = take("message");
        LogLine {
            seq,
            time,
            level,
            target,
            message,
            fields: fields(obj),
        }
    }
}

fn fields(obj: Map<String, Value>) -> Vec<(String, String)> {
    obj.into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect()
}

/// The most recent lines, bounded: the oldest fall off when it is full.
#[derive(Debug)]
pub struct LogBuffer {
    lines: std::collections::VecDeque<LogLine>,
    capacity: usize,
}

impl LogBuffer {
    /// A buffer holding at most `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        LogBuffer {
            lines: std::collections::VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
        }
    }

    /// Appends lines, dropping the oldest beyond the capacity.
    pub fn extend(&mut self, batch: impl IntoIterator<Item = LogLine>) {
        for line in batch {
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
            }
            self.lines.push_back(line);
        }
    }

    /// The last `n` lines, oldest first.
    pub fn last(&self, n: usize) -> Vec<LogLine> {
        let skip = self.lines.len().saturating_sub(n);
        self.lines.iter().skip(skip).cloned().collect()
    }

    /// Number of lines held.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether it holds no line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Forgets every line.
    pub fn clear(&mut self) {
        self.lines.clear();
    }
}

/// The newest `tidepool-YYYY-MM-DD.jsonl` in `dir`.
pub fn newest_log_file(dir: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("tidepool-") && n.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    files.pop()
}

/// A running follower; dropping it stops the thread.
pub struct LogFollower {
    stop: std_mpsc::Sender<()>,
}

impl std::fmt::Debug for LogFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogFollower")
    }
}

impl Drop for LogFollower {
    fn drop(&mut self) {
        let _ = self.stop.send(());
    }
}

const POLL: Duration = Duration::from_secs(1);
const READ_CHUNK: usize = 256 * 1024;

impl LogFollower {
    /// Starts following `dir`: first the last `history` lines of the newest file, then every
    /// new line. Batches arrive on the returned channel.
    pub fn start(
        dir: PathBuf,
        history: usize,
    ) -> (LogFollower, mpsc::UnboundedReceiver<Vec<LogLine>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (LogFollower::start_into(dir, history, tx), rx)
    }

    /// The same, sending into an existing channel (the app swaps followers behind one).
    pub fn start_into(
        dir: PathBuf,
        history: usize,
        tx: mpsc::UnboundedSender<Vec<LogLine>>,
    ) -> LogFollower {
        let (stop_tx, stop_rx) = std_mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("log-follower".into())
            .spawn(move || follow(dir, history, tx, stop_rx));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the log follower");
        }
        LogFollower { stop: stop_tx }
    }
}

struct Cursor {
    path: Option<PathBuf>,
    offset: u64,
    /// The bytes just before `offset`: if they change, the file was rewritten (truncated and
    /// refilled between two reads) and is read again from the start.
    anchor: Vec<u8>,
    partial: Vec<u8>,
    seq: u64,
}

const ANCHOR: u64 = 64;

fn read_anchor(f: &mut File, offset: u64) -> Vec<u8> {
    let start = offset.saturating_sub(ANCHOR);
    let mut buf = vec![0u8; usize::try_from(offset - start).unwrap_or(0)];
    if f.seek(SeekFrom::Start(start)).is_err() || f.read_exact(&mut buf).is_err() {
        return vec![];
    }
    buf
}

fn follow(
    dir: PathBuf,
    history: usize,
    tx: mpsc::UnboundedSender<Vec<LogLine>>,
    stop: std_mpsc::Receiver<()>,
) {
    let _ = crate::fsutil::create_private_dir(&dir);
    let (ev_tx, ev_rx) = std_mpsc::channel::<()>();
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // Our own reads of the log files are events too (open, access, close): waking on them
        // would read again, forever, at full CPU.
        if res.is_ok_and(|e| !matches!(e.kind, notify::EventKind::Access(_))) {
            let _ = ev_tx.send(());
        }
    })
    .and_then(|mut w| w.watch(&dir, RecursiveMode::NonRecursive).map(|()| w));
    if let Err(e) = &watcher {
        tracing::warn!(error = %e, dir = %dir.display(), "cannot watch the log dir; polling instead");
    }
    let mut cur = Cursor {
        path: None,
        offset: 0,
        anchor: vec![],
        partial: vec![],
        seq: 0,
    };
    // History: the tail of the newest file.
    if let Some(path) = newest_log_file(&dir) {
        let lines = tail_lines(&path, history);
        cur.offset = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if let Ok(mut f) = File::open(&path) {
            cur.anchor = read_anchor(&mut f, cur.offset);
        }
        cur.path = Some(path);
        send(&tx, &mut cur.seq, lines);
    }
    loop {
        match stop.try_recv() {
            Ok(()) | Err(std_mpsc::TryRecvError::Disconnected) => return,
            Err(std_mpsc::TryRecvError::Empty) => {}
        }
        // Wake on a file event or the poll interval, then read whatever is new.
        if let Err(std_mpsc::RecvTimeoutError::Disconnected) = ev_rx.recv_timeout(POLL) {
            // No watcher: poll.
            std::thread::sleep(POLL);
        }
        while ev_rx.try_recv().is_ok() {}
        let lines = read_new(&dir, &mut cur);
        if !send(&tx, &mut cur.seq, lines) {
            return;
        }
    }
}

fn send(tx: &mpsc::UnboundedSender<Vec<LogLine>>, seq: &mut u64, raw: Vec<String>) -> bool {
    if raw.is_empty() {
        return !tx.is_closed();
    }
    let batch = raw
        .iter()
        .map(|l| {
            *seq += 1;
            LogLine::parse(*seq, l)
        })
        .collect();
    tx.send(batch).is_ok()
}

/// Reads what was appended since the cursor, switching files on rotation.
fn read_new(dir: &Path, cur: &mut Cursor) -> Vec<String> {
    let mut out = vec![];
    let newest = newest_log_file(dir);
    if newest != cur.path {
        // Finish the old file first, then start the new one from its beginning.
        if cur.path.is_some() {
            out.extend(read_from(cur));
        }
        cur.path = newest;
        cur.offset = 0;
        cur.anchor.clear();
        cur.partial.clear();
    }
    out.extend(read_from(cur));
    out
}

fn read_from(cur: &mut Cursor) -> Vec<String> {
    let Some(path) = cur.path.clone() else {
        return vec![];
    };
    let Ok(mut f) = File::open(&path) else {
        return vec![];
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len < cur.offset || (cur.offset > 0 && read_anchor(&mut f, cur.offset) != cur.anchor) {
        // Truncated or rewritten: start over.
        cur.offset = 0;
        cur.partial.clear();
    }
    let mut out = vec![];
    if f.seek(SeekFrom::Start(cur.offset)).is_err() {
        return out;
    }
    let mut buf = vec![0u8; READ_CHUNK];
    let start = cur.offset;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        cur.offset += n as u64;
        cur.partial
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        while let Some(i) = cur.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = cur.partial.drain(..=i).collect();
            let text = String::from_utf8_lossy(line.get(..i).unwrap_or_default()).into_owned();
            if !text.trim().is_empty() {
                out.push(text);
            }
        }
    }
    if cur.offset != start {
        cur.anchor = read_anchor(&mut f, cur.offset);
    }
    out
}

/// The last `n` complete lines of a file (reads at most 4 MB from its end).
fn tail_lines(path: &Path, n: usize) -> Vec<String> {
    let Ok(mut f) = File::open(path) else {
        return vec![];
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(4 * 1024 * 1024);
    if f.seek(SeekFrom::Start(start)).is_err() {
        return vec![];
    }
    let mut buf = Vec::new();
    if f.read_to_end(&mut buf).is_err() {
        return vec![];
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    if !text.ends_with('\n') {
        lines.pop();
    }
    let skip = lines.len().saturating_sub(n);
    lines.into_iter().skip(skip).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_buffer_keeps_the_newest_lines() {
        let mut b = LogBuffer::new(3);
        b.extend((1..=5).map(|i| LogLine::parse(i, &format!("{{\"message\":\"{i}\"}}"))));
        assert_eq!(b.len(), 3);
        let msgs: Vec<String> = b.last(10).into_iter().map(|l| l.message).collect();
        assert_eq!(msgs, vec!["3", "4", "5"]);
        assert_eq!(b.last(1)[0].message, "5");
        b.clear();
        assert!(b.is_empty());
    }

    #[test]
    fn parses_gateway_lines_and_keeps_raw_ones() {
        let l = LogLine::parse(
            1,
            r#"{"time":"t","level":"WARN","target":"x","message":"m","conn_id":"c","n":3}"#,
        );
        assert_eq!(l.level, "warn");
        assert_eq!(l.message, "m");
        assert!(l.fields.contains(&("conn_id".into(), "c".into())));
        assert!(l.fields.contains(&("n".into(), "3".into())));
        let raw = LogLine::parse(2, "panic: oops");
        assert_eq!(raw.level, "raw");
        assert_eq!(raw.message, "panic: oops");
    }

    async fn next_messages(
        rx: &mut mpsc::UnboundedReceiver<Vec<LogLine>>,
        want: usize,
    ) -> Vec<String> {
        let mut got = vec![];
        while got.len() < want {
            let batch = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .expect("no lines within 5 s")
                .expect("follower ended");
            got.extend(batch.into_iter().map(|l| l.message));
        }
        got
    }

    fn append(path: &Path, text: &str) {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }

    #[tokio::test]
    async fn history_then_appends_then_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let day1 = dir.path().join("tidepool-2026-01-01.jsonl");
        for i in 0..5 {
            append(&day1, &format!("{{\"message\":\"old{i}\"}}\n"));
        }
        let (_f, mut rx) = LogFollower::start(dir.path().to_path_buf(), 2);
        assert_eq!(next_messages(&mut rx, 2).await, vec!["old3", "old4"]);
        // A partial line waits for its newline.
        append(&day1, "{\"message\":\"new1\"}\n{\"message\":\"ne");
        assert_eq!(next_messages(&mut rx, 1).await, vec!["new1"]);
        append(&day1, "w2\"}\n");
        assert_eq!(next_messages(&mut rx, 1).await, vec!["new2"]);
        // Next day's file.
        let day2 = dir.path().join("tidepool-2026-01-02.jsonl");
        append(&day2, "{\"message\":\"day2\"}\n");
        assert_eq!(next_messages(&mut rx, 1).await, vec!["day2"]);
        // Truncated and rewritten.
        std::fs::write(&day2, "{\"message\":\"fresh\"}\n").unwrap();
        assert_eq!(next_messages(&mut rx, 1).await, vec!["fresh"]);
    }

    /// CPU time (clock ticks) of this process's log-follower threads.
    #[cfg(target_os = "linux")]
    fn follower_ticks() -> u64 {
        let mut total = 0;
        for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            if comm.trim() != "log-follower" {
                continue;
            }
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            let after = stat.rsplit(')').next().unwrap_or_default();
            let f: Vec<&str> = after.split_whitespace().collect();
            total += f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
        }
        total
    }

    /// Reading the files must not wake the follower again (its own reads are file events).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn an_idle_follower_sleeps() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tidepool-2026-01-01.jsonl");
        append(&f, "{\"message\":\"one\"}\n");
        let (_f, mut rx) = LogFollower::start(dir.path().to_path_buf(), 10);
        assert_eq!(next_messages(&mut rx, 1).await, vec!["one"]);
        let before = follower_ticks();
        // Idle on purpose: nothing happens, and nothing should run.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let used = follower_ticks() - before;
        assert!(
            used < 30,
            "the idle follower used {used} ticks of CPU in 1.5 s"
        );
    }

    #[tokio::test]
    async fn works_before_the_log_dir_exists() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let (_f, mut rx) = LogFollower::start(logs.clone(), 10);
        // The gateway creates the dir when it starts, possibly after the follower.
        std::fs::create_dir_all(&logs).unwrap();
        append(
            &logs.join("tidepool-2026-01-01.jsonl"),
            "{\"message\":\"first\"}\n",
        );
        assert_eq!(next_messages(&mut rx, 1).await, vec!["first"]);
    }
}
