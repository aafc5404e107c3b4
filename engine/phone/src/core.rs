//! The phone core's state and its helpers (DESIGN.md §2 `engine::phone`): sans-IO — it
//! owns the SIP user agent and talks to the audio through its [`MediaPort`]; each input
//! comes with the time (the `now` it keeps); what it wants done outside (DNS, the history, the
//! configuration file) it hands back as [`Effect`]s, what happened as [`Event`]s. The
//! inputs live in driving.rs, commands in commands.rs, the user agent's reports in
//! signalling.rs; driver.rs runs it on real sockets.

use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

use earshot_sip::message::{NameAddr, Uri};
use earshot_sip::sdp::{self, Direction as SdpDirection, Origin};
use earshot_sip::ua::{CallHandle, EndReason, UserAgent};

use super::api::{CallId, CallState, Event};
use super::call::Call;
use super::call_record;
use super::config::Config;
use super::effect::Effect;
use super::errors::CommandError;
use super::lookups::{Lookups, Parked};
use super::media::audio_caps;
use super::media_port::MediaPort;
use super::problem::Problem;

/// The phone: calls, transfers, conferences and monitoring over one user agent.
pub struct Phone {
    pub(super) config: Config,
    pub(super) ua: UserAgent,
    pub(super) media: Box<dyn MediaPort>,
    /// The address our SDP gives for media.
    pub(super) address: IpAddr,
    pub(super) calls: BTreeMap<CallId, Call>,
    pub(super) next_id: CallId,
    pub(super) events: VecDeque<Event>,
    pub(super) effects: VecDeque<Effect>,
    pub(super) auto_answer: bool,
    pub(super) dnd: bool,
    /// Until when the missed-offer beep plays (`ringing.rs`).
    pub(super) missed_beep_until: Option<Instant>,
    /// Until when the new-message note of a chat not looked at plays (`ringing.rs`).
    pub(super) chat_note_until: Option<Instant>,
    pub(super) ssrc_seed: u64,
    /// Calls we placed because a peer transferred us: new call → the call it replaces.
    pub(super) transfers: BTreeMap<CallId, CallId>,
    /// Our own address, for the history.
    pub(super) local_uri: String,
    /// The account's registration, while there is one.
    pub(super) registration: Option<earshot_sip::ua::RegHandle>,
    /// Supervisors watching our calls (dialog event package).
    pub(super) watchers: super::dialog_watchers::Watchers,
    pub(super) presence: super::presence_publisher::Presence,
    /// Supervisor: the agents we watch.
    pub(super) team: super::team::Team,
    /// The microphone is a WAV file, spoken from its beginning at each call's answer.
    pub(super) input_file: bool,
    /// Servers given by name: what DNS found (RFC 3263), and what waits for it.
    pub(super) lookups: Lookups,
    /// The time of the input being handled, passed in with each input: the phone's logic
    /// reads it here and never the clock.
    pub(super) now: Instant,
    /// The same moment on the wall clock (for the history).
    pub(super) wall: SystemTime,
    /// Files being played into calls (`play`), by prompt number: the call and the file.
    pub(super) plays: BTreeMap<u64, (CallId, String)>,
    pub(super) next_play: u64,
    /// The next 20 ms housekeeping (media reports, digits, auto-answers, liveness).
    pub(super) next_tick: Instant,
    /// Quitting: stop by then even if the user agent has not finished.
    pub(super) stopping: Option<Instant>,
    pub(super) stopped: bool,
    /// The interaction desk: the agent's state and every interaction (desking.rs).
    pub(super) desk: earshot_desk::Desk,
    /// Whether the media thread's scheduling has been looked at (once it has started).
    pub(super) scheduling_seen: bool,
    /// Team Communicator's index: queues, agents, contacts (directory_commands.rs).
    pub(super) directory: earshot_directory::Directory,
    /// Colleagues whose presence Team Communicator follows (colleagues.rs).
    pub(super) colleagues: super::colleagues::Colleagues,
    /// The agent's favourites and recent targets (kept_targets.rs).
    pub(super) kept: super::kept_targets::Kept,
    /// The interactions whose contact was asked for (once each, at their first save).
    pub(super) matched: std::collections::BTreeSet<u64>,
    /// The chats (chats.rs, chatting.rs).
    pub(super) chats: super::chats::Chats,
    /// The email interactions and their threads (emails.rs, email_commands.rs).
    pub(super) emails: super::emails::Emails,
}

