//! The presence list: the gateway itself plus every authenticated connection.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tidepool_protocol::methods::PresenceEntry;

/// Connected peers, with a version bumped on every change.
#[derive(Debug, Default)]
pub struct Presence {
    peers: Mutex<BTreeMap<String, PresenceEntry>>,
    version: AtomicU64,
}

impl Presence {
    /// Adds or replaces a connection's entry.
    pub fn upsert(&self, conn_id: &str, entry: PresenceEntry) {
        if let Ok(mut peers) = self.peers.lock() {
            peers.insert(conn_id.to_owned(), entry);
        }
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Removes a connection's entry; returns whether it was there.
    pub fn remove(&self, conn_id: &str) -> bool {
        let removed = self
            .peers
            .lock()
            .map(|mut p| p.remove(conn_id).is_some())
            .unwrap_or(false);
        if removed {
            self.version.fetch_add(1, Ordering::AcqRel);
        }
        removed
    }

    /// The list, with `own` (the gateway) first.
    pub fn list(&self, own: PresenceEntry) -> Vec<PresenceEntry> {
        let mut out = vec![own];
        if let Ok(peers) = self.peers.lock() {
            out.extend(peers.values().cloned());
        }
        out
    }

    /// Number of connections.
    pub fn len(&self) -> usize {
        self.peers.lock().map(|p| p.len()).unwrap_or(0)
    }

    /// Whether no client is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Current version.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }
}
