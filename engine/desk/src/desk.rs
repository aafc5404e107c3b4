//! The desk core (sans-IO): the agent's state and every interaction, driven by the
//! agent's commands and the channels' reports, each with the time; it hands back events
//! (what the agent and the API see) and effects (what a driver must do: answer or refuse
//! a call, publish presence, save, open a link) and says when it next needs
//! [`Desk::timeout`].

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::agent::{AgentState, AgentStatus, MISSED_OFFER, StateWish};
use crate::case::CaseData;
use crate::config::{DeskConfig, PreviewMode};
use crate::errors::DeskError;
use crate::interaction::{Arrival, Channel, Direction, Interaction, InteractionId, Link, State};
use crate::screen_pop::{self, ScreenPopError};
use crate::wrap_up::{self, TIMED_OUT, WrapUpMode};

/// A moment: the monotonic time for deadlines and the wall clock (Unix ms) for stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub now: Instant,
    pub unix_ms: u64,
}

impl Moment {
    pub fn after(self, d: Duration) -> Moment {
        Moment { now: self.now + d, unix_ms: self.unix_ms + d.as_millis() as u64 }
    }
}

/// What the desk tells the agent and the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskEvent {
    AgentState(AgentStatus),
    Interaction(Interaction),
    ScreenPop { id: InteractionId, url: String },
}

/// What a driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskEffect {
    /// Answer the channel's interaction (voice: the call).
    Answer { id: InteractionId, call: Option<u64> },
    /// Refuse it with this SIP status (a declined or missed routed offer gets 480, so the
    /// site offers it to the next agent; a declined direct call 603).
    Refuse { id: InteractionId, call: Option<u64>, status: u16 },
    /// Publish the agent's state (see [`crate::presence`]).
    Publish(AgentStatus),
    /// Save the interaction as it is now (on every change: a note is saved as typed).
    Save(Interaction),
    /// Open this link in the system browser.
    OpenUrl { id: InteractionId, url: String },
}

/// What happens at an interaction's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// The offer is withdrawn (missed).
    Withdraw,
    /// The preview has shown long enough: accept.
    AutoAccept,
    /// The time-boxed wrap-up is over.
    EndWrapUp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Deadline {
    at: Instant,
    due: Due,
}

/// What [`Desk::offer`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Shown in the preview (and ringing).
    Offered(InteractionId),
    /// Accepted at once (auto-accept): answer it.
    Accepted(InteractionId),
    /// Not taken: answer the offer with this status (a routed offer to an agent who is
    /// not Ready or has no capacity left; the site tries the next agent).
    Refused { status: u16 },
}

#[derive(Debug)]
pub struct Desk {
    config: DeskConfig,
    state: AgentState,
    since_ms: u64,
    /// The state asked for while in After-Call Work, taken when wrap-up ends.
    next: Option<AgentState>,
    /// The state After-Call Work returns to when nothing else was asked.
    before_wrap_up: AgentState,
    /// The last status published (a publication only when it changes).
    published: Option<(AgentState, bool)>,
    interactions: BTreeMap<InteractionId, Interaction>,
    /// When an offer is withdrawn or auto-accepted, or a time-boxed wrap-up ends.
    deadlines: BTreeMap<InteractionId, Deadline>,
    next_id: u64,
    events: VecDeque<DeskEvent>,
    effects: VecDeque<DeskEffect>,
}

impl Desk {
    /// A desk whose agent is logged out; ids start at `first_id` (the store's next).
    pub fn new(config: DeskConfig, first_id: u64, at: Moment) -> Desk {
        Desk {
            config,
            state: AgentState::LoggedOut,
            since_ms: at.unix_ms,
            next: None,
            before_wrap_up: AgentState::LoggedOut,
            published: None,
            interactions: BTreeMap::new(),
            deadlines: BTreeMap::new(),
            next_id: first_id.max(1),
            events: VecDeque::new(),
            effects: VecDeque::new(),
        }
    }

