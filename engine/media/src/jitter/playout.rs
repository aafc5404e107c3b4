//! Decoded audio waiting to be played, and how it is shortened without a click when the
//! jitter buffer holds too much: in a pause by cutting silence, in speech or music by
//! time compression — two stretches of the waveform a pitch-multiple apart are
//! cross-faded into one (WSOLA-style, as NetEQ's "accelerate"), so that 10–20 ms go
//! while the waveform stays continuous and periodic sounds keep their phase.

/// Decoded samples not yet played, oldest first. Sized when the leg is built; nothing
/// here allocates afterwards.
#[derive(Debug, Clone)]
pub struct PlayoutQueue {
    samples: Vec<i16>,
    len: usize,
    /// Samples per 1 ms at the codec's rate.
    per_ms: usize,
}

/// The longest packet a peer may send (RFC 7587 allows Opus 120 ms; 60 ms is the longest
/// any codec here is sent with), and what the queue holds at most: two such packets to
/// compress, and what the previous compression left over.
pub const MAX_PACKET_MS: usize = 60;
const CAPACITY_MS: usize = 4 * MAX_PACKET_MS;

/// Cross-fades shorter than this are heard as a click on a loud low tone.
const MIN_FADE_MS: usize = 2;

impl PlayoutQueue {
    /// A queue for audio at `rate` Hz.
    pub fn new(rate: u32) -> Self {
        let per_ms = (rate as usize / 1000).max(1);
        PlayoutQueue { samples: vec![0; per_ms * CAPACITY_MS], len: 0, per_ms }
    }

    /// Samples waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Room for `n` more samples at the end, to decode into; `None` when full.
    pub fn reserve(&mut self, n: usize) -> Option<&mut [i16]> {
        let start = self.len;
        let slot = self.samples.get_mut(start..start + n)?;
        self.len += n;
        Some(slot)
    }

    /// Gives back the last `n` samples reserved (the decoder wrote fewer).
    pub fn unreserve(&mut self, n: usize) {
        self.len = self.len.saturating_sub(n);
    }

    /// The oldest frame, into `out` (silence where too little is waiting).
    pub fn pop_frame(&mut self, out: &mut [i16]) {
        let n = out.len().min(self.len);
        let (head, tail) = out.split_at_mut(n);
        head.copy_from_slice(self.samples.get(..n).unwrap_or(&[]));
        tail.fill(0);
        self.samples.copy_within(n..self.len, 0);
        self.len -= n;
    }

    /// Drops `n` samples of silence right after the first `keep` (the start of a pause),
    /// with a short cross-fade so that any low-level noise stays continuous.
    pub fn cut(&mut self, keep: usize, n: usize) -> usize {
        let fade = (MIN_FADE_MS * self.per_ms).min(n);
        if keep + n + fade > self.len {
            return 0;
        }
        self.splice(keep, n, fade);
        n
    }

    /// Time compression: removes between `min_lag` and `max_lag` samples (the lag at
    /// which the waveform best matches itself) from the head of the queue, which must hold
    /// at least twice `max_lag`. Returns how many samples went (0 if too little is queued).
    pub fn compress(&mut self, min_lag: usize, max_lag: usize) -> usize {
        if self.len < 2 * max_lag || min_lag == 0 || min_lag > max_lag {
            return 0;
        }
        let lag = self.best_lag(min_lag, max_lag);
        // Fade over the whole lag: the further apart the two stretches are, the longer
        // the blend has to be to hide that they differ.
        self.splice(0, lag, lag);
        lag
    }

    /// Removes `n` samples after the first `at`: the `fade` samples from `at` are blended
    /// into those `n` later, and the queue goes on from there.
    fn splice(&mut self, at: usize, n: usize, fade: usize) {
        let fade = fade.min(self.len.saturating_sub(at + n));
        for i in 0..fade {
            let w = (i as f32 + 0.5) / fade as f32;
            let a = f32::from(self.samples.get(at + i).copied().unwrap_or(0));
            let b = f32::from(self.samples.get(at + n + i).copied().unwrap_or(0));
            if let Some(s) = self.samples.get_mut(at + i) {
                *s = (a * (1.0 - w) + b * w).round() as i16;
            }
        }
        self.samples.copy_within(at + n + fade..self.len, at + fade);
        self.len -= n;
    }

