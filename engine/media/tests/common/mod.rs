//! What the engine's integration tests share: a speech-like test signal, a seeded random
//! source for network impairments, and a PCMU leg.
#![allow(dead_code, clippy::unwrap_used)]

use earshot_media::leg::{Leg, LegConfig};

/// `seconds` of a voiced, speech-like signal at `rate`: the pitch glides between 80 and
/// 160 Hz with eight harmonics under a 4 Hz syllable envelope. The phase is integrated so
/// that the frequency really stays there for any length.
pub fn speechlike(seconds: usize, rate: usize) -> Vec<i16> {
    let mut phase = 0.0f64;
    (0..seconds * rate)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let f0 = 120.0 + 40.0 * (t * 0.7).sin();
            phase += std::f64::consts::TAU * f0 / rate as f64;
            let env = 0.5 + 0.5 * (std::f64::consts::TAU * 4.0 * t).sin().max(-0.6);
            let v: f64 = (1..=8).map(|h| (phase * f64::from(h)).sin() / f64::from(h)).sum();
            (v * env * 5000.0) as i16
        })
        .collect()
}

/// Uniform numbers in [0, 1) from `seed` (xorshift64*: deterministic, no dependency).
pub fn seeded(seed: u64) -> impl FnMut() -> f64 {
    let mut rng = seed;
    move || {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        (rng.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A PCMU leg (payload type 0, telephone-event 101, 20 ms) sending as `ssrc`.
pub fn pcmu_leg(ssrc: u32) -> Leg {
    Leg::new(LegConfig {
        codec: "PCMU".into(),
        fmtp: None,
        payload_type: 0,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc,
        max_delay_ms: 300,
    })
    .unwrap()
}
