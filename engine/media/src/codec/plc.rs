//! Packet loss concealment for G.711, after ITU-T G.711 Appendix I: the last pitch
//! period(s) of the history are repeated with overlap-add at the joins, widened to two and
//! three periods on the second and third lost 10 ms, attenuated by 20 % per 10 ms after
//! the first, silent after 60 ms; the first good frame is cross-faded in.

/// 48.75 ms of history at 8 kHz.
const HISTORY: usize = 390;
const PITCH_MIN: usize = 40;
const PITCH_MAX: usize = 120;
const PITCH_DIFF: usize = PITCH_MAX - PITCH_MIN;
const OVERLAP_MAX: usize = PITCH_MAX >> 2;
const CORR_LEN: usize = 160;
const CORR_BUF_LEN: usize = CORR_LEN + PITCH_MAX;
const CORR_MIN_POWER: f32 = 250.0;
const DECIMATION: usize = 2;
/// The concealment works in 10 ms steps.
const FRAME: usize = 80;
const OVERLAP_INCREMENT: usize = 32;
const ATTENUATION: f32 = 0.2;
const ATTENUATION_STEP: f32 = ATTENUATION / FRAME as f32;

/// Concealment state for one G.711 stream at 8 kHz; no allocation after creation.
#[derive(Debug, Clone)]
pub struct G711Plc {
    history: [f32; HISTORY],
    pitch_buf: [f32; HISTORY],
    last_quarter: [f32; OVERLAP_MAX],
    /// Consecutive lost 10 ms steps.
    erased: usize,
    pitch: usize,
    overlap: usize,
    offset: usize,
    pitch_len: usize,
}

impl Default for G711Plc {
    fn default() -> Self {
        Self::new()
    }
}

fn at(buf: &[f32], i: usize) -> f32 {
    buf.get(i).copied().unwrap_or(0.0)
}

fn clamp16(v: f32) -> f32 {
    v.clamp(-32767.0, 32767.0)
}

impl G711Plc {
    pub fn new() -> Self {
        G711Plc {
            history: [0.0; HISTORY],
            pitch_buf: [0.0; HISTORY],
            last_quarter: [0.0; OVERLAP_MAX],
            erased: 0,
            pitch: PITCH_MAX,
            overlap: OVERLAP_MAX,
            offset: 0,
            pitch_len: PITCH_MAX,
        }
    }

    /// Consecutive 10 ms steps concealed so far.
    pub fn erased_steps(&self) -> usize {
        self.erased
    }

    /// A decoded frame arrived: cross-fade it in after a loss, then remember it.
    pub fn good_frame(&mut self, frame: &mut [i16]) {
        for chunk in frame.chunks_mut(FRAME) {
            if self.erased > 0 {
                let len = (self.overlap + (self.erased - 1) * OVERLAP_INCREMENT)
                    .min(chunk.len())
                    .min(FRAME);
                let mut synth = [0.0f32; FRAME];
                self.synthesize(synth.get_mut(..len).unwrap_or(&mut []));
                self.fade_in(chunk, &synth, len);
                self.erased = 0;
            }
            self.remember(chunk);
        }
    }

    /// A frame was lost: fill `out` with concealment.
    pub fn lost_frame(&mut self, out: &mut [i16]) {
        for chunk in out.chunks_mut(FRAME) {
            let mut s = [0.0f32; FRAME];
            let n = chunk.len();
            let s = s.get_mut(..n).unwrap_or(&mut []);
            self.conceal_step(s);
            for (o, v) in chunk.iter_mut().zip(s.iter()) {
                *o = clamp16(*v) as i16;
            }
            self.remember(chunk);
        }
    }

