//! The jitter buffer itself: a fixed ring of payload slots indexed by extended sequence
//! number, played out one frame per tick. It drops a frame when it holds more than the
//! target and plays a concealed frame when it holds less, so that its delay follows the
//! estimator (and absorbs clock drift); late, duplicate and lost packets are counted.

use super::delay::DelayEstimator;

/// The largest payload kept (a 20 ms Opus frame at its maximum is 1275 bytes).
pub const MAX_PAYLOAD: usize = 1280;
/// Slots in the ring: 64 frames, 1.28 s at 20 ms.
const SLOTS: usize = 64;
/// After this long with nothing to play the stream is considered paused (DTX, hold).
const PAUSE_MS: u32 = 200;
/// How long an excess over the target must last before a frame is dropped.
const EXCESS_MS: u32 = 400;

#[derive(Debug, Clone)]
struct Slot {
    seq: u32,
    timestamp: u32,
    len: usize,
    filled: bool,
    payload: [u8; MAX_PAYLOAD],
}

impl Slot {
    fn empty() -> Slot {
        Slot { seq: 0, timestamp: 0, len: 0, filled: false, payload: [0; MAX_PAYLOAD] }
    }
}

/// What to play this tick.
#[derive(Debug, PartialEq, Eq)]
pub enum Pull<'a> {
    /// The next frame's payload.
    Frame { payload: &'a [u8], seq: u32, timestamp: u32 },
    /// The next frame is missing (lost or late): conceal it, or rebuild it from the
    /// following packet when that one is already here (`next`, for in-band FEC).
    Lost { next: Option<&'a [u8]> },
    /// Play concealment without consuming a frame: the buffer grows (to reach its target,
    /// or because nothing has arrived yet).
    Stretch,
    /// Nothing to play yet (starting, or the sender paused): play silence or comfort noise.
    Idle,
}

/// Counters and the delay figures that go into the leg's statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    pub received: u64,
    pub late: u64,
    pub duplicate: u64,
    pub lost: u64,
    /// Frames dropped to shrink the delay.
    pub dropped: u64,
    /// Frames inserted to grow it.
    pub stretched: u64,
    /// Ticks with nothing to play while the stream was live (concealed, delay grew).
    pub underflow: u64,
    /// Current buffering delay and the target it follows, in ms.
    pub delay_ms: u32,
    pub target_ms: u32,
}

#[derive(Debug)]
pub struct JitterBuffer {
    slots: Vec<Slot>,
    frame_ms: u32,
    samples_per_ms: u32,
    min_ms: u32,
    max_ms: u32,
    next: Option<u32>,
    highest: Option<u32>,
    playing: bool,
    idle_ms: u32,
    /// Time since the last packet arrived: stretching only makes sense while they do.
    since_push_ms: u32,
    /// How long the buffer has held more than its target: a frame is dropped once this
    /// excess has lasted (hysteresis, so that a single burst does not cost audio).
    excess_ms: u32,
    estimator: DelayEstimator,
    target_ms: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// A buffer for frames of `frame_ms` at `clock_rate`, keeping between one frame and
    /// `max_ms` of delay.
    pub fn new(frame_ms: u32, clock_rate: u32, max_ms: u32) -> Self {
        let frame_ms = frame_ms.max(1);
        JitterBuffer {
            slots: (0..SLOTS).map(|_| Slot::empty()).collect(),
            frame_ms,
            samples_per_ms: (clock_rate / 1000).max(1),
            min_ms: frame_ms,
            max_ms: max_ms.clamp(frame_ms, frame_ms * (SLOTS as u32 - 4)),
            next: None,
            highest: None,
            playing: false,
            idle_ms: 0,
            since_push_ms: 0,
            excess_ms: 0,
            estimator: DelayEstimator::new(0.97),
            target_ms: frame_ms * 2,
            stats: JitterStats::default(),
        }
    }

    pub fn stats(&self) -> JitterStats {
        JitterStats { delay_ms: self.depth_ms(), target_ms: self.target_ms, ..self.stats }
    }

    /// Extends a 16-bit sequence number to the one nearest the playout point.
    fn extend(&self, seq: u16) -> u32 {
        let reference = self.next.or(self.highest).unwrap_or(u32::from(seq) + (1 << 16));
        let candidate = (reference & !0xFFFF) | u32::from(seq);
        let options = [candidate.wrapping_sub(1 << 16), candidate, candidate.wrapping_add(1 << 16)];
        options.into_iter().min_by_key(|c| c.abs_diff(reference)).unwrap_or(candidate)
    }

    /// Stores a packet that arrived at `arrival_ms` (any monotonic ms clock).
    pub fn push(&mut self, seq: u16, timestamp: u32, payload: &[u8], arrival_ms: u64) {
        let ext = self.extend(seq);
        if self.playing && self.next.is_some_and(|n| ext < n) {
            self.stats.late += 1;
            return;
        }
        if let Some(n) = self.next
            && ext >= n + SLOTS as u32
        {
            // Too far ahead for the ring: the sender jumped; start over from here.
            self.reset();
        }
        let Some(slot) = self.slots.get_mut(ext as usize % SLOTS) else { return };
        if slot.filled && slot.seq == ext {
            self.stats.duplicate += 1;
            return;
        }
        let len = payload.len().min(MAX_PAYLOAD);
        slot.payload
            .get_mut(..len)
            .unwrap_or(&mut [])
            .copy_from_slice(payload.get(..len).unwrap_or(&[]));
        slot.len = len;
        slot.seq = ext;
        slot.timestamp = timestamp;
        slot.filled = true;
        self.stats.received += 1;
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        if self.next.is_none() {
            self.next = Some(ext);
        }
        if !self.playing && self.next.is_some_and(|n| ext < n) {
            self.next = Some(ext);
        }
        let media_ms = i64::from(timestamp / self.samples_per_ms);
        // Any fixed offset is fine: the estimator measures spread above the minimum.
        let transit = (arrival_ms as i64).wrapping_sub(media_ms) as i32;
        self.estimator.record(transit);
        let wanted = (self.estimator.spread_ms() + self.frame_ms).clamp(self.min_ms, self.max_ms);
        // Rise at once; fall by at most 1 ms per packet (about 50 ms/s), smoothly.
        self.target_ms = if wanted > self.target_ms {
            wanted
        } else {
            self.target_ms.saturating_sub(1).max(wanted)
        };
        self.idle_ms = 0;
        self.since_push_ms = 0;
    }

