//! Sound cards for real, through a JACK server with its dummy driver (a sound card's clock
//! without the hardware), started by the test: the devices are listed; a call's loop runs
//! on the card (48 kHz card, 16 kHz loop: resampled both ways) paced by the card's clock;
//! the card's output is patched into its input, so what the peer sends comes back to it
//! through JACK; the devices are chosen again mid-call (closed and reopened, the new card
//! pacing the call); then the server is shut down mid-call: the route notices, moves the call
//! to the next device (or the null device) and says so, and the call goes on.
// disallowed_methods: real threads in real time: these tests drive sound cards.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::expect_used,
    clippy::disallowed_methods
)]

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use earshot_media::control::{MediaController, MediaEvent};
use earshot_media::device::{
    AudioHost, AudioRoute, BufferSource, CaptureSink, CardChoice, RouteEvent, list_devices,
};
use earshot_media::leg::{Leg, LegConfig};
use earshot_media::media_loop;
use earshot_media::mix::{MixPlan, MonitorMode};

/// A JACK server with the dummy driver: 48 kHz, 5 ms periods (four to a loop frame, as
/// on the benchmark rig). Killed when dropped.
struct Jack(Child);

impl Jack {
    fn start() -> Jack {
        let child = Command::new("jackd")
            .args(["--no-realtime", "-d", "dummy", "-r", "48000", "-p", "240"])
            .env("JACK_NO_AUDIO_RESERVATION", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("jackd is missing ({e}): apt-get install jackd2"));
        let jack = Jack(child);
        let ok = Command::new("jack_wait").args(["-w", "-t", "5"]).output().unwrap();
        assert!(ok.status.success(), "JACK server did not come up");
        jack
    }

