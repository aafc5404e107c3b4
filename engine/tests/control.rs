//! Two media controllers over loopback UDP with RTCP multiplexed on the RTP port (RFC
//! 5761): each learns the round-trip time from the other's report blocks (RFC 3550
//! §6.4.1), sees the peer's reception of its stream, gets the RTT folded into its stats,
//! and hears the peer's BYE when the leg is removed.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::pcmu_leg;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use earshot_engine::media::control::{MediaController, MediaEvent};
use earshot_engine::media::device::{BufferSource, NullDevice};
use earshot_engine::media::media_loop;
use earshot_engine::media::mix::{MixPlan, MonitorMode};
use earshot_engine::media::rtcp::RtcpEvent;

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
