//! Clock drift between a sender and the card that plays what it sends: a tone that never
//! pauses (so no silence can be cut) goes from one leg to another whose ticks run 0.1 %
//! slower or faster than the sender's — 48 048 against 48 000 Hz — for a minute on a
//! virtual clock. The receiving jitter buffer must shed or grow the difference (60 ms)
//! without its delay running away, and without a click: the largest second difference of
//! what is played stays near that of the same tone played without drift.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::pcmu_leg;

const RATE: usize = 8000;
const FRAME: usize = 160;
const SECONDS: usize = 60;

/// Two tones that never pause, at a level where μ-law keeps them clean.
fn tones(n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f64 / RATE as f64;
            let v = (std::f64::consts::TAU * 330.0 * t).sin()
                + 0.6 * (std::f64::consts::TAU * 523.0 * t).sin();
            (v * 7000.0) as i16
        })
        .collect()
}

/// The largest second difference: a click (a step in the waveform) is many times what
/// the tone itself reaches.
fn roughness(x: &[i16]) -> i32 {
    x.windows(3)
        .map(|w| (i32::from(w[0]) - 2 * i32::from(w[1]) + i32::from(w[2])).abs())
        .max()
        .unwrap_or(0)
}

struct Outcome {
    played: Vec<i16>,
    /// The jitter buffer's delay at each tick, in ms.
    delays: Vec<u32>,
    compressed_ms: u64,
    concealed_ms: u64,
}

/// The sender's clock runs `ppm` parts per million faster than the receiver's.
fn run(ppm: i64) -> Outcome {
    let sent = tones((SECONDS + 1) * RATE);
    let mut a = pcmu_leg(0x1111);
    let mut b = pcmu_leg(0x2222);
    let sender_period_us = 20_000.0 * 1e6 / (1e6 + ppm as f64);
    let (mut played, mut delays) = (Vec::new(), Vec::new());
    let mut out = [0i16; FRAME];
    let mut next_send = 0usize;
    for tick in 0..SECONDS * 50 {
        let now_us = tick as u64 * 20_000 + 10_000;
        // Every packet the sender has made 5 ms before this tick has arrived.
        while (next_send as f64 * sender_period_us) as u64 + 5_000 <= now_us {
            let pcm = &sent[next_send * FRAME..(next_send + 1) * FRAME];
            let arrival = (next_send as f64 * sender_period_us) as u64 + 5_000;
            a.send(pcm);
            let packet = a.next_packet().expect("a packet each frame").to_vec();
            b.receive(&packet, arrival);
            next_send += 1;
        }
        b.play(&mut out);
        played.extend_from_slice(&out);
        delays.push(b.stats(0.0).jitter_buffer.delay_ms);
    }
    let s = b.stats(0.0);
    Outcome { played, delays, compressed_ms: s.compressed_ms, concealed_ms: s.concealed_ms }
}

/// The tone through μ-law and back, with no jitter buffer in the way: how rough it is
/// with nothing shed or grown.
fn codec_alone_roughness() -> i32 {
    let mut codec = earshot_media::codec::create("PCMU").unwrap();
    let (mut payload, mut decoded) = ([0u8; 160], [0i16; FRAME]);
    tones(2 * RATE)
        .chunks_exact(FRAME)
        .map(|frame| {
            let n = codec.encode(frame, &mut payload);
            codec.decode(&payload[..n], &mut decoded);
            roughness(&decoded)
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn drift_is_absorbed_without_clicks() {
    let steady = |o: &Outcome| o.played[2 * RATE..].to_vec();
    let smooth = codec_alone_roughness();
    let reference = run(0);
    assert!(roughness(&steady(&reference)) <= smooth * 3 / 2, "the start-up shed clicks");
    // Without drift only the start-up frame of excess is shed (the tone never pauses,
    // so by compression), and nothing is concealed.
    assert!(reference.compressed_ms <= 20 && reference.concealed_ms == 0);
    for ppm in [1000, -1000] {
        let o = run(ppm);
        let rough = roughness(&steady(&o));
        let late = &o.delays[o.delays.len() / 2..];
        let (lo, hi) = (late.iter().min().unwrap(), late.iter().max().unwrap());
        eprintln!(
            "sender {ppm:+} ppm: compressed {} ms, concealed {} ms, delay {lo}–{hi} ms over \
             the second half, roughness {rough} (the codec alone: {smooth})",
            o.compressed_ms, o.concealed_ms
        );
        if ppm > 0 {
            // 60 ms more sent than played: shed by compression once each excess has
            // lasted (the last may still be waiting when the minute ends).
            let shed = o.compressed_ms - reference.compressed_ms;
            assert!((20..=80).contains(&shed), "{shed}");
        } else {
            // 60 ms less: grown by concealment, a frame at a time.
            assert!((40..=100).contains(&o.concealed_ms), "{}", o.concealed_ms);
        }
        assert!(*hi <= 60, "the delay does not run away: {lo}–{hi} ms");
        assert!(rough <= smooth * 3 / 2, "a click: {rough} against {smooth} from the codec alone");
    }
}
