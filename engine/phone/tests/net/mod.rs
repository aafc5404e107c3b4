//! A network of phone cores in memory on a virtual clock: each [`Phone`] with its own user
//! agent and a recording [`MediaPort`]; SIP datagrams go from one to another at once;
//! time moves only when a test says so, 20 ms at a time. The SIP peers are real user
//! agents (earshot's own), only the sockets and the sound are not.
// Each test file uses part of it; a broken network or configuration stops the test loudly.
#![allow(dead_code)]
#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

pub mod chat_events;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use earshot_media::control::MediaEvent;
use earshot_media::device::RouteEvent;
use earshot_media::leg::LegStats;
use earshot_media::media_loop::LegId;
use earshot_media::tone::ToneSpec;
use earshot_phone::api::{CallId, CallState, Command, Event};
use earshot_phone::media::{DeviceChoice, MediaError};
use earshot_phone::mix::LegMix;
use earshot_phone::{Config, Effect, MediaPort, Phone, PhoneParts, ua_config};
use earshot_sip::sdp::Negotiated;
use earshot_sip::target::Target;
use earshot_sip::ua::UserAgent;

/// What a phone's audio was asked to do, for the test to look at.
#[derive(Debug, Default)]
pub struct MediaLog {
    next_port: u16,
    /// Sockets opened and not yet in a leg, by leg.
    pub sockets: BTreeMap<LegId, u16>,
    /// Legs in the mix, with the codec each sends.
    pub legs: BTreeMap<LegId, String>,
    /// The last mix applied.
    pub mix: Vec<(LegId, LegMix)>,
    pub tones: Vec<Option<ToneSpec>>,
    pub ringing: bool,
    /// The alert it rings with.
    pub ring_sound: Option<ToneSpec>,
    pub digits: Vec<(LegId, char)>,
    pub prompts: Vec<(LegId, u64, String)>,
    pub input_restarts: u32,
    /// Reports the next poll hands the phone.
    pub pending: Vec<MediaEvent>,
    /// Legs whose peer "sends": each poll reports more packets received.
    pub flowing: BTreeMap<LegId, u64>,
    pub stopped: bool,
    /// How often the phone looked at its media (its housekeeping ticks).
    pub polls: u64,
}

/// A [`MediaPort`] that records what it is asked and reports what the test sets.
#[derive(Debug, Clone, Default)]
pub struct RecordingMedia(pub Arc<Mutex<MediaLog>>);

impl RecordingMedia {
    fn log(&self) -> std::sync::MutexGuard<'_, MediaLog> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MediaPort for RecordingMedia {
    fn open_rtp(&mut self, leg: LegId, _address: IpAddr) -> Result<u16, MediaError> {
        let mut l = self.log();
        l.next_port += 2;
        let port = 20_000 + l.next_port;
        l.sockets.insert(leg, port);
        Ok(port)
    }
    fn add_leg(
        &mut self,
        leg: LegId,
        negotiated: &Negotiated,
        _ssrc: u32,
        _now: Instant,
    ) -> Result<String, MediaError> {
        let mut l = self.log();
        l.sockets.remove(&leg).ok_or(MediaError::NoSocket)?;
        let (_, format) = negotiated.send_format().ok_or(MediaError::NoCodec)?;
        l.legs.insert(leg, format.encoding.clone());
        Ok(format.encoding.clone())
    }
    fn remove_leg(&mut self, leg: LegId, _now: Instant) {
        let mut l = self.log();
        l.sockets.remove(&leg);
        l.legs.remove(&leg);
        l.flowing.remove(&leg);
    }
    fn apply_mix(&mut self, legs: &[(LegId, LegMix)]) -> Result<(), MediaError> {
        self.log().mix = legs.to_vec();
        Ok(())
    }
    fn play(&mut self, leg: LegId, prompt: u64, file: &Path) -> Result<(), MediaError> {
        self.log().prompts.push((leg, prompt, file.display().to_string()));
        Ok(())
    }
    fn restart_input(&mut self) {
        self.log().input_restarts += 1;
    }
    fn tone(&mut self, spec: Option<ToneSpec>) {
        self.log().tones.push(spec);
    }
    fn ring(&mut self, sound: Option<ToneSpec>) -> Option<String> {
        let mut l = self.log();
        l.ringing = sound.is_some();
        l.ring_sound = sound;
        None
    }
    fn set_devices(&mut self, _choice: DeviceChoice) -> Option<RouteEvent> {
        None
    }
    fn choice(&self) -> DeviceChoice {
        DeviceChoice::default()
    }
    fn devices(&self) -> (Vec<String>, Vec<String>, String) {
        (Vec::new(), Vec::new(), "no sound device".into())
    }
    fn dtmf(&mut self, leg: LegId, digit: char) -> Result<(), MediaError> {
        self.log().digits.push((leg, digit));
        Ok(())
    }
    fn poll(&mut self, _now: Instant) -> (Vec<MediaEvent>, Option<RouteEvent>) {
        let mut l = self.log();
        l.polls += 1;
        let mut events = std::mem::take(&mut l.pending);
        for (leg, packets) in l.flowing.iter_mut() {
            *packets += 1;
            let stats = LegStats { packets_received: *packets, ..LegStats::default() };
            events.push(MediaEvent::Stats { leg: *leg, stats });
        }
        (events, None)
    }
    fn stop(&mut self, _now: Instant) {
        self.log().stopped = true;
    }
}

