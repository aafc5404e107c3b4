//! The owner's side of a media loop: commands in, reports out, and RTCP for every leg
//! (sessions, report schedule, round-trip times) — all off the real-time thread. The
//! phone core drives it; tests drive it with the clock.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::device::{Sink, Source, WavError};
use super::leg::{Leg, LegStats};
use super::media_loop::{Command, Devices, LegId, LegSetup, MediaHandle, Report};
use super::mix::MixPlan;
use super::recording::Recorder;
use super::rtcp::{LocalCounters, NtpTime, RemoteCounters, RtcpEvent, RtcpSession, from_secs};

/// What the media path reports to the phone core.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaEvent {
    /// A few times a second: the leg's figures, with the RTT once RTCP measured it.
    Stats {
        leg: LegId,
        stats: LegStats,
    },
    Digit {
        leg: LegId,
        digit: char,
    },
    Rtcp {
        leg: LegId,
        event: RtcpEvent,
    },
    LegRemoved {
        leg: LegId,
    },
    /// A prompt ([`MediaController::play`]) ended: played whole, or cut short (replaced,
    /// or its call ended first).
    PromptEnded {
        leg: LegId,
        prompt: u64,
        completed: bool,
    },
    /// A recording ended: stereo frames in the file, samples lost because the file
    /// could not keep up, and the error that ended it early, if any.
    RecordingFinished {
        frames: u64,
        dropped_samples: u64,
        error: Option<String>,
    },
}

#[derive(Debug)]
struct RtcpLeg {
    session: RtcpSession,
    socket: UdpSocket,
    remote: SocketAddr,
    interval: Duration,
    next_report: Instant,
    last: Option<LegStats>,
    reported: (u32, u32),
    rtt_ms: Option<f64>,
}

#[derive(Debug)]
pub struct MediaController {
    handle: MediaHandle,
    legs: HashMap<LegId, RtcpLeg>,
    cname: String,
    start: Instant,
    /// NTP seconds at `start`.
    epoch_secs: f64,
    rng: u64,
    recorder: Option<Recorder>,
    /// Recorders whose ring the loop has not handed back yet.
    finishing: Vec<Recorder>,
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("media loop command ring is full")]
    Busy,
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("recording: {0}")]
    Recording(#[from] WavError),
}

impl MediaController {
    /// How the media thread is scheduled, once it has started (see
    /// [`MediaHandle::scheduling`]).
    pub fn scheduling(&self) -> Option<crate::priority::Scheduling> {
        self.handle.scheduling()
    }

    // RTCP's NTP timestamps (RFC 3550 §4) map the loop's instants onto the wall clock,
    // read once here as the controller starts.
    #[allow(clippy::disallowed_methods)]
    pub fn new(handle: MediaHandle, cname: &str, now: Instant) -> Self {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        // Report times must differ between controllers (RFC 3550 §6.2), even in one
        // process: seed from the clock's nanoseconds and the process.
        let seed = (wall.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32);
        MediaController {
            handle,
            legs: HashMap::new(),
            cname: cname.to_owned(),
            start: now,
            // NTP counts from 1900, the Unix clock from 1970 (2 208 988 800 s apart).
            epoch_secs: wall.as_secs_f64() + 2_208_988_800.0,
            rng: (seed ^ 0x9E37_79B9_7F4A_7C15) | 1,
            recorder: None,
            finishing: Vec::new(),
        }
    }

    /// Wall-clock NTP time (RFC 3550 §4: seconds since 1900, modulo the 2036 era wrap)
    /// for a monotonic instant.
    fn ntp(&self, at: Instant) -> NtpTime {
        let secs = self.epoch_secs + at.saturating_duration_since(self.start).as_secs_f64();
        from_secs(secs % 4_294_967_296.0)
    }