    fn conceal_step(&mut self, s: &mut [f32]) {
        let end = HISTORY;
        if self.erased == 0 {
            self.pitch_buf = self.history;
            self.pitch = self.find_pitch();
            self.overlap = self.pitch >> 2;
            for i in 0..self.overlap {
                if let Some(q) = self.last_quarter.get_mut(i) {
                    *q = at(&self.pitch_buf, end - self.overlap + i);
                }
            }
            self.offset = 0;
            self.pitch_len = self.pitch;
            self.overlap_pitch_buffer();
            // The history's last quarter period now ends in the blended samples.
            for i in 0..self.overlap {
                if let Some(h) = self.history.get_mut(end - self.overlap + i) {
                    *h = at(&self.pitch_buf, end - self.overlap + i);
                }
            }
            self.synthesize(s);
        } else if self.erased == 1 || self.erased == 2 {
            // Widen the repeated segment by one more period, cross-fading the switch.
            let mut tail = [0.0f32; OVERLAP_MAX];
            let saved = self.offset;
            self.synthesize(tail.get_mut(..self.overlap).unwrap_or(&mut []));
            self.offset = saved;
            while self.offset > self.pitch {
                self.offset -= self.pitch;
            }
            self.pitch_len += self.pitch;
            self.overlap_pitch_buffer();
            self.synthesize(s);
            let n = self.overlap.min(s.len());
            let incr = 1.0 / n.max(1) as f32;
            let (mut lw, mut rw) = (1.0 - incr, incr);
            for (i, v) in s.iter_mut().take(n).enumerate() {
                *v = clamp16(lw * at(&tail, i) + rw * *v);
                lw -= incr;
                rw += incr;
            }
            self.scale(s);
        } else if self.erased > 5 {
            s.fill(0.0);
        } else {
            self.synthesize(s);
            self.scale(s);
        }
        self.erased += 1;
    }

    /// Blends the start of the repeated segment into the last quarter period.
    fn overlap_pitch_buffer(&mut self) {
        let end = HISTORY;
        let start = end - self.pitch_len;
        let n = self.overlap;
        let incr = 1.0 / n.max(1) as f32;
        let (mut lw, mut rw) = (1.0 - incr, incr);
        for i in 0..n {
            let l = at(&self.last_quarter, i);
            let r = at(&self.pitch_buf, (start + i).wrapping_sub(n));
            if let Some(o) = self.pitch_buf.get_mut(end - n + i) {
                *o = clamp16(lw * l + rw * r);
            }
            lw -= incr;
            rw += incr;
        }
    }

    /// Copies the repeated segment out, period after period.
    fn synthesize(&mut self, out: &mut [f32]) {
        let start = HISTORY - self.pitch_len;
        let mut written = 0;
        while written < out.len() {
            let cnt = (self.pitch_len - self.offset).min(out.len() - written);
            for i in 0..cnt {
                if let Some(o) = out.get_mut(written + i) {
                    *o = at(&self.pitch_buf, start + self.offset + i);
                }
            }
            self.offset += cnt;
            if self.offset >= self.pitch_len {
                self.offset = 0;
            }
            written += cnt;
            if cnt == 0 {
                break;
            }
        }
    }

    /// 20 % less per 10 ms after the first lost 10 ms, ramped within the step.
    fn scale(&self, s: &mut [f32]) {
        let mut g = 1.0 - (self.erased.saturating_sub(1)) as f32 * ATTENUATION;
        for v in s.iter_mut() {
            *v *= g.max(0.0);
            g -= ATTENUATION_STEP;
        }
    }

    /// Cross-fades the concealment into the first good frame, with the concealment's gain.
    fn fade_in(&self, chunk: &mut [i16], synth: &[f32], len: usize) {
        let gain = (1.0 - (self.erased.saturating_sub(1)) as f32 * ATTENUATION).max(0.0);
        let incr = 1.0 / len.max(1) as f32;
        let incr_g = incr * gain;
        let (mut lw, mut rw) = ((1.0 - incr) * gain, incr);
        for (i, v) in chunk.iter_mut().take(len).enumerate() {
            let t = lw * at(synth, i) + rw * f32::from(*v);
            *v = clamp16(t) as i16;
            lw -= incr_g;
            rw += incr;
        }
    }

