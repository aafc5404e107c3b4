//! The phone's side of the interaction desk (`earshot_desk::Desk`, DESIGN.md §7): every
//! call the agent handles is an interaction. Incoming calls are offered to the desk (which
//! may refuse a routed one), answers, holds, ends and transfers are reported to it, and
//! what it decides is carried out here: answering or refusing the call, the API's
//! `agent-state`, `interaction` and `screen-pop` events, saving to the store and opening
//! links (as effects for the driver).

use std::collections::BTreeMap;

use earshot_desk::{
    Arrival, Channel, DeskEffect, DeskError, DeskEvent, Direction, Interaction, InteractionId,
    Link, LinkKind, Moment, State, StateWish, Take,
};
use earshot_sip::message::HeaderName;

use super::api::{CallId, CallState, CaseFieldView, Event, InteractionView, ScreenPopView};
use super::core::Phone;
use super::effect::Effect;
use super::errors::CommandError;
use super::problem::Problem;

impl Phone {
    /// The time of the input being handled, as the desk takes it.
    pub(super) fn moment(&self) -> Moment {
        let unix_ms =
            self.wall.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        Moment { now: self.now, unix_ms }
    }

    /// An incoming call, offered to the desk before it rings: `Some(status)` when the desk
    /// refuses it (a routed call to an agent who is not Ready or has no capacity).
    pub(super) fn desk_offer(
        &mut self,
        id: CallId,
        from: &str,
        from_name: Option<String>,
        to: &str,
        headers: &[(String, String)],
    ) -> Result<Option<InteractionId>, u16> {
        let queue = queue_of(to).filter(|q| self.config.desk.queue(q).is_some());
        let arrival = Arrival {
            contact: from.to_string(),
            // The caller's display name (From), shown in the preview; control characters
            // and overlong names are not.
            contact_name: from_name
                .map(|n| n.chars().filter(|c| !c.is_control()).take(80).collect::<String>())
                .filter(|n| !n.trim().is_empty()),
            queue: queue.clone(),
            call: Some(id),
            sources: earshot_desk::sip_case::sources(headers, from, queue.as_deref()),
            // The phone's own auto-answer (its delay, and only when idle) answers it; the
            // desk then follows.
            auto_answer: false,
            link: None,
        };
        let at = self.moment();
        match self.desk.offer(Channel::Voice, Direction::Inbound, arrival, at) {
            Take::Refused { status } => Err(status),
            Take::Offered(i) | Take::Accepted(i) => Ok(Some(i)),
        }
    }

    /// Call `new` replaces call `old` (RFC 3891): `old`'s interaction, when it has one
    /// still going, now follows `new` and its contact; `old` ending no longer touches it.
    pub(super) fn desk_take_over(
        &mut self,
        old: CallId,
        new: CallId,
        contact: &str,
        contact_name: &Option<String>,
    ) -> Option<InteractionId> {
        let i = InteractionId(self.calls.get(&old)?.interaction?);
        self.desk.rebind(i, new, contact, contact_name.clone()).ok()?;
        if let Some(c) = self.calls.get_mut(&old) {
            c.interaction = None;
        }
        Some(i)
    }

    /// A call the agent placed: an outbound interaction, linked to the interaction of the
    /// call it consults for (whose case data it carries).
    pub(super) fn desk_placed(&mut self, id: CallId, to: &str, consulting_for: Option<CallId>) {
        let parent = consulting_for.and_then(|c| self.calls.get(&c)).and_then(|c| c.interaction);
        let sources = parent
            .and_then(|p| self.desk.get(InteractionId(p)))
            .map(|p| p.case.carried())
            .unwrap_or_default();
        let arrival = Arrival {
            contact: to.to_string(),
            call: Some(id),
            sources,
            link: parent.map(|p| Link { kind: LinkKind::Consultation, parent: InteractionId(p) }),
            ..Default::default()
        };
        let at = self.moment();
        if let Take::Offered(i) | Take::Accepted(i) =
            self.desk.offer(Channel::Voice, Direction::Outbound, arrival, at)
            && let Some(c) = self.calls.get_mut(&id)
        {
            c.interaction = Some(i.0);
        }
    }

