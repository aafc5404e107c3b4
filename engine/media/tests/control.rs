//! Two media controllers over loopback UDP with RTCP multiplexed on the RTP port (RFC
//! 5761): each learns the round-trip time from the other's report blocks (RFC 3550
//! §6.4.1), sees the peer's reception of its stream, gets the RTT folded into its stats,
//! and hears the peer's BYE when the leg is removed.
// disallowed_methods: real threads in real time: these tests drive the media loop.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::disallowed_methods)]

mod common;

use common::pcmu_leg;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use earshot_media::control::{MediaController, MediaEvent};
use earshot_media::device::{BufferSource, NullDevice};
use earshot_media::media_loop;
use earshot_media::mix::{MixPlan, MonitorMode};
use earshot_media::rtcp::RtcpEvent;

fn tone(seconds: usize) -> Vec<i16> {
    (0..seconds * 8000)
        .map(|i| ((i as f64 * std::f64::consts::TAU * 440.0 / 8000.0).sin() * 6000.0) as i16)
        .collect()
}

#[test]
fn rtcp_measures_round_trip_and_reception_both_ways() {
    let sa = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sb = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (aa, ab) = (sa.local_addr().unwrap(), sb.local_addr().unwrap());
    let now = Instant::now();
    let la = media_loop::start(Box::new(BufferSource::new(tone(8))), Box::new(NullDevice), 160, 20)
        .unwrap();
    let lb = media_loop::start(Box::new(BufferSource::new(tone(8))), Box::new(NullDevice), 160, 20)
        .unwrap();
    let mut a = MediaController::new(la, "a@127.0.0.1", now);
    let mut b = MediaController::new(lb, "b@127.0.0.1", now);
    let interval = Duration::from_millis(500);
    for c in [&mut a, &mut b] {
        c.set_plan(MixPlan::agent(MonitorMode::None, false)).unwrap();
    }
    a.add_leg(1, pcmu_leg(0xA1), sa, ab, interval, now).unwrap();
    b.add_leg(7, pcmu_leg(0xB7), sb, aa, interval, now).unwrap();

    let (mut rtt_a, mut rtt_b, mut reception_a, mut stats_rtt_a) = (None, None, None, None);
    let deadline = now + Duration::from_secs(5);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        for e in a.poll(t) {
            match e {
                MediaEvent::Rtcp { leg: 1, event: RtcpEvent::RoundTrip { rtt_ms } } => {
                    rtt_a = Some(rtt_ms)
                }
                MediaEvent::Rtcp {
                    leg: 1,
                    event: RtcpEvent::PeerReception { fraction_lost, .. },
                } => reception_a = Some(fraction_lost),
                MediaEvent::Stats { leg: 1, stats } if stats.rtt_ms.is_some() => {
                    stats_rtt_a = stats.rtt_ms
                }
                _ => {}
            }
        }
        for e in b.poll(t) {
            if let MediaEvent::Rtcp { leg: 7, event: RtcpEvent::RoundTrip { rtt_ms } } = e {
                rtt_b = Some(rtt_ms);
            }
        }
        if rtt_a.is_some() && rtt_b.is_some() && stats_rtt_a.is_some() && reception_a.is_some() {
            break;
        }
    }
    eprintln!("rtt a {rtt_a:?} ms, b {rtt_b:?} ms, a's stream lost at b: {reception_a:?}/256");
    let (rtt_a, rtt_b) = (rtt_a.expect("a measured no RTT"), rtt_b.expect("b measured no RTT"));
    // Loopback: arrivals are stamped when read (not at the next tick or poll) and the
    // peer subtracts how long it held the report (DLSR), so the round trip is well under
    // a frame — a tick- or poll-quantised clock would read 20–100 ms here.
    assert!((0.0..10.0).contains(&rtt_a), "rtt a {rtt_a}");
    assert!((0.0..10.0).contains(&rtt_b), "rtt b {rtt_b}");
    assert_eq!(reception_a, Some(0), "loopback loses nothing");
    assert!(stats_rtt_a.is_some(), "the RTT is folded into the leg's stats");

    // BYE: a removes its leg; b hears it.
    a.remove_leg(1, Instant::now()).unwrap();
    let mut bye = false;
    let mut removed = false;
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline && !(bye && removed) {
        std::thread::sleep(Duration::from_millis(20));
        let t = Instant::now();
        removed |= a.poll(t).iter().any(|e| matches!(e, MediaEvent::LegRemoved { leg: 1 }));
        bye |= b
            .poll(t)
            .iter()
            .any(|e| matches!(e, MediaEvent::Rtcp { leg: 7, event: RtcpEvent::Bye }));
    }
    assert!(removed, "a's loop gave the leg back");
    assert!(bye, "b heard RTCP BYE");
    a.stop().unwrap();
    b.stop().unwrap();
}