    fn reset(&mut self) {
        for s in &mut self.slots {
            s.filled = false;
        }
        self.next = None;
        self.highest = None;
        self.playing = false;
    }

    /// Buffered media ahead of the playout point, in ms.
    fn depth_ms(&self) -> u32 {
        match (self.next, self.highest) {
            (Some(n), Some(h)) if h >= n => (h - n + 1) * self.frame_ms,
            _ => 0,
        }
    }

    /// The frame to play now; call once per frame interval.
    pub fn pull(&mut self) -> Pull<'_> {
        self.since_push_ms = self.since_push_ms.saturating_add(self.frame_ms);
        let depth = self.depth_ms();
        if !self.playing {
            if depth >= self.target_ms && depth > 0 {
                self.playing = true;
            } else {
                return Pull::Idle;
            }
        }
        let Some(next) = self.next else { return Pull::Idle };
        let next_filled =
            self.slots.get(next as usize % SLOTS).is_some_and(|s| s.filled && s.seq == next);
        if depth == 0 || (!next_filled && self.highest.is_none_or(|h| h < next)) {
            // Nothing to play yet: a delay spike, a pause, or the end of the stream. Hold
            // the playout point (concealment grows the delay); after PAUSE_MS call it idle.
            self.idle_ms += self.frame_ms;
            if self.idle_ms >= PAUSE_MS {
                self.playing = false;
                self.next = self.highest.map(|h| h + 1);
                return Pull::Idle;
            }
            self.stats.underflow += 1;
            return Pull::Stretch;
        }
        // Adapt: too deep for a while → drop the next frame; too shallow → hold it back.
        if depth > self.target_ms + self.frame_ms / 2 {
            self.excess_ms += self.frame_ms;
        } else {
            self.excess_ms = 0;
        }
        if self.excess_ms >= EXCESS_MS || depth > self.target_ms + 4 * self.frame_ms {
            self.excess_ms = 0;
            if let Some(s) = self.slots.get_mut(next as usize % SLOTS) {
                s.filled = false;
            }
            self.stats.dropped += 1;
            self.next = Some(next + 1);
            return self.take();
        }
        if depth + self.frame_ms < self.target_ms && self.since_push_ms <= 2 * self.frame_ms {
            self.stats.stretched += 1;
            return Pull::Stretch;
        }
        self.take()
    }

    fn take(&mut self) -> Pull<'_> {
        let Some(next) = self.next else { return Pull::Idle };
        self.next = Some(next + 1);
        let missing =
            self.slots.get(next as usize % SLOTS).is_none_or(|s| !s.filled || s.seq != next);
        if missing {
            self.stats.lost += 1;
            let after = self
                .slots
                .get((next + 1) as usize % SLOTS)
                .filter(|s| s.filled && s.seq == next + 1);
            return Pull::Lost { next: after.map(|s| s.payload.get(..s.len).unwrap_or(&[])) };
        }
        let Some(slot) = self.slots.get_mut(next as usize % SLOTS) else { return Pull::Idle };
        slot.filled = false;
        Pull::Frame {
            payload: slot.payload.get(..slot.len).unwrap_or(&[]),
            seq: slot.seq,
            timestamp: slot.timestamp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_stream_plays_every_frame() {
        let mut jb = JitterBuffer::new(20, 8000, 500);
        let mut played = Vec::new();
        for i in 0..100u16 {
            jb.push(i, u32::from(i) * 160, &[i as u8; 160], u64::from(i) * 20);
            if let Pull::Frame { seq, .. } = jb.pull() {
                played.push(seq);
            }
        }
        assert!(played.windows(2).all(|w| w[1] > w[0]), "{played:?}");
        assert!(played.len() >= 97);
        let s = jb.stats();
        assert_eq!((s.lost, s.late, s.duplicate), (0, 0, 0));
        // The start-up frame of extra delay is shed once, then the buffer stays at target.
        assert!(s.dropped <= 1, "{s:?}");
        assert!(s.target_ms <= 40, "clean network, small target: {s:?}");
    }

    #[test]
    fn reordering_duplicates_and_wrap() {
        let mut jb = JitterBuffer::new(20, 8000, 500);
        // One packet per 20 ms tick, out of order, with a duplicate, across the wrap.
        let seqs: [u16; 8] = [65533, 65535, 65534, 0, 0, 2, 1, 3];
        let mut played = Vec::new();
        for tick in 0..16 {
            if let Some(&s) = seqs.get(tick) {
                // Timestamps continue across the sequence wrap, as a real sender's do.
                jb.push(s, u32::from(s.wrapping_sub(65533)) * 160, &[1], tick as u64 * 20);
            }
            if let Pull::Frame { seq, .. } = jb.pull() {
                played.push(seq & 0xFFFF);
            }
        }
        assert_eq!(played, [65533, 65534, 65535, 0, 1, 2, 3]);
        assert_eq!(jb.stats().duplicate, 1);
        assert_eq!(jb.stats().lost, 0);
    }
}