    /// The headers that carry the case of the call `consulting_for` to a consulted or
    /// transferred-to agent.
    pub(super) fn case_headers(&self, consulting_for: CallId) -> Vec<(HeaderName, String)> {
        let interaction = self.calls.get(&consulting_for).and_then(|c| c.interaction);
        interaction.map(|i| self.interaction_case_headers(i)).unwrap_or_default()
    }

    /// The case of interaction `i` as the headers that carry it to a colleague (a
    /// consulted or transferred-to agent, on any channel).
    pub(super) fn interaction_case_headers(&self, i: u64) -> Vec<(HeaderName, String)> {
        let Some(interaction) = self.desk.get(InteractionId(i)) else { return Vec::new() };
        earshot_desk::sip_case::headers(&interaction.case.carried())
            .into_iter()
            .map(|(n, v)| (HeaderName::parse(&n), v))
            .collect()
    }

    /// The case of call `id` as Refer-To URI headers for a blind transfer (escaped).
    pub(super) fn case_uri_headers(&self, id: CallId) -> Vec<(String, String)> {
        let Some(i) = self.calls.get(&id).and_then(|c| c.interaction) else {
            return Vec::new();
        };
        let Some(interaction) = self.desk.get(InteractionId(i)) else { return Vec::new() };
        earshot_desk::sip_case::uri_headers(&interaction.case.carried())
    }

    /// Follows a call's state into its interaction: answered (by any path), held,
    /// resumed.
    pub(super) fn desk_follow(&mut self, id: CallId) {
        let Some(c) = self.calls.get(&id) else { return };
        if c.monitor.is_some() || c.monitoring.is_some() {
            return;
        }
        let Some(i) = c.interaction.map(InteractionId) else { return };
        let (state, held) = (c.state, c.local_hold);
        let at = self.moment();
        let shown = self.desk.get(i).map(|x| x.state);
        if shown == Some(State::Offered)
            && matches!(state, CallState::Active | CallState::Held | CallState::RemoteHeld)
        {
            let _ = self.desk.accept(i, at);
        }
        if self.desk.get(i).is_some_and(|x| x.state == State::Active && x.held != held) {
            let _ = self.desk.held(i, held);
        }
    }

    /// The call ended: an offer was abandoned, an active interaction goes to wrap-up (or
    /// was transferred away).
    pub(super) fn desk_call_ended(&mut self, interaction: Option<u64>, transferred: bool) {
        let Some(i) = interaction.map(InteractionId) else { return };
        let at = self.moment();
        let _ = match self.desk.get(i).map(|x| x.state) {
            Some(State::Active) if transferred => self.desk.transferred(i, at),
            Some(State::Offered | State::Active) => self.desk.contact_left(i, at),
            _ => Ok(()),
        };
    }

    /// The desk's commands.
    pub(super) fn desk_command(&mut self, c: DeskCommand) -> Result<(), CommandError> {
        let at = self.moment();
        let r = match c {
            DeskCommand::State { state, reason } => {
                let wish = match state.as_str() {
                    "ready" => StateWish::Ready,
                    "not-ready" => StateWish::NotReady(reason.unwrap_or_default()),
                    "logout" => StateWish::LogOut,
                    other => {
                        return Err(CommandError::Desk(format!(
                            "{other:?} is not a state (ready, not-ready, logout)"
                        )));
                    }
                };
                self.desk.set_state(wish, at)
            }
            DeskCommand::Accept(i) => self.desk.accept(InteractionId(i), at),
            DeskCommand::Decline(i) => self.desk.decline(InteractionId(i), None, at),
            DeskCommand::Case(i, field, value) => {
                self.desk.edit_case(InteractionId(i), &field, &value)
            }
            DeskCommand::Note(i, text) => self.desk.note(InteractionId(i), &text),
            DeskCommand::Dispose(i, code) => self.desk.dispose(InteractionId(i), &code),
            DeskCommand::Done(i) => self.desk.done(InteractionId(i), at),
            DeskCommand::List => {
                let status = self.desk.status();
                self.emit(agent_state_event(&status));
                let all: Vec<Interaction> = self.desk.interactions().cloned().collect();
                for i in all {
                    let view = self.view(&i);
                    self.emit(Event::Interaction(Box::new(view)));
                }
                Ok(())
            }
        };
        r.map_err(desk_error)
    }

