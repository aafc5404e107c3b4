//! One Earshot media engine in a call, headless, for the side-by-side benchmark: the loop
//! at the codec's rate on a sound card (JACK by default: the rig's shared clock), one leg
//! to a fixed remote address, RTCP multiplexed. Prints `ready` once the card runs and its
//! leg statistics when it ends (after `--seconds`, or when stdin closes).
//!
//! `earshot-media-peer --codec opus|G722|PCMU --local IP:PORT --remote IP:PORT
//!  [--host jack|alsa] [--seconds N] [--fmtp STRING]`

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use earshot_engine::media::codec;
use earshot_engine::media::control::{MediaController, MediaEvent};
use earshot_engine::media::device::{AudioHost, AudioRoute, CardChoice};
use earshot_engine::media::leg::{Leg, LegConfig};
use earshot_engine::media::media_loop;
use earshot_engine::media::mix::{MixPlan, MonitorMode};

struct Args {
    codec: String,
    local: SocketAddr,
    remote: SocketAddr,
    host: AudioHost,
    seconds: u64,
    fmtp: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut codec = None;
    let (mut local, mut remote) = (None, None);
    let mut host = AudioHost::Jack;
    let mut seconds = 3600;
    let mut fmtp = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--codec" => codec = Some(value()?),
            "--local" => local = Some(value()?.parse().map_err(|e| format!("--local: {e}"))?),
            "--remote" => remote = Some(value()?.parse().map_err(|e| format!("--remote: {e}"))?),
            "--host" => host = value()?.parse().map_err(|e| format!("--host: {e}"))?,
            "--seconds" => seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--fmtp" => fmtp = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        codec: codec.ok_or("--codec is required")?,
        local: local.ok_or("--local is required")?,
        remote: remote.ok_or("--remote is required")?,
        host,
        seconds,
        fmtp,
    })
}

fn run(args: Args) -> Result<(), String> {
    let descriptor = codec::registry()
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(&args.codec))
        .ok_or(format!("unknown codec {}", args.codec))?;
    let payload_type = descriptor.static_payload_type.unwrap_or(111);
    let rate = descriptor.sample_rate;
    let socket = UdpSocket::bind(args.local).map_err(|e| format!("bind {}: {e}", args.local))?;
    let (mut route, (source, sink), event) =
        AudioRoute::open(args.host, &CardChoice::Default, &CardChoice::Default, rate, 20);
    if let Some(e) = event {
        return Err(format!("sound card: {e:?}"));
    }
    let leg = Leg::new(LegConfig {
        codec: descriptor.name.into(),
        fmtp: args.fmtp,
        payload_type,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc: std::process::id().wrapping_mul(2_654_435_761),
        max_delay_ms: 400,
    })
    .map_err(|e| e.to_string())?;
    let handle =
        media_loop::start(source, sink, rate as usize / 50, 20).map_err(|e| e.to_string())?;
    let now = Instant::now();
    let mut controller = MediaController::new(handle, "earshot-media-peer@127.0.0.1", now);
    controller.set_plan(MixPlan::agent(MonitorMode::None, false)).map_err(|e| e.to_string())?;
    controller
        .add_leg(1, leg, socket, args.remote, Duration::from_secs(1), now)
        .map_err(|e| e.to_string())?;
    println!("ready pid={} rate={rate}", std::process::id());
    // Ends on stdin closing (the harness going away) or after --seconds.
    let (tx, stdin_closed) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while matches!(std::io::stdin().read(&mut buf), Ok(n) if n > 0) {}
        let _ = tx.send(());
    });
    let end = now + Duration::from_secs(args.seconds);
    let mut last = None;
    while Instant::now() < end && stdin_closed.try_recv().is_err() {
        for e in controller.poll(Instant::now()) {
            if let MediaEvent::Stats { stats, .. } = e {
                last = Some(stats);
            }
        }
        if let Some((event, (source, sink))) = route.check() {
            eprintln!("earshot-media-peer: {event:?}");
            controller.replace_devices(source, sink).map_err(|e| e.to_string())?;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = controller.remove_leg(1, Instant::now());
    let _ = controller.stop();
    if let Some(s) = last {
        let j = s.jitter_buffer;
        println!(
            "stats received={} lost={} jb_lost={} underflow={} late={} concealed_ms={} \
             jb_delay_ms={} jb_target_ms={} recovered={} dropped={} stretched={}",
            s.packets_received,
            s.lost,
            j.lost,
            j.underflow,
            j.late,
            s.concealed_ms,
            j.delay_ms,
            j.target_ms,
            s.recovered,
            j.dropped,
            j.stretched
        );
    }
    Ok(())
}

fn main() {
    match parse_args().and_then(run) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("earshot-media-peer: {e}");
            std::process::exit(1);
        }
    }
}