    fn remember(&mut self, chunk: &[i16]) {
        let n = chunk.len().min(HISTORY);
        self.history.copy_within(n.., 0);
        for (h, &v) in self.history.iter_mut().skip(HISTORY - n).zip(chunk) {
            *h = f32::from(v);
        }
    }

    /// Normalised cross-correlation of the last 20 ms against earlier windows, coarse on a
    /// 2:1 decimated grid and then refined; returns the period in samples (40–120).
    fn find_pitch(&self) -> usize {
        let buf = &self.pitch_buf;
        let l = HISTORY - CORR_LEN;
        let r = HISTORY - CORR_BUF_LEN;
        let corr_at = |j: usize, step: usize| -> (f32, f32) {
            let mut energy = 0.0f32;
            let mut corr = 0.0f32;
            let mut i = 0;
            while i < CORR_LEN {
                let rv = at(buf, r + j + i);
                energy += rv * rv;
                corr += rv * at(buf, l + i);
                i += step;
            }
            (energy, corr)
        };
        let score = |(energy, corr): (f32, f32)| corr / energy.max(CORR_MIN_POWER).sqrt();
        let mut best = score(corr_at(0, DECIMATION));
        let mut best_j = 0;
        let mut j = DECIMATION;
        while j <= PITCH_DIFF {
            let c = score(corr_at(j, DECIMATION));
            if c >= best {
                best = c;
                best_j = j;
            }
            j += DECIMATION;
        }
        let lo = best_j.saturating_sub(DECIMATION - 1);
        let hi = (best_j + DECIMATION - 1).min(PITCH_DIFF);
        let mut best = score(corr_at(lo, 1));
        let mut best_j = lo;
        for j in lo + 1..=hi {
            let c = score(corr_at(j, 1));
            if c > best {
                best = c;
                best_j = j;
            }
        }
        PITCH_MAX - best_j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(period: usize, n: usize, start: usize) -> Vec<i16> {
        (start..start + n)
            .map(|i| {
                (8000.0 * (2.0 * std::f32::consts::PI * i as f32 / period as f32).sin()) as i16
            })
            .collect()
    }

    #[test]
    fn finds_the_pitch_of_a_periodic_signal() {
        for period in [45usize, 64, 100] {
            let mut plc = G711Plc::new();
            let mut f = tone(period, HISTORY, 0);
            plc.good_frame(&mut f);
            plc.pitch_buf = plc.history;
            let p = plc.find_pitch();
            assert!(p == period || p == 2 * period, "period {period}: found {p}");
        }
    }

    #[test]
    fn concealment_continues_the_waveform_then_fades_to_silence() {
        let mut plc = G711Plc::new();
        let mut f = tone(64, 400, 0);
        plc.good_frame(&mut f);
        // First lost 10 ms: close to what the tone would have been.
        let mut out = [0i16; FRAME];
        plc.lost_frame(&mut out);
        let truth = tone(64, FRAME, 400);
        let err: f64 = out
            .iter()
            .zip(&truth)
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
            .sum::<f64>()
            / FRAME as f64;
        let power: f64 = truth.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / FRAME as f64;
        assert!(err < power * 0.1, "concealment should track the tone: err {err}, power {power}");
        // Energy falls, and is zero after 60 ms.
        let mut energies = Vec::new();
        for _ in 0..7 {
            plc.lost_frame(&mut out);
            energies.push(out.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>());
        }
        assert!(energies.windows(2).take(4).all(|w| w[1] <= w[0] * 1.05), "{energies:?}");
        assert_eq!(*energies.last().unwrap(), 0.0);
        assert_eq!(plc.erased_steps(), 8);
        // The next good frame resets the state.
        let mut good = tone(64, FRAME, 1000);
        plc.good_frame(&mut good);
        assert_eq!(plc.erased_steps(), 0);
    }

    #[test]
    fn silence_in_silence_out_and_odd_sizes() {
        let mut plc = G711Plc::new();
        let mut out = [123i16; 37];
        plc.lost_frame(&mut out);
        assert!(out.iter().all(|&v| v == 0));
        let mut f = [5i16; 161];
        plc.good_frame(&mut f);
    }
}
