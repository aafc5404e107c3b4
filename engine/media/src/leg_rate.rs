//! A leg whose codec runs at another rate than the media loop (a PCMU call at 8 kHz in a
//! loop at 48 kHz beside an Opus call): each tick its decoded frame is converted up to the
//! loop's rate and what the mix sends it converted down to the codec's, frame for frame,
//! in buffers allocated once (rubato's synchronous FFT resampler with both sides fixed:
//! the rates of telephony divide evenly, so no drift and no variable chunk).

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};

use super::device::rate::{to_f32, to_i16};
use super::resample::ResampleError;

/// One direction of conversion, a fixed frame in, a fixed frame out.
struct FixedRatio {
    resampler: Fft<f32>,
    input: Vec<f32>,
    output: Vec<f32>,
}

impl FixedRatio {
    fn new(from: u32, to: u32, frame_ms: u32) -> Result<FixedRatio, ResampleError> {
        let unsupported = |reason: String| ResampleError::Unsupported { from, to, reason };
        let (inn, out) = ((from * frame_ms / 1000) as usize, (to * frame_ms / 1000) as usize);
        let resampler = Fft::<f32>::new_custom(
            from as usize,
            to as usize,
            inn,
            // One FFT block per frame: flat to 0.9 of the lower Nyquist (smaller blocks
            // halve the delay but cost 0.6 dB at 3.3 kHz), half a frame of delay each way.
            1,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Both,
        )
        .map_err(|e| unsupported(e.to_string()))?;
        if resampler.input_frames_next() != inn || resampler.output_frames_next() != out {
            return Err(unsupported(format!(
                "frames of {} in and {} out, not {inn} and {out}",
                resampler.input_frames_next(),
                resampler.output_frames_next()
            )));
        }
        Ok(FixedRatio { resampler, input: vec![0.0; inn], output: vec![0.0; out] })
    }

    /// Converts `from` (one input frame) into `to` (one output frame); on a length
    /// mismatch or a resampler error, `to` is silence.
    fn convert(&mut self, from: &[i16], to: &mut [i16]) {
        for (d, &s) in self.input.iter_mut().zip(from) {
            *d = to_f32(s);
        }
        let (inn, out) = (self.input.len(), self.output.len());
        let done = match (
            InterleavedSlice::new(&self.input[..], 1, inn),
            InterleavedSlice::new_mut(&mut self.output[..], 1, out),
        ) {
            (Ok(src), Ok(mut dst)) => {
                self.resampler.process_into_buffer(&src, &mut dst, None).is_ok()
            }
            _ => false,
        };
        if !done || from.len() != inn || to.len() != out {
            to.fill(0);
            return;
        }
        for (d, &s) in to.iter_mut().zip(&self.output) {
            *d = to_i16(s);
        }
    }

    fn delay_ms(&self, to: u32) -> f64 {
        self.resampler.output_delay() as f64 * 1000.0 / f64::from(to.max(1))
    }
}

/// Both directions for one leg, and the frame at the codec's rate between them.
pub struct LegRate {
    up: FixedRatio,
    down: FixedRatio,
    /// One frame at the codec's rate: decoded, or about to be encoded.
    frame: Vec<i16>,
    delay_ms: f64,
}

impl std::fmt::Debug for LegRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegRate")
            .field("codec_frame", &self.frame.len())
            .field("delay_ms", &self.delay_ms)
            .finish()
    }
}

impl LegRate {
    /// A converter between a codec at `codec_rate` and a loop at `loop_rate`, for frames
    /// of `frame_ms`; `None` when the rates are equal.
    pub fn new(
        codec_rate: u32,
        loop_rate: u32,
        frame_ms: u32,
    ) -> Result<Option<LegRate>, ResampleError> {
        if codec_rate == loop_rate {
            return Ok(None);
        }
        let up = FixedRatio::new(codec_rate, loop_rate, frame_ms)?;
        let down = FixedRatio::new(loop_rate, codec_rate, frame_ms)?;
        let delay_ms = up.delay_ms(loop_rate) + down.delay_ms(codec_rate);
        let frame = vec![0; (codec_rate * frame_ms / 1000) as usize];
        Ok(Some(LegRate { up, down, frame, delay_ms }))
    }

