//! What the jitter buffer and concealment cost on their own: two legs through a seeded
//! in-memory network (loss, or uniform jitter with reordering) on a virtual clock, the
//! side-by-side benchmark's speech, PESQ of what the receiving leg plays — the same
//! conditions as the JACK rig without its timing, sound card or other processes.
//! `cargo run --release -p earshot-benches --example leg_ceiling [CODEC] [FMTP]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use earshot_benches::relay::Seeded;
use earshot_benches::signal::{SPEECH, VOICE};
use earshot_engine::media::leg::{Leg, LegConfig};
use earshot_tests::speech::{pesq, say};

fn config(codec: &str, payload_type: u8, ssrc: u32, fmtp: Option<String>) -> LegConfig {
    LegConfig {
        codec: codec.into(),
        fmtp,
        payload_type,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc,
        max_delay_ms: 400,
    }
}

fn main() {
    let codec = std::env::args().nth(1).unwrap_or("opus".into());
    let fmtp = std::env::args().nth(2);
    let (pt, rate) = match codec.as_str() {
        "opus" => (111, 48000),
        "G722" => (9, 16000),
        _ => (0, 8000),
    };
    let frame = rate / 50;
    let mut speech = vec![0i16; rate];
    speech.extend(say(SPEECH, VOICE, rate as u32));
    speech.extend(vec![0i16; rate]);
    // `SEEDS=n`: n calls per lossy condition (seeds 100…), the mean and lowest printed.
    let seeds: u64 = std::env::var("SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut conditions =
        vec![(0.0, 0, 1), (0.03, 0, 3), (0.03, 0, 4), (0.10, 0, 10), (0.10, 0, 11), (0.0, 30, 30)];
    if seeds > 0 {
        conditions = (0..seeds).flat_map(|k| [(0.03, 0, 100 + k), (0.10, 0, 200 + k)]).collect();
    }
    // `WOBBLE_US=n`: ticks land up to n µs late, packets up to n µs apart from their
    // send time — a loop paced by a sound card's periods, as on the JACK rig.
    let wobble: u64 = std::env::var("WOBBLE_US").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut scores: Vec<(f64, f64)> = Vec::new();
    for (loss, jitter_ms, seed) in conditions {
        let mut a = Leg::new(config(&codec, pt, 1, fmtp.clone())).expect("codec");
        let mut b = Leg::new(config(&codec, pt, 2, fmtp.clone())).expect("codec");
        let mut rng = Seeded::new(seed);
        let mut wire: BTreeMap<(u64, u64), Vec<u8>> = BTreeMap::new();
        let mut out = vec![0i16; frame];
        let mut heard = Vec::with_capacity(speech.len() + rate);
        let silence = vec![0i16; frame];
        for tick in 0..speech.len() / frame + 25 {
            let ms = tick as u64 * 20;
            let pcm = speech.get(tick * frame..(tick + 1) * frame).unwrap_or(&silence);
            a.send(pcm);
            let packet = a.next_packet().expect("a packet each 20 ms").to_vec();
            if rng.next_f64() >= loss {
                let delay_us = 5000
                    + (rng.next_f64() * f64::from(jitter_ms) * 1000.0) as u64
                    + (rng.next_f64() * wobble as f64) as u64;
                wire.insert((ms * 1000 + delay_us, tick as u64), packet);
            }
            let pull_us = (ms + 10) * 1000 + (rng.next_f64() * wobble as f64) as u64;
            while let Some(entry) = wire.first_entry() {
                if entry.key().0 > pull_us {
                    break;
                }
                let ((at, _), packet) = entry.remove_entry();
                b.receive(&packet, at);
            }
            b.play(&mut out);
            heard.extend_from_slice(&out);
        }
        let s = b.stats(0.0);
        let jb = s.jitter_buffer;
        let p = pesq(&speech, &heard[..speech.len()], rate as u32);
        scores.push((loss, p));
        println!(
            "{codec} loss {:>2.0} % jitter {jitter_ms:>2} ms seed {seed:>2}: PESQ {p:.2}  lost {} \
             recovered {} concealed {} ms dropped {} stretched {} underflow {} target {} ms",
            loss * 100.0,
            jb.lost,
            s.recovered,
            s.concealed_ms,
            jb.dropped,
            jb.stretched,
            jb.underflow,
            jb.target_ms
        );
    }
    for loss in [0.03, 0.10] {
        let v: Vec<f64> = scores.iter().filter(|s| s.0 == loss).map(|s| s.1).collect();
        if v.len() > 2 {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let min = v.iter().copied().fold(f64::MAX, f64::min);
            println!(
                "loss {:.0} %: mean PESQ {mean:.2} over {} calls, lowest {min:.2}",
                loss * 100.0,
                v.len()
            );
        }
    }
}