    /// Reject of an offered call by the `reject` command: declined on the desk with the
    /// status asked for.
    pub(super) fn desk_declined(&mut self, id: CallId, status: u16) -> bool {
        let Some(i) = self.calls.get(&id).and_then(|c| c.interaction) else { return false };
        let at = self.moment();
        self.desk.decline(InteractionId(i), Some(status), at).is_ok()
    }

    /// The desk's deadlines (offer time-outs, auto-accepts, time-boxed wrap-ups).
    pub(super) fn desk_tick(&mut self) {
        if self.desk.poll_timeout().is_some_and(|t| t <= self.now) {
            let at = self.moment();
            self.desk.timeout(at);
        }
        // The missed-offer beep is over: the ringer is free for the next sound.
        if self.missed_beep_until.is_some_and(|t| t <= self.now)
            || self.chat_note_until.is_some_and(|t| t <= self.now)
        {
            self.update_ringing();
        }
    }

    /// Carries out what the desk decided and reports what it says.
    pub(super) fn desk_flush(&mut self) {
        while let Some(effect) = self.desk.poll_effect() {
            match effect {
                DeskEffect::Answer { call: Some(call), .. } => {
                    if self.calls.get(&call).is_some_and(|c| c.state == CallState::Incoming)
                        && let Err(e) = self.answer(call)
                    {
                        let why = e.to_string();
                        self.emit(Event::problem(Problem::CallFailed { call, why }, None));
                    }
                }
                DeskEffect::Refuse { call: Some(call), status, .. } => {
                    if let Some(c) =
                        self.calls.get(&call).filter(|c| c.state == CallState::Incoming)
                    {
                        let handle = c.handle;
                        let _ = self.ua.reject(handle, status, self.now);
                    }
                }
                DeskEffect::Answer { id, call: None }
                    if self.emails.by_interaction.contains_key(&id.0) =>
                {
                    self.email_accepted(id.0)
                }
                DeskEffect::Refuse { id, call: None, .. }
                    if self.emails.by_interaction.contains_key(&id.0) =>
                {
                    self.email_refused(id.0)
                }
                DeskEffect::Answer { id, call: None } => self.chat_accepted(id.0),
                DeskEffect::Refuse { id, call: None, status } => self.chat_refused(id.0, status),
                DeskEffect::Publish(status) => {
                    self.publish_state(&status);
                    self.effects.push_back(Effect::SaveAgentState(status));
                }
                DeskEffect::Save(i) => {
                    let at_ms = self.moment().unix_ms;
                    // (A consultation's other side is a colleague, not a contact.)
                    let first = i.link.is_none() && self.matched.insert(i.id.0);
                    let identity = first.then(|| self.directory.numbering().identify(&i.contact));
                    let interaction = i.id.0;
                    self.effects.push_back(Effect::SaveInteraction(Box::new(i), at_ms));
                    // Its contact, once it is saved (the store links the two).
                    if let Some(Some((identity, key))) = identity {
                        let keys = vec![key];
                        self.effects.push_back(Effect::MatchContact {
                            interaction,
                            identity,
                            keys,
                        });
                    }
                }
                DeskEffect::OpenUrl { url, .. } => self.effects.push_back(Effect::OpenUrl(url)),
            }
        }
        while let Some(event) = self.desk.poll_event() {
            if let DeskEvent::Interaction(i) = &event {
                if i.state == State::Missed {
                    self.beep_missed_offer();
                }
                if i.channel == Channel::Chat {
                    self.chat_follow(i.id.0, i.state);
                }
                if i.channel == Channel::Email {
                    self.email_follow(i.id.0, i.state);
                }
            }
            let e = match event {
                DeskEvent::AgentState(status) => agent_state_event(&status),
                DeskEvent::Interaction(i) => Event::Interaction(Box::new(self.view(&i))),
                DeskEvent::ScreenPop { id, url } => Event::ScreenPop { id: id.0, url },
            };
            self.emit(e);
        }
    }

