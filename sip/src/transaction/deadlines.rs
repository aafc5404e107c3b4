//! The three timers every transaction runs: retransmission (A, E, G), timeout (B, F, H)
//! and the end of its lingering state (D, I, J, K, L, M).

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadlines {
    /// When to retransmit next, and the current interval.
    pub(crate) retransmit_at: Option<Instant>,
    pub(crate) interval: Duration,
    /// When the peer is deemed silent.
    pub(crate) timeout_at: Option<Instant>,
    /// When the transaction ends.
    pub(crate) end_at: Option<Instant>,
}

impl Deadlines {
    pub(crate) fn new(interval: Duration) -> Self {
        Deadlines { retransmit_at: None, interval, timeout_at: None, end_at: None }
    }

    pub(crate) fn next(&self) -> Option<Instant> {
        [self.retransmit_at, self.timeout_at, self.end_at].into_iter().flatten().min()
    }

    pub(crate) fn clear(&mut self) {
        self.retransmit_at = None;
        self.timeout_at = None;
        self.end_at = None;
    }

    pub(crate) fn timed_out(&self, now: Instant) -> bool {
        self.timeout_at.is_some_and(|t| t <= now)
    }

    pub(crate) fn ended(&self, now: Instant) -> bool {
        self.end_at.is_some_and(|t| t <= now)
    }
}