    /// Interactions the store kept from before a restart: an offer's call and an active
    /// call did not survive the phone, so an offer is abandoned and an active call goes to
    /// wrap-up; an active chat goes on (its customer is still there, and the site still
    /// routes them here: the phone rebuilds its transcript); a wrap-up carries on with its note and disposition (its time box,
    /// if any, counted again from now). The agent is in After-Call Work if any remain, and
    /// logged out after.
    pub fn restore(&mut self, saved: Vec<Interaction>, at: Moment) {
        for mut i in saved {
            self.next_id = self.next_id.max(i.id.0 + 1);
            match i.state {
                State::Offered => i.state = State::Abandoned,
                // A chat or an email is taken up again (the phone rebuilds it); a call
                // cannot be.
                State::Active if matches!(i.channel, Channel::Chat | Channel::Email) => {}
                State::Active => {
                    i.state = State::WrapUp;
                    i.ended_ms.get_or_insert(at.unix_ms);
                }
                _ => {}
            }
            i.held = false;
            if i.state == State::WrapUp {
                self.set_deadline(i.id, self.wrap_up_deadline(&i, at));
            }
            // Every interaction taken up again is reported (and one that ended, saved).
            let changed = i.state.is_final() || matches!(i.state, State::WrapUp | State::Active);
            let id = i.id;
            self.interactions.insert(id, i);
            if changed {
                self.changed(id);
            }
        }
        self.follow_wrap_up(at);
    }