/// What a phone is made of: its configuration, a user agent bound to its address, and
/// its audio.
pub struct PhoneParts {
    pub config: Config,
    pub ua: UserAgent,
    pub media: Box<dyn MediaPort>,
    /// Answer every incoming call (`--auto-answer`), beside the configured rules.
    pub auto_answer: bool,
    /// The microphone is a WAV file that starts over at each answer.
    pub input_file: bool,
    /// Seeds the SSRCs and the SDP session id.
    pub seed: u64,
    /// The desk's store: the next interaction id and the interactions left open by the
    /// last run (taken up again: wrap-ups with their notes).
    pub desk_first_id: u64,
    pub desk_restored: Vec<earshot_desk::Interaction>,
    /// The transcripts of the restored chats (chat_restore.rs).
    pub chats_restored: Vec<(u64, Vec<earshot_store::ChatLine>)>,
    /// The email work kept (email_drafts.rs).
    pub emails_restored: Vec<(u64, earshot_store::EmailKept)>,
    /// Team Communicator's index with the contacts the store holds.
    pub index: super::directory_commands::StartingIndex,
}

/// The housekeeping period while there are calls (media reports, digits, auto-answers,
/// liveness).
pub(super) const TICK: Duration = Duration::from_millis(20);
/// The housekeeping period without calls: nothing then needs a quick look (sound device
/// changes and subscription retries can wait a second; the desk's deadlines are woken
/// for exactly), and an idle phone should cost nothing.
pub(super) const IDLE_TICK: Duration = Duration::from_secs(1);

impl Phone {
    /// A phone at `now`: reports `ready` and its account, registers it and starts
    /// watching the configured agents.
    pub fn new(parts: PhoneParts, now: Instant, wall: SystemTime) -> Phone {
        let PhoneParts {
            config,
            ua,
            media,
            auto_answer,
            input_file,
            seed,
            desk_first_id,
            desk_restored,
            chats_restored,
            emails_restored,
            index,
        } = parts;
        let unix_ms =
            wall.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let at = earshot_desk::Moment { now, unix_ms };
        let mut desk = earshot_desk::Desk::new(config.desk.clone(), desk_first_id, at);
        desk.restore(desk_restored, at);
        desk.announce();
        let local = ua.config().local;
        let account = config.accounts.first().cloned();
        let local_uri = match &account {
            Some(a) => a.aor.clone(),
            None => peer_to_peer_uri(&config.user, local),
        };
        let mut phone = Phone {
            address: config.sip.address.unwrap_or(local.ip()),
            local_uri: local_uri.clone(),
            auto_answer: auto_answer || config.auto_answer.always,
            dnd: config.do_not_disturb,
            missed_beep_until: None,
            chat_note_until: None,
            config,
            ua,
            media,
            calls: BTreeMap::new(),
            next_id: 1,
            events: VecDeque::new(),
            effects: VecDeque::new(),
            ssrc_seed: seed,
            transfers: BTreeMap::new(),
            registration: None,
            watchers: Default::default(),
            presence: Default::default(),
            team: Default::default(),
            input_file,
            lookups: Lookups::default(),
            plays: BTreeMap::new(),
            next_play: 0,
            now,
            wall,
            next_tick: now,
            stopping: None,
            stopped: false,
            desk,
            scheduling_seen: false,
            directory: index.directory,
            colleagues: Default::default(),
            kept: index.kept,
            matched: Default::default(),
            chats: Default::default(),
            emails: Default::default(),
        };
        if let Some(p) = index.problem {
            phone.emit(Event::problem(p, None));
        }
        phone.emit(Event::Ready { uri: local_uri, listen: local.to_string() });
        phone.emit(Event::Account { account: account.clone() });
        phone.chats_restored(chats_restored);
        phone.emails_restored(emails_restored);
        if let Some(a) = account {
            phone.register(&a);
        }
        for agent in phone.config.monitoring.agents.clone() {
            if let Err(e) = phone.watch(&agent) {
                let problem = Problem::WatchFailed { agent: agent.clone(), why: e.to_string() };
                phone.emit(Event::problem(problem, None));
            }
        }
        let at_hand: Vec<String> = phone.kept.agents().map(str::to_owned).collect();
        phone.follow_colleagues(at_hand.into_iter(), true);
        phone.targets_event();
        phone.desk_flush();
        phone
    }

