//! Turning a list of steps (send bytes, hold, cut) into a response body written as it goes.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use futures_util::Stream;
use tokio::sync::{Semaphore, mpsc};

/// One step of a response body.
#[derive(Debug)]
pub(crate) enum Step {
    /// Write these bytes (one HTTP chunk).
    Send(String),
    /// Wait for a permit of the hold semaphore (or the client leaving, which ends the body).
    Hold,
    /// Drop the connection without finishing the body.
    Cut,
}

/// A body that plays `steps` from a background task.
pub(crate) fn body(steps: Vec<Step>, holds: Arc<Semaphore>) -> Body {
    let (tx, rx) = mpsc::channel::<Result<String, io::Error>>(1);
    tokio::spawn(async move {
        for step in steps {
            match step {
                Step::Send(text) => {
                    if tx.send(Ok(text)).await.is_err() {
                        return;
                    }
                }
                Step::Hold => {
                    tokio::select! {
                        permit = holds.acquire() => {
                            // Closed (the provider was dropped): finish as if released.
                            if let Ok(permit) = permit {
                                permit.forget();
                            }
                        }
                        () = tx.closed() => return,
                    }
                }
                Step::Cut => {
                    let cut = io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "fake provider cut the stream",
                    );
                    let _ = tx.send(Err(cut)).await;
                    return;
                }
            }
        }
    });
    Body::from_stream(Steps { rx, cut: None })
}

/// The receiving end. An error (a cut) is first answered with `Pending` (waking itself at once),
/// so that hyper flushes what it buffered before it sees the error and aborts the connection.
struct Steps {
    rx: mpsc::Receiver<Result<String, io::Error>>,
    cut: Option<io::Error>,
}

impl Stream for Steps {
    type Item = Result<String, io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(cut) = this.cut.take() {
            return Poll::Ready(Some(Err(cut)));
        }
        match this.rx.poll_recv(cx) {
            Poll::Ready(Some(Err(cut))) => {
                this.cut = Some(cut);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            other => other,
        }
    }
}
