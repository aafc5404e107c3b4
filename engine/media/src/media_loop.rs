//! The media loop (DESIGN.md §2, threads 1–2): its own thread, one tick per frame, paced
//! by the sound card's clock (a frame is ready in its capture ring) or by a timer (for
//! file and null devices). Each tick: microphone frame in, RTP in from
//! every leg (non-blocking), a frame out of every leg's jitter buffer, the mix plan
//! applied, encode and send per leg, earpiece frame out. Legs and plans arrive through a
//! lock-free ring, built elsewhere; what they replace goes back through another ring to be
//! freed elsewhere. Nothing in a tick allocates, locks, logs or blocks. Between ticks
//! the loop waits in `poll(2)` on the legs' sockets, so each packet is stamped when it
//! arrives (jitter, RTT) rather than at the next tick.

// The media loop is the media path's driver: paced by the sound card or its own timer, it
// stamps packets as they arrive; the clock is its to read.
#![allow(clippy::disallowed_methods)]

use crate::priority::Scheduling;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ringbuf::HeapRb;
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd};
use rustix::event::{PollFd, PollFlags, Timespec, poll};

use super::device::{Doorbell, Sink, Source};
use super::leg::{Leg, LegStats};
use super::leg_rate::LegRate;
use super::level::{PauseDetector, rms_at_most};
use super::mix::{MixPlan, Mixer};
use super::prompt::Prompt;
use super::recording::RecordingRing;
use super::rtp;
use super::tick_phase::TickPhase;
use super::tone::{ToneGenerator, ToneSpec};

/// Legs one loop can carry (the agent's call, a supervisor, conference parties).
pub const MAX_LEGS: usize = 8;
/// The largest frame: 20 ms at 48 kHz.
pub const MAX_FRAME: usize = 960;

/// The longest a resting loop sleeps without a command (see [`Source::may_rest`]).
const IDLE_REST: Duration = Duration::from_secs(2);

pub type LegId = u32;

/// The devices a loop hands back when it stops.
pub type Devices = (Box<dyn Source>, Box<dyn Sink>);

/// A leg and its socket, ready to join the loop.
#[derive(Debug)]
pub struct LegSetup {
    pub id: LegId,
    pub leg: Leg,
    /// Bound, and switched to non-blocking by [`LegSetup::new`].
    pub socket: UdpSocket,
    /// Where to send until media arrives from elsewhere (then the loop latches to it,
    /// RFC 4961 symmetric RTP).
    pub remote: SocketAddr,
    /// Where its packets land within the loop's tick.
    pub phase: TickPhase,
    /// Conversion between the codec's rate and the loop's, when they differ.
    pub rate: Option<LegRate>,
    /// A prompt being played into what this leg sends.
    pub prompt: Option<Box<Prompt>>,
}

impl LegSetup {
    pub fn new(
        id: LegId,
        leg: Leg,
        socket: UdpSocket,
        remote: SocketAddr,
    ) -> std::io::Result<Box<LegSetup>> {
        socket.set_nonblocking(true)?;
        let phase = TickPhase::new(leg.ssrc());
        Ok(Box::new(LegSetup { id, leg, socket, remote, phase, rate: None, prompt: None }))
    }

    /// As [`LegSetup::new`], for a loop running at `loop_rate` in frames of `frame_ms`:
    /// a codec at another rate gets a converter.
    pub fn at_rate(
        id: LegId,
        leg: Leg,
        socket: UdpSocket,
        remote: SocketAddr,
        loop_rate: u32,
        frame_ms: u32,
    ) -> std::io::Result<Box<LegSetup>> {
        let rate = LegRate::new(leg.sample_rate(), loop_rate, frame_ms)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let mut setup = LegSetup::new(id, leg, socket, remote)?;
        setup.rate = rate;
        Ok(setup)
    }
}

