//! Two media legs through a seeded in-memory network on a virtual clock: a speech-like
//! signal goes from one to the other and is compared with what arrives (correlation per
//! window at the best lag), clean, with loss, and with jitter; DTMF goes across once.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;

use earshot_engine::media::leg::{Leg, LegConfig};

const RATE: usize = 8000;
const FRAME: usize = 160;

/// A voiced, syllabic test signal: harmonics of a gliding pitch under a 4 Hz envelope.
fn speechlike(seconds: usize) -> Vec<i16> {
    (0..seconds * RATE)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let f0 = 120.0 + 40.0 * (t * 0.7).sin();
            let env = 0.5 + 0.5 * (std::f32::consts::TAU * 4.0 * t).sin().max(-0.6);
            let mut v = 0.0;
            for h in 1..=8 {
                v += (std::f32::consts::TAU * f0 * h as f32 * t).sin() / h as f32;
            }
            (v * env * 5000.0) as i16
        })
        .collect()
}

fn config(ssrc: u32) -> LegConfig {
    LegConfig {
        codec: "PCMU".into(),
        payload_type: 0,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc,
        max_delay_ms: 400,
    }
}

struct Outcome {
    received: Vec<i16>,
    digits: String,
    lost: i64,
}

fn run(
    seconds: usize,
    loss: f64,
    jitter_ms: u64,
    seed: u64,
    digit_at: Option<usize>,
) -> (Vec<i16>, Outcome) {
    let mut rng = seed;
    let mut rand = move || {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        (rng.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let sent = speechlike(seconds);
    let mut a = Leg::new(config(0x1111)).unwrap();
    let mut b = Leg::new(config(0x2222)).unwrap();
    let mut wire: BTreeMap<(u64, u64), Vec<u8>> = BTreeMap::new();
    let mut received = Vec::with_capacity(sent.len());
    let mut digits = String::new();
    let mut out = [0i16; FRAME];
    for tick in 0..seconds * 50 + 25 {
        let ms = tick as u64 * 20;
        if Some(tick) == digit_at {
            assert!(a.send_dtmf('7', 100));
        }
        let frame = sent.get(tick * FRAME..(tick + 1) * FRAME).unwrap_or(&[0; FRAME]);
        let pkt = a.send(frame).to_vec();
        if rand() >= loss {
            let delay = 20 + (rand() * jitter_ms as f64) as u64;
            wire.insert((ms + delay, tick as u64), pkt);
        }
        while let Some((&(at, k), _)) = wire.iter().next() {
            if at > ms + 10 {
                break;
            }
            let pkt = wire.remove(&(at, k)).unwrap();
            if let Some(d) = b.receive(&pkt, at) {
                digits.push(d);
            }
        }
        b.play(&mut out);
        received.extend_from_slice(&out);
    }
    let lost = b.stats(20.0).lost;
    (sent, Outcome { received, digits, lost })
}

/// Mean over 250 ms windows of the best normalised correlation within ±`search` samples of
/// `base_lag`, and the overall lag found.
fn windowed_correlation(sent: &[i16], got: &[i16]) -> (f64, usize) {
    let corr_at = |s: &[i16], g: &[i16]| {
        let (mut sg, mut ss, mut gg) = (0.0f64, 0.0f64, 0.0f64);
        for (&x, &y) in s.iter().zip(g) {
            sg += f64::from(x) * f64::from(y);
            ss += f64::from(x).powi(2);
            gg += f64::from(y).powi(2);
        }
        if ss == 0.0 || gg == 0.0 { 0.0 } else { sg / (ss * gg).sqrt() }
    };
    // Overall lag from the second second.
    let probe = &sent[RATE..2 * RATE];
    let lag = (0..4000)
        .max_by(|&x, &y| {
            corr_at(probe, &got[RATE + x..]).total_cmp(&corr_at(probe, &got[RATE + y..]))
        })
        .unwrap();
    let win = RATE / 4;
    let mut total = 0.0;
    let mut n = 0;
    let mut start = 2 * RATE;
    while start + win + lag + 2000 < got.len() && start + win < sent.len() {
        let s = &sent[start..start + win];
        let best = (lag.saturating_sub(1600)..lag + 1600)
            .map(|l| corr_at(s, &got[start + l..]))
            .fold(f64::MIN, f64::max);
        total += best;
        n += 1;
        start += win;
    }
    (total / n as f64, lag)
}

#[test]
fn clean_network_keeps_the_signal() {
    let (sent, o) = run(10, 0.0, 0, 1, None);
    let (corr, lag) = windowed_correlation(&sent, &o.received);
    let delay_ms = lag as f64 / 8.0;
    eprintln!("clean: correlation {corr:.4}, delay {delay_ms} ms");
    assert!(corr > 0.98, "{corr}");
    assert!(delay_ms <= 60.0, "{delay_ms} ms");
    assert_eq!(o.lost, 0);
}

#[test]
fn loss_is_concealed_and_counted() {
    let (sent, o) = run(10, 0.05, 0, 2, None);
    let (corr, _) = windowed_correlation(&sent, &o.received);
    eprintln!("5 % loss: correlation {corr:.4}, lost {}", o.lost);
    assert!(corr > 0.85, "{corr}");
    assert!((10..=45).contains(&o.lost), "about 25 of 500 lost: {}", o.lost);
}

#[test]
fn jitter_is_absorbed() {
    let (sent, o) = run(10, 0.0, 30, 3, None);
    let (corr, lag) = windowed_correlation(&sent, &o.received);
    eprintln!("30 ms jitter: correlation {corr:.4}, delay {} ms", lag as f64 / 8.0);
    assert!(corr > 0.9, "{corr}");
    assert!(lag as f64 / 8.0 <= 120.0);
}

#[test]
fn dtmf_crosses_once() {
    let (_, o) = run(3, 0.0, 10, 4, Some(50));
    assert_eq!(o.digits, "7");
}