    /// The frame at the codec's rate to play into; then [`LegRate::play_out`].
    pub fn codec_frame(&mut self) -> &mut [i16] {
        &mut self.frame
    }

    /// What was played into [`LegRate::codec_frame`], at the loop's rate.
    pub fn play_out(&mut self, out: &mut [i16]) {
        self.up.convert(&self.frame, out);
    }

    /// `pcm` at the loop's rate, at the codec's: the frame to send.
    pub fn to_send(&mut self, pcm: &[i16]) -> &[i16] {
        self.down.convert(pcm, &mut self.frame);
        &self.frame
    }

    /// The delay both conversions add, in ms (one way each, summed).
    pub fn delay_ms(&self) -> f64 {
        self.delay_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Band-limited noise (a sum of tones below 3.4 kHz at unrelated frequencies): it
    /// correlates with itself at one lag only, so the delay can be measured.
    fn tone(rate: u32, n: usize) -> Vec<i16> {
        let freqs = [313.0, 587.0, 1031.0, 1493.0, 2203.0, 2971.0, 3301.0];
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                freqs
                    .iter()
                    .enumerate()
                    .map(|(k, f)| (std::f64::consts::TAU * f * t + k as f64).sin() * 2000.0)
                    .sum::<f64>() as i16
            })
            .collect()
    }

    fn rms(x: &[i16]) -> f64 {
        (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
    }

    /// An 8 kHz tone goes up to 48 kHz and back down frame by frame: same level, same
    /// tone (correlation with the original at the converters' delay).
    #[test]
    fn a_tone_crosses_both_ways_unchanged() {
        for codec_rate in [8000, 16000] {
            let mut r = LegRate::new(codec_rate, 48000, 20).unwrap().unwrap();
            let leg_frame = (codec_rate / 50) as usize;
            let sent = tone(codec_rate, leg_frame * 50);
            let (mut up, mut back) = (Vec::new(), Vec::new());
            let mut loop_frame = vec![0i16; 960];
            for f in sent.chunks_exact(leg_frame) {
                r.codec_frame().copy_from_slice(f);
                r.play_out(&mut loop_frame);
                up.extend_from_slice(&loop_frame);
                back.extend_from_slice(r.to_send(&loop_frame));
            }
            assert_eq!(up.len(), 48000);
            assert_eq!(back.len(), sent.len());
            let level = 20.0 * (rms(&back[leg_frame * 5..]) / rms(&sent)).log10();
            let skip = leg_frame * 5;
            let corr_at = |lag: usize| {
                let (mut sg, mut ss, mut gg) = (0.0, 0.0, 0.0);
                for (&s, &g) in sent.iter().zip(back.iter().skip(lag)).skip(skip) {
                    sg += f64::from(s) * f64::from(g);
                    ss += f64::from(s).powi(2);
                    gg += f64::from(g).powi(2);
                }
                sg / (ss * gg).sqrt()
            };
            let (corr, lag) = (0..3 * leg_frame)
                .map(|l| (corr_at(l), l))
                .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a });
            let lag_ms = lag as f64 * 1000.0 / f64::from(codec_rate);
            eprintln!(
                "{codec_rate} Hz: delay {:.1} ms (measured {lag_ms:.1}), level {level:+.2} dB, correlation {corr:.4}",
                r.delay_ms()
            );
            assert!(level.abs() < 0.5, "{level}");
            assert!(corr > 0.99, "{corr}");
            assert!((lag_ms - r.delay_ms()).abs() <= 0.5, "measured {lag_ms} ms");
            assert!(r.delay_ms() <= 20.0, "{}", r.delay_ms());
        }
    }

    #[test]
    fn equal_rates_need_no_converter() {
        assert!(LegRate::new(48000, 48000, 20).unwrap().is_none());
    }
}