#[derive(Debug)]
pub enum Command {
    AddLeg(Box<LegSetup>),
    RemoveLeg(LegId),
    /// Source 0 / sink 0 are the microphone / earpiece; leg slot `i` is node `1 + i`.
    SetPlan(Box<MixPlan>),
    Dtmf(LegId, char, u32),
    /// The peer's loss of this leg's stream, in percent (RTCP), for the encoder.
    LossHint(LegId, u8),
    /// Record the call: every tick's microphone and earpiece frames go into this ring,
    /// interleaved (left local, right remote), for the owner to write to a file.
    StartRecording(Box<RecordingRing>),
    StopRecording,
    /// Play a call-progress or feedback tone into the earpiece over whatever else it
    /// hears (ringback, the call-waiting beep, DTMF feedback); `None` stops it.
    Tone(Option<ToneSpec>),
    /// Use these devices from the next tick on (another headset, or the default after the
    /// one in use was unplugged); the old ones come back in [`Report::DevicesReplaced`].
    SetDevices(Box<Devices>),
    /// Play this prompt into what the leg sends (replacing one that plays: it comes back
    /// unfinished in [`Report::PromptEnded`]).
    Play(LegId, Box<Prompt>),
    /// Play the microphone's source from its beginning (a WAV file spoken into each call
    /// from its answer, [`super::device::Source::restart`]).
    RestartSource,
    Stop,
}

/// An RTCP datagram copied out of the real-time thread without allocating.
#[derive(Clone, Copy)]
pub struct RtcpFrame {
    pub len: u16,
    pub data: [u8; 512],
    /// When the loop read it off the socket.
    pub arrival: Instant,
}

impl RtcpFrame {
    pub fn bytes(&self) -> &[u8] {
        self.data.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl std::fmt::Debug for RtcpFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RtcpFrame({} bytes)", self.len)
    }
}

// RTCP frames travel by value so that the real-time thread never allocates.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Report {
    /// A removed leg, to be dropped off the real-time thread.
    LegRemoved(Box<LegSetup>),
    /// The plan a new one replaced.
    PlanReplaced(Box<MixPlan>),
    Stats(LegId, LegStats),
    Digit(LegId, char),
    /// An RTCP datagram that arrived on a leg's (multiplexed) socket.
    Rtcp(LegId, RtcpFrame),
    /// A command the loop could not take (no free slot).
    Rejected(Box<LegSetup>),
    /// The recording ring handed back, with the samples that did not fit in it (the
    /// owner drained it too slowly).
    RecordingStopped {
        ring: Box<RecordingRing>,
        dropped_samples: u64,
    },
    /// Devices a [`Command::SetDevices`] replaced, to be closed off the real-time thread.
    DevicesReplaced(Box<Devices>),
    /// A prompt played to its end (`completed`), or replaced, or sent to a leg that is not
    /// there; to be freed off the real-time thread.
    PromptEnded {
        leg: LegId,
        prompt: Box<Prompt>,
        completed: bool,
    },
}

/// The owner's side of a running loop.
pub struct MediaHandle {
    commands: HeapProd<Command>,
    reports: HeapCons<Report>,
    thread: Option<JoinHandle<Devices>>,
    sample_rate: u32,
    frame_ms: u32,
    /// Set by the loop's thread once it has asked for real-time scheduling.
    scheduling: std::sync::Arc<std::sync::OnceLock<Scheduling>>,
    /// Wakes a loop resting while nothing needs it (see [`Source::may_rest`]).
    wake: Option<std::sync::Arc<Doorbell>>,
}

impl MediaHandle {
    /// How the loop's thread is scheduled (real-time, or why not); none until the thread
    /// has started. Never waited for: holding `start` until the thread ran moved the
    /// loop's tick against its peers' (a G.722 call to baresip then heard the delay move
    /// between phrases, correlation 0.46 instead of 0.999).
    pub fn scheduling(&self) -> Option<Scheduling> {
        self.scheduling.get().cloned()
    }
}

impl std::fmt::Debug for MediaHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaHandle").field("running", &self.thread.is_some()).finish()
    }
}

impl std::fmt::Debug for dyn Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Source")
    }
}

impl std::fmt::Debug for dyn Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sink")
    }
}

