//! The jitter buffer itself: a fixed ring of payload slots indexed by extended sequence
//! number, played out one frame per tick. It advises shedding a frame when it holds more
//! than the target (the leg cuts it from a pause, or time-compresses speech: see
//! `playout.rs`) and plays a concealed frame when it holds less, so that its delay follows
//! the estimator (and absorbs clock drift); late, duplicate and lost packets are counted.

use super::delay::DelayEstimator;

/// The largest payload kept (a 20 ms Opus frame at its maximum is 1275 bytes).
pub const MAX_PAYLOAD: usize = 1280;
/// Slots in the ring: 64 frames, 1.28 s at 20 ms.
const SLOTS: usize = 64;
/// After this long with nothing to play the stream is considered paused (DTX, hold).
const PAUSE_MS: u32 = 200;
/// How long an excess over the target must last before a frame is dropped.
const EXCESS_MS: u32 = 400;
/// Speech without a pause (or music on hold) sheds an excess of more than a frame after
/// this long anyway.
const EXCESS_WITHOUT_PAUSE_MS: u32 = 2000;
/// An excess of one frame waits this long for a pause: it costs a frame of delay, while
/// time compression inside a word is heard (a baresip G.722 call fell from PESQ 3.08 to
/// 2.55 with 12 ms compressed after 2 s of a phrase without a 100 ms pause; talk has a
/// pause every few seconds).
const FRAME_EXCESS_WITHOUT_PAUSE_MS: u32 = 10_000;
/// How long the buffer must stay a frame short of a target that has not just risen before
/// a frame is stretched to grow it: one lost packet makes the buffer look a frame short at
/// one pull (the newest packet is missing), which is no reason to warp the speech. A
/// target raised by a late packet is followed at the next pause (at once for a buffer
/// used without a leg), and a shortfall while packets arrive out of order at once (the
/// missing one is then likely on its way).
const SHORT_MS_BEFORE_STRETCH: u32 = 60;
/// Growth waits for a pause in what is played, at most this long.
const SHORT_MS_WITHOUT_PAUSE: u32 = 1000;
/// What is buffered beyond a frame before playout starts, while nothing is known of the
/// network yet (the estimator takes over from the first packets).
const START_MARGIN_MS: u32 = 20;
/// Packets remembered between two pulls for timing at the next (a burst larger than this
/// is timed at once).
const AWAITING: usize = 32;
/// How long an out-of-order arrival is remembered.
const REORDER_MEMORY_MS: u32 = 1000;
/// After a loss, how long a codec with in-band FEC keeps one frame more in the buffer, so
/// that the packet after a lost one is there to rebuild it from.
const LOSS_MEMORY_MS: u32 = 10_000;

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

