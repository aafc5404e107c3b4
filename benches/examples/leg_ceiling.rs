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
    let conditions =
        [(0.0, 0, 1), (0.03, 0, 3), (0.03, 0, 4), (0.10, 0, 10), (0.10, 0, 11), (0.0, 30, 30)];
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
                let delay = 5 + (rng.next_f64() * f64::from(jitter_ms)) as u64;
                wire.insert((ms + delay, tick as u64), packet);
            }
            while let Some(entry) = wire.first_entry() {
                if entry.key().0 > ms + 10 {
                    break;
                }
                let ((at, _), packet) = entry.remove_entry();
                b.receive(&packet, at * 1000 + 3000);
            }
            b.play(&mut out, (ms + 10) * 1000);
            heard.extend_from_slice(&out);
        }
        let s = b.stats(0.0);
        let jb = s.jitter_buffer;
        let p = pesq(&speech, &heard[..speech.len()], rate as u32);
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
}