impl MediaHandle {
    /// The loop's sample rate: legs at another rate need a converter
    /// ([`LegSetup::at_rate`]).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The loop's frame (tick) length.
    pub fn frame_ms(&self) -> u32 {
        self.frame_ms
    }

    /// Queues a command for the next tick; gives it back if the ring is full.
    pub fn send(&mut self, c: Command) -> Result<(), Command> {
        self.commands.try_push(c)?;
        self.wake_loop();
        Ok(())
    }

    /// Rings the loop's bell if it rests (one `write(2)` then; nothing otherwise).
    fn wake_loop(&self) {
        if let Some(bell) = &self.wake {
            bell.pushed(1);
        }
    }

    pub fn poll_report(&mut self) -> Option<Report> {
        self.reports.try_pop()
    }

    /// Stops the loop and returns its devices.
    pub fn stop(mut self) -> Option<Devices> {
        let mut c = Command::Stop;
        while let Err(back) = self.commands.try_push(c) {
            c = back;
            std::thread::sleep(Duration::from_millis(5));
        }
        self.wake_loop();
        self.thread.take()?.join().ok()
    }
}

/// Starts a loop of `frame` samples per tick every `frame_ms`.
pub fn start(
    source: Box<dyn Source>,
    sink: Box<dyn Sink>,
    frame: usize,
    frame_ms: u32,
) -> std::io::Result<MediaHandle> {
    let (commands, cmd_rx) = HeapRb::<Command>::new(64).split();
    let (report_tx, reports) = HeapRb::<Report>::new(256).split();
    let frame = frame.min(MAX_FRAME);
    let scheduling = std::sync::Arc::new(std::sync::OnceLock::new());
    let told = std::sync::Arc::clone(&scheduling);
    let wake = Doorbell::new().map(std::sync::Arc::new);
    let bell = wake.clone();
    let thread = std::thread::Builder::new().name("earshot-media".into()).spawn(move || {
        // Before the loop: asking the scheduler is a system call, never done per tick.
        let _ = told.set(crate::priority::promote_current_thread());
        run(source, sink, frame, frame_ms, cmd_rx, report_tx, bell)
    })?;
    let sample_rate = (frame as u64 * 1000 / u64::from(frame_ms.max(1))) as u32;
    Ok(MediaHandle {
        commands,
        reports,
        thread: Some(thread),
        sample_rate,
        frame_ms,
        scheduling,
        wake,
    })
}

