//! Timer values (RFC 3261 §17.1.1.1 and Table 4).

use std::time::Duration;

/// T1, T2 and T4; every other timer derives from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// Round-trip estimate, 500 ms by default.
    pub t1: Duration,
    /// Cap on non-INVITE and response retransmit intervals, 4 s.
    pub t2: Duration,
    /// How long a message may stay in the network, 5 s.
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// 64·T1: timers B, F, H, J, L and M.
    pub fn t64(&self) -> Duration {
        self.t1 * 64
    }

    /// Timer D: at least 32 s on unreliable transports.
    pub fn d(&self) -> Duration {
        Duration::from_secs(32).max(self.t64() / 2)
    }
}
