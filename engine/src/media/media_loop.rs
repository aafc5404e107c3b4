//! The media loop (DESIGN.md §2, threads 1–2): its own thread, one tick per frame, paced
//! by a timer (for file and null devices). Each tick: microphone frame in, RTP in from
//! every leg (non-blocking), a frame out of every leg's jitter buffer, the mix plan
//! applied, encode and send per leg, earpiece frame out. Legs and plans arrive through a
//! lock-free ring, built elsewhere; what they replace goes back through another ring to be
//! freed elsewhere. Nothing in a tick allocates, locks, logs or blocks.

use std::net::{SocketAddr, UdpSocket};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ringbuf::HeapRb;
use ringbuf::traits::{Consumer, Producer, Split};
use ringbuf::{HeapCons, HeapProd};

use super::device::{Sink, Source};
use super::leg::{Leg, LegStats};
use super::mix::{MixPlan, Mixer};
use super::rtp;

/// Legs one loop can carry (the agent's call, a supervisor, conference parties).
pub const MAX_LEGS: usize = 8;
/// The largest frame: 20 ms at 48 kHz.
pub const MAX_FRAME: usize = 960;

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
}

impl LegSetup {
    pub fn new(
        id: LegId,
        leg: Leg,
        socket: UdpSocket,
        remote: SocketAddr,
    ) -> std::io::Result<Box<LegSetup>> {
        socket.set_nonblocking(true)?;
        Ok(Box::new(LegSetup { id, leg, socket, remote }))
    }
}

#[derive(Debug)]
pub enum Command {
    AddLeg(Box<LegSetup>),
    RemoveLeg(LegId),
    /// Source 0 / sink 0 are the microphone / earpiece; leg slot `i` is node `1 + i`.
    SetPlan(Box<MixPlan>),
    Dtmf(LegId, char, u32),
    Stop,
}

#[derive(Debug)]
pub enum Report {
    /// A removed leg, to be dropped off the real-time thread.
    LegRemoved(Box<LegSetup>),
    /// The plan a new one replaced.
    PlanReplaced(Box<MixPlan>),
    Stats(LegId, LegStats),
    Digit(LegId, char),
    /// A command the loop could not take (no free slot).
    Rejected(Box<LegSetup>),
}

/// The owner's side of a running loop.
pub struct MediaHandle {
    commands: HeapProd<Command>,
    reports: HeapCons<Report>,
    thread: Option<JoinHandle<Devices>>,
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
    /// Queues a command for the next tick; gives it back if the ring is full.
    pub fn send(&mut self, c: Command) -> Result<(), Command> {
        self.commands.try_push(c)
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
    let thread = std::thread::Builder::new()
        .name("earshot-media".into())
        .spawn(move || run(source, sink, frame, frame_ms, cmd_rx, report_tx))?;
    Ok(MediaHandle { commands, reports, thread: Some(thread) })
}

fn run(
    mut source: Box<dyn Source>,
    mut sink: Box<dyn Sink>,
    frame: usize,
    frame_ms: u32,
    mut commands: HeapCons<Command>,
    mut reports: HeapProd<Report>,
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
                Command::Stop => return (source, sink),
            }
        }
        let now_ms = start.elapsed().as_millis() as u64;
        let mic = mic.get_mut(..frame).unwrap_or(&mut []);
        source.read(mic);
        for (slot, out) in legs.iter_mut().zip(decoded.iter_mut()) {
            let Some(l) = slot else {
                out.fill(0);
                continue;
            };
            while let Ok((n, from)) = l.socket.recv_from(&mut datagram) {
                let d = datagram.get(..n).unwrap_or(&[]);
                if rtp::is_rtcp(d) {
                    continue;
                }
                if rtp::parse(d).is_ok() {
                    l.remote = from;
                }
                if let Some(digit) = l.leg.receive(d, now_ms) {
                    let _ = reports.try_push(Report::Digit(l.id, digit));
                }
            }
            l.leg.play(out.get_mut(..frame).unwrap_or(&mut []));
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
        for (slot, out) in legs.iter_mut().zip(tx.iter()) {
            let Some(l) = slot else { continue };
            let packet = l.leg.send(out.get(..frame).unwrap_or(&[]));
            let _ = l.socket.send_to(packet, l.remote);
        }
        sink.write(ear.get(..frame).unwrap_or(&[]));
        ticks += 1;
        if ticks.is_multiple_of(12) {
            for l in legs.iter().flatten() {
                let _ = reports.try_push(Report::Stats(l.id, l.leg.stats(0.0)));
            }
        }
        next += tick;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > tick * 5 {
            // Far behind (the machine stalled): resynchronise instead of bursting.
            next = now;
        }
    }
}
