//! The phone core's state and command dispatch (DESIGN.md §2 `engine::phone`): one tokio
//! task owns the SIP driver, the media and the calls, takes [`Command`]s, reports
//! [`Event`]s. The rest of its behaviour lives beside it: calling.rs, signalling.rs,
//! tick.rs, auto_answer.rs; start.rs brings it up.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use earshot_sip::message::{NameAddr, Uri};
use earshot_sip::sdp::{self, Direction as SdpDirection, Origin};
use earshot_sip::transport::SipHandle;
use earshot_sip::ua::{CallHandle, EndReason, UaEvent};
use tokio::sync::mpsc;

use super::api::{CallId, CallState, Command, Event};
use super::call::Call;
use super::call_record;
use super::config::Config;
use super::history::History;
use super::media::{PhoneMedia, audio_caps};
use std::sync::{Arc, Mutex};

pub(super) struct Phone {
    pub(super) config: Config,
    pub(super) sip: SipHandle,
    pub(super) media: PhoneMedia,
    pub(super) address: IpAddr,
    pub(super) calls: BTreeMap<CallId, Call>,
    pub(super) next_id: CallId,
    pub(super) events: mpsc::UnboundedSender<Event>,
    pub(super) auto_answer: bool,
    pub(super) dnd: bool,
    pub(super) ssrc_seed: u64,
    /// Calls we placed because a peer transferred us: new call → the call it replaces.
    pub(super) transfers: BTreeMap<CallId, CallId>,
    /// Where finished calls are kept (none if the database could not be opened).
    pub(super) history: Option<Arc<Mutex<History>>>,
    /// Our own address, for the history.
    pub(super) local_uri: String,
    /// The configuration file, where settings changed while running are written.
    pub(super) config_path: Option<std::path::PathBuf>,
    /// The account's registration, while there is one.
    pub(super) registration: Option<earshot_sip::ua::RegHandle>,
    /// Supervisors watching our calls (dialog event package).
    pub(super) watchers: super::dialog_watchers::Watchers,
    /// Supervisor: the agents we watch.
    pub(super) team: super::team::Team,
    /// The microphone is a WAV file, spoken from its beginning at each call's answer.
    pub(super) input_file: bool,
    /// Finds servers given by name (RFC 3263); none if DNS could not be set up.
    pub(super) locator: Option<super::locating::Locator>,
    /// The time of the input being handled, set by the driver loop ([`Phone::run`]) before
    /// each input: the phone's logic reads it here and never the clock.
    pub(super) now: Instant,
    /// The same moment on the wall clock (for the history).
    pub(super) wall: SystemTime,
    /// Files being played into calls (`play`), by prompt number: the call and the file.
    pub(super) plays: BTreeMap<u64, (CallId, String)>,
    pub(super) next_play: u64,
}
impl Phone {
    pub(super) async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut ua_events: mpsc::UnboundedReceiver<UaEvent>,
    ) {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                c = commands.recv() => {
                    self.read_clock();
                    match c {
                        Some(Command::Quit) | None => break,
                        Some(c) => {
                            let text = format!("{c:?}");
                            if let Err(message) = self.command(c).await {
                                self.emit(Event::Error { message, command: Some(text) });
                            }
                        }
                    }
                }
                Some(e) = ua_events.recv() => {
                    self.read_clock();
                    self.ua_event(e).await;
                }
                _ = tick.tick() => {
                    self.read_clock();
                    self.tick().await;
                }
            }
            self.update_ringing();
            self.end_orphan_monitors().await;
            self.start_next_calls().await;
            self.publish_dialogs().await;
            self.apply_wanted_holds().await;
        }
        self.read_clock();
        self.media.ring(false);
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            self.end(id, None, "local".into());
        }
        self.sip.shutdown().await;
        self.media.stop(self.now);
        self.emit(Event::Stopped);
    }

    pub(super) fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    pub(super) fn emit_state(&self, id: CallId) {
        if let Some(c) = self.calls.get(&id).filter(|c| self.shown(c)) {
            self.emit(c.event(None, self.now));
        }
    }

    /// The driver's one look at the clock, before each input.
    #[allow(clippy::disallowed_methods)]
    fn read_clock(&mut self) {
        self.now = Instant::now();
        self.wall = SystemTime::now();
    }

    /// Whether the user sees this call: a supervisor's leg only with the indicator on.
    pub(super) fn shown(&self, c: &Call) -> bool {
        c.monitor.is_none() || self.config.monitoring.indicator
    }

    pub(super) async fn register(&mut self, a: &super::config::Account) {
        let registrar = a.registrar.clone().or_else(|| {
            Uri::parse(&a.aor).ok().and_then(|u| match u {
                Uri::Sip(s) => {
                    Some(s.host.to_string() + &s.port.map(|p| format!(":{p}")).unwrap_or_default())
                }
                _ => None,
            })
        });
        let Some(registrar) = registrar.and_then(|r| Uri::parse(&format!("sip:{r}")).ok()) else {
            self.emit(Event::Error {
                message: format!("account {}: no registrar", a.aor),
                command: None,
            });
            return;
        };
        if let Err(problem) = self.ensure_located(&registrar).await {
            self.emit(Event::Error {
                message: format!("account {}: {problem}", a.aor),
                command: None,
            });
            return;
        }
        let expires = a.expires;
        let r = self.sip.with(move |ua, now| ua.register(registrar, expires, now)).await;
        let problem = match r {
            Ok(Ok(reg)) => {
                self.registration = Some(reg);
                return;
            }
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        self.emit(Event::Error { message: format!("account {}: {problem}", a.aor), command: None });
    }

    /// Makes sure the user agent knows where requests to `uri` go: its outbound proxy's
    /// or its own name located by DNS (RFC 3263), asked again each time (the resolver
    /// caches within the records' TTL). Addresses need nothing.
    pub(super) async fn ensure_located(&mut self, uri: &Uri) -> Result<(), String> {
        let proxy = self.sip.with(|ua, _| ua.config().outbound_proxy.clone()).await.ok().flatten();
        let Some(name) = proxy.or(match uri {
            Uri::Sip(u) => Some(u.clone()),
            _ => None,
        }) else {
            return Ok(());
        };
        let ours = self.transports();
        if matches!(
            earshot_sip::locate::plan(
                &name,
                ours.first().copied().unwrap_or(earshot_sip::target::TransportKind::Udp)
            ),
            earshot_sip::locate::Plan::Direct(_)
        ) {
            return Ok(());
        }
        let locator = self.locator.as_mut().ok_or("DNS is not available on this machine")?;
        let found = locator.locate(&name, &ours).await.map_err(|e| e.to_string())?;
        self.sip.with(move |ua, _| ua.set_located(&name, found)).await.map_err(|e| e.to_string())
    }

    /// The transports requests may use, in order: the account's, or UDP then TCP.
    fn transports(&self) -> Vec<earshot_sip::target::TransportKind> {
        use earshot_sip::target::TransportKind;
        match self.config.accounts.first().map(|a| a.transport) {
            Some(super::config::Transport::Tcp) => vec![TransportKind::Tcp],
            Some(super::config::Transport::Udp) => vec![TransportKind::Udp],
            None => vec![TransportKind::Udp, TransportKind::Tcp],
        }
    }

    pub(super) fn call_mut(&mut self, id: CallId) -> Result<&mut Call, String> {
        self.calls.get_mut(&id).ok_or_else(|| format!("no call {id}"))
    }

    /// A target for `call`/`transfer`: a SIP URI, or a user or number at the account's
    /// domain (peer-to-peer: at our own host).
    pub(super) fn target(&self, text: &str) -> Result<NameAddr, String> {
        let text = text.trim();
        let uri = if text.starts_with("sip:") || text.starts_with("sips:") || text.starts_with('<')
        {
            text.to_owned()
        } else if let Some(a) = self.config.accounts.first() {
            let domain = a.aor.split_once('@').map(|(_, d)| d).unwrap_or_default();
            format!("sip:{text}@{domain}")
        } else {
            return Err(format!(
                "{text:?}: give a SIP URI such as sip:user@host:port (no account to call numbers through)"
            ));
        };
        NameAddr::parse(&uri).map_err(|e| format!("{text:?} is not a SIP address: {e}"))
    }

    /// How others call the phone without an account: `sip:USER@HOST:PORT`.
    pub(super) fn peer_to_peer_uri(&self) -> String {
        super::start::peer_to_peer_uri(&self.config.user, self.sip.local)
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
    pub(super) async fn hold_others(&mut self, id: Option<CallId>) {
        let others: Vec<CallId> = self
            .calls
            .values()
            .filter(|c| Some(c.id) != id && c.is_up() && !c.local_hold && !c.conference)
            // A supervisor's leg follows the call it monitors, never held on its own.
            .filter(|c| c.monitor.is_none())
            .map(|c| c.id)
            .collect();
        for other in others {
            let _ = self.set_hold(other, true).await;
        }
    }

    pub(super) async fn command(&mut self, c: Command) -> Result<(), String> {
        match c {
            Command::Call { uri } => self.dial(&uri, None).await.map(|_| ()),
            Command::Answer { id } => self.answer(id).await,
            Command::Reject { id, status } => {
                let handle = self.incoming_handle(id)?;
                let status = status.unwrap_or(486);
                self.sip
                    .with(move |ua, now| ua.reject(handle, status, now))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())
            }
            Command::Hangup { id } => self.hang_up(id).await,
            Command::Hold { id } => self.set_hold(id, true).await,
            Command::Resume { id } => {
                let in_conference = self.call_mut(id)?.conference;
                if !in_conference {
                    self.hold_others(Some(id)).await;
                }
                self.set_hold(id, false).await
            }
            Command::Mute { id, on } => {
                self.call_mut(id)?.muted = on;
                self.remix();
                self.emit_state(id);
                Ok(())
            }
            Command::Dtmf { id, digits } => {
                let c = self.call_mut(id)?;
                if !c.is_up() {
                    return Err(format!("call {id} is not answered"));
                }
                c.dtmf.extend(digits.chars());
                Ok(())
            }
            Command::Transfer { id, uri } => {
                let to = self.target(&uri)?;
                let handle = self.up_handle(id)?;
                self.sip
                    .with(move |ua, now| ua.refer(handle, &to, now))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())
            }
            Command::Consult { id, uri } => {
                self.up_handle(id)?;
                self.set_hold(id, true).await?;
                let consult = self.dial(&uri, Some(id)).await?;
                if let Some(c) = self.calls.get_mut(&consult) {
                    c.consulting_for = Some(id);
                }
                Ok(())
            }
            Command::CompleteTransfer { id, consult } => {
                let handle = self.up_handle(id)?;
                let consult_handle = self.up_handle(consult)?;
                self.sip
                    .with(move |ua, now| {
                        let to = ua
                            .replaces_uri(consult_handle)
                            .ok_or(earshot_sip::ua::UaError::BadState)?;
                        ua.refer(handle, &to, now)
                    })
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())
            }
            Command::Conference { ids } => {
                for id in &ids {
                    self.up_handle(*id)?;
                }
                for id in &ids {
                    if let Some(c) = self.calls.get_mut(id) {
                        c.conference = true;
                    }
                }
                self.hold_others(ids.first().copied()).await;
                for id in &ids {
                    if self.calls.get(id).is_some_and(|c| c.local_hold) {
                        self.set_hold(*id, false).await?;
                    }
                }
                self.remix();
                for id in ids {
                    self.emit_state(id);
                }
                Ok(())
            }
            Command::Split { id } => {
                self.call_mut(id)?.conference = false;
                self.set_hold(id, true).await?;
                self.end_conference_of_one();
                self.remix();
                self.emit_state(id);
                Ok(())
            }
            Command::DoNotDisturb { on } => {
                self.dnd = on;
                Ok(())
            }
            Command::List => {
                for c in self.calls.values().filter(|c| self.shown(c)) {
                    self.emit(c.event(None, self.now));
                }
                Ok(())
            }
            Command::Devices => {
                self.devices_event();
                Ok(())
            }
            Command::SetDevices { input, output, ringing } => {
                self.set_devices(input, output, ringing)
            }
            Command::SetAccount { account } => self.set_account(account).await,
            Command::History { limit } => {
                self.history_event(limit);
                Ok(())
            }
            Command::Monitor { agent, mode } => self.monitor(&agent, &mode).await.map(|_| ()),
            Command::MonitorMode { id, mode } => self.monitor_mode(id, &mode).await,
            Command::MonitorNext { agent, mode } => self.monitor_next(&agent, &mode).await,
            Command::Unmonitor { id } => {
                if self.call_mut(id)?.monitoring.is_none() {
                    return Err(format!("call {id} is not a monitoring call"));
                }
                self.hang_up(id).await
            }
            Command::Watch { agent } => self.watch(&agent).await,
            Command::Unwatch { agent } => self.unwatch(&agent).await,
            Command::Play { id, file } => self.play(id, &file),
            Command::Quit => Ok(()),
        }
    }

    /// Plays a WAV file into an answered call's leg.
    fn play(&mut self, id: CallId, file: &str) -> Result<(), String> {
        let c = self.call_mut(id)?;
        if !c.has_leg {
            return Err(format!("call {id} has no audio to play into"));
        }
        let samples =
            earshot_media::device::read_wav(std::path::Path::new(file), super::media::LOOP_RATE)
                .map_err(|e| format!("{file}: {e}"))?;
        self.next_play += 1;
        let prompt = self.next_play;
        self.media.play(id as u32, prompt, samples).map_err(|e| e.to_string())?;
        self.plays.insert(prompt, (id, file.to_owned()));
        Ok(())
    }

    /// Hold or resume wishes that waited for the user agent to finish an offer.
    async fn apply_wanted_holds(&mut self) {
        let waiting: Vec<CallId> =
            self.calls.values().filter(|c| c.wanted_hold.is_some()).map(|c| c.id).collect();
        for id in waiting {
            self.apply_wanted_hold(id).await;
        }
    }

    /// Ends a call in any state (BYE, or CANCEL before the answer).
    pub(super) async fn hang_up(&mut self, id: CallId) -> Result<(), String> {
        let handle = self.call_mut(id)?.handle;
        self.sip
            .with(move |ua, now| ua.hangup(handle, now))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    pub(super) fn incoming_handle(&mut self, id: CallId) -> Result<CallHandle, String> {
        let c = self.call_mut(id)?;
        if c.state != CallState::Incoming {
            return Err(format!("call {id} is not ringing here"));
        }
        Ok(c.handle)
    }

    pub(super) fn up_handle(&mut self, id: CallId) -> Result<CallHandle, String> {
        let c = self.call_mut(id)?;
        if !c.is_up() {
            return Err(format!("call {id} is not answered"));
        }
        Ok(c.handle)
    }

    pub(super) fn start_leg(&mut self, id: CallId) {
        let ssrc = (self.ssrc_seed as u32) ^ (id as u32).wrapping_mul(0x9E37_79B9);
        let Some(c) = self.calls.get_mut(&id) else { return };
        if c.has_leg {
            return;
        }
        let (Some(negotiated), Some(socket)) = (c.negotiated.clone(), c.socket.take()) else {
            return;
        };
        match self.media.add_leg(id as u32, &negotiated, socket, ssrc, self.now) {
            Ok(codec) => {
                c.has_leg = true;
                c.codec = Some(codec);
                c.heard = Some(super::liveness::Heard::new(self.now));
            }
            Err(e) => {
                let message = format!("call {id}: no audio: {e}");
                self.emit(Event::Error { message, command: None });
            }
        }
        self.remix();
    }

    pub(super) fn remix(&mut self) {
        let legs: Vec<(u32, super::mix::LegMix)> =
            self.calls.values().filter(|c| c.has_leg).map(|c| (c.id as u32, c.mix())).collect();
        if let Err(e) = self.media.apply_mix(&legs) {
            self.emit(Event::Error { message: format!("mix: {e}"), command: None });
        }
    }

    pub(super) fn find(&self, handle: CallHandle) -> Option<CallId> {
        self.calls.values().find(|c| c.handle == handle).map(|c| c.id)
    }

    /// Takes a call's media out and forgets it after reporting its end.
    /// Takes a call's media out, keeps it in the history, and forgets it after reporting
    /// its end.
    pub(super) fn end(&mut self, id: CallId, why: Option<&EndReason>, reason: String) {
        let Some(mut c) = self.calls.remove(&id) else { return };
        if c.has_leg {
            self.media.remove_leg(id as u32, self.now);
        }
        if let Some(history) = self.history.clone().filter(|_| c.monitor.is_none()) {
            let row = call_record::record(&c, &self.local_uri, why, &reason, (self.now, self.wall));
            let events = self.events.clone();
            // SQLite off the async threads (DESIGN.md §2).
            tokio::task::spawn_blocking(move || {
                let written = history
                    .lock()
                    .map_err(|e| e.to_string())
                    .and_then(|mut h| h.record(&row).map_err(|e| e.to_string()));
                if let Err(message) = written {
                    let _ = events.send(Event::Error { message, command: None });
                }
            });
        }
        c.state = CallState::Ended;
        if self.shown(&c) {
            self.emit(c.event(Some(reason), self.now));
        }
        // A consultation's first call stays held.
        self.end_conference_of_one();
        self.remix();
    }

    /// A conference of one is no conference: the last call left in it leaves it too (and
    /// shows it).
    fn end_conference_of_one(&mut self) {
        let mut members = self.calls.values_mut().filter(|c| c.conference);
        let (Some(last), None) = (members.next(), members.next()) else { return };
        last.conference = false;
        let id = last.id;
        self.emit_state(id);
    }
}
