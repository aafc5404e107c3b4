//! The jitter buffer behind a seeded network: clean, then 30 ms of jitter (with
//! reordering), then clean again; and a lossy one. The delay must follow the network
//! (low when clean, enough under jitter, back down after) with few late packets.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::seeded;
use std::collections::BTreeMap;

use earshot_media::jitter::{JitterBuffer, Pull, Shed};

/// Runs `seconds` of 20 ms packets over a network of 20 ms base delay plus up to
/// `jitter_of(second)` ms, losing `loss` of them, pulling every 20 ms; returns per second
/// (mean send-to-play delay in ms, late, lost, frames played).
fn simulate(
    seconds: u64,
    seed: u64,
    loss: f64,
    jitter_of: impl Fn(u64) -> u64,
) -> Vec<(f64, u64, u64, u64)> {
    let mut rand = seeded(seed);
    let mut jb = JitterBuffer::new(20, 8000, 500);
    let mut wire: BTreeMap<(u64, u64), u16> = BTreeMap::new();
    let mut per_second = Vec::new();
    let (mut delay_sum, mut ticks, mut played) = (0.0, 0u64, 0u64);
    let mut last = jb.stats();
    for ms in 0..seconds * 1000 {
        if ms % 20 == 0 {
            let seq = (ms / 20) as u16;
            if rand() >= loss {
                let jitter = (rand() * jitter_of(ms / 1000) as f64) as u64;
                wire.insert((ms + 20 + jitter, ms), seq);
            }
        }
        while let Some((&(at, sent), &seq)) = wire.iter().next() {
            if at > ms {
                break;
            }
            wire.remove(&(at, sent));
            jb.push(seq, (sent / 20 * 160) as u32, &sent.to_le_bytes());
        }
        if ms % 20 == 10 {
            let sent_at = |p: Pull<'_>| match p {
                Pull::Frame { payload, .. } => {
                    Some(u64::from_le_bytes(payload.try_into().unwrap()))
                }
                _ => None,
            };
            let mut sent = sent_at(jb.pull());
            // These frames carry no audio: each is as good a place to shed as a pause.
            if sent.is_some() && jb.shed() != Shed::No {
                sent = sent_at(jb.skip());
            }
            if let Some(sent) = sent {
                // Mouth to ear through network and buffer: when it plays minus when sent.
                delay_sum += (ms - sent) as f64;
                ticks += 1;
                played += 1;
            }
        }
        if ms % 1000 == 999 {
            let s = jb.stats();
            per_second.push((
                delay_sum / ticks.max(1) as f64,
                s.late - last.late,
                s.lost - last.lost,
                played,
            ));
            last = s;
            delay_sum = 0.0;
            ticks = 0;
            played = 0;
        }
    }
    per_second
}

fn mean(v: &[(f64, u64, u64, u64)], f: impl Fn(&(f64, u64, u64, u64)) -> f64) -> f64 {
    v.iter().map(f).sum::<f64>() / v.len() as f64
}

#[test]
fn delay_follows_jitter_up_and_back_down() {
    for seed in [1u64, 2, 3] {
        let s = simulate(90, seed, 0.0, |sec| if (30..60).contains(&sec) { 30 } else { 0 });
        let clean = &s[10..30];
        let jittery = &s[35..60];
        let calm_again = &s[75..90];
        let (d_clean, d_jitter, d_after) =
            (mean(clean, |x| x.0), mean(jittery, |x| x.0), mean(calm_again, |x| x.0));
        let late: u64 = jittery.iter().map(|x| x.1).sum();
        let sent = jittery.len() as f64 * 50.0;
        eprintln!(
            "seed {seed}: delay clean {d_clean:.1} ms, jitter {d_jitter:.1} ms, after {d_after:.1} ms; late {:.2} %",
            100.0 * late as f64 / sent
        );
        // 20 ms network + 10 ms tick phase + one frame: 50 ms is the floor here.
        assert!(d_clean <= 55.0, "clean delay {d_clean}");
        assert!(d_jitter <= 100.0, "jitter delay {d_jitter}");
        assert!(late as f64 / sent <= 0.03, "late {late} of {sent}");
        assert!(d_after <= 60.0, "back down after the jitter: {d_after}");
        let played: u64 = s.iter().skip(2).map(|x| x.3).sum();
        assert!(played as f64 >= 0.95 * 88.0 * 50.0, "played {played}");
    }
}

#[test]
fn losses_are_counted_and_concealed() {
    let s = simulate(60, 9, 0.10, |_| 10);
    let lost: u64 = s.iter().map(|x| x.2).sum();
    let rate = lost as f64 / (60.0 * 50.0);
    assert!((0.07..=0.13).contains(&rate), "10 % loss measured as {rate}");
}