    pub(super) fn emit(&mut self, e: Event) {
        self.follow_in_directory(&e);
        self.events.push_back(e);
    }

    pub(super) fn emit_state(&mut self, id: CallId) {
        if let Some(e) =
            self.calls.get(&id).filter(|c| self.shown(c)).map(|c| c.event(None, self.now))
        {
            self.emit(e);
        }
        self.desk_follow(id);
    }

    /// Whether the user sees this call: a supervisor's leg only with the indicator on.
    pub(super) fn shown(&self, c: &Call) -> bool {
        c.monitor.is_none() || self.config.monitoring.indicator
    }

    pub(super) fn register(&mut self, a: &super::config::Account) {
        let registrar = a.registrar.clone().or_else(|| {
            Uri::parse(&a.aor).ok().and_then(|u| match u {
                Uri::Sip(s) => {
                    Some(s.host.to_string() + &s.port.map(|p| format!(":{p}")).unwrap_or_default())
                }
                _ => None,
            })
        });
        let Some(registrar) = registrar.and_then(|r| Uri::parse(&format!("sip:{r}")).ok()) else {
            self.emit(Event::problem(Problem::NoRegistrar { account: a.aor.clone() }, None));
            return;
        };
        match self.ensure_located(&registrar) {
            Ok(()) => {}
            Err(CommandError::Locating(name)) => {
                self.park(name, Parked::Register(a.clone()));
                return;
            }
            Err(problem) => {
                let why = problem.to_string();
                let problem = Problem::AccountFailed { account: a.aor.clone(), why };
                self.emit(Event::problem(problem, None));
                return;
            }
        }
        match self.ua.register(registrar, a.expires, self.now) {
            Ok(reg) => self.registration = Some(reg),
            Err(e) => {
                let problem = Problem::AccountFailed { account: a.aor.clone(), why: e.to_string() };
                self.emit(Event::problem(problem, None));
            }
        }
    }

    pub(super) fn call_mut(&mut self, id: CallId) -> Result<&mut Call, CommandError> {
        self.calls.get_mut(&id).ok_or(CommandError::NoCall(id))
    }

    /// A target for `call`/`transfer`: a SIP URI, or a user or number at the account's
    /// domain (peer-to-peer: at our own host).
    pub(super) fn target(&self, text: &str) -> Result<NameAddr, CommandError> {
        let text = text.trim();
        let uri = if text.starts_with('<') {
            text.to_owned()
        } else if text.starts_with("sip:") || text.starts_with("sips:") {
            // A bare URI with headers or parameters after `?`/`,` is taken whole (RFC 3261
            // §20: only a name-addr may carry them, so it is written as one).
            if text.contains(['?', ',']) { format!("<{text}>") } else { text.to_owned() }
        } else if let Some(a) = self.config.accounts.first() {
            let domain = a.aor.split_once('@').map(|(_, d)| d).unwrap_or_default();
            format!("sip:{text}@{domain}")
        } else {
            return Err(CommandError::NoAccountForNumber(text.to_owned()));
        };
        NameAddr::parse(&uri)
            .map_err(|e| CommandError::NotAnAddress { text: text.to_owned(), why: e.to_string() })
    }

    /// How others call the phone without an account: `sip:USER@HOST:PORT`.
    pub(super) fn peer_to_peer_uri(&self) -> String {
        peer_to_peer_uri(&self.config.user, self.ua.config().local)
    }

    pub(super) fn origin(&self, version: u64) -> Origin {
        Origin {
            username: "earshot".into(),
            session_id: self.ssrc_seed.wrapping_mul(2654435761).to_string(),
            session_version: version,
            address_type: if self.address.is_ipv6() { "IP6" } else { "IP4" }.into(),
            address: self.address.to_string(),
        }
    }

    pub(super) fn caps(&self, port: u16, direction: SdpDirection) -> sdp::AudioCapabilities {
        audio_caps(&self.config.codecs, self.address, port, direction)
    }

