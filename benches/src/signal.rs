//! The benchmark's test signal and what is measured on it: a second of silence (the
//! receiver settles), espeak-ng speech (scored with PESQ), a second of silence, then a
//! train of short noise bursts (each found again in the recording by cross-correlation:
//! the mouth-to-ear delay, burst by burst).

use std::ops::Range;

use earshot_engine::media::resample::resample;
use earshot_tests::speech::pesq;

use crate::relay::Seeded;

/// What the caller says (a contact-centre sentence), and in which espeak-ng voice.
pub const SPEECH: &str = "Thank you for calling. Your account number is four seven two nine, \
                      and the parcel left our warehouse on Tuesday morning. \
                      Is there anything else I can help you with today?";
pub const VOICE: &str = "en-us";

/// The rig's rate.
pub const RATE: u32 = 48000;
const BURST_MS: usize = 20;
const BURST_EVERY_MS: usize = 400;
const BURSTS: usize = 12;
/// The longest delay searched for.
pub const MAX_DELAY_MS: usize = 380;

/// What the mouth plays.
#[derive(Debug, Clone)]
pub struct TestSignal {
    pub samples: Vec<f32>,
    pub speech: Range<usize>,
    pub bursts: Vec<usize>,
    burst: Vec<f32>,
}

fn ms(n: usize) -> usize {
    n * RATE as usize / 1000
}

/// Builds the signal around `speech` (mono PCM at 48 kHz).
pub fn build(speech: &[i16]) -> TestSignal {
    let mut rng = Seeded::new(42);
    let len = ms(BURST_MS);
    let burst: Vec<f32> = (0..len)
        .map(|i| {
            let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / len as f64).cos();
            ((rng.next_f64() * 2.0 - 1.0) * 0.5 * hann) as f32
        })
        .collect();
    let mut samples = vec![0.0f32; ms(1000)];
    let start = samples.len();
    samples.extend(speech.iter().map(|&s| f32::from(s) / 32768.0));
    let speech_range = start..samples.len();
    samples.resize(samples.len() + ms(1000), 0.0);
    let mut bursts = Vec::new();
    for _ in 0..BURSTS {
        bursts.push(samples.len());
        samples.extend_from_slice(&burst);
        samples.resize(samples.len() + ms(BURST_EVERY_MS - BURST_MS), 0.0);
    }
    samples.resize(samples.len() + ms(MAX_DELAY_MS), 0.0);
    TestSignal { samples, speech: speech_range, bursts, burst }
}

/// The delay of each burst found in `recording` (ms), where found clearly.
pub fn burst_delays_ms(signal: &TestSignal, recording: &[f32]) -> Vec<f64> {
    let b = &signal.burst;
    let energy_b: f64 = b.iter().map(|&v| f64::from(v).powi(2)).sum();
    let mut delays = Vec::new();
    for &p in &signal.bursts {
        let mut best = (0.0f64, 0usize);
        for lag in 0..ms(MAX_DELAY_MS) {
            let Some(seg) = recording.get(p + lag..p + lag + b.len()) else { break };
            let (mut cross, mut energy_s) = (0.0f64, 0.0f64);
            for (&x, &y) in b.iter().zip(seg) {
                cross += f64::from(x) * f64::from(y);
                energy_s += f64::from(y).powi(2);
            }
            let corr = cross / (energy_b * energy_s).sqrt().max(1e-12);
            if corr > best.0 {
                best = (corr, lag);
            }
        }
        if best.0 > 0.3 {
            delays.push(best.1 as f64 * 1000.0 / f64::from(RATE));
        }
    }
    delays
}

/// PESQ of the speech in `recording` (arriving `delay_ms` late) against what was said:
/// wideband at 16 kHz, or narrowband at 8 kHz.
pub fn speech_pesq(signal: &TestSignal, recording: &[f32], delay_ms: f64, wideband: bool) -> f64 {
    let to_i16 = |v: &f32| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
    let offset = (delay_ms * f64::from(RATE) / 1000.0) as usize;
    // Half a second of lead and tail around the speech: PESQ aligns within it.
    let (from, to) = (signal.speech.start - ms(500), signal.speech.end + ms(500));
    let reference: Vec<i16> =
        signal.samples.get(from..to).unwrap_or(&[]).iter().map(to_i16).collect();
    let degraded: Vec<i16> = recording
        .get(from + offset..(to + offset).min(recording.len()))
        .unwrap_or(&[])
        .iter()
        .map(to_i16)
        .collect();
    let rate = if wideband { 16000 } else { 8000 };
    let (Ok(r), Ok(d)) = (resample(&reference, RATE, rate), resample(&degraded, RATE, rate)) else {
        return 0.0;
    };
    pesq(&r, &d, rate)
}

/// The median of `v` (0 if empty).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_found_to_the_sample() {
        let sig = build(&vec![0i16; 48000]);
        // 37.5 ms of delay and some quiet noise.
        let mut rec = vec![0.0f32; 1800];
        rec.extend_from_slice(&sig.samples);
        let mut rng = Seeded::new(3);
        for v in &mut rec {
            *v += ((rng.next_f64() - 0.5) * 0.01) as f32;
        }
        let d = burst_delays_ms(&sig, &rec);
        assert_eq!(d.len(), BURSTS);
        assert!(d.iter().all(|&x| (x - 37.5).abs() < 0.05), "{d:?}");
    }
}