    /// Reports (and publishes) the agent's state as it is: at start, so that the API and
    /// the site know it before anything changes.
    pub fn announce(&mut self) {
        self.state_changed();
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    pub fn status(&self) -> AgentStatus {
        AgentStatus {
            state: self.state.clone(),
            since_ms: self.since_ms,
            next: self.next.clone(),
            busy: self.state == AgentState::Ready && !self.has_capacity(Channel::Voice),
        }
    }

    pub fn get(&self, id: InteractionId) -> Option<&Interaction> {
        self.interactions.get(&id)
    }

    /// Every interaction this run has seen, oldest first.
    pub fn interactions(&self) -> impl Iterator<Item = &Interaction> {
        self.interactions.values()
    }

    /// The interaction of a voice call.
    pub fn by_call(&self, call: u64) -> Option<&Interaction> {
        self.interactions
            .values()
            .rev()
            .find(|i| i.call == Some(call) && !i.state.is_final())
            .or_else(|| self.interactions.values().rev().find(|i| i.call == Some(call)))
    }

    /// Whether one more interaction of `channel` fits.
    pub fn has_capacity(&self, channel: Channel) -> bool {
        let open = self
            .interactions
            .values()
            .filter(|i| i.channel == channel && matches!(i.state, State::Offered | State::Active))
            .count();
        open < self.config.capacity.of(channel)
    }

    /// The agent asks for a state (`state ready|not-ready [REASON]|logout`). In After-Call
    /// Work the wish waits for the wrap-up to end; logging out waits for no interaction.
    pub fn set_state(&mut self, wish: StateWish, at: Moment) -> Result<(), DeskError> {
        let wanted = match wish {
            StateWish::Ready => AgentState::Ready,
            StateWish::NotReady(reason) => AgentState::NotReady(self.reason(&reason)?),
            StateWish::LogOut => AgentState::LoggedOut,
        };
        if self.state == AgentState::AfterCallWork {
            self.next = Some(wanted);
            self.state_changed();
            return Ok(());
        }
        if wanted == AgentState::LoggedOut
            && self.interactions.values().any(|i| matches!(i.state, State::Offered | State::Active))
        {
            return Err(DeskError::InteractionsOpen);
        }
        self.enter(wanted, at);
        Ok(())
    }

    /// The configured spelling of a reason (any case), or an error naming the choices.
    fn reason(&self, asked: &str) -> Result<String, DeskError> {
        let asked = asked.trim();
        if asked.is_empty() {
            return Ok(String::new());
        }
        if asked.eq_ignore_ascii_case(MISSED_OFFER) {
            return Ok(MISSED_OFFER.to_string());
        }
        self.config
            .not_ready_reasons
            .iter()
            .find(|r| r.eq_ignore_ascii_case(asked) || wrap_up::fold(r) == wrap_up::fold(asked))
            .cloned()
            .ok_or_else(|| {
                DeskError::UnknownReason(
                    asked.to_string(),
                    self.config.not_ready_reasons.join(", "),
                )
            })
    }

    fn enter(&mut self, state: AgentState, at: Moment) {
        if state == self.state {
            return;
        }
        self.state = state;
        self.since_ms = at.unix_ms;
        self.state_changed();
    }

    /// Reports the agent's status, and publishes it when what watchers see changed.
    fn state_changed(&mut self) {
        let status = self.status();
        self.events.push_back(DeskEvent::AgentState(status.clone()));
        let shown = (status.state.clone(), status.busy);
        if self.published.as_ref() != Some(&shown) {
            self.published = Some(shown);
            self.effects.push_back(DeskEffect::Publish(status));
        }
    }

    /// Something is offered to the agent (an incoming call, later a chat or an email) or
    /// placed by the agent (`Direction::Outbound`: active at once). Only a routed offer
    /// (by a configured queue) times out: one dialled to the agent directly rings as a
    /// phone does, until the caller gives up.
    pub fn offer(
        &mut self,
        channel: Channel,
        direction: Direction,
        arrival: Arrival,
        at: Moment,
    ) -> Take {
        let routed = arrival.queue.as_deref().is_some_and(|q| self.config.queue(q).is_some());
        if direction == Direction::Inbound
            && routed
            && (self.state != AgentState::Ready || !self.has_capacity(channel))
        {
            return Take::Refused { status: 486 };
        }
        let id = InteractionId(self.next_id);
        self.next_id += 1;
        let wrap_up = arrival
            .queue
            .as_deref()
            .and_then(|q| self.config.queue(q))
            .map_or(self.config.wrap_up, |q| q.wrap_up);
        let case = CaseData::build(&arrival.sources, &self.config.case_fields);
        let outbound = direction == Direction::Outbound;
        let auto = match self.config.preview {
            _ if outbound => None,
            PreviewMode::AutoAccept => Some(Duration::ZERO),
            _ if arrival.auto_answer => Some(Duration::ZERO),
            PreviewMode::AutoAcceptWithPreview => Some(Duration::from_secs(self.config.preview_s)),
            PreviewMode::Manual => None,
        };
        let deadline = match auto {
            Some(d) => Some(Deadline { at: at.now + d, due: Due::AutoAccept }),
            None if outbound || !routed => None,
            None => Some(Deadline {
                at: at.now + Duration::from_secs(self.config.offer_timeout_s.max(1)),
                due: Due::Withdraw,
            }),
        };
        let interaction = Interaction {
            id,
            channel,
            direction,
            contact: arrival.contact,
            contact_name: arrival.contact_name,
            queue: arrival.queue,
            call: arrival.call,
            case,
            state: if outbound { State::Active } else { State::Offered },
            held: false,
            disposition: None,
            note: String::new(),
            link: arrival.link,
            wrap_up,
            offered_ms: at.unix_ms,
            accepted_ms: outbound.then_some(at.unix_ms),
            ended_ms: None,
            done_ms: None,
        };
        self.interactions.insert(id, interaction);
        self.set_deadline(id, deadline);
        self.changed(id);
        self.capacity_changed();
        if auto == Some(Duration::ZERO) {
            // Accepting an offer just made cannot fail.
            let _ = self.accept(id, at);
            return Take::Accepted(id);
        }
        Take::Offered(id)
    }

    /// The agent accepts an offer: answered, active, and its screen pops opened.
    pub fn accept(&mut self, id: InteractionId, at: Moment) -> Result<(), DeskError> {
        let i = self.in_state(id, &[State::Offered], "accept")?;
        i.state = State::Active;
        i.accepted_ms = Some(at.unix_ms);
        let (call, case, queue) = (i.call, i.case.clone(), i.queue.clone());
        self.deadlines.remove(&id);
        self.effects.push_back(DeskEffect::Answer { id, call });
        self.changed(id);
        let pops =
            queue.as_deref().and_then(|q| self.config.queue(q)).map(|q| q.screen_pops.clone());
        for pop in pops.unwrap_or_default().into_iter().filter(|p| p.on_accept) {
            if let Ok(url) = screen_pop::fill(&pop.url, &case) {
                self.events.push_back(DeskEvent::ScreenPop { id, url: url.clone() });
                self.effects.push_back(DeskEffect::OpenUrl { id, url });
            }
        }
        Ok(())
    }

    /// The agent declines an offer (with `status`, or the desk's choice: 480 for a routed
    /// offer, so that the site offers it to the next agent; 603 Decline for a direct call).
    pub fn decline(
        &mut self,
        id: InteractionId,
        status: Option<u16>,
        at: Moment,
    ) -> Result<(), DeskError> {
        self.withdraw(id, State::Declined, status, at, "decline")
    }

    fn withdraw(
        &mut self,
        id: InteractionId,
        to: State,
        status: Option<u16>,
        at: Moment,
        wanted: &'static str,
    ) -> Result<(), DeskError> {
        let i = self.in_state(id, &[State::Offered], wanted)?;
        i.state = to;
        i.ended_ms = Some(at.unix_ms);
        let status =
            status.unwrap_or(if i.queue.is_some() || to == State::Missed { 480 } else { 603 });
        let call = i.call;
        self.deadlines.remove(&id);
        self.effects.push_back(DeskEffect::Refuse { id, call, status });
        self.changed(id);
        self.capacity_changed();
        Ok(())
    }

    /// The contact left (hung up, closed the chat): an offer is abandoned, an active
    /// interaction goes to wrap-up.
    pub fn contact_left(&mut self, id: InteractionId, at: Moment) -> Result<(), DeskError> {
        let state = self.get(id).ok_or(DeskError::UnknownInteraction(id))?.state;
        match state {
            State::Offered => {
                let i = self.in_state(id, &[State::Offered], "abandon")?;
                i.state = State::Abandoned;
                i.ended_ms = Some(at.unix_ms);
                self.deadlines.remove(&id);
                self.changed(id);
                self.capacity_changed();
                Ok(())
            }
            _ => self.end(id, at),
        }
    }

    /// The active interaction ended (either side hung up): wrap-up, and the agent is in
    /// After-Call Work.
    pub fn end(&mut self, id: InteractionId, at: Moment) -> Result<(), DeskError> {
        let i = self.in_state(id, &[State::Active], "end")?;
        i.state = State::WrapUp;
        i.held = false;
        i.ended_ms = Some(at.unix_ms);
        let deadline = {
            let i = self.interactions.get(&id).ok_or(DeskError::UnknownInteraction(id))?;
            self.wrap_up_deadline(i, at)
        };
        self.set_deadline(id, deadline);
        self.changed(id);
        self.follow_wrap_up(at);
        Ok(())
    }

    fn wrap_up_deadline(&self, i: &Interaction, at: Moment) -> Option<Deadline> {
        (i.wrap_up == WrapUpMode::TimeBoxed).then(|| {
            let secs = i
                .queue
                .as_deref()
                .and_then(|q| self.config.queue(q))
                .map_or(self.config.wrap_up_s, |q| q.wrap_up_s);
            Deadline { at: at.now + Duration::from_secs(secs), due: Due::EndWrapUp }
        })
    }

    fn set_deadline(&mut self, id: InteractionId, deadline: Option<Deadline>) {
        match deadline {
            Some(d) => self.deadlines.insert(id, d),
            None => self.deadlines.remove(&id),
        };
    }

    /// The interaction was handed to someone else.
    pub fn transferred(&mut self, id: InteractionId, at: Moment) -> Result<(), DeskError> {
        let i = self.in_state(id, &[State::Active], "transfer")?;
        i.state = State::Transferred;
        i.held = false;
        i.ended_ms = Some(at.unix_ms);
        self.changed(id);
        self.capacity_changed();
        Ok(())
    }

    /// The contact is now reached through another call: an attended transfer completed
    /// on this side (RFC 3891: the transferee's INVITE with Replaces took the place of the
    /// consultation), so the interaction goes on with the transferee, its case and note
    /// kept, instead of ending and starting again without them.
    pub fn rebind(
        &mut self,
        id: InteractionId,
        call: u64,
        contact: &str,
        contact_name: Option<String>,
    ) -> Result<(), DeskError> {
        let i = self.in_state(id, &[State::Offered, State::Active], "take over a call")?;
        i.call = Some(call);
        i.contact = contact.to_string();
        i.contact_name = contact_name;
        i.held = false;
        self.changed(id);
        Ok(())
    }

    /// Held or resumed inside an active interaction.
    pub fn held(&mut self, id: InteractionId, held: bool) -> Result<(), DeskError> {
        let i = self.in_state(id, &[State::Active], "hold")?;
        if i.held != held {
            i.held = held;
            self.changed(id);
        }
        Ok(())
    }

    /// Relates an interaction to another (a consultation placed, a conference made).
    pub fn link(&mut self, id: InteractionId, link: Link) -> Result<(), DeskError> {
        if !self.interactions.contains_key(&link.parent) {
            return Err(DeskError::UnknownInteraction(link.parent));
        }
        let i = self.interactions.get_mut(&id).ok_or(DeskError::UnknownInteraction(id))?;
        i.link = Some(link);
        self.changed(id);
        Ok(())
    }

    /// The agent edits an editable case field.
    pub fn edit_case(
        &mut self,
        id: InteractionId,
        field: &str,
        value: &str,
    ) -> Result<(), DeskError> {
        let i = self.interactions.get_mut(&id).ok_or(DeskError::UnknownInteraction(id))?;
        if matches!(i.state, State::Done | State::Declined | State::Missed | State::Abandoned) {
            return Err(DeskError::NotNow { id, state: i.state, wanted: "edit the case" });
        }
        i.case.edit(field, value)?;
        self.changed(id);
        Ok(())
    }

    /// The note as the agent has typed it so far (saved at once).
    pub fn note(&mut self, id: InteractionId, text: &str) -> Result<(), DeskError> {
        let i = self.open_for_wrap_up(id, "write a note")?;
        if i.note != text {
            i.note = text.to_string();
            self.changed(id);
        }
        Ok(())
    }

    /// A disposition code from the catalogue.
    pub fn dispose(&mut self, id: InteractionId, code: &str) -> Result<(), DeskError> {
        if !wrap_up::is_known(&self.config.dispositions, code) {
            return Err(DeskError::UnknownDisposition(code.to_string()));
        }
        let i = self.open_for_wrap_up(id, "set a disposition")?;
        i.disposition = Some(code.to_string());
        self.changed(id);
        Ok(())
    }

    fn open_for_wrap_up(
        &mut self,
        id: InteractionId,
        wanted: &'static str,
    ) -> Result<&mut Interaction, DeskError> {
        let i = self.interactions.get_mut(&id).ok_or(DeskError::UnknownInteraction(id))?;
        match i.state {
            State::Active | State::WrapUp | State::Transferred => Ok(i),
            state => Err(DeskError::NotNow { id, state, wanted }),
        }
    }

    /// The agent finishes the wrap-up.
    pub fn done(&mut self, id: InteractionId, at: Moment) -> Result<(), DeskError> {
        let i = self.in_state(id, &[State::WrapUp], "finish")?;
        if !i.may_finish() {
            return Err(DeskError::DispositionRequired(id));
        }
        i.state = State::Done;
        i.done_ms = Some(at.unix_ms);
        self.deadlines.remove(&id);
        self.changed(id);
        self.follow_wrap_up(at);
        Ok(())
    }

    /// The links of the interaction's queue, each filled from its case data (or why not).
    pub fn screen_pops(&self, id: InteractionId) -> Vec<(String, Result<String, ScreenPopError>)> {
        let Some(i) = self.get(id) else { return Vec::new() };
        let Some(q) = i.queue.as_deref().and_then(|q| self.config.queue(q)) else {
            return Vec::new();
        };
        q.screen_pops.iter().map(|p| (p.label.clone(), screen_pop::fill(&p.url, &i.case))).collect()
    }

    /// The next deadline: an offer's time-out, an auto-accept, a time-boxed wrap-up.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.values().map(|d| d.at).min()
    }

