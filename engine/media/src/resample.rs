//! Sample-rate conversion of whole signals (rubato's synchronous FFT resampler): WAV files
//! and prompts recorded at one rate played into a loop running at another, and tests that
//! compare what was sent with what arrived at the codec's rate.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

#[derive(Debug, thiserror::Error)]
pub enum ResampleError {
    #[error("cannot resample {from} Hz to {to} Hz: {reason}")]
    Unsupported { from: u32, to: u32, reason: String },
}

/// `pcm` at `from` Hz, converted to `to` Hz (mono), delay-compensated so that sample `i`
/// of the result is at the time of sample `i × from / to` of the input.
pub fn resample(pcm: &[i16], from: u32, to: u32) -> Result<Vec<i16>, ResampleError> {
    if from == to || pcm.is_empty() {
        return Ok(pcm.to_vec());
    }
    let unsupported = |reason: String| ResampleError::Unsupported { from, to, reason };
    let input: Vec<f32> = pcm.iter().map(|&s| f32::from(s) / 32768.0).collect();
    let mut resampler = Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Both)
        .map_err(|e| unsupported(e.to_string()))?;
    let needed = resampler.process_all_needed_output_len(input.len());
    let mut output = vec![0.0f32; needed];
    let source =
        InterleavedSlice::new(&input, 1, input.len()).map_err(|e| unsupported(e.to_string()))?;
    let mut sink = InterleavedSlice::new_mut(&mut output, 1, needed)
        .map_err(|e| unsupported(e.to_string()))?;
    let (_, produced) = resampler
        .process_all_into_buffer(&source, &mut sink, input.len(), None)
        .map_err(|e| unsupported(e.to_string()))?;
    output.truncate(produced);
    Ok(output.iter().map(|&v| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                ((i as f64 * std::f64::consts::TAU * freq / f64::from(rate)).sin() * 10000.0) as i16
            })
            .collect()
    }

    #[test]
    fn a_tone_keeps_its_frequency_level_and_time() {
        let input = tone(440.0, 22050, 22050);
        let out = resample(&input, 22050, 8000).unwrap();
        assert!((7990..=8010).contains(&out.len()), "{}", out.len());
        let expected = tone(440.0, 8000, out.len());
        let (mut err, mut sig) = (0.0f64, 0.0f64);
        for (&a, &b) in out.iter().zip(&expected).skip(200).take(7000) {
            err += (f64::from(a) - f64::from(b)).powi(2);
            sig += f64::from(b).powi(2);
        }
        let snr = 10.0 * (sig / err).log10();
        // 20 dB against the ideal tone allows a timing error of at most ~0.05 ms.
        assert!(snr > 20.0, "SNR {snr:.1} dB: in time");
        let rms = |s: &[i16]| {
            (s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
        };
        let ratio = rms(&out[200..7200]) / rms(&expected[200..7200]);
        assert!((0.99..1.01).contains(&ratio), "level ratio {ratio:.4}");
    }

    #[test]
    fn content_above_the_new_nyquist_is_removed() {
        let out = resample(&tone(6000.0, 22050, 22050), 22050, 8000).unwrap();
        let rms =
            (out.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / out.len() as f64).sqrt();
        assert!(rms < 100.0, "a 6 kHz tone is gone at 8 kHz: rms {rms:.0}");
    }
}
