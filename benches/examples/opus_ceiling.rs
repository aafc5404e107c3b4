//! What Opus alone can score on the side-by-side benchmark's speech: PESQ-WB by bitrate,
//! band limit and loss protection, with no network, jitter buffer or sound card in the
//! way — the ceiling the whole path is measured against.
//! `cargo run --release -p earshot-benches --example opus_ceiling [BITRATE,…]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use earshot_benches::relay::Seeded;
use earshot_benches::signal::{SPEECH, VOICE};
use earshot_engine::media::codec::{Codec, Opus, OpusParams};
use earshot_tests::speech::{pesq, say};

const FRAME: usize = 960;

/// Encodes `speech` at `bitrate`, protecting against `hint` % loss, loses `loss` of the
/// packets (seeded), rebuilds a lost frame from the next packet's FEC when `use_fec` (else
/// libopus conceals it), and scores the result.
fn score(speech: &[i16], bitrate: i32, band: u32, loss: f64, hint: u8, use_fec: bool) {
    let params = OpusParams { bitrate, dtx: false, fec: true, max_playback_rate: band };
    let mut codec = Opus::with_params(params).expect("opus");
    codec.set_loss_hint(hint);
    let packets: Vec<Vec<u8>> = speech
        .chunks_exact(FRAME)
        .map(|f| {
            let mut b = [0u8; 1500];
            let n = codec.encode(f, &mut b);
            b[..n].to_vec()
        })
        .collect();
    let mut rng = Seeded::new(3);
    let lost: Vec<bool> = packets.iter().map(|_| rng.next_f64() < loss).collect();
    let mut out = Vec::with_capacity(speech.len());
    let mut frame = [0i16; FRAME];
    for (i, packet) in packets.iter().enumerate() {
        match (lost[i], packets.get(i + 1).filter(|_| !lost.get(i + 1).unwrap_or(&true))) {
            (false, _) => codec.decode(packet, &mut frame),
            (true, Some(next)) if use_fec => codec.recover(next, &mut frame),
            (true, _) => codec.conceal(&mut frame),
        };
        out.extend_from_slice(&frame);
    }
    let bytes: usize = packets.iter().map(Vec::len).sum();
    let kbps = bytes as f64 * 8.0 / (packets.len() as f64 * 0.02) / 1000.0;
    let p = pesq(&speech[..out.len()], &out, 48000);
    println!(
        "{bitrate:>6} bit/s band {band:>5} Hz loss {:>2.0} % protect {hint:>2} % fec {use_fec:<5}: \
         {kbps:.1} kbit/s sent, PESQ-WB {p:.2}",
        loss * 100.0
    );
}

fn main() {
    let mut speech = vec![0i16; 48000];
    speech.extend(say(SPEECH, VOICE, 48000));
    speech.extend(vec![0i16; 24000]);
    let bitrates: Vec<i32> = std::env::args()
        .nth(1)
        .map(|s| s.split(',').map(|b| b.parse().expect("bit/s")).collect())
        .unwrap_or(vec![32000, 40000, 48000]);
    for &b in &bitrates {
        for band in [48000, 16000] {
            score(&speech, b, band, 0.0, 0, false);
        }
        score(&speech, b, 48000, 0.0, 5, false);
        for loss in [0.03, 0.10] {
            score(&speech, b, 48000, loss, 0, false);
            score(&speech, b, 48000, loss, 5, true);
        }
    }
}