    /// Acts on the deadlines passed at `at`.
    pub fn timeout(&mut self, at: Moment) {
        let due: Vec<(InteractionId, Due)> = self
            .deadlines
            .iter()
            .filter(|(_, d)| d.at <= at.now)
            .map(|(id, d)| (*id, d.due))
            .collect();
        for (id, due) in due {
            self.deadlines.remove(&id);
            match due {
                Due::AutoAccept => {
                    let _ = self.accept(id, at);
                }
                Due::Withdraw => {
                    if self.withdraw(id, State::Missed, None, at, "miss").is_ok() {
                        self.missed_offer(at);
                    }
                }
                Due::EndWrapUp => {
                    if let Some(i) = self.interactions.get_mut(&id)
                        && i.state == State::WrapUp
                    {
                        i.disposition.get_or_insert_with(|| TIMED_OUT.to_string());
                    }
                    let _ = self.done(id, at);
                }
            }
        }
    }

    /// An offer timed out: the agent is Not Ready ("missed offer"), so that the site stops
    /// offering to someone who is not there.
    fn missed_offer(&mut self, at: Moment) {
        let missed = AgentState::NotReady(MISSED_OFFER.to_string());
        if self.state == AgentState::AfterCallWork {
            self.next = Some(missed);
            self.state_changed();
        } else {
            self.enter(missed, at);
        }
    }

