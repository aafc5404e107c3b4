//! Per-source receive statistics, after RFC 3550 Appendix A.1 (sequence number
//! validation), A.3 (expected and lost packets, fraction lost) and A.8 (jitter).

/// Consecutive in-order packets needed before a new source is trusted (A.1).
const MIN_SEQUENTIAL: u32 = 2;
const MAX_DROPOUT: u32 = 3000;
const MAX_MISORDER: u32 = 100;
const SEQ_MOD: u32 = 1 << 16;

/// What a packet's sequence number says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// Counted; its extended sequence number.
    Accepted(u32),
    /// Still confirming a new source (probation).
    Probation,
    /// A duplicate or a very late packet (already reported lost or played out).
    Duplicate,
    /// A jump larger than MAX_DROPOUT: accepted only if the next packet confirms it.
    Jump,
}

#[derive(Debug, Clone, Default)]
pub struct ReceiveStats {
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Relative transit time of the last packet, in RTP units.
    transit: Option<i64>,
    /// Interarrival jitter estimate in RTP units, ×16 as in A.8.
    jitter_q4: u64,
    initialised: bool,
}

impl ReceiveStats {
    /// A new source whose first packet has sequence number `seq`.
    pub fn new(seq: u16) -> Self {
        let mut s = ReceiveStats { probation: MIN_SEQUENTIAL, ..Default::default() };
        s.init_seq(seq);
        s.max_seq = seq.wrapping_sub(1);
        s.initialised = true;
        s
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// A.1 `update_seq`.
    pub fn update_seq(&mut self, seq: u16) -> SeqVerdict {
        let udelta = u32::from(seq.wrapping_sub(self.max_seq));
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqVerdict::Accepted(self.extended_max());
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqVerdict::Probation;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                // Wrapped around.
                self.cycles += SEQ_MOD;
            }
            self.max_seq = seq;
        } else if udelta <= SEQ_MOD - MAX_MISORDER {
            // A very large jump: a restarted source, or garbage.
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return SeqVerdict::Jump;
            }
        } else {
            // Duplicate or reordered: counted, but the maximum stays.
            self.received += 1;
            return SeqVerdict::Duplicate;
        }
        self.received += 1;
        SeqVerdict::Accepted(self.extended_max())
    }

    /// The highest sequence number seen, extended with the wrap count.
    pub fn extended_max(&self) -> u32 {
        self.cycles + u32::from(self.max_seq)
    }

    /// Packets expected so far (A.3).
    pub fn expected(&self) -> u32 {
        self.extended_max().wrapping_sub(self.base_seq).wrapping_add(1)
    }

    /// Cumulative packets lost (A.3); negative when duplicates outnumber losses.
    pub fn lost(&self) -> i64 {
        i64::from(self.expected()) - i64::from(self.received)
    }

    /// The fraction lost since the last call, as the 8-bit fixed point of an RTCP report
    /// block (A.3).
    pub fn fraction_lost(&mut self) -> u8 {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost = i64::from(expected_interval) - i64::from(received_interval);
        if expected_interval == 0 || lost <= 0 {
            0
        } else {
            ((lost << 8) / i64::from(expected_interval)).min(255) as u8
        }
    }

    /// A.8: updates the jitter with a packet's RTP timestamp and its arrival time
    /// expressed in the same clock units.
    pub fn update_jitter(&mut self, rtp_timestamp: u32, arrival: u32) {
        let transit = i64::from(arrival.wrapping_sub(rtp_timestamp) as i32);
        if let Some(prev) = self.transit {
            let d = (transit - prev).unsigned_abs();
            // J += (|D| - J) / 16, kept ×16.
            self.jitter_q4 = self.jitter_q4 + d - ((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// Interarrival jitter in RTP clock units.
    pub fn jitter(&self) -> u32 {
        (self.jitter_q4 >> 4) as u32
    }

    pub fn received(&self) -> u32 {
        self.received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept_run(s: &mut ReceiveStats, seqs: impl IntoIterator<Item = u16>) {
        for q in seqs {
            s.update_seq(q);
        }
    }

    #[test]
    fn probation_then_counting_across_wrap() {
        let mut s = ReceiveStats::new(65530);
        assert_eq!(s.update_seq(65530), SeqVerdict::Probation);
        assert_eq!(s.update_seq(65531), SeqVerdict::Accepted(65531));
        accept_run(&mut s, 65532..=65535);
        assert_eq!(s.update_seq(0), SeqVerdict::Accepted(65536));
        accept_run(&mut s, 1..10);
        assert_eq!(s.extended_max(), 65536 + 9);
        assert_eq!(s.lost(), 0);
    }

    #[test]
    fn losses_duplicates_and_reordering() {
        let mut s = ReceiveStats::new(100);
        accept_run(&mut s, [100, 101]);
        accept_run(&mut s, [102, 104, 103, 103, 107]);
        // Expected 101..=107 = 7, received 101,102,104,103,103,107 = 6 (one duplicate).
        assert_eq!(s.expected(), 7);
        assert_eq!(s.lost(), 1);
        assert_eq!(s.fraction_lost(), (256 / 7) as u8);
        assert_eq!(s.fraction_lost(), 0, "no new packets since");
    }

    #[test]
    fn restart_after_big_jump_needs_confirmation() {
        let mut s = ReceiveStats::new(10);
        accept_run(&mut s, [10, 11, 12]);
        assert_eq!(s.update_seq(30000), SeqVerdict::Jump);
        assert_eq!(s.update_seq(13), SeqVerdict::Accepted(13), "the old stream goes on");
        assert_eq!(s.update_seq(40000), SeqVerdict::Jump);
        assert_eq!(
            s.update_seq(40001),
            SeqVerdict::Accepted(40001),
            "confirmed: the source restarted"
        );
        assert_eq!(s.expected(), 1);
    }

    #[test]
    fn jitter_follows_arrival_variation() {
        let mut s = ReceiveStats::new(0);
        // 20 ms packets (160 units) arriving perfectly: no jitter.
        for i in 0..50u32 {
            s.update_jitter(i * 160, 1000 + i * 160);
        }
        assert_eq!(s.jitter(), 0);
        // Alternate ±80 units (10 ms) of arrival jitter: |D| = 160, J converges to 160.
        for i in 50..400u32 {
            let wobble = if i % 2 == 0 { 80 } else { 0 };
            s.update_jitter(i * 160, 1000 + i * 160 + wobble);
        }
        assert!((70..=90).contains(&s.jitter()), "jitter {}", s.jitter());
    }
}
