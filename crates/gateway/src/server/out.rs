//! A connection's outbound queue, bounded in messages and bytes. A client that stops reading
//! fills it and is dropped, so one slow client can never grow the gateway's memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

/// Messages queued per connection before it counts as a slow consumer.
pub const QUEUE_MESSAGES: usize = 1024;

/// Sender half of the queue.
#[derive(Clone)]
pub struct Outbound {
    tx: mpsc::Sender<Message>,
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
    /// Cancelled when the client is too slow; the connection then closes.
    pub overflow: CancellationToken,
}

/// Receiver half, drained by the writer task.
pub struct OutboundRx {
    rx: mpsc::Receiver<Message>,
    queued: Arc<AtomicUsize>,
}

/// A new queue holding at most `max_bytes` of text.
pub fn channel(max_bytes: usize) -> (Outbound, OutboundRx) {
    let (tx, rx) = mpsc::channel(QUEUE_MESSAGES);
    let queued = Arc::new(AtomicUsize::new(0));
    (
        Outbound {
            tx,
            queued: queued.clone(),
            max_bytes,
            overflow: CancellationToken::new(),
        },
        OutboundRx { rx, queued },
    )
}

impl Outbound {
    /// Queues a text frame; on overflow marks the connection slow and returns false.
    pub fn send_text(&self, text: String) -> bool {
        self.send_shared(Utf8Bytes::from(text))
    }

    /// Queues a text frame shared with other connections (no copy).
    pub fn send_shared(&self, text: Utf8Bytes) -> bool {
        let len = text.len();
        if self.queued.fetch_add(len, Ordering::AcqRel) + len > self.max_bytes {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            self.overflow.cancel();
            return false;
        }
        match self.tx.try_send(Message::Text(text)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued.fetch_sub(len, Ordering::AcqRel);
                self.overflow.cancel();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued.fetch_sub(len, Ordering::AcqRel);
                false
            }
        }
    }

    /// Queues a control message (close) regardless of the byte budget.
    pub fn send_control(&self, msg: Message) {
        let _ = self.tx.try_send(msg);
    }

    /// Bytes waiting to be written.
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }
}

impl OutboundRx {
    /// The next message to write.
    pub async fn recv(&mut self) -> Option<Message> {
        let msg = self.rx.recv().await?;
        if let Message::Text(t) = &msg {
            self.queued.fetch_sub(t.len(), Ordering::AcqRel);
        }
        Some(msg)
    }
}
