//! Two media legs through a seeded in-memory network on a virtual clock: a speech-like
//! signal goes from one to the other and is compared with what arrives (correlation per
//! window at the best lag), clean, with loss, and with jitter, for PCMU and Opus (with its
//! in-band FEC); DTMF goes across once.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{seeded, speechlike};
use std::collections::BTreeMap;

use earshot_media::leg::{Leg, LegConfig};

/// A voiced, syllabic test signal: harmonics of a gliding pitch under a 4 Hz envelope.
/// A codec under test: its rtpmap name, payload type and sample rate.
#[derive(Clone, Copy)]
struct Codec {
    name: &'static str,
    pt: u8,
    rate: usize,
}

const PCMU: Codec = Codec { name: "PCMU", pt: 0, rate: 8000 };
const G722: Codec = Codec { name: "G722", pt: 9, rate: 16000 };
const OPUS: Codec = Codec { name: "opus", pt: 111, rate: 48000 };

fn config(codec: Codec, ssrc: u32) -> LegConfig {
    LegConfig {
        codec: codec.name.into(),
        fmtp: None,
        payload_type: codec.pt,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc,
        max_delay_ms: 400,
    }
}

struct Outcome {
    received: Vec<i16>,
    packets_sent: u64,
    digits: String,
    lost: i64,
    recovered: u64,
    /// Frames the jitter buffer found missing, and the time concealed.
    frames_missing: u64,
    concealed_ms: u64,
}

/// Sends `seconds` of signal from leg A to leg B over 20 ms + up to `jitter_ms`, losing
/// `loss` of the packets (seeded), and records what B plays.
fn run(
    codec: Codec,
    seconds: usize,
    loss: f64,
    jitter_ms: u64,
    seed: u64,
    digit_at: Option<usize>,
) -> (Vec<i16>, Outcome) {
    run_with_ptime(codec, (20, 20), seconds, loss, jitter_ms, seed, digit_at)
}

/// As [`run`], with A sending packets of `ptimes.0` ms while B was set up for `ptimes.1`
/// (a peer need not send what it was asked for); the loop frame stays 20 ms.
fn run_with_ptime(
    codec: Codec,
    ptimes: (u32, u32),
    seconds: usize,
    loss: f64,
    jitter_ms: u64,
    seed: u64,
    digit_at: Option<usize>,
) -> (Vec<i16>, Outcome) {
    let frame = codec.rate / 50;
    let mut rand = seeded(seed);
    let sent = speechlike(seconds, codec.rate);
    let mut a = Leg::new(LegConfig { ptime_ms: ptimes.0, ..config(codec, 0x1111) }).unwrap();
    let mut b = Leg::new(LegConfig { ptime_ms: ptimes.1, ..config(codec, 0x2222) }).unwrap();
    // What RTCP would tell the sender about this path (Opus then spends bits on FEC).
    a.set_loss_hint((loss * 100.0).round() as u8);
    let mut wire: BTreeMap<(u64, u64), Vec<u8>> = BTreeMap::new();
    let mut received = Vec::with_capacity(sent.len());
    let mut digits = String::new();
    let mut out = vec![0i16; frame];
    let silence = vec![0i16; frame];
    for tick in 0..seconds * 50 + 25 {
        let ms = tick as u64 * 20;
        if Some(tick) == digit_at {
            assert!(a.send_dtmf('7', 100));
        }
        let pcm = sent.get(tick * frame..(tick + 1) * frame).unwrap_or(&silence);
        a.send(pcm);
        let mut n = 0;
        while let Some(pkt) = a.next_packet() {
            if rand() >= loss {
                let delay = 20 + (rand() * jitter_ms as f64) as u64;
                wire.insert((ms + delay, tick as u64 * 10 + n), pkt.to_vec());
            }
            n += 1;
        }
        while let Some((&(at, k), _)) = wire.iter().next() {
            if at > ms + 10 {
                break;
            }
            let pkt = wire.remove(&(at, k)).unwrap();
            if let Some(d) = b.receive(&pkt, at * 1000) {
                digits.push(d);
            }
        }
        b.play(&mut out);
        received.extend_from_slice(&out);
    }
    let stats = b.stats(20.0);
    let outcome = Outcome {
        packets_sent: a.stats(0.0).packets_sent,
        received,
        digits,
        lost: stats.lost,
        recovered: stats.recovered,
        frames_missing: stats.jitter_buffer.lost,
        concealed_ms: stats.concealed_ms,
    };
    (sent, outcome)
}