    pub(super) fn new_id(&mut self) -> CallId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Holds every other answered, unheld call that is not in the conference with `id`.
    pub(super) fn hold_others(&mut self, id: Option<CallId>) {
        let others: Vec<CallId> = self
            .calls
            .values()
            .filter(|c| Some(c.id) != id && c.is_up() && !c.local_hold && !c.conference)
            // A supervisor's leg follows the call it monitors, never held on its own.
            .filter(|c| c.monitor.is_none())
            .map(|c| c.id)
            .collect();
        for other in others {
            let _ = self.set_hold(other, true);
        }
    }

    /// Ends a call in any state (BYE, or CANCEL before the answer).
    pub(super) fn hang_up(&mut self, id: CallId) -> Result<(), CommandError> {
        let handle = self.call_mut(id)?.handle;
        Ok(self.ua.hangup(handle, self.now)?)
    }

    pub(super) fn incoming_handle(&mut self, id: CallId) -> Result<CallHandle, CommandError> {
        let c = self.call_mut(id)?;
        if c.state != CallState::Incoming {
            return Err(CommandError::NotRinging(id));
        }
        Ok(c.handle)
    }

    pub(super) fn up_handle(&mut self, id: CallId) -> Result<CallHandle, CommandError> {
        let c = self.call_mut(id)?;
        if !c.is_up() {
            return Err(CommandError::NotAnswered(id));
        }
        Ok(c.handle)
    }

    pub(super) fn start_leg(&mut self, id: CallId) {
        let ssrc = (self.ssrc_seed as u32) ^ (id as u32).wrapping_mul(0x9E37_79B9);
        let Some(c) = self.calls.get_mut(&id) else { return };
        if c.has_leg {
            return;
        }
        let Some(negotiated) = c.negotiated.clone() else { return };
        match self.media.add_leg(id as u32, &negotiated, ssrc, self.now) {
            Ok(codec) => {
                c.has_leg = true;
                c.codec = Some(codec);
                c.heard = Some(super::liveness::Heard::new(self.now));
            }
            Err(e) => {
                let problem = Problem::CallWithoutAudio { call: id, why: e.to_string() };
                self.emit(Event::problem(problem, None));
            }
        }
        self.remix();
    }

    pub(super) fn remix(&mut self) {
        let legs: Vec<(u32, super::mix::LegMix)> =
            self.calls.values().filter(|c| c.has_leg).map(|c| (c.id as u32, c.mix())).collect();
        if let Err(e) = self.media.apply_mix(&legs) {
            self.emit(Event::problem(Problem::Mix { why: e.to_string() }, None));
        }
    }

    pub(super) fn find(&self, handle: CallHandle) -> Option<CallId> {
        self.calls.values().find(|c| c.handle == handle).map(|c| c.id)
    }

    /// Takes a call's media out, keeps it in the history, and forgets it after reporting
    /// its end.
    pub(super) fn end(&mut self, id: CallId, why: Option<&EndReason>, reason: String) {
        let Some(mut c) = self.calls.remove(&id) else { return };
        // Its leg, or the RTP socket opened for an answer that never came.
        self.media.remove_leg(id as u32, self.now);
        if c.monitor.is_none() {
            let row = call_record::record(&c, &self.local_uri, why, &reason, (self.now, self.wall));
            self.effects.push_back(Effect::Record(Box::new(row)));
        }
        c.state = CallState::Ended;
        if self.shown(&c) {
            let e = c.event(Some(reason), self.now);
            self.emit(e);
        }
        self.desk_call_ended(c.interaction, c.transferred_away);
        // A consultation's first call stays held.
        self.end_conference_of_one();
        self.remix();
    }

    /// A conference of one is no conference: the last call left in it leaves it too (and
    /// shows it).
    pub(super) fn end_conference_of_one(&mut self) {
        let mut members = self.calls.values_mut().filter(|c| c.conference);
        let (Some(last), None) = (members.next(), members.next()) else { return };
        last.conference = false;
        let id = last.id;
        self.emit_state(id);
    }
}

/// How others call a phone without an account: `sip:USER@HOST:PORT`.
pub fn peer_to_peer_uri(user: &str, local: SocketAddr) -> String {
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    format!("sip:{user}@{host}:{}", local.port())
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("local_uri", &self.local_uri)
            .field("calls", &self.calls.keys().collect::<Vec<_>>())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PhoneParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneParts").field("user", &self.config.user).finish_non_exhaustive()
    }
}
