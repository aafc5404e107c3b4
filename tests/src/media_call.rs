//! Media for an Earshot agent in interop tests: what it offers for one codec, the leg that
//! offer/answer settles on (RFC 3264), and a media loop with its controller that speaks
//! a buffer of speech and records what it hears, with digits received collected.

use std::any::Any;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use earshot_engine::media::codec::{self, OpusParams};
use earshot_engine::media::control::{MediaController, MediaEvent};
use earshot_engine::media::device::{BufferSource, CaptureSink};
use earshot_engine::media::leg::{Leg, LegConfig, LegStats};
use earshot_engine::media::media_loop;
use earshot_engine::media::mix::{MixPlan, MonitorMode};
use earshot_sip::sdp::{AudioCapabilities, Direction, Negotiated, PayloadFormat};

/// What Earshot offers and accepts for a call that must use `codec` (rtpmap name).
pub fn codec_caps(codec_name: &str, port: u16) -> AudioCapabilities {
    let d = codec::registry()
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(codec_name))
        .unwrap_or_else(|| panic!("no codec {codec_name}"));
    let format = if d.name == "opus" {
        // RFC 7587 §7: always opus/48000/2 in SDP, even for mono.
        PayloadFormat::new("opus", 48000, 2, None, Some(&OpusParams::default().to_fmtp()))
    } else {
        PayloadFormat::new(d.name, d.clock_rate, 1, d.static_payload_type, None)
    };
    AudioCapabilities {
        formats: vec![format],
        telephone_event: true,
        ptime: Some(20),
        rtcp_mux: true,
        address: "127.0.0.1".parse().expect("ip"),
        port,
        direction: Direction::SendRecv,
        crypto: Vec::new(),
    }
}

/// The leg for what offer/answer settled on: the first common format, the peer's fmtp for
/// it, telephone-event if both support it.
pub fn leg_config(n: &Negotiated, ssrc: u32) -> LegConfig {
    let (pt, f) = n.send_format().expect("a common codec");
    LegConfig {
        codec: f.encoding.clone(),
        fmtp: f.fmtp.clone(),
        payload_type: *pt,
        telephone_event: n.telephone_event,
        ptime_ms: n.ptime.unwrap_or(20),
        ssrc,
        max_delay_ms: 300,
    }
}

/// One call's media: a loop at the codec's rate speaking `speech`, hearing into memory.
#[derive(Debug)]
pub struct CallMedia {
    controller: MediaController,
    pub digits: Vec<char>,
    pub last_stats: Option<LegStats>,
}

impl CallMedia {
    /// Starts media on `socket` towards what `n` settled on; `seconds` bounds what is
    /// recorded.
    pub fn start(n: &Negotiated, socket: UdpSocket, speech: Vec<i16>, seconds: u32) -> CallMedia {
        let config = leg_config(n, 0x5EED_0001);
        let leg = Leg::new(config).expect("leg");
        let rate = leg.sample_rate();
        let frame = rate as usize / 50;
        let handle = media_loop::start(
            Box::new(BufferSource::new(speech)),
            Box::new(CaptureSink::with_capacity((seconds * rate) as usize)),
            frame,
            20,
        )
        .expect("media loop");
        let now = Instant::now();
        let mut controller = MediaController::new(handle, "earshot@127.0.0.1", now);
        controller.set_plan(MixPlan::agent(MonitorMode::None, false)).expect("plan");
        let remote = n.remote_rtp.expect("remote RTP address");
        controller
            .add_leg(1, leg, socket, remote, Duration::from_millis(500), now)
            .expect("add leg");
        CallMedia { controller, digits: Vec::new(), last_stats: None }
    }

    /// Sends RTCP that is due and collects digits and stats; call a few times a second.
    pub fn poll(&mut self) {
        for e in self.controller.poll(Instant::now()) {
            match e {
                MediaEvent::Digit { digit, .. } => self.digits.push(digit),
                MediaEvent::Stats { stats, .. } => self.last_stats = Some(stats),
                _ => {}
            }
        }
    }

    /// Sends `digit` as RFC 4733 events.
    pub fn dtmf(&mut self, digit: char) {
        self.controller.dtmf(1, digit, 160).expect("dtmf");
    }

    /// Polls for `dur`, sleeping in between (for use on a tokio test runtime).
    pub async fn run_for(&mut self, dur: Duration) {
        let end = tokio::time::Instant::now() + dur;
        while tokio::time::Instant::now() < end {
            self.poll();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the loop (RTCP BYE) and returns what it heard.
    pub fn stop(mut self) -> Vec<i16> {
        self.poll();
        let _ = self.controller.remove_leg(1, Instant::now());
        let (_, sink) = self.controller.stop().expect("devices back");
        (sink as Box<dyn Any>).downcast::<CaptureSink>().expect("capture sink").into_samples()
    }
}