    pub(super) fn view(&self, i: &Interaction) -> InteractionView {
        let case: BTreeMap<String, String> =
            i.case.fields.iter().map(|f| (f.name.clone(), f.value.clone())).collect();
        InteractionView {
            id: i.id.0,
            channel: i.channel.name().into(),
            state: i.state.name().into(),
            direction: i.direction.name().into(),
            contact: i.contact.clone(),
            contact_name: i.contact_name.clone(),
            queue: i.queue.clone(),
            case,
            fields: i
                .case
                .fields
                .iter()
                .map(|f| CaseFieldView {
                    name: f.name.clone(),
                    label: f.label.clone(),
                    value: f.value.clone(),
                    editable: f.editable,
                    hidden: f.hidden,
                })
                .collect(),
            call: i.call,
            held: i.held,
            disposition: i.disposition.clone(),
            note: i.note.clone(),
            wrap_up: serde_name(&i.wrap_up),
            may_finish: i.may_finish(),
            link: i.link.map(|l| (serde_name(&l.kind), l.parent.0)),
            offered_ms: i.offered_ms,
            accepted_ms: i.accepted_ms,
            ended_ms: i.ended_ms,
            done_ms: i.done_ms,
            screen_pops: self
                .desk
                .screen_pops(i.id)
                .into_iter()
                .map(|(label, url)| match url {
                    Ok(url) => ScreenPopView { label, url: Some(url), problem: None },
                    Err(e) => ScreenPopView { label, url: None, problem: Some(e.to_string()) },
                })
                .collect(),
            chat: self.chats.by_interaction.get(&i.id.0).map(|c| c.summary()),
        }
    }
}

/// A desk command, as the API's commands map to it.
#[derive(Debug, Clone)]
pub(super) enum DeskCommand {
    State { state: String, reason: Option<String> },
    Accept(u64),
    Decline(u64),
    Case(u64, String, String),
    Note(u64, String),
    Dispose(u64, String),
    Done(u64),
    List,
}

fn desk_error(e: DeskError) -> CommandError {
    CommandError::Desk(e.to_string())
}

fn agent_state_event(s: &earshot_desk::AgentStatus) -> Event {
    Event::AgentState {
        state: s.state.name().into(),
        reason: s.state.reason().map(String::from),
        since_ms: s.since_ms,
        next: s.next.as_ref().map(|n| n.name().into()),
        next_reason: s.next.as_ref().and_then(|n| n.reason()).map(String::from),
        busy: s.busy,
    }
}

fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The user part of a To URI (`sip:support@site` → `support`).
pub(super) fn queue_of(to: &str) -> Option<String> {
    let rest = to.trim().trim_start_matches('<');
    let rest = rest.strip_prefix("sips:").or_else(|| rest.strip_prefix("sip:"))?;
    let user = rest.split('@').next()?;
    (!user.is_empty() && rest.contains('@')).then(|| user.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_are_the_user_of_the_to_uri() {
        assert_eq!(queue_of("sip:support@site.example").as_deref(), Some("support"));
        assert_eq!(queue_of("<sips:billing@x>").as_deref(), Some("billing"));
        assert_eq!(queue_of("sip:site.example"), None);
        assert_eq!(queue_of("tel:+1555"), None);
    }
}