fn run(
    mut source: Box<dyn Source>,
    mut sink: Box<dyn Sink>,
    frame: usize,
    frame_ms: u32,
    mut commands: HeapCons<Command>,
    mut reports: HeapProd<Report>,
    wake: Option<std::sync::Arc<Doorbell>>,
) -> Devices {
    let mut legs: [Option<Box<LegSetup>>; MAX_LEGS] = Default::default();
    let mut plan: Box<MixPlan> = Box::new(MixPlan::new(1, 1));
    let mut mixer = Mixer::new(MAX_FRAME);
    let mut mic = [0i16; MAX_FRAME];
    let mut ear = [0i16; MAX_FRAME];
    let mut decoded = [[0i16; MAX_FRAME]; MAX_LEGS];
    let mut tx = [[0i16; MAX_FRAME]; MAX_LEGS];
    let mut datagram = [0u8; 1500];
    let tick = Duration::from_millis(u64::from(frame_ms.max(1)));
    let start = Instant::now();
    let mut next = start;
    let mut ticks: u64 = 0;
    let mut mic_pause = PauseDetector::default();
    let mut slip_wanted = false;
    let mut recording: Option<(Box<RecordingRing>, u64)> = None;
    let loop_rate = (frame as u64 * 1000 / u64::from(frame_ms.max(1))) as u32;
    let mut tone: Option<ToneGenerator> = None;
    loop {
        // Commands first: they are cheap moves of boxes built elsewhere.
        while let Some(c) = commands.try_pop() {
            match c {
                Command::AddLeg(setup) => match legs.iter_mut().find(|s| s.is_none()) {
                    Some(slot) => *slot = Some(setup),
                    None => {
                        let _ = reports.try_push(Report::Rejected(setup));
                    }
                },
                Command::RemoveLeg(id) => {
                    if let Some(slot) =
                        legs.iter_mut().find(|s| s.as_ref().is_some_and(|l| l.id == id))
                        && let Some(setup) = slot.take()
                    {
                        let _ = reports.try_push(Report::LegRemoved(setup));
                    }
                }
                Command::SetPlan(p) => {
                    let old = std::mem::replace(&mut plan, p);
                    let _ = reports.try_push(Report::PlanReplaced(old));
                }
                Command::Dtmf(id, digit, ms) => {
                    if let Some(l) = legs.iter_mut().flatten().find(|l| l.id == id) {
                        l.leg.send_dtmf(digit, ms);
                    }
                }
                Command::LossHint(id, percent) => {
                    if let Some(l) = legs.iter_mut().flatten().find(|l| l.id == id) {
                        l.leg.set_loss_hint(percent);
                    }
                }
                Command::StartRecording(ring) => {
                    if let Some((ring, dropped_samples)) = recording.replace((ring, 0)) {
                        let _ =
                            reports.try_push(Report::RecordingStopped { ring, dropped_samples });
                    }
                }
                Command::Tone(spec) => {
                    tone = spec.map(|t| ToneGenerator::new(t, loop_rate));
                }
                Command::StopRecording => {
                    if let Some((ring, dropped_samples)) = recording.take() {
                        let _ =
                            reports.try_push(Report::RecordingStopped { ring, dropped_samples });
                    }
                }
                Command::SetDevices(mut devices) => {
                    std::mem::swap(&mut source, &mut devices.0);
                    std::mem::swap(&mut sink, &mut devices.1);
                    let _ = reports.try_push(Report::DevicesReplaced(devices));
                }
                Command::RestartSource => source.restart(),
                Command::Play(id, prompt) => match legs.iter_mut().flatten().find(|l| l.id == id) {
                    Some(l) => {
                        if let Some(old) = l.prompt.replace(prompt) {
                            let _ = reports.try_push(Report::PromptEnded {
                                leg: id,
                                prompt: old,
                                completed: false,
                            });
                        }
                    }
                    None => {
                        let _ = reports.try_push(Report::PromptEnded {
                            leg: id,
                            prompt,
                            completed: false,
                        });
                    }
                },
                Command::Stop => return (source, sink),
            }
        }
        let tick_at = Instant::now();
        for l in legs.iter_mut().flatten() {
            l.phase.ticked(tick_at, tick);
        }
        let mic = mic.get_mut(..frame).unwrap_or(&mut []);
        source.read(mic);
        for (slot, out) in legs.iter_mut().zip(decoded.iter_mut()) {
            let Some(l) = slot else {
                out.fill(0);
                continue;
            };
            drain(l, &mut datagram, &mut reports, start);
            let out = out.get_mut(..frame).unwrap_or(&mut []);
            match l.rate.as_mut() {
                Some(rate) => {
                    l.leg.play(rate.codec_frame());
                    rate.play_out(out);
                }
                None => {
                    l.leg.play(out);
                }
            }
        }
        {
            let mut sources: [&[i16]; MAX_LEGS + 1] = [&[]; MAX_LEGS + 1];
            if let Some(s) = sources.get_mut(0) {
                *s = mic;
            }
            for (s, d) in sources.iter_mut().skip(1).zip(decoded.iter()) {
                *s = d.get(..frame).unwrap_or(&[]);
            }
            let mut ear_ref = Some(ear.get_mut(..frame).unwrap_or(&mut []));
            let mut tx_iter = tx.iter_mut();
            let mut sinks: [&mut [i16]; MAX_LEGS + 1] = std::array::from_fn(|i| {
                if i == 0 {
                    ear_ref.take().unwrap_or(&mut [])
                } else {
                    tx_iter.next().and_then(|t| t.get_mut(..frame)).unwrap_or(&mut [])
                }
            });
            mixer.mix(&plan, &sources, &mut sinks);
        }
        for (slot, out) in legs.iter_mut().zip(tx.iter_mut()) {
            let Some(l) = slot else { continue };
            let pcm = out.get_mut(..frame).unwrap_or(&mut []);
            if let Some(p) = l.prompt.as_mut()
                && p.mix_into(pcm)
                && let Some(prompt) = l.prompt.take()
            {
                let _ =
                    reports.try_push(Report::PromptEnded { leg: l.id, prompt, completed: true });
            }
            let pcm: &[i16] = pcm;
            match l.rate.as_mut() {
                Some(rate) => l.leg.send(rate.to_send(pcm)),
                None => l.leg.send(pcm),
            }
            while let Some(packet) = l.leg.next_packet() {
                let _ = l.socket.send_to(packet, l.remote);
            }
        }
        if let Some(t) = tone.as_mut() {
            t.mix_into(ear.get_mut(..frame).unwrap_or(&mut []));
            if t.finished() {
                tone = None;
            }
        }
        sink.write(ear.get(..frame).unwrap_or(&[]));
        // The first leg's packets land on the tick: move the tick by half a frame at the
        // next pause of the microphone (the half frame of it skipped goes unheard; inside
        // a word it would be a time warp in what the peer hears).
        if let Some(straddling) =
            legs.iter_mut().flatten().next().and_then(|l| l.phase.straddling())
        {
            slip_wanted = straddling;
        }
        let mic_in_pause = mic_pause.next(is_quiet(mic), frame_ms);
        if slip_wanted && mic_in_pause {
            slip_wanted = false;
            if source.ready_in().is_some() {
                source.slip_half_frame();
            } else {
                next += tick / 2;
            }
        }
        if let Some((ring, dropped)) = recording.as_mut() {
            *dropped += ring.push_stereo(mic, ear.get(..frame).unwrap_or(&[]));
        }
        ticks += 1;
        if ticks.is_multiple_of(12) {
            for l in legs.iter().flatten() {
                let _ = reports.try_push(Report::Stats(l.id, l.leg.stats(0.0)));
            }
        }
        next += tick;
        // Nothing needs the loop (no call, tone or recording; devices nobody hears): it
        // rests until a command rings its bell (or for a couple of seconds at most).
        let idle = legs.iter().all(Option::is_none)
            && tone.is_none()
            && recording.is_none()
            && source.may_rest()
            && sink.may_rest();
        if idle && let Some(bell) = wake.as_deref() {
            bell.arm(0);
            if commands.is_empty() {
                let until = Instant::now() + IDLE_REST;
                wait_for_tick(&mut legs, Some(bell), until, &mut datagram, &mut reports, start);
            }
            next = Instant::now();
            continue;
        }
        if source.ready_in().is_some() {
            // A sound card's clock paces the loop: wait until its next frame is there.
            // Should it stop delivering, tick anyway after two frames' time (and on the
            // timer once it reports the failure) so that the call goes on.
            let give_up = next + tick;
            while let Some(wait) = source.ready_in().filter(|w| !w.is_zero()) {
                let now = Instant::now();
                if now >= give_up {
                    break;
                }
                let until = match source.doorbell() {
                    // The capture callback rings when the frame is there.
                    Some(_) => give_up,
                    // Cards deliver in periods: sleep to just before the frame should be
                    // complete, then look again often.
                    None if wait > Duration::from_millis(2) => {
                        now + wait - Duration::from_millis(1)
                    }
                    None => now + Duration::from_micros(500),
                };
                wait_for_tick(
                    &mut legs,
                    source.doorbell(),
                    until.min(give_up),
                    &mut datagram,
                    &mut reports,
                    start,
                );
            }
            next = Instant::now();
            continue;
        }
        let now = Instant::now();
        if next > now {
            wait_for_tick(&mut legs, None, next, &mut datagram, &mut reports, start);
        } else if now - next > tick * 5 {
            // Far behind (the machine stalled): resynchronise instead of bursting.
            next = now;
        }
    }
}

