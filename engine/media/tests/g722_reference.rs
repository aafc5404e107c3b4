//! The in-house G.722 against an independent implementation (`ezk-g722`'s port of the
//! public-domain reference): bit-exact codes from the encoder and bit-exact samples from
//! the decoder, on speech-like sweeps, noise and full-scale clipping. `ezk-g722` leaves
//! the scale factors at 0 instead of the reset values of G.722 §6.3 (DETL 32, DETH 8), so
//! ours start the same way here; every later step must then agree exactly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use earshot_media::codec::{G722Decoder, G722Encoder};
use ezk_g722::libg722::{Bitrate, decoder::Decoder, encoder::Encoder};

const LEAD_IN: usize = 320;

fn signals() -> Vec<(&'static str, Vec<i16>)> {
    let n = 32000;
    let sweep = (0..n)
        .map(|i| {
            let t = i as f64 / 16000.0;
            // A chirp from 50 Hz to 7.5 kHz with a syllable-like envelope.
            let phase = std::f64::consts::TAU * (50.0 * t + 7450.0 / 4.0 * t * t);
            (phase.sin() * (0.3 + 0.7 * (t * 25.0).sin().abs()) * 20000.0) as i16
        })
        .collect();
    let mut x: u32 = 0x1234_5678;
    let noise = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 16) as i16
        })
        .collect();
    let clipped = (0..n).map(|i| if (i / 40) % 2 == 0 { i16::MAX } else { i16::MIN }).collect();
    let lead = |s: Vec<i16>| [vec![0i16; LEAD_IN], s].concat();
    vec![("sweep", lead(sweep)), ("noise", lead(noise)), ("clipped square", lead(clipped))]
}

#[test]
fn encoder_and_decoder_match_the_reference_bit_for_bit() {
    for (name, pcm) in signals() {
        let theirs = Encoder::new(Bitrate::Mode1_64000, false, false).encode(&pcm);
        let mut ours = vec![0u8; pcm.len() / 2];
        // In 20 ms frames, as the media loop calls it.
        let mut enc = G722Encoder::with_initial_scales(0, 0);
        for (p, o) in pcm.chunks(320).zip(ours.chunks_mut(160)) {
            assert_eq!(enc.encode(p, o), 160);
        }
        let first = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        assert_eq!(first, None, "{name}: encoder differs at octet {first:?}");
        assert_eq!(ours.len(), theirs.len());

        let theirs = Decoder::new(Bitrate::Mode1_64000, false, false).decode(&ours);
        let mut dec = G722Decoder::with_initial_scales(0, 0);
        let mut back = vec![0i16; pcm.len()];
        for (c, o) in ours.chunks(160).zip(back.chunks_mut(320)) {
            assert_eq!(dec.decode(c, o), 320);
        }
        let first = back.iter().zip(&theirs).position(|(a, b)| a != b);
        assert_eq!(first, None, "{name}: decoder differs at sample {first:?}");
        assert_eq!(back.len(), theirs.len());
    }
}