/// Mean over 250 ms windows of the best normalised correlation near the overall lag, and
/// that lag (in samples).
fn windowed_correlation(sent: &[i16], got: &[i16], rate: usize) -> (f64, usize) {
    let corr_at = |s: &[i16], g: &[i16]| {
        let (mut sg, mut ss, mut gg) = (0.0f64, 0.0f64, 0.0f64);
        for (&x, &y) in s.iter().zip(g) {
            sg += f64::from(x) * f64::from(y);
            ss += f64::from(x).powi(2);
            gg += f64::from(y).powi(2);
        }
        if ss == 0.0 || gg == 0.0 { 0.0 } else { sg / (ss * gg).sqrt() }
    };
    let scale = rate / 8000;
    let probe = &sent[rate..2 * rate];
    let lag = (0..4000 * scale)
        .step_by(scale)
        .max_by(|&x, &y| {
            corr_at(probe, &got[rate + x..]).total_cmp(&corr_at(probe, &got[rate + y..]))
        })
        .unwrap();
    let win = rate / 4;
    let search = 1600 * scale;
    let (mut total, mut n, mut start) = (0.0, 0, 2 * rate);
    while start + win + lag + search < got.len() && start + win < sent.len() {
        let s = &sent[start..start + win];
        let best = (lag.saturating_sub(search)..lag + search)
            .step_by(scale)
            .map(|l| corr_at(s, &got[start + l..]))
            .fold(f64::MIN, f64::max);
        total += best;
        n += 1;
        start += win;
    }
    (total / n as f64, lag)
}

/// Correlation of the 10 ms log-energy envelopes at `lag`: for codecs that keep the sound
/// but not the waveform (Opus in SILK mode), whether the syllables arrive intact.
fn envelope_correlation(sent: &[i16], got: &[i16], rate: usize, lag: usize) -> f64 {
    let win = rate / 100;
    let env = |x: &[i16]| -> Vec<f64> {
        x.chunks(win)
            .map(|c| (c.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / win as f64 + 1.0).ln())
            .collect()
    };
    let a = env(&sent[rate..sent.len() - rate]);
    let b = env(&got[rate + lag..rate + lag + sent.len() - 2 * rate]);
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(&b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma).powi(2);
        bb += (y - mb).powi(2);
    }
    ab / (aa * bb).sqrt()
}

#[test]
fn clean_network_keeps_the_signal() {
    let (sent, o) = run(PCMU, 10, 0.0, 0, 1, None);
    let (corr, lag) = windowed_correlation(&sent, &o.received, 8000);
    let delay_ms = lag as f64 / 8.0;
    eprintln!(
        "clean: correlation {corr:.4}, delay {delay_ms} ms, envelope {:.4}",
        envelope_correlation(&sent, &o.received, 8000, lag)
    );
    assert!(corr > 0.98, "{corr}");
    assert!(delay_ms <= 60.0, "{delay_ms} ms");
    assert_eq!(o.lost, 0);
}

#[test]
fn loss_is_concealed_and_counted() {
    let (sent, o) = run(PCMU, 10, 0.05, 0, 2, None);
    let (corr, _) = windowed_correlation(&sent, &o.received, 8000);
    eprintln!("5 % loss: correlation {corr:.4}, lost {}", o.lost);
    assert!(corr > 0.85, "{corr}");
    assert!((10..=45).contains(&o.lost), "about 25 of 500 lost: {}", o.lost);
}

#[test]
fn jitter_is_absorbed() {
    let (sent, o) = run(PCMU, 10, 0.0, 30, 3, None);
    let (corr, lag) = windowed_correlation(&sent, &o.received, 8000);
    eprintln!("30 ms jitter: correlation {corr:.4}, delay {} ms", lag as f64 / 8.0);
    assert!(corr > 0.9, "{corr}");
    assert!(lag as f64 / 8.0 <= 120.0);
}

#[test]
fn dtmf_crosses_once() {
    let (_, o) = run(PCMU, 3, 0.0, 10, 4, Some(50));
    assert_eq!(o.digits, "7");
    let (_, o) = run(OPUS, 3, 0.0, 10, 4, Some(50));
    assert_eq!(o.digits, "7", "RFC 4733 at the 48 kHz clock too");
}