    /// Uniform in [0.5, 1.5) × `d` (RFC 3550 §6.2: randomised report intervals).
    fn randomised(&mut self, d: Duration) -> Duration {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let f = 0.5 + (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        d.mul_f64(f)
    }

    fn send(&mut self, c: Command) -> Result<(), ControlError> {
        self.handle.send(c).map_err(|_| ControlError::Busy)
    }

    /// Adds a leg whose RTP (and multiplexed RTCP, RFC 5761) use `socket`, with RTCP
    /// reports every `rtcp_interval` on average.
    pub fn add_leg(
        &mut self,
        id: LegId,
        leg: Leg,
        socket: UdpSocket,
        remote: SocketAddr,
        rtcp_interval: Duration,
        now: Instant,
    ) -> Result<(), ControlError> {
        let ssrc = leg.ssrc();
        let rtcp_socket = socket.try_clone()?;
        let (loop_rate, frame_ms) = (self.handle.sample_rate(), self.handle.frame_ms());
        self.send(Command::AddLeg(LegSetup::at_rate(
            id, leg, socket, remote, loop_rate, frame_ms,
        )?))?;
        let first = self.randomised(rtcp_interval);
        self.legs.insert(
            id,
            RtcpLeg {
                session: RtcpSession::new(ssrc, &self.cname),
                socket: rtcp_socket,
                remote,
                interval: rtcp_interval,
                next_report: now + first,
                last: None,
                reported: (0, 0),
                rtt_ms: None,
            },
        );
        Ok(())
    }

    /// Sends RTCP BYE and takes the leg out of the loop.
    pub fn remove_leg(&mut self, id: LegId, now: Instant) -> Result<(), ControlError> {
        let ntp = self.ntp(now);
        if let Some(l) = self.legs.remove(&id) {
            let local = l.last.map(|s| local_counters(&s)).unwrap_or_default();
            let _ = l.socket.send_to(&l.session.bye(ntp, local), l.remote);
        }
        self.send(Command::RemoveLeg(id))
    }

    /// Moves the call to other devices (a headset chosen mid-call, or the default after
    /// the one in use failed); the loop drops the old ones' rings back here.
    pub fn replace_devices(
        &mut self,
        source: Box<dyn Source>,
        sink: Box<dyn Sink>,
    ) -> Result<(), ControlError> {
        self.send(Command::SetDevices(Box::new((source, sink))))
    }

    pub fn set_plan(&mut self, plan: MixPlan) -> Result<(), ControlError> {
        self.send(Command::SetPlan(Box::new(plan)))
    }

    pub fn dtmf(&mut self, id: LegId, digit: char, duration_ms: u32) -> Result<(), ControlError> {
        self.send(Command::Dtmf(id, digit, duration_ms))
    }

    /// Records the call to `path` (stereo WAV at the loop's `sample_rate`: left the
    /// microphone, right what the agent hears) until [`MediaController::stop_recording`];
    /// a recording already running is finished first.
    pub fn start_recording(&mut self, path: &Path, sample_rate: u32) -> Result<(), ControlError> {
        // Two seconds of ring: poll() drains it several times a second.
        let (recorder, ring) = Recorder::create(path, sample_rate, 2)?;
        self.send(Command::StartRecording(Box::new(ring)))?;
        if let Some(old) = self.recorder.replace(recorder) {
            self.finishing.push(old);
        }
        Ok(())
    }

    /// Ends the recording; [`MediaEvent::RecordingFinished`] follows from `poll`.
    /// Plays a tone into the earpiece (over the calls), or stops it with `None`.
    pub fn tone(&mut self, spec: Option<super::tone::ToneSpec>) -> Result<(), ControlError> {
        self.send(Command::Tone(spec))
    }

    /// Plays `samples` (at the loop's rate) into what leg `id` sends; `prompt` names it in
    /// the [`MediaEvent::PromptEnded`] that follows.
    pub fn play(&mut self, id: LegId, prompt: u64, samples: Vec<i16>) -> Result<(), ControlError> {
        self.send(Command::Play(id, super::prompt::Prompt::new(prompt, samples)))
    }

    /// Plays the microphone's source (a WAV file) from its beginning.
    pub fn restart_source(&mut self) -> Result<(), ControlError> {
        self.send(Command::RestartSource)
    }

    pub fn stop_recording(&mut self) -> Result<(), ControlError> {
        if let Some(r) = self.recorder.take() {
            self.send(Command::StopRecording)?;
            self.finishing.push(r);
        }
        Ok(())
    }

    /// Processes what the loop reported and sends RTCP that is due; call a few times a
    /// second.
    pub fn poll(&mut self, now: Instant) -> Vec<MediaEvent> {
        let ntp = self.ntp(now);
        let mut events = Vec::new();
        // Into the file first, so that the ring the loop fills has room.
        let mut failed = None;
        for r in self.finishing.iter_mut().chain(self.recorder.as_mut()) {
            if let Err(e) = r.drain() {
                failed = Some(e.to_string());
            }
        }
        if let Some(error) = failed {
            // A full disk or a vanished directory: stop recording, say so, keep the call.
            let _ = self.stop_recording();
            events.push(MediaEvent::RecordingFinished {
                frames: 0,
                dropped_samples: 0,
                error: Some(error),
            });
        }
        while let Some(r) = self.handle.poll_report() {
            match r {
                Report::Stats(id, mut stats) => {
                    if let Some(l) = self.legs.get_mut(&id) {
                        stats.rtt_ms = l.rtt_ms;
                        l.last = Some(stats);
                    }
                    events.push(MediaEvent::Stats { leg: id, stats });
                }
                Report::Digit(id, digit) => events.push(MediaEvent::Digit { leg: id, digit }),
                Report::Rtcp(id, frame) => {
                    let arrival = self.ntp(frame.arrival);
                    let mut hint = None;
                    if let Some(l) = self.legs.get_mut(&id) {
                        for event in l.session.receive(frame.bytes(), arrival) {
                            match event {
                                RtcpEvent::RoundTrip { rtt_ms } => l.rtt_ms = Some(rtt_ms),
                                // RFC 3550 §6.4.1: fraction lost is in 1/256ths.
                                RtcpEvent::PeerReception { fraction_lost, .. } => {
                                    hint = Some((u32::from(fraction_lost) * 100 / 256) as u8);
                                }
                                _ => {}
                            }
                            events.push(MediaEvent::Rtcp { leg: id, event });
                        }
                    }
                    if let Some(percent) = hint {
                        // A full ring only delays the hint to the next report.
                        let _ = self.handle.send(Command::LossHint(id, percent));
                    }
                }
                Report::LegRemoved(setup) => {
                    if let Some(p) = &setup.prompt {
                        events.push(MediaEvent::PromptEnded {
                            leg: setup.id,
                            prompt: p.id,
                            completed: false,
                        });
                    }
                    events.push(MediaEvent::LegRemoved { leg: setup.id });
                }
                Report::PromptEnded { leg, prompt, completed } => {
                    events.push(MediaEvent::PromptEnded { leg, prompt: prompt.id, completed });
                }
                Report::RecordingStopped { dropped_samples, .. } => {
                    if !self.finishing.is_empty() {
                        let recorder = self.finishing.remove(0);
                        if recorder.failed() {
                            // Already reported when the write failed.
                            continue;
                        }
                        let (frames, error) = match recorder.finish() {
                            Ok(frames) => (frames, None),
                            Err(e) => (0, Some(e.to_string())),
                        };
                        events.push(MediaEvent::RecordingFinished {
                            frames,
                            dropped_samples,
                            error,
                        });
                    }
                }
                Report::PlanReplaced(_) | Report::Rejected(_) | Report::DevicesReplaced(_) => {}
            }
        }
        let due: Vec<LegId> =
            self.legs.iter().filter(|(_, l)| l.next_report <= now).map(|(id, _)| *id).collect();
        for id in due {
            let interval = self.legs.get(&id).map(|l| l.interval).unwrap_or(Duration::from_secs(5));
            let next = now + self.randomised(interval);
            let Some(l) = self.legs.get_mut(&id) else { continue };
            l.next_report = next;
            let Some(stats) = l.last else { continue };
            let remote = stats.remote_ssrc.map(|ssrc| {
                let (exp0, rec0) = l.reported;
                let (de, dr) =
                    (stats.expected.wrapping_sub(exp0), stats.received.wrapping_sub(rec0));
                l.reported = (stats.expected, stats.received);
                let fraction =
                    if de == 0 || dr >= de { 0 } else { (((de - dr) << 8) / de).min(255) as u8 };
                RemoteCounters {
                    ssrc,
                    fraction_lost: fraction,
                    cumulative_lost: stats.lost.max(0) as u32,
                    extended_max_seq: stats.extended_max_seq,
                    jitter: stats.jitter_rtp,
                    jb_nominal_ms: stats.jitter_buffer.target_ms.min(u32::from(u16::MAX)) as u16,
                    jb_max_ms: stats.jitter_buffer.delay_ms.min(u32::from(u16::MAX)) as u16,
                    r_factor: 0,
                    mos_x10: (stats.mos * 10.0).round().clamp(0.0, 255.0) as u8,
                }
            });
            let packet = l.session.report(ntp, local_counters(&stats), remote);
            let _ = l.socket.send_to(&packet, l.remote);
        }
        events
    }

    /// Stops the loop and returns its devices.
    pub fn stop(self) -> Option<Devices> {
        self.handle.stop()
    }
}

fn local_counters(s: &LegStats) -> LocalCounters {
    LocalCounters {
        packets: s.packets_sent as u32,
        octets: s.octets_sent as u32,
        rtp_time: s.last_rtp_time,
    }
}
