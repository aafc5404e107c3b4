//! Frame-by-frame sample-rate conversion between a sound card and the media loop: one
//! 20 ms frame in, one out, with every buffer allocated up front so that the loop can
//! convert without allocating (DESIGN.md, the real-time rule). rubato's synchronous FFT
//! resampler; equal rates pass straight through.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use crate::media::resample::ResampleError;

/// Converts frames of `input_frame` samples at one rate into frames of `output_frame`
/// samples at another, mono.
pub struct FrameConverter {
    resampler: Option<Fft<f32>>,
    input: Vec<f32>,
    output: Vec<f32>,
    input_frame: usize,
    output_frame: usize,
}

impl std::fmt::Debug for FrameConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameConverter")
            .field("input_frame", &self.input_frame)
            .field("output_frame", &self.output_frame)
            .finish()
    }
}

impl FrameConverter {
    /// A converter from `from` Hz to `to` Hz in frames of `frame_ms` milliseconds.
    pub fn new(from: u32, to: u32, frame_ms: u32) -> Result<FrameConverter, ResampleError> {
        let input_frame = (from * frame_ms / 1000) as usize;
        let output_frame = (to * frame_ms / 1000) as usize;
        let unsupported = |reason: String| ResampleError::Unsupported { from, to, reason };
        if input_frame == 0 || output_frame == 0 {
            return Err(unsupported("a frame shorter than one sample".into()));
        }
        let resampler = if from == to {
            None
        } else {
            let r = Fft::<f32>::new(from as usize, to as usize, input_frame, 1, FixedSync::Both)
                .map_err(|e| unsupported(e.to_string()))?;
            if r.input_frames_next() != input_frame || r.output_frames_next() != output_frame {
                return Err(unsupported(format!(
                    "{frame_ms} ms frames are {input_frame} → {output_frame} samples, the \
                     resampler wants {} → {}",
                    r.input_frames_next(),
                    r.output_frames_next()
                )));
            }
            Some(r)
        };
        Ok(FrameConverter {
            resampler,
            input: vec![0.0; input_frame],
            output: vec![0.0; output_frame],
            input_frame,
            output_frame,
        })
    }

    /// Samples per input frame.
    pub fn input_frame(&self) -> usize {
        self.input_frame
    }

    /// Samples per output frame.
    pub fn output_frame(&self) -> usize {
        self.output_frame
    }

    /// The converter's own delay, in output samples.
    pub fn delay(&self) -> usize {
        self.resampler.as_ref().map_or(0, Resampler::output_delay)
    }

    /// The input frame to fill before [`FrameConverter::convert`].
    pub fn input_mut(&mut self) -> &mut [f32] {
        &mut self.input
    }

    /// Converts the input frame; returns the output frame.
    pub fn convert(&mut self) -> &[f32] {
        let Some(r) = self.resampler.as_mut() else {
            return &self.input;
        };
        let converted = match (
            InterleavedSlice::new(&self.input, 1, self.input_frame),
            InterleavedSlice::new_mut(&mut self.output, 1, self.output_frame),
        ) {
            (Ok(src), Ok(mut dst)) => r.process_into_buffer(&src, &mut dst, None).is_ok(),
            _ => false,
        };
        if !converted {
            self.output.fill(0.0);
        }
        &self.output
    }
}

/// A sample in [-1, 1) as 16-bit PCM.
pub fn to_i16(v: f32) -> i16 {
    (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// 16-bit PCM as a sample in [-1, 1).
pub fn to_f32(v: i16) -> f32 {
    f32::from(v) / 32768.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_keep_a_tone_at_any_pair_of_rates() {
        for (from, to) in [(48000, 8000), (44100, 16000), (16000, 48000), (48000, 48000)] {
            let mut c = FrameConverter::new(from, to, 20).unwrap();
            let mut out = Vec::new();
            let mut t = 0usize;
            for _ in 0..50 {
                for v in c.input_mut() {
                    *v = (t as f32 * std::f32::consts::TAU * 440.0 / from as f32).sin() * 0.5;
                    t += 1;
                }
                out.extend_from_slice(c.convert());
            }
            assert_eq!(out.len(), to as usize, "{from} → {to}");
            // Past the converter's delay, a 440 Hz sine at half scale: RMS 0.354.
            let tail = &out[c.delay() + 100..];
            let rms = (tail.iter().map(|v| v * v).sum::<f32>() / tail.len() as f32).sqrt();
            assert!((rms - 0.3536).abs() < 0.01, "{from} → {to}: rms {rms}");
        }
    }
}