/// A digit's packets take the audio's sequence numbers (RFC 4733 §2.5.1): the receiver
/// plays silence in their place and counts nothing lost or concealed.
#[test]
fn dtmf_is_not_a_loss() {
    let (sent, o) = run(PCMU, 4, 0.0, 0, 5, Some(100));
    assert_eq!(o.digits, "7");
    assert_eq!((o.lost, o.frames_missing, o.concealed_ms), (0, 0, 0));
    // The 100 ms digit (its events and end repeats) plays as silence where
    // the signal was, and the signal resumes after it in step.
    let silent = |o: &Outcome| {
        let during = &o.received[..sent.len()];
        during.chunks(160).filter(|f| f.iter().all(|&s| s == 0)).count()
    };
    let (_, without_digit) = run(PCMU, 4, 0.0, 0, 5, None);
    let (with, without) = (silent(&o), silent(&without_digit));
    eprintln!("silent frames while the signal plays: {with} with the digit, {without} without");
    assert!((5..=8).contains(&(with - without)), "{with} vs {without}");
    let (corr, _) = windowed_correlation(&sent, &o.received, 8000);
    eprintln!("correlation {corr:.4}");
    assert!(corr > 0.9, "{corr}");
}

/// G.722 keeps the waveform (ADPCM): the 16 kHz signal correlates sample by sample, the
/// RTP clock runs at 8000 Hz (RFC 3551 §4.5.2) and DTMF rides it.
#[test]
fn g722_clean_lossy_and_dtmf() {
    let (sent, o) = run(G722, 6, 0.0, 0, 7, None);
    let (corr, lag) = windowed_correlation(&sent, &o.received, 16000);
    eprintln!("g722 clean: correlation {corr:.4}, delay {} ms", lag as f64 / 16.0);
    assert!(corr > 0.98, "{corr}");
    assert!(lag as f64 / 16.0 <= 60.0);
    assert_eq!(o.lost, 0);
    let (sent, o) = run(G722, 6, 0.05, 0, 8, None);
    let (corr, _) = windowed_correlation(&sent, &o.received, 16000);
    eprintln!("g722 5 % loss: correlation {corr:.4}, lost {}", o.lost);
    assert!(o.lost > 0);
    assert!(corr > 0.85, "{corr}");
    let (_, o) = run(G722, 3, 0.0, 10, 4, Some(50));
    assert_eq!(o.digits, "7");
}

#[test]
fn opus_clean_and_lossy_with_fec() {
    // Opus keeps the sound, not the waveform (whose correlation peaks at every pitch
    // period): align and compare the energy envelopes instead.
    let best = |sent: &[i16], got: &[i16]| {
        (0..200usize)
            .map(|ms| (ms * 48, envelope_correlation(sent, got, 48000, ms * 48)))
            .max_by(|x, y| x.1.total_cmp(&y.1))
            .unwrap()
    };
    let (sent, o) = run(OPUS, 6, 0.0, 0, 5, None);
    let (lag, env) = best(&sent, &o.received);
    eprintln!("opus clean: envelope correlation {env:.4}, delay {} ms", lag as f64 / 48.0);
    assert!(env > 0.95, "{env}");
    assert!(lag as f64 / 48.0 <= 60.0);
    let (sent, o) = run(OPUS, 6, 0.05, 0, 6, None);
    let (_, env_loss) = best(&sent, &o.received);
    eprintln!(
        "opus 5 % loss: envelope correlation {env_loss:.4}, lost {}, recovered by FEC {}",
        o.lost, o.recovered
    );
    assert!(o.recovered > 0, "in-band FEC used for lost packets");
    assert!(env_loss > 0.9, "{env_loss}");
}