/// Below about −40 dBFS RMS: nobody is talking into the microphone.
fn is_quiet(frame: &[i16]) -> bool {
    rms_at_most(frame, 330)
}

/// Reads every datagram waiting on a leg's socket, stamping each with the moment it was
/// read: RTP goes to the leg (jitter buffer, RFC 3550 A.8 jitter), RTCP (RFC 5761
/// multiplexed) goes to the owner with its arrival time for the RTT (RFC 3550 §6.4.1).
fn drain(
    l: &mut LegSetup,
    datagram: &mut [u8; 1500],
    reports: &mut HeapProd<Report>,
    start: Instant,
) {
    while let Ok((n, from)) = l.socket.recv_from(datagram) {
        let arrival = Instant::now();
        let d = datagram.get(..n).unwrap_or(&[]);
        if rtp::is_rtcp(d) {
            let len = d.len().min(512);
            let mut frame = RtcpFrame { len: len as u16, data: [0; 512], arrival };
            frame
                .data
                .get_mut(..len)
                .unwrap_or(&mut [])
                .copy_from_slice(d.get(..len).unwrap_or(&[]));
            let _ = reports.try_push(Report::Rtcp(l.id, frame));
            continue;
        }
        if rtp::parse(d).is_ok() {
            l.remote = from;
            l.phase.arrived(arrival);
        }
        let now_us = arrival.saturating_duration_since(start).as_micros() as u64;
        if let Some(digit) = l.leg.receive(d, now_us) {
            let _ = reports.try_push(Report::Digit(l.id, digit));
        }
    }
}