/// Advice after a pull: the buffer holds more than its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shed {
    No,
    /// For a while: drop a frame where it goes unheard (a pause between words).
    IfQuiet,
    /// Far too much, or for too long: drop a frame now.
    Now,
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
    /// The bound asked for, before it is fitted to the frame size.
    max_wanted_ms: u32,
    next: Option<u32>,
    highest: Option<u32>,
    playing: bool,
    idle_ms: u32,
    /// Time since the last packet arrived: stretching only makes sense while they do.
    since_push_ms: u32,
    /// How long the buffer has held more than its target: a frame is dropped once this
    /// excess has lasted (hysteresis, so that a single burst does not cost audio).
    excess_ms: u32,
    /// How long the buffer has held a frame less than its target.
    short_ms: u32,
    /// The target rose since the last pull (a packet came later than the estimate allowed).
    target_rose: bool,
    /// What the leg played last is a pause between phrases (see
    /// [`JitterBuffer::set_in_pause`]); true for a buffer used on its own.
    in_pause: bool,
    /// Time left in which a recent out-of-order arrival makes a shortfall grow the buffer
    /// at once.
    reordered_ms: u32,
    estimator: DelayEstimator,
    /// The playout clock at the last pull (ms): when the audio pulled then starts to play,
    /// on the sound card's clock (what it has played plus what waits for it). Arrivals are
    /// timed on it, not on the wall clock: a card runs on its own clock, and one that loses
    /// time against the wall (a stalled machine, a virtual card) loses it on the sender's
    /// side as well, so measuring against the wall would read the lost time as network
    /// delay and grow the buffer for nothing.
    played_ms: Option<u64>,
    /// Media times (ms) of the packets stored since the last pull: each arrived in time
    /// for the next pull, where its transit is measured.
    awaiting: [i64; AWAITING],
    awaiting_len: usize,
    shed: Shed,
    target_ms: u32,
    /// The codec rebuilds a lost frame from the next packet (Opus in-band FEC).
    fec: bool,
    /// Time left in which a recent loss keeps the extra FEC frame in the target.
    loss_hold_ms: u32,
    /// Concealed frames played while awaiting frame `.0` (underflow stretches): as many
    /// of the frames from there on that turn out lost have had their concealment.
    stretched_for: Option<(u32, u32)>,
    /// The RTP timestamp of the audio played last (or concealed in its place).
    last_audio_ts: Option<u32>,
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
            max_wanted_ms: max_ms,
            next: None,
            highest: None,
            playing: false,
            idle_ms: 0,
            since_push_ms: 0,
            excess_ms: 0,
            short_ms: 0,
            target_rose: false,
            in_pause: true,
            reordered_ms: 0,
            estimator: DelayEstimator::new(0.97),
            played_ms: None,
            awaiting: [0; AWAITING],
            awaiting_len: 0,
            shed: Shed::No,
            target_ms: frame_ms + START_MARGIN_MS,
            fec: false,
            loss_hold_ms: 0,
            stretched_for: None,
            last_audio_ts: None,
            stats: JitterStats::default(),
        }
    }

    /// Whether the codec can rebuild a lost frame from the packet after it (in-band FEC):
    /// then, for a while after each loss, the buffer keeps one frame more so that the
    /// next packet is there in time (one frame of delay for a rebuilt frame instead of a
    /// guessed one).
    pub fn set_fec(&mut self, fec: bool) {
        self.fec = fec;
    }

    /// The sender's packets turned out to hold `frame_ms` of audio each (a peer may send
    /// another packet time than it was asked for): time the buffer in those from now on.
    pub fn set_frame_ms(&mut self, frame_ms: u32) {
        let frame_ms = frame_ms.max(1);
        if frame_ms == self.frame_ms {
            return;
        }
        self.frame_ms = frame_ms;
        self.min_ms = frame_ms;
        self.max_ms = self.max_wanted_ms.clamp(frame_ms, frame_ms * (SLOTS as u32 - 4));
        self.target_ms = if self.playing {
            self.target_ms.clamp(self.min_ms, self.max_ms)
        } else {
            // Not started yet: start as a buffer made for this size would (a start-up
            // target made for 40 ms frames, shed later in 20 ms ones, costs PESQ 0.8).
            (frame_ms + START_MARGIN_MS).min(self.max_ms)
        };
        self.excess_ms = 0;
        self.short_ms = 0;
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

    /// Stores a packet that arrived now (its transit is measured on the playout clock at
    /// the next pull, which is the first that can play it).
    pub fn push(&mut self, seq: u16, timestamp: u32, payload: &[u8]) {
        if !self.store(seq, timestamp, payload) {
            return;
        }
        let media_ms = i64::from(timestamp / self.samples_per_ms);
        self.idle_ms = 0;
        self.since_push_ms = 0;
        // Until the first pull the playout phase is unknown: measure from then on.
        let Some(played_ms) = self.played_ms else {
            self.retarget();
            return;
        };
        match self.awaiting.get_mut(self.awaiting_len) {
            Some(slot) => {
                *slot = media_ms;
                self.awaiting_len += 1;
            }
            // A burst larger than the list: this one is timed at the next pull now.
            None => self.measure(played_ms + u64::from(self.frame_ms), media_ms),
        }
    }

    /// Records the transit of a packet of media time `media_ms` first playable at
    /// `usable_ms` on the playout clock (any fixed offset is fine: the estimator measures
    /// the spread above the minimum; packets straddling a pull show up as a frame of
    /// spread and get a frame more of delay instead of alternately making and missing it).
    fn measure(&mut self, usable_ms: u64, media_ms: i64) {
        self.estimator.record((usable_ms as i64).wrapping_sub(media_ms) as i32);
        self.retarget();
    }

    /// Follows the estimate: rise at once; fall by at most 1 ms per packet (about 50 ms/s),
    /// smoothly.
    fn retarget(&mut self) {
        let fec_frame = if self.fec && self.loss_hold_ms > 0 { self.frame_ms } else { 0 };
        let wanted = (self.estimator.spread_ms() + self.frame_ms + fec_frame)
            .clamp(self.min_ms, self.max_ms);
        self.target_ms = if wanted > self.target_ms {
            self.target_rose = true;
            wanted
        } else {
            self.target_ms.saturating_sub(1).max(wanted)
        };
    }

    /// A sequence number the sender spent on something that is not audio — an RFC 4733
    /// telephone-event packet sent instead of audio — arrived: its slot plays as silence
    /// (an empty frame) instead of being concealed as a loss. Its timestamp is the event's
    /// start, not media time, so it does not feed the delay estimate.
    pub fn push_filler(&mut self, seq: u16, timestamp: u32) {
        if self.store(seq, timestamp, &[]) {
            self.idle_ms = 0;
            self.since_push_ms = 0;
        }
    }

    /// Puts a packet in its slot; false if it is late or a duplicate.
    fn store(&mut self, seq: u16, timestamp: u32, payload: &[u8]) -> bool {
        let ext = self.extend(seq);
        if self.playing && self.next.is_some_and(|n| ext < n) {
            self.stats.late += 1;
            return false;
        }
        if let Some(n) = self.next
            && ext >= n + SLOTS as u32
        {
            // Too far ahead for the ring: the sender jumped; start over from here.
            self.reset();
        }
        let Some(slot) = self.slots.get_mut(ext as usize % SLOTS) else { return false };
        if slot.filled && slot.seq == ext {
            self.stats.duplicate += 1;
            return false;
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
        if self.highest.is_some_and(|h| ext < h) {
            self.reordered_ms = REORDER_MEMORY_MS;
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        if self.next.is_none() {
            self.next = Some(ext);
        }
        if !self.playing && self.next.is_some_and(|n| ext < n) {
            self.next = Some(ext);
        }
        true
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

    /// Whether the audio played last lies in a pause between phrases (the leg knows, the
    /// buffer does not): growth by concealment waits for one.
    pub fn set_in_pause(&mut self, in_pause: bool) {
        self.in_pause = in_pause;
    }

    /// The frame to play next, one frame after the last (a playout clock of whole frames:
    /// see [`JitterBuffer::pull_at`]). Afterwards
    /// [`JitterBuffer::shed`] says whether the buffer holds too much.
    pub fn pull(&mut self) -> Pull<'_> {
        let next_ms = self.played_ms.map_or(0, |p| p + u64::from(self.frame_ms));
        self.pull_at(next_ms * 1000)
    }

    /// As [`JitterBuffer::pull`], for audio that starts to play at `playout_us` on the
    /// sound card's clock (any origin; it only moves forward).
    pub fn pull_at(&mut self, playout_us: u64) -> Pull<'_> {
        let played_ms = (playout_us / 1000).max(self.played_ms.unwrap_or(0));
        self.played_ms = Some(played_ms);
        for i in 0..std::mem::take(&mut self.awaiting_len) {
            let media_ms = self.awaiting.get(i).copied().unwrap_or(0);
            self.measure(played_ms, media_ms);
        }
        self.shed = Shed::No;
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
            self.stretched_for = match self.stretched_for {
                Some((n, count)) if n == next => Some((n, count + 1)),
                _ => Some((next, 1)),
            };
            return Pull::Stretch;
        }
        // Adapt: too deep for a while → drop the next frame; too shallow → hold it back.
        if depth > self.target_ms + self.frame_ms / 2 {
            self.excess_ms = self.excess_ms.saturating_add(self.frame_ms);
        } else {
            self.excess_ms = 0;
        }
        let patience = if depth > self.target_ms + self.frame_ms + self.frame_ms / 2 {
            EXCESS_WITHOUT_PAUSE_MS
        } else {
            FRAME_EXCESS_WITHOUT_PAUSE_MS
        };
        self.shed = if self.excess_ms >= patience || depth > self.target_ms + 4 * self.frame_ms {
            Shed::Now
        } else if self.excess_ms >= EXCESS_MS {
            Shed::IfQuiet
        } else {
            Shed::No
        };
        // A frame short of the target (its spread is not a whole number of frames: within
        // a frame counts as there); with FEC after a loss, the packet after the head must
        // be here too, to rebuild the head from should it be lost.
        let fec_short = self.fec && self.loss_hold_ms > 0 && depth < 2 * self.frame_ms;
        if depth + self.frame_ms < self.target_ms || fec_short {
            self.short_ms = self.short_ms.saturating_add(self.frame_ms);
        } else {
            self.short_ms = 0;
        }
        self.reordered_ms = self.reordered_ms.saturating_sub(self.frame_ms);
        let grow =
            self.target_rose || self.reordered_ms > 0 || self.short_ms >= SHORT_MS_BEFORE_STRETCH;
        // A concealed frame inside a word is heard: growth waits for a pause, unless
        // reordered packets need the room now or the shortage has lasted.
        let now_is_fine =
            self.in_pause || self.reordered_ms > 0 || self.short_ms >= SHORT_MS_WITHOUT_PAUSE;
        if self.short_ms == 0 {
            self.target_rose = false;
        }
        if self.short_ms > 0 && grow && now_is_fine && self.since_push_ms <= 2 * self.frame_ms {
            self.short_ms = 0;
            self.target_rose = false;
            self.stats.stretched += 1;
            return Pull::Stretch;
        }
        self.take()
    }

    /// Telephone-event packets at `from` sent alongside the audio rather than in its place
    /// (baresip does; RFC 4733 §2.5.1 asks for the latter): the audio after them carries
    /// on from the audio played last, so they take no time. Returns that audio's sequence
    /// number, to play next.
    fn zero_duration_fillers(&self, from: u32) -> Option<u32> {
        let last = self.last_audio_ts?;
        let step = self.frame_ms * self.samples_per_ms;
        for k in from..from + 8 {
            let slot = self.slots.get(k as usize % SLOTS).filter(|s| s.filled && s.seq == k)?;
            if slot.len > 0 {
                return (k != from && slot.timestamp == last.wrapping_add(step)).then_some(k);
            }
        }
        None
    }

    /// Whether to shrink the delay by a frame after the last pull: the caller decodes the
    /// frame it got (keeping the decoder's state continuous) and, if the advice is
    /// [`Shed::Now`] or the frame is near silence, plays the next one in its place.
    pub fn shed(&self) -> Shed {
        self.shed
    }

    /// Drops the frame just pulled and gives the next one instead.
    pub fn skip(&mut self) -> Pull<'_> {
        self.shed = Shed::No;
        self.excess_ms = 0;
        self.stats.dropped += 1;
        self.take()
    }

    fn take(&mut self) -> Pull<'_> {
        let Some(mut next) = self.next else { return Pull::Idle };
        self.loss_hold_ms = self.loss_hold_ms.saturating_sub(self.frame_ms);
        let is_missing = |jb: &Self, n: u32| {
            jb.slots.get(n as usize % SLOTS).is_none_or(|s| !s.filled || s.seq != n)
        };
        if let Some((awaited, mut concealed)) = self.stretched_for.take()
            && awaited == next
        {
            // Frames that already had their concealment, played while they were awaited,
            // and turned out lost (not late): go on after them rather than conceal them
            // again (or rebuild them from FEC, after the fact) and keep the extra delay —
            // each would be a time warp now and a shed later.
            while concealed > 0 && is_missing(self, next) && self.highest.is_some_and(|h| h > next)
            {
                self.stats.lost += 1;
                // A codec with FEC keeps a frame more from now on, to rebuild the next.
                self.loss_hold_ms = LOSS_MEMORY_MS;
                next += 1;
                concealed -= 1;
            }
        }
        if let Some(audio) = self.zero_duration_fillers(next) {
            next = audio;
        }
        self.next = Some(next + 1);
        let step = self.frame_ms * self.samples_per_ms;
        let missing = is_missing(self, next);
        if missing {
            self.stats.lost += 1;
            self.loss_hold_ms = LOSS_MEMORY_MS;
            self.last_audio_ts = self.last_audio_ts.map(|t| t.wrapping_add(step));
            let after = self
                .slots
                .get((next + 1) as usize % SLOTS)
                .filter(|s| s.filled && s.seq == next + 1);
            return Pull::Lost { next: after.map(|s| s.payload.get(..s.len).unwrap_or(&[])) };
        }
        let Some(slot) = self.slots.get_mut(next as usize % SLOTS) else { return Pull::Idle };
        slot.filled = false;
        self.last_audio_ts = if slot.len > 0 {
            Some(slot.timestamp)
        } else {
            // A telephone-event played as silence in the audio's place.
            self.last_audio_ts.map(|t| t.wrapping_add(step))
        };
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
            jb.push(i, u32::from(i) * 160, &[i as u8; 160]);
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

    /// Packets that land right around the pull instant, alternately just before and just
    /// after it, must settle at one extra frame of delay rather than alternately stretch
    /// and drop (each of which is an audible glitch).
    #[test]
    fn arrivals_straddling_the_pull_settle_without_glitches() {
        let mut jb = JitterBuffer::new(20, 8000, 500);
        let mut glitches_after_settling = 0;
        for i in 0..500u16 {
            // Even packets come just before their pull, odd ones just after it.
            let early = i % 2 == 0;
            if early {
                jb.push(i, u32::from(i) * 160, &[1; 160]);
            }
            let missed = !matches!(jb.pull(), Pull::Frame { .. });
            if !early {
                jb.push(i, u32::from(i) * 160, &[1; 160]);
            }
            if jb.shed() != Shed::No {
                let _ = jb.skip();
            }
            if i > 50 && (missed || jb.shed() != Shed::No || jb.stats().dropped > 1) {
                glitches_after_settling += 1;
            }
        }
        let s = jb.stats();
        assert_eq!(glitches_after_settling, 0, "{s:?}");
        // One frame of spread (the straddle) plus the frame itself, give or take 1 ms of
        // rounding.
        assert!((40..=42).contains(&s.target_ms), "{s:?}");
    }

    /// The start-up frame of excess: the advice to shed it where unheard comes after
    /// 400 ms, and turns into "now" after ten seconds without a pause.
    #[test]
    fn shedding_advice_waits_for_a_pause_then_insists() {
        let (advice, dropped) = shedding_advice(1);
        let kinds: Vec<Shed> = advice.iter().map(|a| a.1).collect();
        assert_eq!(kinds, [Shed::No, Shed::IfQuiet, Shed::Now, Shed::No], "{advice:?}");
        let (if_quiet_at, now_at) = (advice[1].0, advice[2].0);
        assert_eq!((now_at - if_quiet_at) * 20, 9600, "{advice:?}");
        assert_eq!(dropped, 1);
    }

    /// Two frames of excess wait two seconds for a pause, then the first goes; the second
    /// (one frame of excess is left) waits its ten seconds.
    #[test]
    fn a_larger_excess_waits_less() {
        let (advice, dropped) = shedding_advice(2);
        let kinds: Vec<Shed> = advice.iter().map(|a| a.1).collect();
        assert_eq!(kinds[..4], [Shed::No, Shed::IfQuiet, Shed::Now, Shed::No], "{advice:?}");
        let (if_quiet_at, now_at) = (advice[1].0, advice[2].0);
        assert_eq!((now_at - if_quiet_at) * 20, 1600, "{advice:?}");
        assert_eq!(dropped, 2, "{advice:?}");
    }

    /// A steady stream whose first pull finds `extra` frames more than the start-up
    /// target; returns the changes of advice (pull index, advice) and the frames dropped.
    fn shedding_advice(extra: u16) -> (Vec<(u16, Shed)>, u64) {
        let mut jb = JitterBuffer::new(20, 8000, 500);
        let mut advice = Vec::new();
        for i in 0..extra {
            jb.push(i, u32::from(i) * 160, &[1; 160]);
        }
        for i in extra..1200u16 {
            jb.push(i, u32::from(i) * 160, &[1; 160]);
            let _ = jb.pull();
            if advice.last().is_none_or(|(_, a)| *a != jb.shed()) {
                advice.push((i, jb.shed()));
            }
            if jb.shed() == Shed::Now {
                assert!(matches!(jb.skip(), Pull::Frame { .. }));
            }
        }
        (advice, jb.stats().dropped)
    }

    /// Packets that arrive just before their pull; every 25th is lost. Returns the
    /// depth (ms) at the end and what was pulled.
    fn lossy_stream(fec: bool) -> (JitterBuffer, Vec<&'static str>) {
        stream_losing(fec, |i| i % 25 == 24)
    }

    fn stream_losing(fec: bool, lost: impl Fn(u16) -> bool) -> (JitterBuffer, Vec<&'static str>) {
        let mut jb = JitterBuffer::new(20, 8000, 500);
        jb.set_fec(fec);
        let mut pulls = Vec::new();
        for i in 0..400u16 {
            if !lost(i) {
                jb.push(i, u32::from(i) * 160, &[1; 160]);
            }
            let kind = match jb.pull() {
                Pull::Frame { .. } => "frame",
                Pull::Lost { next: Some(_) } => "rebuilt",
                Pull::Lost { next: None } => "lost",
                Pull::Stretch => "stretch",
                Pull::Idle => "idle",
            };
            if jb.shed() != Shed::No {
                let _ = jb.skip();
            }
            pulls.push(kind);
        }
        (jb, pulls)
    }

    /// Without FEC, a lost packet at the head is concealed once, while it is awaited;
    /// when the next one shows it was lost, playout goes straight on: the delay stays.
    #[test]
    fn a_loss_without_fec_is_concealed_once_and_costs_no_delay() {
        let (jb, pulls) = lossy_stream(false);
        let s = jb.stats();
        let concealed = pulls.iter().filter(|k| matches!(**k, "stretch" | "lost" | "rebuilt"));
        // 16 lost; the last one is still awaited when the stream ends. While the start-up
        // frame of excess is still buffered, a loss is concealed in its place as usual.
        assert_eq!(s.lost, 15, "{s:?}");
        assert_eq!(concealed.count(), 16, "one concealment per loss: {s:?}");
        assert!(s.target_ms <= 24 && s.dropped <= 1, "no growth to shed: {s:?}");
    }

    /// With FEC, the first loss raises the target by a frame; from then on the packet
    /// after each lost one is there in time to rebuild it.
    #[test]
    fn with_fec_the_packet_after_a_loss_is_waited_for() {
        let (jb, pulls) = lossy_stream(true);
        let s = jb.stats();
        let rebuilt = pulls.iter().filter(|k| **k == "rebuilt").count();
        assert!(rebuilt >= 14, "{rebuilt} of 16 rebuilt: {pulls:?}");
        assert!((40..=44).contains(&s.target_ms), "a frame more: {s:?}");
    }

    /// A sender that sends telephone-events alongside its audio (each event packet takes
    /// a sequence number, the audio's timestamps go on without a gap): the events take no
    /// time — every audio frame plays, nothing is inserted or shed.
    #[test]
    fn events_sent_alongside_audio_take_no_time() {
        let mut jb = JitterBuffer::new(20, 8000, 500);
        let (mut seq, mut played, mut silences) = (0u16, Vec::new(), 0);
        for i in 0..200u32 {
            if (50..60).contains(&i) {
                // An event packet just before the audio packet of the same tick.
                jb.push_filler(seq, 50 * 160);
                seq += 1;
            }
            jb.push(seq, i * 160, &[1; 160]);
            seq += 1;
            match jb.pull() {
                Pull::Frame { payload: [], .. } => silences += 1,
                Pull::Frame { timestamp, .. } => played.push(timestamp / 160),
                _ => {}
            }
            if jb.shed() == Shed::Now {
                let _ = jb.skip();
            }
        }
        assert_eq!(silences, 0, "{:?}", jb.stats());
        // In order, and nothing skipped but the start-up frame of excess.
        let skipped: u32 = played.windows(2).map(|w| w[1] - w[0] - 1).sum();
        assert!(played.windows(2).all(|w| w[1] > w[0]), "{played:?}");
        assert!(skipped <= 1 && jb.stats().dropped <= 1, "{played:?} {:?}", jb.stats());
    }

    /// Two packets lost in a row leave nothing to play for a tick: the concealment played
    /// then counts for the first lost frame, and playout goes on after it once packets
    /// come again, with FEC too (rebuilding it afterwards would add a frame of delay, to
    /// be shed later: two time warps for one loss).
    #[test]
    fn a_double_loss_costs_no_delay() {
        for fec in [false, true] {
            let (jb, pulls) = stream_losing(fec, |i| i % 25 == 23 || i % 25 == 24);
            let s = jb.stats();
            let concealed = pulls.iter().filter(|k| matches!(**k, "stretch" | "lost" | "rebuilt"));
            assert!(s.dropped <= 1, "fec {fec}: {s:?}");
            assert!(concealed.count() <= 32 + 1, "one concealment per loss, fec {fec}: {s:?}");
        }
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
                jb.push(s, u32::from(s.wrapping_sub(65533)) * 160, &[1]);
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