/// A call recorded to stereo WAV: the left channel is what this side's microphone sent,
/// the right what came back from the peer, both intact; stopping finishes the file.
#[test]
fn records_the_call_in_stereo() {
    let sa = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sb = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (aa, ab) = (sa.local_addr().unwrap(), sb.local_addr().unwrap());
    let now = Instant::now();
    let tone_at = |freq: f64| -> Vec<i16> {
        (0..8000 * 4)
            .map(|i| ((i as f64 * std::f64::consts::TAU * freq / 8000.0).sin() * 8000.0) as i16)
            .collect()
    };
    let (mine, theirs) = (tone_at(440.0), tone_at(1000.0));
    let la = media_loop::start(Box::new(BufferSource::new(mine)), Box::new(NullDevice), 160, 20)
        .unwrap();
    let lb = media_loop::start(Box::new(BufferSource::new(theirs)), Box::new(NullDevice), 160, 20)
        .unwrap();
    let mut a = MediaController::new(la, "a@127.0.0.1", now);
    let mut b = MediaController::new(lb, "b@127.0.0.1", now);
    for c in [&mut a, &mut b] {
        c.set_plan(MixPlan::agent(MonitorMode::None, false)).unwrap();
    }
    a.add_leg(1, pcmu_leg(0xA1), sa, ab, Duration::from_secs(5), now).unwrap();
    b.add_leg(1, pcmu_leg(0xB1), sb, aa, Duration::from_secs(5), now).unwrap();
    let dir = std::env::temp_dir().join(format!("earshot-rec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("call.wav");
    a.start_recording(&path, 8000).unwrap();
    let end = Instant::now() + Duration::from_secs(3);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
        let _ = (a.poll(Instant::now()), b.poll(Instant::now()));
    }
    a.stop_recording().unwrap();
    let mut finished = None;
    let deadline = Instant::now() + Duration::from_secs(2);
    while finished.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        for e in a.poll(Instant::now()) {
            if let MediaEvent::RecordingFinished { frames, dropped_samples, error } = e {
                finished = Some((frames, dropped_samples, error));
            }
        }
    }
    a.stop().unwrap();
    b.stop().unwrap();
    let (frames, dropped, error) = finished.expect("recording finished");
    assert_eq!((dropped, error), (0, None));
    assert!((2800 * 8..=3200 * 8).contains(&frames), "about 3 s: {frames} frames");

    let mut reader = hound::WavReader::open(&path).unwrap();
    assert_eq!((reader.spec().channels, reader.spec().sample_rate), (2, 8000));
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(samples.len() as u64, frames * 2);
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    // The strength of `freq` in the second half of a channel (a single DFT bin).
    let tone = |ch: &[i16], freq: f64| {
        let part = &ch[ch.len() / 2..];
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (i, &s) in part.iter().enumerate() {
            let w = i as f64 * std::f64::consts::TAU * freq / 8000.0;
            re += f64::from(s) * w.cos();
            im += f64::from(s) * w.sin();
        }
        2.0 * (re * re + im * im).sqrt() / part.len() as f64
    };
    let (l440, l1k, r440, r1k) =
        (tone(&left, 440.0), tone(&left, 1000.0), tone(&right, 440.0), tone(&right, 1000.0));
    eprintln!("left 440 Hz {l440:.0}, 1 kHz {l1k:.0}; right 440 Hz {r440:.0}, 1 kHz {r1k:.0}");
    assert!(l440 > 7000.0 && l1k < 100.0, "left is the microphone");
    assert!(r1k > 6500.0 && r440 < 200.0, "right is the peer, through PCMU");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Forwards datagrams between `a` (facing one engine) and `b` (facing the other) until
/// `stop`, dropping every `nth` RTP packet going from a to b.
fn lossy_relay(
    a: UdpSocket,
    b: UdpSocket,
    a_peer: std::net::SocketAddr,
    b_peer: std::net::SocketAddr,
    nth: u32,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<u32> {
    std::thread::spawn(move || {
        a.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        b.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        let (mut buf, mut rtp, mut dropped) = ([0u8; 1500], 0u32, 0u32);
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            while let Ok(n) = a.recv(&mut buf) {
                // RTP has a payload type below 72 in its second byte (RFC 5761 §4).
                if n > 1 && (buf[1] & 0x7F) < 72 {
                    rtp += 1;
                    if rtp % nth == 0 {
                        dropped += 1;
                        continue;
                    }
                }
                let _ = b.send_to(&buf[..n], b_peer);
            }
            while let Ok(n) = b.recv(&mut buf) {
                let _ = a.send_to(&buf[..n], a_peer);
            }
        }
        dropped
    })
}

/// The loss the peer reports in RTCP reaches the sender's encoder as its loss hint
/// (Opus in-band FEC protects against what the network really does).
#[test]
fn reported_loss_becomes_the_encoders_loss_hint() {
    let sa = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sb = UdpSocket::bind("127.0.0.1:0").unwrap();
    let ra = UdpSocket::bind("127.0.0.1:0").unwrap();
    let rb = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (aa, ab, raa, rba) = (
        sa.local_addr().unwrap(),
        sb.local_addr().unwrap(),
        ra.local_addr().unwrap(),
        rb.local_addr().unwrap(),
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let relay = lossy_relay(ra, rb, aa, ab, 5, stop.clone());
    let now = Instant::now();
    let start = || {
        media_loop::start(Box::new(BufferSource::new(tone(8))), Box::new(NullDevice), 160, 20)
            .unwrap()
    };
    let mut a = MediaController::new(start(), "a@127.0.0.1", now);
    let mut b = MediaController::new(start(), "b@127.0.0.1", now);
    for c in [&mut a, &mut b] {
        c.set_plan(MixPlan::agent(MonitorMode::None, false)).unwrap();
    }
    let interval = Duration::from_millis(400);
    a.add_leg(1, pcmu_leg(0xA1), sa, raa, interval, now).unwrap();
    b.add_leg(1, pcmu_leg(0xB1), sb, rba, interval, now).unwrap();
    let mut hint = 0;
    // The first report may cover only a few packets; from the second on, each covers a
    // whole interval (RFC 3550 §6.4.1: fraction lost since the previous report).
    let settled = Instant::now() + Duration::from_secs(2);
    let deadline = Instant::now() + Duration::from_secs(6);
    while Instant::now() < deadline && (hint == 0 || Instant::now() < settled) {
        std::thread::sleep(Duration::from_millis(50));
        for e in a.poll(Instant::now()) {
            if let MediaEvent::Stats { leg: 1, stats } = e {
                hint = stats.loss_hint_pct;
            }
        }
        let _ = b.poll(Instant::now());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let dropped = relay.join().unwrap();
    a.stop().unwrap();
    b.stop().unwrap();
    eprintln!("relay dropped {dropped} packets; a's loss hint {hint} %");
    assert!(dropped > 0);
    assert!((15..=25).contains(&hint), "one in five lost, the hint says {hint} %");
}