/// One phone on the network.
pub struct Node {
    pub phone: Phone,
    pub addr: SocketAddr,
    pub media: RecordingMedia,
    /// Every event it reported, in order.
    pub events: Vec<Event>,
    /// Effects other than DNS lookups (the network answers those from its zone).
    pub effects: Vec<Effect>,
    /// The identity a trusted proxy asserts for this phone's requests (RFC 3325).
    pub asserted: Option<String>,
    pub user: String,
}

impl Node {
    /// The latest state reported for call `id`.
    pub fn state(&self, id: CallId) -> Option<CallState> {
        self.events.iter().rev().find_map(|e| match e {
            Event::CallState { id: i, state, .. } if *i == id => Some(*state),
            _ => None,
        })
    }

    /// The id of the last call offered to this phone.
    pub fn incoming(&self) -> Option<CallId> {
        self.events.iter().rev().find_map(|e| match e {
            Event::IncomingCall { id, .. } => Some(*id),
            _ => None,
        })
    }

    /// The error messages reported.
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Error { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// Why call `id` ended, if it did.
    pub fn ended(&self, id: CallId) -> Option<String> {
        self.events.iter().find_map(|e| match e {
            Event::CallState { id: i, state: CallState::Ended, reason, .. } if *i == id => {
                Some(reason.clone().unwrap_or_default())
            }
            _ => None,
        })
    }

    pub fn log(&self) -> std::sync::MutexGuard<'_, MediaLog> {
        self.media.log()
    }

    /// The mix entry of call `id`'s leg.
    pub fn mix_of(&self, id: CallId) -> Option<LegMix> {
        self.log().mix.iter().find(|(leg, _)| *leg == id as LegId).map(|(_, m)| *m)
    }
}

/// Phones in memory, and the virtual time.
pub struct Net {
    pub nodes: Vec<Node>,
    pub now: Instant,
    pub wall: SystemTime,
    /// Names DNS knows (RFC 3263 lookups answered from here), by host.
    pub zone: BTreeMap<String, Vec<Target>>,
    /// Datagrams delivered, for tests that look at the SIP.
    pub trace: Vec<(SocketAddr, SocketAddr, String)>,
}

/// A configuration for phone `user` on 127.0.0.N (peer-to-peer).
pub fn config(user: &str) -> Config {
    let mut c = Config { user: user.into(), ..Config::default() };
    c.codecs = vec!["opus".into(), "PCMU".into()];
    c
}

impl Net {
    #[allow(clippy::disallowed_methods)] // the virtual clock starts from the real one
    pub fn new() -> Net {
        Net {
            nodes: Vec::new(),
            now: Instant::now(),
            wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            zone: BTreeMap::new(),
            trace: Vec::new(),
        }
    }

