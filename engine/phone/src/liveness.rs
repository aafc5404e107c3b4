//! Whether the other side of an answered call is still there. RTP stops when the peer
//! vanishes without a BYE (a crashed phone, a dropped network, a test tool that abandons
//! its calls), so a call silent for the configured time is ended (RFC 3550 §6.3.5 uses
//! the same idea for members that stop sending). A call on hold carries no RTP: it is
//! judged by RTCP when the peer sends it, else probed with an in-dialog OPTIONS whose 481
//! or time-out (408) ends the dialog (RFC 3261 §12.2.1.2). Session timers (RFC 4028) end
//! dead held calls too, in the user agent.

use std::time::{Duration, Instant};

/// What we know of one call's peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    /// When RTP or RTCP last arrived (or the leg started).
    pub at: Instant,
    /// RTP packets counted so far, to see new ones in the next report.
    pub packets: u64,
    /// The peer has sent RTCP during this call.
    pub rtcp_seen: bool,
    /// When we last probed the held call with OPTIONS.
    pub probed_at: Option<Instant>,
}

/// What to do about the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Alive,
    /// Send an in-dialog OPTIONS; the user agent ends the call on 481 or 408.
    Probe,
    /// Silent for `timeout`: end it.
    Dead,
}

impl Heard {
    pub fn new(now: Instant) -> Heard {
        Heard { at: now, packets: 0, rtcp_seen: false, probed_at: None }
    }

    /// A media report: `packets` received so far.
    pub fn rtp(&mut self, packets: u64, now: Instant) {
        if packets > self.packets {
            self.packets = packets;
            self.at = now;
        }
    }

    pub fn rtcp(&mut self, now: Instant) {
        self.rtcp_seen = true;
        self.at = now;
    }

    /// The verdict at `now` for a call that carries RTP from the peer (`flowing`: neither
    /// side holds it) or not.
    pub fn judge(&mut self, flowing: bool, timeout: Duration, now: Instant) -> Verdict {
        if timeout.is_zero() || now.saturating_duration_since(self.at) < timeout {
            return Verdict::Alive;
        }
        if flowing || self.rtcp_seen {
            return Verdict::Dead;
        }
        if self.probed_at.is_some_and(|t| now.saturating_duration_since(t) < timeout) {
            return Verdict::Alive;
        }
        self.probed_at = Some(now);
        Verdict::Probe
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the virtual clock starts at the real one
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(30);

    #[test]
    fn a_talking_call_whose_rtp_stops_is_dead_after_the_timeout() {
        let t0 = Instant::now();
        let mut h = Heard::new(t0);
        h.rtp(50, t0 + Duration::from_secs(1));
        assert_eq!(h.judge(true, T, t0 + Duration::from_secs(30)), Verdict::Alive);
        // The same count again is no new packet.
        h.rtp(50, t0 + Duration::from_secs(20));
        assert_eq!(h.judge(true, T, t0 + Duration::from_secs(31)), Verdict::Dead);
    }

    #[test]
    fn a_held_call_with_rtcp_is_judged_by_it() {
        let t0 = Instant::now();
        let mut h = Heard::new(t0);
        h.rtcp(t0 + Duration::from_secs(25));
        assert_eq!(h.judge(false, T, t0 + Duration::from_secs(50)), Verdict::Alive);
        assert_eq!(h.judge(false, T, t0 + Duration::from_secs(56)), Verdict::Dead);
    }

    #[test]
    fn a_held_call_without_rtcp_is_probed_once_per_timeout() {
        let t0 = Instant::now();
        let mut h = Heard::new(t0);
        assert_eq!(h.judge(false, T, t0 + Duration::from_secs(30)), Verdict::Probe);
        assert_eq!(h.judge(false, T, t0 + Duration::from_secs(45)), Verdict::Alive);
        assert_eq!(h.judge(false, T, t0 + Duration::from_secs(60)), Verdict::Probe);
    }

    #[test]
    fn zero_means_never() {
        let t0 = Instant::now();
        let mut h = Heard::new(t0);
        assert_eq!(h.judge(true, Duration::ZERO, t0 + Duration::from_secs(3600)), Verdict::Alive);
    }
}