    /// Shuts the server down as its operator would (SIGTERM): clients are told.
    fn shut_down(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && self.0.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Jack {
    /// Stopped as an operator would (SIGTERM: the server removes its shared memory and
    /// sockets), killed only if it hangs. With the server killed, the ringer test run
    /// after the call test measured the ring's 440 + 480 Hz at 0.36 and 0.70 of its power
    /// (instead of 0.95) in one run of two; stopped this way, 6 local runs of 6 passed,
    /// but a CI run still saw 0.358 once (passed on its retry): the cause is not this
    /// alone.
    fn drop(&mut self) {
        self.shut_down();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn jack_ports() -> Vec<String> {
    let out = Command::new("jack_lsp").output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

fn leg(ssrc: u32) -> Leg {
    Leg::new(LegConfig {
        codec: "G722".into(),
        fmtp: None,
        payload_type: 9,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc,
        max_delay_ms: 200,
    })
    .unwrap()
}

/// Power of `freq` in `x` relative to all of `x`'s power (Goertzel), 0..1.
fn tone_share(x: &[i16], freq: f64, rate: f64) -> f64 {
    let w = std::f64::consts::TAU * freq / rate;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s = f64::from(v) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let total: f64 = x.iter().map(|&v| f64::from(v).powi(2)).sum();
    2.0 * power / (x.len() as f64 * total.max(1.0))
}

/// This process's media loop threads (by name), by thread id.
fn media_threads() -> Vec<u32> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|c| c.trim() == "earshot-media")
        })
        .filter_map(|t| t.file_name().to_str()?.parse().ok())
        .collect()
}

/// How many times thread `tid` has gone to sleep and been woken (voluntary context switches).
fn voluntary_switches(tid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

/// Polls `c` for `dur`; returns the packets it sent per second over that time, timed by
/// when the stats reports (every 240 ms) arrived.
fn poll_for(c: &mut MediaController, dur: Duration) -> f64 {
    let end = Instant::now() + dur;
    let mut first: Option<(Instant, u64)> = None;
    let mut last: Option<(Instant, u64)> = None;
    while Instant::now() < end {
        for e in c.poll(Instant::now()) {
            if let MediaEvent::Stats { stats, .. } = e {
                let point = (Instant::now(), stats.packets_sent);
                first.get_or_insert(point);
                last = Some(point);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    match (first, last) {
        (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) as f64 / (b.0 - a.0).as_secs_f64(),
        _ => 0.0,
    }
}

#[test]
fn a_call_on_a_jack_card_survives_the_server_going_away() {
    let mut jack = Jack::start();
    let devices = list_devices(AudioHost::Jack).unwrap();
    eprintln!("JACK devices: {devices:?}");
    assert!(devices.iter().any(|d| d.input && d.default_input), "{devices:?}");
    assert!(devices.iter().any(|d| d.output && d.default_output), "{devices:?}");

    // The peer: a 440 Hz tone at 16 kHz on its timer; records what comes back.
    let tone: Vec<i16> = (0..16000 * 8)
        .map(|i| ((f64::from(i) * std::f64::consts::TAU * 440.0 / 16000.0).sin() * 8000.0) as i16)
        .collect();
    let (sa, sb) =
        (UdpSocket::bind("127.0.0.1:0").unwrap(), UdpSocket::bind("127.0.0.1:0").unwrap());
    let (aa, ab) = (sa.local_addr().unwrap(), sb.local_addr().unwrap());
    let now = Instant::now();
    let peer_loop = media_loop::start(
        Box::new(BufferSource::new(tone)),
        Box::new(CaptureSink::with_capacity(16000 * 10)),
        320,
        20,
    )
    .unwrap();
    let mut peer = MediaController::new(peer_loop, "peer@127.0.0.1", now);
    peer.set_plan(MixPlan::agent(MonitorMode::None, false)).unwrap();
    peer.add_leg(1, leg(0xB), sb, aa, Duration::from_millis(500), now).unwrap();

    // The agent on the JACK card.
    let timer_loops = media_threads();
    let (mut route, (source, sink), event) =
        AudioRoute::open(AudioHost::Jack, &CardChoice::Default, &CardChoice::Default, 16000, 20);
    assert_eq!(event, None, "the defaults open");
    let card = route.card().unwrap();
    eprintln!("card: {card:?}");
    assert_eq!(card.rates, (48000, 48000));
    let agent_loop = media_loop::start(source, sink, 320, 20).unwrap();
    let mut agent = MediaController::new(agent_loop, "agent@127.0.0.1", now);
    agent.set_plan(MixPlan::agent(MonitorMode::None, false)).unwrap();
    agent.add_leg(1, leg(0xA), sa, ab, Duration::from_millis(500), now).unwrap();

    // Patch the card's first output into its first input.
    let ports = jack_ports();
    let pid = std::process::id();
    let find = |suffix: &str| {
        ports
            .iter()
            .find(|p| p.contains(&format!("_{pid}_")) && p.ends_with(suffix))
            .unwrap_or_else(|| panic!("no port …{suffix} in {ports:?}"))
            .clone()
    };
    for ch in ["0", "1"] {
        let (out, inp) = (find(&format!(":out_{ch}")), find(&format!(":in_{ch}")));
        assert!(Command::new("jack_connect").args([&out, &inp]).status().unwrap().success());
    }

    // The card's clock paces the agent's loop: a frame (960 samples at 48 kHz) a tick.
    poll_for(&mut agent, Duration::from_millis(1000));
    let health = std::sync::Arc::clone(&route.card().unwrap().health);
    let count = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    let card_loop = *media_threads()
        .iter()
        .find(|t| !timer_loops.contains(t))
        .expect("the agent's loop thread");
    let (c0, t0, w0) =
        (count(&health.captured_samples), Instant::now(), voluntary_switches(card_loop));
    let rate = poll_for(&mut agent, Duration::from_millis(3000));
    let card_rate = (count(&health.captured_samples) - c0) as f64 / t0.elapsed().as_secs_f64();
    // The loop sleeps until the card's doorbell rings or a packet arrives: about 50 ticks
    // and 50 packets a second, not a spin. (Napping and looking again woke the benchmark's
    // 8 kHz peer 305 times a second on this rig; here it happened to land right: 102.)
    let wakeups = (voluntary_switches(card_loop) - w0) as f64 / t0.elapsed().as_secs_f64();
    eprintln!("the card-paced loop woke {wakeups:.0} times a second");
    assert!(wakeups < 150.0, "{wakeups:.0} wake-ups a second");
    eprintln!(
        "on the card: {rate:.2} packets/s, card at {card_rate:.0} Hz ({:.2} frames/s); \
         overrun {} underrun {} samples, {} xruns",
        card_rate / 960.0,
        count(&health.overrun_samples),
        count(&health.underrun_samples),
        count(&health.xruns)
    );
    assert!((rate - card_rate / 960.0).abs() < 0.5, "{rate} packets/s, card {card_rate} Hz");

    // The user picks devices again mid-call (the window's "Use these devices"): the old
    // streams close, new ones open, and the new card paces the call.
    let (devices, event) = route.switch(&CardChoice::Default, &CardChoice::Default);
    assert_eq!(event, None, "the chosen devices open");
    agent.replace_devices(devices.0, devices.1).unwrap();
    let health = std::sync::Arc::clone(&route.card().unwrap().health);
    poll_for(&mut agent, Duration::from_millis(500));
    let (c0, t0) = (count(&health.captured_samples), Instant::now());
    let rate = poll_for(&mut agent, Duration::from_millis(2000));
    let card_rate = (count(&health.captured_samples) - c0) as f64 / t0.elapsed().as_secs_f64();
    eprintln!("after switching devices: {rate:.2} packets/s, new card at {card_rate:.0} Hz");
    assert!(card_rate > 40_000.0, "the new card runs: {card_rate} Hz");
    assert!((rate - card_rate / 960.0).abs() < 0.5, "{rate} packets/s, card {card_rate} Hz");

    // Shut JACK down mid-call.
    jack.shut_down();
    let mut fell_back = None;
    let deadline = Instant::now() + Duration::from_secs(5);
    while fell_back.is_none() && Instant::now() < deadline {
        if let Some((event, (source, sink))) = route.check() {
            agent.replace_devices(source, sink).unwrap();
            fell_back = Some(event);
        }
        poll_for(&mut agent, Duration::from_millis(50));
    }
    let event = fell_back.expect("the route notices the card is gone");
    eprintln!("after the server went away: {event:?}");
    assert!(matches!(event, RouteEvent::FellBack { .. } | RouteEvent::NoDevice { .. }));
    // The call goes on at its pace on whatever it fell back to.
    poll_for(&mut agent, Duration::from_millis(300));
    let rate = poll_for(&mut agent, Duration::from_millis(2000));
    eprintln!("after the fallback: {rate:.2} packets/s");
    assert!((48.0..=52.0).contains(&rate), "{rate} packets/s");
    poll_for(&mut peer, Duration::from_millis(100));

    // What the peer got back while JACK ran: its own tone, through the card.
    let _ = agent.stop();
    let (_, sink) = peer.stop().unwrap();
    let heard = (sink as Box<dyn std::any::Any>).downcast::<CaptureSink>().unwrap().into_samples();
    let window = &heard[16000..16000 * 3];
    let rms =
        (window.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / window.len() as f64).sqrt();
    // Per 50 ms (22 whole cycles): a frame the jitter buffer inserts or drops shifts the
    // phase, which a longer window would count against the tone.
    let shares: Vec<f64> = window.chunks(800).map(|w| tone_share(w, 440.0, 16000.0)).collect();
    let share = shares.iter().sum::<f64>() / shares.len() as f64;
    eprintln!("the peer hears its tone back through JACK: rms {rms:.0}, 440 Hz share {share:.3}");
    assert!(rms > 3000.0, "rms {rms}");
    assert!(share > 0.9, "share {share}");
}

/// An incoming call rings on a device of its own, paced by that card: the ringtone's
/// port appears on the JACK server, the card plays it at its rate without running dry,
/// and it stops when the ringer is dropped.
#[test]
fn the_ringer_plays_on_its_own_device() {
    use earshot_media::device::Ringer;
    use earshot_media::tone::ToneSpec;
    use std::sync::atomic::Ordering::Relaxed;
    let _jack = Jack::start();
    let ringer = Ringer::start(
        AudioHost::Jack,
        &CardChoice::Named("JACK Output".into()),
        ToneSpec::RINGTONE,
    )
    .unwrap();
    assert_eq!(ringer.device.name, "JACK Output");
    let pid = std::process::id();
    assert!(
        jack_ports().iter().any(|p| p.starts_with(&format!("cpal_client_{pid}_out:"))),
        "{:?}",
        jack_ports()
    );
    std::thread::sleep(Duration::from_millis(300));
    let (p0, t0) = (ringer.health.played_samples.load(Relaxed), Instant::now());
    std::thread::sleep(Duration::from_millis(1500));
    let played = ringer.health.played_samples.load(Relaxed) - p0;
    let rate = played as f64 / t0.elapsed().as_secs_f64();
    let dry = ringer.health.underrun_samples.load(Relaxed);
    eprintln!("ringer: {rate:.0} samples/s played, {dry} samples of underrun");
    assert!((46000.0..50000.0).contains(&rate), "{rate} samples/s");
    assert!(dry < 4800, "the ring kept topped up: {dry} samples short");

    // What the port really carries: 6 s recorded by JACK's own jack_rec, in 50 ms
    // blocks. The ringtone is 440 + 480 Hz, 1 s on and 2 s off (ToneSpec::RINGTONE).
    let wav = std::env::temp_dir().join(format!("earshot-ringer-{pid}.wav"));
    let port = jack_ports()
        .into_iter()
        .find(|p| p.starts_with(&format!("cpal_client_{pid}_out:")))
        .unwrap();
    let rec = Command::new("jack_rec")
        .args(["-d", "6", "-b", "16", "-f"])
        .arg(&wav)
        .arg(&port)
        .output()
        .unwrap_or_else(|e| panic!("jack_rec is missing ({e}): apt-get install jackd2"));
    assert!(rec.status.success(), "{}", String::from_utf8_lossy(&rec.stderr));
    let heard = earshot_media::device::read_wav(&wav, 48000).unwrap();
    let _ = std::fs::remove_file(&wav);
    let blocks: Vec<&[i16]> = heard.chunks_exact(2400).collect();
    let loud = |b: &[i16]| !earshot_media::level::rms_at_most(b, 300);
    let ringing: Vec<bool> = blocks.iter().map(|b| loud(b)).collect();
    let runs = |want: bool| {
        let mut runs = Vec::new();
        let mut n = 0;
        for &r in &ringing {
            if r == want {
                n += 1;
            } else if n > 0 {
                runs.push(n);
                n = 0;
            }
        }
        runs.push(n);
        runs
    };
    let (on, off) = (runs(true), runs(false));
    eprintln!("ringer on the port: on runs {on:?}, off runs {off:?} (50 ms blocks)");
    // A whole pause and a whole ring lie within any 6 s (a 3 s cadence).
    assert!(off.iter().any(|&n| (38..=42).contains(&n)), "a 2 s pause: {off:?}");
    assert!(on.iter().any(|&n| (19..=21).contains(&n)), "a 1 s ring: {on:?}");
    assert!(on.iter().all(|&n| n <= 21), "no ring longer than 1 s: {on:?}");
    let tone: Vec<i16> =
        blocks.iter().filter(|b| loud(b)).flat_map(|b| b.iter().copied()).collect();
    let share = tone_share(&tone, 440.0, 48000.0) + tone_share(&tone, 480.0, 48000.0);
    eprintln!("440 + 480 Hz carry {share:.3} of the ring's power");
    assert!(share > 0.9, "{share}");
    drop(ringer);
    assert!(
        !jack_ports().iter().any(|p| p.starts_with(&format!("cpal_client_{pid}_out:"))),
        "the ringer's port goes with it"
    );
}
