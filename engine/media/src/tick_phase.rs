//! Where a leg's packets land within the media loop's tick. When they land right at the
//! tick — sender and receiver ticking in step, as two ends on one sound clock do — each
//! one may make or miss the tick by a hair: the jitter buffer must then hold a whole
//! frame more, and the wait for the next tick is a whole frame too (measured: 71.5 ms
//! mouth-to-ear instead of 36.5–46.5 ms on the benchmark rig). Moving the loop's tick by
//! half a frame puts the arrivals mid-tick, for both directions of the call. The window
//! that decides differs per loop (`seed`), so that two ends do not both move at once.

use std::time::{Duration, Instant};

/// Arrivals closer than this to a tick count as landing on it.
const GUARD: Duration = Duration::from_millis(3);

/// Counts, for one leg, how many arrivals land near the loop's tick.
#[derive(Debug, Clone, Copy)]
pub struct TickPhase {
    last_tick: Option<Instant>,
    tick: Duration,
    near: u32,
    total: u32,
    window: u32,
}

impl TickPhase {
    /// A counter deciding over windows of 50–99 packets, by `seed`.
    pub fn new(seed: u32) -> Self {
        TickPhase {
            last_tick: None,
            tick: Duration::from_millis(20),
            near: 0,
            total: 0,
            window: 50 + seed % 50,
        }
    }

    /// The loop ticked at `at`; ticks come every `tick`.
    pub fn ticked(&mut self, at: Instant, tick: Duration) {
        self.last_tick = Some(at);
        self.tick = tick;
    }

    /// An RTP packet arrived at `at`.
    pub fn arrived(&mut self, at: Instant) {
        let Some(last) = self.last_tick else { return };
        let tick_us = self.tick.as_micros().max(1);
        let since = at.saturating_duration_since(last).as_micros() % tick_us;
        let guard = GUARD.as_micros();
        if since < guard || since > tick_us.saturating_sub(guard) {
            self.near += 1;
        }
        self.total += 1;
    }

    /// Once a window of packets is in: whether at least four in five landed near a tick.
    /// Starts a new window.
    pub fn straddling(&mut self) -> Option<bool> {
        if self.total < self.window {
            return None;
        }
        let verdict = self.near * 5 >= self.total * 4;
        self.near = 0;
        self.total = 0;
        Some(verdict)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the virtual clock starts at the real one
mod tests {
    use super::*;

    #[test]
    fn arrivals_on_the_tick_ask_for_a_move_and_mid_tick_ones_do_not() {
        let tick = Duration::from_millis(20);
        let t0 = Instant::now();
        for (offset_ms, expected) in [(1, true), (19, true), (10, false), (6, false)] {
            let mut p = TickPhase::new(7);
            let mut verdict = None;
            for i in 0..200u64 {
                let tick_at = t0 + tick * i as u32;
                p.ticked(tick_at, tick);
                p.arrived(tick_at + Duration::from_millis(offset_ms));
                if let Some(v) = p.straddling() {
                    verdict = Some(v);
                    assert_eq!(i, 56, "decides after its window of 57 packets");
                    break;
                }
            }
            assert_eq!(verdict, Some(expected), "arrivals {offset_ms} ms after the tick");
        }
    }
}