/// Packet times other than the loop's 20 ms, and a peer that sends another one than it
/// was asked for: PCMU in 10 and 30 ms packets, Opus in 40 and 60 ms (RFC 7587 §4.2:
/// one Opus packet holds up to 120 ms), each played at its length by a receiver set up
/// for 20 ms.
#[test]
fn other_packet_times_both_ways() {
    for send_ptime in [10, 30, 60] {
        let (sent, o) = run_with_ptime(PCMU, (send_ptime, 20), 6, 0.0, 0, 9, None);
        let (corr, lag) = windowed_correlation(&sent, &o.received, 8000);
        let delay_ms = lag as f64 / 8.0;
        eprintln!("PCMU {send_ptime} ms packets: correlation {corr:.4}, delay {delay_ms} ms");
        assert_eq!(o.packets_sent, (6 * 1000 + 25 * 20) as u64 / u64::from(send_ptime));
        assert!(corr > 0.98, "{corr}");
        assert!(delay_ms <= 40.0 + 2.0 * f64::from(send_ptime), "{delay_ms} ms");
        assert_eq!((o.lost, o.frames_missing), (0, 0));
    }
    for send_ptime in [40, 60] {
        let (sent, o) = run_with_ptime(OPUS, (send_ptime, 20), 10, 0.0, 0, 9, None);
        // After the start-up excess is shed (by time compression: the lag changes).
        let (sent, heard) = (&sent[5 * 48000..], &o.received[5 * 48000..]);
        let (lag, env) = (0..250usize)
            .map(|ms| (ms * 48, envelope_correlation(sent, heard, 48000, ms * 48)))
            .max_by(|x, y| x.1.total_cmp(&y.1))
            .unwrap();
        eprintln!(
            "Opus {send_ptime} ms packets: envelope correlation {env:.4}, delay {} ms",
            lag / 48
        );
        assert_eq!(o.packets_sent, (10 * 1000 + 25 * 20) as u64 / u64::from(send_ptime));
        assert!(env > 0.95, "{env}");
        assert_eq!(o.frames_missing, 0);
    }
    // Asked for a time the codec cannot send (Opus has no 30 ms frame): the longest
    // shorter one it has.
    let leg = Leg::new(LegConfig { ptime_ms: 30, ..config(OPUS, 1) }).unwrap();
    assert_eq!(leg.ptime_ms(), 20);
}

/// Quiet runs of `pcm` (20 ms frames at 8 kHz below −45 dBFS) as (start ms, length ms).
fn quiet_runs(pcm: &[i16]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, f) in pcm.chunks_exact(160).enumerate() {
        let rms = (f.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / 160.0).sqrt();
        match (rms < 180.0, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s * 20, (i - s) * 20));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// A jitter buffer holding too much sheds it by cutting silence in a pause between
/// phrases, never in the silent closure of a stop consonant inside a word (60 ms here, as
/// espeak-ng makes them): cutting there is heard.
#[test]
fn silence_is_cut_in_pauses_not_in_stop_closures() {
    let tone = |ms: usize| -> Vec<i16> {
        (0..ms * 8)
            .map(|i| {
                let t = i as f64 / 8000.0;
                (6000.0 * (2.0 * std::f64::consts::PI * 180.0 * t).sin()
                    + 3000.0 * (2.0 * std::f64::consts::PI * 540.0 * t).sin())
                    as i16
            })
            .collect()
    };
    let quiet = |ms: usize| vec![0i16; ms * 8];
    // A word with two closures, a phrase break, the same again, a long pause.
    let phrase = [tone(500), quiet(60), tone(300), quiet(60), tone(200)].concat();
    let sent = [phrase.clone(), quiet(400), phrase, quiet(600)].concat();
    let mut a = Leg::new(config(PCMU, 0x1111)).unwrap();
    let mut b = Leg::new(config(PCMU, 0x2222)).unwrap();
    let mut out = vec![0i16; 160];
    let mut received = Vec::new();
    // The first four packets arrive together (the peer started before we did): 60 ms
    // more than the buffer needs, to be shed.
    let mut held = Vec::new();
    for (tick, pcm) in sent.chunks_exact(160).enumerate() {
        let ms = tick as u64 * 20;
        a.send(pcm);
        while let Some(p) = a.next_packet() {
            held.push(p.to_vec());
        }
        if tick >= 3 {
            for p in held.drain(..) {
                b.receive(&p, (ms + 20) * 1000);
            }
        }
        b.play(&mut out);
        received.extend_from_slice(&out);
    }
    let cut = b.stats(20.0).silence_cut_ms;
    let closures_sent: Vec<usize> =
        quiet_runs(&sent).iter().map(|r| r.1).filter(|&ms| ms < 100).collect();
    // (What is heard starts with the buffer's start-up silence: not a closure.)
    let closures_heard: Vec<usize> =
        quiet_runs(&received).iter().filter(|r| r.0 > 0 && r.1 < 100).map(|r| r.1).collect();
    eprintln!(
        "silence cut {cut} ms; quiet runs sent {:?}, heard {:?}",
        quiet_runs(&sent),
        quiet_runs(&received)
    );
    assert!(cut >= 40, "the excess is shed: {cut} ms cut");
    assert_eq!(closures_heard, closures_sent, "every closure heard whole");
    assert_eq!(b.stats(20.0).compressed_ms, 0, "no speech compressed");
}
