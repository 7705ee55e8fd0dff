//! The bounded request journal every device keeps (readable through `/__sim/.../journal`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::clock::EpochMs;

/// One request as the device saw it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    /// Monotonic sequence number per device, starting at 1.
    pub seq: u64,
    /// Device time when the request arrived.
    pub at_ms: EpochMs,
    /// `http`, `https` or `rtsp`.
    pub transport: String,
    pub method: String,
    /// Path and query as sent.
    pub uri: String,
    /// Status answered (0 when the connection was dropped by a fault).
    pub status: u16,
    /// Wall-clock handling time.
    pub duration_us: u64,
    /// Name of the fault rule that fired, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

#[derive(Debug)]
struct Inner {
    cap: usize,
    next_seq: u64,
    entries: VecDeque<Entry>,
}

/// A cheap-clone, bounded ring of [`Entry`]. The oldest entries are dropped first.
#[derive(Debug, Clone)]
pub struct Journal(Arc<Mutex<Inner>>);

impl Default for Journal {
    fn default() -> Self {
        Self::new(1000)
    }
}

impl Journal {
    pub fn new(cap: usize) -> Self {
        Journal(Arc::new(Mutex::new(Inner { cap: cap.max(1), next_seq: 1, entries: VecDeque::new() })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record an entry; its `seq` is assigned here.
    pub fn record(&self, mut e: Entry) -> u64 {
        let mut g = self.lock();
        e.seq = g.next_seq;
        g.next_seq += 1;
        if g.entries.len() == g.cap {
            g.entries.pop_front();
        }
        let seq = e.seq;
        g.entries.push_back(e);
        seq
    }

    /// Entries with `seq > after`, oldest first, at most `limit`.
    pub fn since(&self, after: u64, limit: usize) -> Vec<Entry> {
        self.lock().entries.iter().filter(|e| e.seq > after).take(limit).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        self.lock().entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(uri: &str) -> Entry {
        Entry {
            seq: 0,
            at_ms: 0,
            transport: "http".into(),
            method: "GET".into(),
            uri: uri.into(),
            status: 200,
            duration_us: 1,
            fault: None,
        }
    }

    #[test]
    fn keeps_only_the_newest_entries() {
        let j = Journal::new(2);
        j.record(e("/a"));
        j.record(e("/b"));
        j.record(e("/c"));
        let all = j.since(0, 10);
        assert_eq!(all.iter().map(|x| x.uri.as_str()).collect::<Vec<_>>(), ["/b", "/c"]);
        assert_eq!(all[1].seq, 3);
        assert_eq!(j.since(2, 10).len(), 1);
    }
}