    /// Enters After-Call Work while any interaction is in wrap-up; leaves it for the state
    /// asked for meanwhile, or the one before.
    fn follow_wrap_up(&mut self, at: Moment) {
        let wrapping = self.interactions.values().any(|i| i.state == State::WrapUp);
        if wrapping && self.state != AgentState::AfterCallWork {
            self.before_wrap_up = self.state.clone();
            self.enter(AgentState::AfterCallWork, at);
        } else if !wrapping && self.state == AgentState::AfterCallWork {
            let back = self.next.take().unwrap_or_else(|| self.before_wrap_up.clone());
            self.enter(back, at);
        } else {
            self.capacity_changed();
        }
    }

    /// Busy follows capacity: reported (and published) when it flips.
    fn capacity_changed(&mut self) {
        let busy = self.status().busy;
        if self.published.as_ref().is_some_and(|(s, b)| *s == self.state && *b != busy) {
            self.state_changed();
        }
    }

    fn in_state(
        &mut self,
        id: InteractionId,
        allowed: &[State],
        wanted: &'static str,
    ) -> Result<&mut Interaction, DeskError> {
        let i = self.interactions.get_mut(&id).ok_or(DeskError::UnknownInteraction(id))?;
        if allowed.contains(&i.state) {
            Ok(i)
        } else {
            Err(DeskError::NotNow { id, state: i.state, wanted })
        }
    }

    /// Reports and saves an interaction after any change.
    fn changed(&mut self, id: InteractionId) {
        if let Some(i) = self.interactions.get(&id) {
            self.events.push_back(DeskEvent::Interaction(i.clone()));
            self.effects.push_back(DeskEffect::Save(i.clone()));
        }
    }

    pub fn poll_event(&mut self) -> Option<DeskEvent> {
        self.events.pop_front()
    }

    pub fn poll_effect(&mut self) -> Option<DeskEffect> {
        self.effects.pop_front()
    }
}