    /// The lag in `min..=max` at which the queued audio best matches itself (normalised
    /// cross-correlation over the following `min` samples): searched on every
    /// `per_ms / 8`-th sample (8 kHz resolution), then refined around the best.
    fn best_lag(&self, min: usize, max: usize) -> usize {
        let step = (self.per_ms / 8).max(1);
        let window = min.max(1);
        let x = self.samples.get(..self.len).unwrap_or(&[]);
        let score = |lag: usize, stride: usize| -> f64 {
            let (mut xy, mut xx, mut yy) = (0.0f64, 0.0f64, 0.0f64);
            let mut i = 0;
            while i < window {
                let a = f64::from(x.get(i).copied().unwrap_or(0));
                let b = f64::from(x.get(lag + i).copied().unwrap_or(0));
                xy += a * b;
                xx += a * a;
                yy += b * b;
                i += stride;
            }
            if xx * yy <= 0.0 { 0.0 } else { xy / (xx * yy).sqrt() }
        };
        let mut best = (max, f64::MIN);
        let mut lag = min;
        while lag <= max {
            let s = score(lag, step);
            if s > best.1 {
                best = (lag, s);
            }
            lag += step;
        }
        let coarse = best.0;
        best = (coarse, score(coarse, 1));
        for lag in coarse.saturating_sub(step).max(min)..=(coarse + step).min(max) {
            let s = score(lag, 1);
            if s > best.1 {
                best = (lag, s);
            }
        }
        best.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: f64, n: usize, amplitude: f64) -> Vec<i16> {
        (0..n)
            .map(|i| (amplitude * (std::f64::consts::TAU * freq * i as f64 / rate).sin()) as i16)
            .collect()
    }

    /// The largest second difference: a smooth tone keeps it near A·(2πf/rate)²; a splice
    /// out of phase makes a step many times that.
    fn roughness(x: &[i16]) -> i32 {
        x.windows(3)
            .map(|w| (i32::from(w[0]) - 2 * i32::from(w[1]) + i32::from(w[2])).abs())
            .max()
            .unwrap_or(0)
    }

    fn queue_with(signal: &[i16], frame: usize, rate: u32) -> PlayoutQueue {
        let mut q = PlayoutQueue::new(rate);
        for chunk in signal.chunks(frame) {
            q.reserve(chunk.len()).expect("room").copy_from_slice(chunk);
        }
        q
    }

    #[test]
    fn compressing_a_tone_keeps_it_smooth_and_in_phase() {
        // 440 Hz at 8 kHz is 18.18 samples a period: no whole number of samples is one.
        let tone = sine(440.0, 8000.0, 320, 12000.0);
        let mut q = queue_with(&tone, 160, 8000);
        let removed = q.compress(80, 160);
        assert!((80..=160).contains(&removed), "{removed}");
        let mut out = vec![0i16; q.len()];
        q.pop_frame(&mut out);
        let smooth = roughness(&tone);
        assert!(roughness(&out) <= smooth * 3 / 2, "{} vs {smooth}", roughness(&out));
        // Still the same tone at the same level (no dip from blending out of phase).
        let peak = out.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(peak > 11000, "peak {peak}");
    }

    #[test]
    fn a_plain_cut_would_click() {
        // The test's measure does tell: dropping a frame without the fade is a step.
        let tone = sine(440.0, 8000.0, 320, 12000.0);
        let mut cut: Vec<i16> = tone[..60].to_vec();
        cut.extend_from_slice(&tone[60 + 150..]);
        assert!(roughness(&cut) > roughness(&tone) * 5);
    }

    #[test]
    fn queue_pops_in_order_and_pads_with_silence() {
        let signal: Vec<i16> = (1..=20).collect();
        let mut q = queue_with(&signal, 10, 8000);
        let mut out = [0i16; 10];
        q.pop_frame(&mut out);
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let mut out = [0i16; 15];
        q.pop_frame(&mut out);
        assert_eq!(out[..10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
        assert_eq!(out[10..], [0; 5]);
        assert!(q.is_empty());
    }

    #[test]
    fn cutting_silence_removes_exactly_that() {
        let mut signal = vec![0i16; 480];
        signal.iter_mut().skip(320).for_each(|s| *s = 100);
        let mut q = queue_with(&signal, 160, 8000);
        assert_eq!(q.cut(0, 160), 160);
        assert_eq!(q.len(), 320);
        assert!(q.cut(0, 400) == 0, "not enough queued");
    }
}