/// Waits until `deadline`, reading packets as they arrive rather than at the next tick,
/// so that arrival times (and so jitter and RTT) are exact to the millisecond instead of
/// to the frame; returns early when the sound card's `doorbell` rings. `poll(2)` on at
/// most [`MAX_LEGS`] sockets and the doorbell: no allocation, no lock.
fn wait_for_tick(
    legs: &mut [Option<Box<LegSetup>>; MAX_LEGS],
    doorbell: Option<&Doorbell>,
    deadline: Instant,
    datagram: &mut [u8; 1500],
    reports: &mut HeapProd<Report>,
    start: Instant,
) {
    loop {
        let now = Instant::now();
        let Some(left) = deadline.checked_duration_since(now).filter(|d| !d.is_zero()) else {
            return;
        };
        let (ready, rung) = {
            let present: [Option<BorrowedFd<'_>>; MAX_LEGS] = std::array::from_fn(|i| {
                legs.get(i).and_then(|s| s.as_ref()).map(|l| l.socket.as_fd())
            });
            let bell = doorbell.map(Doorbell::fd);
            let Some(any) = present.iter().flatten().next().copied().or(bell) else {
                std::thread::sleep(left);
                return;
            };
            // Empty slots poll another descriptor again; only present ones are read.
            let mut fds: [PollFd<'_>; MAX_LEGS + 1] = std::array::from_fn(|i| {
                let fd = match i {
                    MAX_LEGS => bell,
                    _ => present.get(i).copied().flatten(),
                };
                PollFd::from_borrowed_fd(fd.unwrap_or(any), PollFlags::IN)
            });
            let timeout =
                Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) };
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => return,
                Ok(_) => {
                    let mut ready = [false; MAX_LEGS];
                    for (r, (fd, p)) in ready.iter_mut().zip(fds.iter().zip(present.iter())) {
                        *r = p.is_some() && !fd.revents().is_empty();
                    }
                    let rung = bell.is_some()
                        && fds.get(MAX_LEGS).is_some_and(|fd| !fd.revents().is_empty());
                    (ready, rung)
                }
                // Interrupted: wait again for what is left.
                Err(e) if e == rustix::io::Errno::INTR => continue,
                Err(_) => {
                    std::thread::sleep(left);
                    return;
                }
            }
        };
        for (slot, r) in legs.iter_mut().zip(ready) {
            if let (Some(l), true) = (slot, r) {
                drain(l, datagram, reports, start);
            }
        }
        if rung {
            if let Some(bell) = doorbell {
                bell.answer();
            }
            return;
        }
    }
}
