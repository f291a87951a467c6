//! The log of a gateway elsewhere (a host's, through its SSH tunnel, or a remote one), read
//! through the gateway's own `logs.tail` with its byte cursor, the way `tidepool logs --follow`
//! does: after a dropped connection it resumes at the cursor, so no line is shown twice and none
//! is lost while the file keeps it (a rotation is said, and reading restarts in the new file).

use crate::logs::LogLine;
use std::sync::Arc;
use std::time::Duration;
use tidepool_client::{Client, ClientError};
use tidepool_protocol::methods::{LogsTail, LogsTailParams};
use tokio::sync::mpsc;

/// The connection to read through, asked anew at each poll (it changes when the app
/// reconnects); `None` while there is none.
pub type ClientSource = Arc<dyn Fn() -> Option<Client> + Send + Sync>;

/// A running follower; dropping it stops it.
#[derive(Debug)]
pub struct RemoteLogFollower {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RemoteLogFollower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How often the log is read while connected.
pub const POLL: Duration = Duration::from_millis(500);

impl RemoteLogFollower {
    /// Starts reading: first the last `history` lines, then what is appended, in batches on
    /// `tx`, numbered from `first_seq`. Needs a Tokio runtime.
    pub fn start(
        client: ClientSource,
        history: u32,
        first_seq: u64,
        tx: mpsc::UnboundedSender<Vec<LogLine>>,
    ) -> RemoteLogFollower {
        let task = tokio::spawn(follow(client, history, first_seq, tx, POLL));
        RemoteLogFollower { task }
    }
}

async fn follow(
    client: ClientSource,
    history: u32,
    mut seq: u64,
    tx: mpsc::UnboundedSender<Vec<LogLine>>,
    poll: Duration,
) {
    let mut cursor: Option<u64> = None;
    loop {
        if let Some(c) = client() {
            let params = LogsTailParams {
                cursor,
                limit: Some(if cursor.is_none() {
                    history.clamp(1, 5000)
                } else {
                    5000
                }),
                max_bytes: None,
            };
            match c.call::<LogsTail>(&params).await {
                Ok(r) => {
                    let mut batch: Vec<LogLine> = Vec::with_capacity(r.lines.len() + 1);
                    if r.reset == Some(true) && cursor.is_some() {
                        batch.push(note(seq, &format!("the log file changed: {}", r.file)));
                        seq += 1;
                    }
                    for l in &r.lines {
                        batch.push(LogLine::parse(seq, l));
                        seq += 1;
                    }
                    cursor = Some(r.cursor);
                    if !batch.is_empty() && tx.send(batch).is_err() {
                        return;
                    }
                    // More waiting: read on at once.
                    if r.truncated == Some(true) {
                        continue;
                    }
                }
                Err(
                    ClientError::NotConnected
                    | ClientError::Closed(_)
                    | ClientError::Timeout { .. },
                ) => {}
                Err(e) => {
                    let _ = tx.send(vec![note(
                        seq,
                        &format!("cannot read the gateway's log: {e}"),
                    )]);
                    seq += 1;
                    // Not worth hammering a gateway that refuses (e.g. no read scope).
                    tokio::time::sleep(poll * 20).await;
                }
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(poll).await;
    }
}

/// A line of the app's own, in the stream (a rotation, a refusal).
fn note(seq: u64, message: &str) -> LogLine {
    LogLine {
        seq,
        time: String::new(),
        level: "warn".into(),
        target: "tidepool::desktop".into(),
        message: message.to_owned(),
        fields: Vec::new(),
    }
}