    /// Adds a phone with `config` on 127.0.0.(index+1):5060; returns its index.
    pub fn add(&mut self, mut config: Config) -> usize {
        let index = self.nodes.len();
        let user = config.user.clone();
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, index as u8 + 1));
        let addr = SocketAddr::new(ip, 5060);
        config.sip.address = Some(ip);
        let account = config.accounts.first().cloned();
        let ua_cfg = ua_config(&config, account.as_ref(), addr).expect("configuration");
        let ua = UserAgent::new(ua_cfg, 7 + index as u64);
        let media = RecordingMedia::default();
        let directory = earshot_phone::directory_commands::StartingIndex::new(&config, &[]);
        let parts = PhoneParts {
            config,
            ua,
            media: Box::new(media.clone()),
            auto_answer: false,
            input_file: false,
            seed: 1000 + index as u64,
            desk_first_id: 1,
            desk_restored: Vec::new(),
            chats_restored: Vec::new(),
            emails_restored: Vec::new(),
            index: directory,
        };
        let phone = Phone::new(parts, self.now, self.wall);
        self.nodes.push(Node {
            phone,
            addr,
            media,
            events: Vec::new(),
            effects: Vec::new(),
            asserted: None,
            user,
        });
        self.pump();
        index
    }

    /// The peer-to-peer address of phone `n`'s user.
    pub fn uri(&self, n: usize) -> String {
        format!("sip:{}@{}", self.nodes[n].user, self.nodes[n].addr)
    }

    /// Sends phone `n` a command, then lets everything it causes happen (no time passes).
    pub fn command(&mut self, n: usize, c: Command) {
        let (now, wall) = (self.now, self.wall);
        self.nodes[n].phone.command(c, now, wall);
        self.pump();
    }

    /// Delivers datagrams, settles every phone and answers DNS until nothing moves.
    pub fn pump(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            let (now, wall) = (self.now, self.wall);
            for n in 0..self.nodes.len() {
                self.nodes[n].phone.settle(now, wall);
                while let Some(e) = self.nodes[n].phone.poll_event() {
                    self.nodes[n].events.push(e);
                }
                while let Some(effect) = self.nodes[n].phone.poll_effect() {
                    moved = true;
                    match effect {
                        Effect::Locate { name, .. } => {
                            let found = self
                                .zone
                                .get(&name.host.to_string())
                                .cloned()
                                .ok_or_else(|| format!("{} does not exist", name.host));
                            self.nodes[n].phone.located(&name, found, now, wall);
                        }
                        other => self.nodes[n].effects.push(other),
                    }
                }
                let from = self.nodes[n].addr;
                let asserted = self.nodes[n].asserted.clone();
                let mut out = Vec::new();
                while let Some(t) = self.nodes[n].phone.agent().poll_transmit() {
                    out.push(t);
                }
                for t in out {
                    moved = true;
                    let mut bytes = t.bytes.clone();
                    if let Some(identity) = &asserted
                        && !bytes.starts_with(b"SIP/2.0")
                    {
                        bytes = assert_identity(&bytes, identity);
                    }
                    self.trace.push((from, t.target.addr, String::from_utf8_lossy(&bytes).into()));
                    if let Some(to) = self.nodes.iter_mut().find(|x| x.addr == t.target.addr) {
                        // Over the transport it was sent on (a large MESSAGE goes over TCP).
                        let from = Target { transport: t.target.transport, addr: from };
                        to.phone.agent().handle_bytes(&bytes, from, now);
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the network never settled");
    }

    /// Lets `d` of virtual time pass, 20 ms at a time, every phone's timers firing.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        while self.now < end {
            let step = Duration::from_millis(20).min(end - self.now);
            self.now += step;
            self.wall += step;
            let (now, wall) = (self.now, self.wall);
            for node in &mut self.nodes {
                node.phone.timeout(now, wall);
            }
            self.pump();
        }
    }

    /// Places a call from `a` to `b`, answered by `b`; returns (a's id, b's id).
    pub fn talk(&mut self, a: usize, b: usize) -> (CallId, CallId) {
        let before = self.nodes[b].incoming();
        self.command(a, Command::Call { uri: self.uri(b) });
        self.advance(Duration::from_millis(100));
        let incoming = self.nodes[b].incoming();
        assert_ne!(incoming, before, "no call reached phone {b}");
        let theirs = incoming.expect("incoming");
        self.command(b, Command::Answer { id: theirs });
        self.advance(Duration::from_millis(100));
        let ours = self.nodes[a]
            .events
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::CallState { id, state: CallState::Active, .. } => Some(*id),
                _ => None,
            })
            .expect("the caller's call is active");
        (ours, theirs)
    }
}

impl Default for Net {
    fn default() -> Self {
        Net::new()
    }
}

/// A request as a trusted proxy passes it on: with `P-Asserted-Identity` (RFC 3325 §9.1).
fn assert_identity(bytes: &[u8], identity: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    match text.split_once("\r\n") {
        Some((first, rest)) => {
            format!("{first}\r\nP-Asserted-Identity: <{identity}>\r\n{rest}").into_bytes()
        }
        None => bytes.to_vec(),
    }
}
