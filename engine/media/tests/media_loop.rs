//! Two media loops on loopback UDP, in real time: a speech-like signal from one loop's
//! source comes out of the other's earpiece, recognisably (correlation) and soon enough
//! (delay); a DTMF digit crosses; stats are reported; legs and plans come and go.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{pcmu_leg, speechlike};
use std::any::Any;
use std::net::UdpSocket;
use std::time::Duration;

use earshot_media::device::{BufferSource, CaptureSink, NullDevice};
use earshot_media::media_loop::{self, Command, LegSetup, Report};
use earshot_media::mix::{MixPlan, MonitorMode};

#[test]
fn speech_crosses_two_loops_on_loopback() {
    let sa = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sb = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (aa, ab) = (sa.local_addr().unwrap(), sb.local_addr().unwrap());
    let signal = speechlike(4, 8000);
    let mut a = media_loop::start(
        Box::new(BufferSource::new(signal.clone())),
        Box::new(NullDevice),
        160,
        20,
    )
    .unwrap();
    let mut b = media_loop::start(
        Box::new(NullDevice),
        Box::new(CaptureSink::with_capacity(8000 * 8)),
        160,
        20,
    )
    .unwrap();
    let plan = || Box::new(MixPlan::agent(MonitorMode::None, false));
    a.send(Command::SetPlan(plan())).unwrap();
    b.send(Command::SetPlan(plan())).unwrap();
    a.send(Command::AddLeg(LegSetup::new(1, pcmu_leg(0xA), sa, ab).unwrap())).unwrap();
    b.send(Command::AddLeg(LegSetup::new(1, pcmu_leg(0xB), sb, aa).unwrap())).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    a.send(Command::Dtmf(1, '3', 100)).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let mut digits = String::new();
    let mut stats = None;
    let mut replaced = 0;
    while let Some(r) = b.poll_report() {
        match r {
            Report::Digit(_, d) => digits.push(d),
            Report::Stats(_, s) => stats = Some(s),
            Report::PlanReplaced(_) => replaced += 1,
            _ => {}
        }
    }
    b.send(Command::RemoveLeg(1)).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(std::iter::from_fn(|| b.poll_report()).any(|r| matches!(r, Report::LegRemoved(_))));
    let (_, sink) = b.stop().unwrap();
    a.stop().unwrap();
    let got = (sink as Box<dyn Any>).downcast::<CaptureSink>().unwrap().into_samples();

    assert_eq!(digits, "3");
    assert_eq!(replaced, 1);
    let s = stats.unwrap();
    assert!(s.packets_received > 150, "{s:?}");
    assert!(s.mos > 4.0, "{s:?}");
    // Find where the signal starts in the recording and how well it matches.
    let probe = &signal[8000..16000];
    let corr_at = |lag: usize| {
        let g = &got[8000 + lag..8000 + lag + probe.len()];
        let (mut sg, mut ss, mut gg) = (0.0f64, 0.0f64, 0.0f64);
        for (&x, &y) in probe.iter().zip(g) {
            sg += f64::from(x) * f64::from(y);
            ss += f64::from(x).powi(2);
            gg += f64::from(y).powi(2);
        }
        if gg == 0.0 { 0.0 } else { sg / (ss * gg).sqrt() }
    };
    let (lag, corr) =
        (0..4000).map(|l| (l, corr_at(l))).max_by(|x, y| x.1.total_cmp(&y.1)).unwrap();
    eprintln!("loopback: correlation {corr:.4} at {} ms", lag as f64 / 8.0);
    assert!(corr > 0.95, "correlation {corr}");
    assert!(lag as f64 / 8.0 <= 120.0, "delay {} ms", lag as f64 / 8.0);
}

/// A loop on the null device with nothing to do rests (no tick); a command wakes it at
/// once: the plan it replaces comes back well before the rest would have ended, and a
/// leg added then carries audio as usual.
#[test]
#[allow(clippy::disallowed_methods)] // a real-time test: how soon the loop wakes, by the clock
fn a_resting_loop_wakes_for_a_command() {
    let mut idle = media_loop::start(Box::new(NullDevice), Box::new(NullDevice), 160, 20).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::time::Instant::now();
    idle.send(Command::SetPlan(Box::new(MixPlan::agent(MonitorMode::None, false)))).unwrap();
    let mut woke = None;
    while sent.elapsed() < Duration::from_secs(3) {
        if std::iter::from_fn(|| idle.poll_report()).any(|r| matches!(r, Report::PlanReplaced(_))) {
            woke = Some(sent.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let woke = woke.expect("the plan came back");
    assert!(woke < Duration::from_millis(200), "woke after {woke:?}");
    // A leg now: the loop ticks again (its stats come every 12 ticks).
    let (mine, theirs) =
        (UdpSocket::bind("127.0.0.1:0").unwrap(), UdpSocket::bind("127.0.0.1:0").unwrap());
    let to = theirs.local_addr().unwrap();
    idle.send(Command::AddLeg(LegSetup::new(1, pcmu_leg(0xC), mine, to).unwrap())).unwrap();
    theirs.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut packets = 0;
    let mut buf = [0u8; 1500];
    while packets < 10 && theirs.recv(&mut buf).is_ok() {
        packets += 1;
    }
    assert_eq!(packets, 10, "the leg sends RTP every tick");
    idle.stop().unwrap();
}
