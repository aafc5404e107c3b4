//! The desk core on a virtual clock: every path of an interaction's life, the agent's
//! states and what they allow, offers timing out, the three wrap-up modes, capacity,
//! auto-accept, linked interactions, screen pops and a restart in the middle of a wrap-up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use earshot_desk::case::{Origin, Source};
use earshot_desk::{
    AgentState, Arrival, Channel, Desk, DeskConfig, DeskEffect, DeskError, DeskEvent, Direction,
    InteractionId, Link, LinkKind, Moment, PreviewMode, QueueConfig, ScreenPopConfig, State,
    StateWish, Take, WrapUpMode,
};

struct Clock(Moment);

impl Clock {
    #[allow(clippy::disallowed_methods)] // the virtual clock starts from the real one
    fn new() -> Clock {
        Clock(Moment { now: Instant::now(), unix_ms: 1_796_468_400_000 })
    }
    fn at(&self) -> Moment {
        self.0
    }
    fn advance(&mut self, desk: &mut Desk, d: Duration) {
        let end = self.0.after(d);
        // Deadlines fire when due, as a driver would.
        while let Some(t) = desk.poll_timeout().filter(|t| *t <= end.now) {
            self.0 = Moment { now: t, unix_ms: end.unix_ms - (end.now - t).as_millis() as u64 };
            desk.timeout(self.0);
        }
        self.0 = end;
    }
}

fn config() -> DeskConfig {
    let mut c = DeskConfig::default();
    c.queues.insert(
        "support".into(),
        QueueConfig {
            label: Some("Support".into()),
            wrap_up: WrapUpMode::Optional,
            wrap_up_s: 0,
            screen_pops: vec![ScreenPopConfig {
                label: "CRM".into(),
                url: "https://crm.example/c?a={Account-Id}&n={caller}".into(),
                on_accept: true,
            }],
        },
    );
    c.queues.insert(
        "billing".into(),
        QueueConfig { wrap_up: WrapUpMode::Mandatory, ..Default::default() },
    );
    c.queues.insert(
        "sales".into(),
        QueueConfig { wrap_up: WrapUpMode::TimeBoxed, wrap_up_s: 30, ..Default::default() },
    );
    c
}

fn ready_desk(clock: &Clock) -> Desk {
    let mut d = Desk::new(config(), 1, clock.at());
    d.set_state(StateWish::Ready, clock.at()).unwrap();
    drain(&mut d);
    d
}

fn call(queue: Option<&str>, call: u64) -> Arrival {
    Arrival {
        contact: "sip:+15145550123@example.com".into(),
        queue: queue.map(String::from),
        call: Some(call),
        sources: vec![
            Source::new(Origin::Caller, "caller", "+15145550123"),
            Source::new(Origin::Header, "Account-Id", "A&77 é"),
        ],
        ..Default::default()
    }
}

fn offered(take: Take) -> InteractionId {
    match take {
        Take::Offered(id) => id,
        other => panic!("not offered: {other:?}"),
    }
}

fn drain(d: &mut Desk) -> (Vec<DeskEvent>, Vec<DeskEffect>) {
    let mut ev = Vec::new();
    while let Some(e) = d.poll_event() {
        ev.push(e);
    }
    let mut ef = Vec::new();
    while let Some(e) = d.poll_effect() {
        ef.push(e);
    }
    (ev, ef)
}

fn state(d: &Desk, id: InteractionId) -> State {
    d.get(id).unwrap().state
}

#[test]
fn a_routed_call_from_offer_to_done() {
    let mut clock = Clock::new();
    let mut d = ready_desk(&clock);
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 7), clock.at()));
    assert_eq!(d.get(id).unwrap().case.value("Account-Id"), Some("A&77 é"));
    assert!(d.status().busy, "one call is the voice capacity: busy while offered");
    clock.advance(&mut d, Duration::from_secs(2));
    drain(&mut d);
    d.accept(id, clock.at()).unwrap();
    let (events, effects) = drain(&mut d);
    assert!(effects.contains(&DeskEffect::Answer { id, call: Some(7) }));
    let pop = "https://crm.example/c?a=A%2677%20%C3%A9&n=%2B15145550123".to_string();
    assert!(effects.contains(&DeskEffect::OpenUrl { id, url: pop.clone() }), "{effects:?}");
    assert!(events.contains(&DeskEvent::ScreenPop { id, url: pop }));
    d.held(id, true).unwrap();
    d.held(id, false).unwrap();
    d.note(id, "Customer asks about").unwrap();
    clock.advance(&mut d, Duration::from_secs(60));
    d.contact_left(id, clock.at()).unwrap();
    assert_eq!(state(&d, id), State::WrapUp);
    assert_eq!(d.status().state, AgentState::AfterCallWork);
    d.note(id, "Customer asks about the March invoice").unwrap();
    d.dispose(id, "resolved").unwrap();
    let (_, effects) = drain(&mut d);
    // The note is saved as typed: the last save holds the whole of it.
    let last_save = effects
        .iter()
        .rev()
        .find_map(|e| match e {
            DeskEffect::Save(i) => Some(i.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(last_save.note, "Customer asks about the March invoice");
    assert_eq!(last_save.disposition.as_deref(), Some("resolved"));
    d.done(id, clock.at()).unwrap();
    assert_eq!(state(&d, id), State::Done);
    let s = d.status();
    assert_eq!((s.state, s.busy), (AgentState::Ready, false));
    assert_eq!(s.since_ms, clock.at().unix_ms);
}

#[test]
fn routed_offers_reach_only_a_ready_agent_with_capacity() {
    let clock = Clock::new();
    let mut d = Desk::new(config(), 1, clock.at());
    let refused = Take::Refused { status: 486 };
    assert_eq!(
        d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 1), clock.at()),
        refused,
        "logged out"
    );
    d.set_state(StateWish::NotReady("lunch".into()), clock.at()).unwrap();
    assert_eq!(d.status().state, AgentState::NotReady("Lunch".into()), "the configured spelling");
    assert_eq!(
        d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 2), clock.at()),
        refused,
        "not ready"
    );
    d.set_state(StateWish::Ready, clock.at()).unwrap();
    let first =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 3), clock.at()));
    assert_eq!(
        d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 4), clock.at()),
        refused,
        "busy"
    );
    d.accept(first, clock.at()).unwrap();
    d.end(first, clock.at()).unwrap();
    assert_eq!(
        d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 5), clock.at()),
        refused,
        "in wrap-up"
    );
    // A call dialled to the agent directly is offered whatever the state: it is theirs.
    assert!(matches!(
        d.offer(Channel::Voice, Direction::Inbound, call(None, 6), clock.at()),
        Take::Offered(_)
    ));
}

#[test]
fn an_offer_left_unanswered_is_missed_and_the_agent_not_ready() {
    let mut clock = Clock::new();
    let mut d = ready_desk(&clock);
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 9), clock.at()));
    clock.advance(&mut d, Duration::from_secs(14));
    assert_eq!(state(&d, id), State::Offered);
    drain(&mut d);
    clock.advance(&mut d, Duration::from_secs(2));
    assert_eq!(state(&d, id), State::Missed);
    assert_eq!(d.status().state, AgentState::NotReady("missed offer".into()));
    let (_, effects) = drain(&mut d);
    assert!(
        effects.contains(&DeskEffect::Refuse { id, call: Some(9), status: 480 }),
        "{effects:?}"
    );
    assert!(effects.iter().any(|e| matches!(e, DeskEffect::Publish(s) if s.state == AgentState::NotReady("missed offer".into()))));
    assert!(d.poll_timeout().is_none());
}

#[test]
fn declined_and_abandoned_offers() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let direct = offered(d.offer(Channel::Voice, Direction::Inbound, call(None, 1), clock.at()));
    d.decline(direct, None, clock.at()).unwrap();
    let (_, effects) = drain(&mut d);
    assert!(effects.contains(&DeskEffect::Refuse { id: direct, call: Some(1), status: 603 }));
    let routed =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 2), clock.at()));
    d.decline(routed, None, clock.at()).unwrap();
    let (_, effects) = drain(&mut d);
    assert!(
        effects.contains(&DeskEffect::Refuse { id: routed, call: Some(2), status: 480 }),
        "the site tries the next agent"
    );
    assert_eq!(d.status().state, AgentState::Ready, "declining is not missing");
    let left =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 3), clock.at()));
    d.contact_left(left, clock.at()).unwrap();
    assert_eq!(state(&d, left), State::Abandoned);
    assert_eq!(d.status().state, AgentState::Ready, "no wrap-up for what was never accepted");
    assert!(matches!(
        d.accept(left, clock.at()),
        Err(DeskError::NotNow { state: State::Abandoned, .. })
    ));
}

#[test]
fn mandatory_wrap_up_needs_a_code() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("billing"), 1), clock.at()));
    d.accept(id, clock.at()).unwrap();
    d.end(id, clock.at()).unwrap();
    assert_eq!(d.done(id, clock.at()), Err(DeskError::DispositionRequired(id)));
    assert_eq!(state(&d, id), State::WrapUp);
    assert_eq!(d.dispose(id, "nonsense"), Err(DeskError::UnknownDisposition("nonsense".into())));
    d.dispose(id, "escalated").unwrap();
    d.done(id, clock.at()).unwrap();
    assert_eq!(d.status().state, AgentState::Ready);
}

#[test]
fn time_boxed_wrap_up_ends_on_time_with_the_timed_out_code() {
    let mut clock = Clock::new();
    let mut d = ready_desk(&clock);
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("sales"), 1), clock.at()));
    d.accept(id, clock.at()).unwrap();
    d.end(id, clock.at()).unwrap();
    let ended = clock.at();
    clock.advance(&mut d, Duration::from_millis(29_999));
    assert_eq!(d.status().state, AgentState::AfterCallWork);
    clock.advance(&mut d, Duration::from_millis(1));
    let i = d.get(id).unwrap();
    assert_eq!((i.state, i.disposition.as_deref()), (State::Done, Some("timed-out")));
    assert_eq!(i.done_ms, Some(ended.unix_ms + 30_000));
    assert_eq!(d.status().state, AgentState::Ready);
    // A code chosen in time is kept.
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("sales"), 2), clock.at()));
    d.accept(id, clock.at()).unwrap();
    d.end(id, clock.at()).unwrap();
    d.dispose(id, "sale").unwrap();
    clock.advance(&mut d, Duration::from_secs(31));
    assert_eq!(d.get(id).unwrap().disposition.as_deref(), Some("sale"));
}

#[test]
fn a_state_asked_for_during_wrap_up_comes_after_it() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 1), clock.at()));
    d.accept(id, clock.at()).unwrap();
    d.end(id, clock.at()).unwrap();
    d.set_state(StateWish::NotReady("Break".into()), clock.at()).unwrap();
    let s = d.status();
    assert_eq!(
        (s.state, s.next),
        (AgentState::AfterCallWork, Some(AgentState::NotReady("Break".into())))
    );
    d.done(id, clock.at()).unwrap();
    assert_eq!(d.status().state, AgentState::NotReady("Break".into()));
    assert_eq!(d.status().next, None);
}

#[test]
fn not_ready_during_a_call_holds_after_its_wrap_up() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 1), clock.at()));
    d.accept(id, clock.at()).unwrap();
    d.set_state(StateWish::NotReady("Meeting".into()), clock.at()).unwrap();
    assert_eq!(d.status().state, AgentState::NotReady("Meeting".into()), "at once: no new offers");
    d.end(id, clock.at()).unwrap();
    assert_eq!(d.status().state, AgentState::AfterCallWork);
    d.done(id, clock.at()).unwrap();
    assert_eq!(d.status().state, AgentState::NotReady("Meeting".into()));
}

#[test]
fn reasons_and_logging_out_are_checked() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    assert!(matches!(
        d.set_state(StateWish::NotReady("Nap".into()), clock.at()),
        Err(DeskError::UnknownReason(..))
    ));
    assert_eq!(d.status().state, AgentState::Ready, "nothing changed");
    let id = offered(d.offer(Channel::Voice, Direction::Inbound, call(None, 1), clock.at()));
    d.accept(id, clock.at()).unwrap();
    assert_eq!(d.set_state(StateWish::LogOut, clock.at()), Err(DeskError::InteractionsOpen));
    d.end(id, clock.at()).unwrap();
    d.set_state(StateWish::LogOut, clock.at()).unwrap();
    d.done(id, clock.at()).unwrap();
    assert_eq!(d.status().state, AgentState::LoggedOut);
}

#[test]
fn busy_is_published_when_capacity_fills_and_frees() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let id = offered(d.offer(Channel::Voice, Direction::Inbound, call(None, 1), clock.at()));
    let (_, effects) = drain(&mut d);
    assert!(effects.iter().any(|e| matches!(e, DeskEffect::Publish(s) if s.busy)), "{effects:?}");
    d.decline(id, None, clock.at()).unwrap();
    let (_, effects) = drain(&mut d);
    assert!(
        effects.iter().any(
            |e| matches!(e, DeskEffect::Publish(s) if !s.busy && s.state == AgentState::Ready)
        )
    );
    // A chat beside the call would not make a voice agent busy (its own capacity).
    let mut chats = Vec::new();
    for n in 0..3 {
        chats.push(offered(d.offer(
            Channel::Chat,
            Direction::Inbound,
            call(None, 10 + n),
            clock.at(),
        )));
    }
    assert!(!d.has_capacity(Channel::Chat) && d.has_capacity(Channel::Voice));
}

#[test]
fn auto_accept_with_and_without_preview() {
    let mut clock = Clock::new();
    let mut c = config();
    c.preview = PreviewMode::AutoAccept;
    let mut d = Desk::new(c, 1, clock.at());
    d.set_state(StateWish::Ready, clock.at()).unwrap();
    let Take::Accepted(id) =
        d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 1), clock.at())
    else {
        panic!()
    };
    assert_eq!(state(&d, id), State::Active);
    let mut c = config();
    c.preview = PreviewMode::AutoAcceptWithPreview;
    c.preview_s = 3;
    let mut d = Desk::new(c, 1, clock.at());
    d.set_state(StateWish::Ready, clock.at()).unwrap();
    let id =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 2), clock.at()));
    clock.advance(&mut d, Duration::from_millis(2_999));
    assert_eq!(state(&d, id), State::Offered, "the preview shows first");
    clock.advance(&mut d, Duration::from_millis(1));
    assert_eq!(state(&d, id), State::Active);
    assert_eq!(d.status().state, AgentState::Ready, "an auto-accept is not a missed offer");
}

#[test]
fn consultation_and_transfer_link_interactions() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let parent =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 1), clock.at()));
    d.accept(parent, clock.at()).unwrap();
    let consult = Arrival {
        contact: "sip:agent2@site".into(),
        call: Some(2),
        link: Some(Link { kind: LinkKind::Consultation, parent }),
        sources: d.get(parent).unwrap().case.carried(),
        ..Default::default()
    };
    let (Take::Offered(child) | Take::Accepted(child)) =
        d.offer(Channel::Voice, Direction::Outbound, consult, clock.at())
    else {
        panic!()
    };
    let c = d.get(child).unwrap();
    assert_eq!(
        (c.state, c.link),
        (State::Active, Some(Link { kind: LinkKind::Consultation, parent }))
    );
    assert_eq!(c.case.value("Account-Id"), Some("A&77 é"), "the case goes along");
    d.transferred(parent, clock.at()).unwrap();
    d.end(child, clock.at()).unwrap();
    assert_eq!(state(&d, parent), State::Transferred);
    d.note(parent, "Passed to billing").unwrap();
    assert_eq!(
        d.link(child, Link { kind: LinkKind::Transfer, parent: InteractionId(99) }),
        Err(DeskError::UnknownInteraction(InteractionId(99)))
    );
}

/// The consulted agent's side of an attended transfer: the transferee's call replaces
/// the consultation, and the same interaction goes on with the customer, its case and
/// note kept; it ends in wrap-up when the customer hangs up.
#[test]
fn the_consulted_agent_keeps_the_interaction_when_the_transfer_completes() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let consult = offered(d.offer(Channel::Voice, Direction::Inbound, call(None, 1), clock.at()));
    d.accept(consult, clock.at()).unwrap();
    d.note(consult, "colleague says: refund").unwrap();
    drain(&mut d);
    d.rebind(consult, 2, "sip:customer@example.com", Some("Ann".into())).unwrap();
    let (events, _) = drain(&mut d);
    assert!(events.iter().any(|e| matches!(e, DeskEvent::Interaction(i)
        if i.id == consult && i.call == Some(2) && i.contact == "sip:customer@example.com")));
    let i = d.get(consult).unwrap();
    assert_eq!((i.state, i.note.as_str()), (State::Active, "colleague says: refund"));
    assert_eq!(i.case.value("Account-Id"), Some("A&77 é"));
    assert_eq!(d.by_call(2).map(|i| i.id), Some(consult));
    assert_eq!(d.by_call(1).map(|i| i.id), None);
    d.contact_left(consult, clock.at()).unwrap();
    assert_eq!(state(&d, consult), State::WrapUp);
    assert!(matches!(
        d.rebind(consult, 3, "sip:x@y", None),
        Err(DeskError::NotNow { state: State::WrapUp, .. })
    ));
}

#[test]
fn a_restart_in_wrap_up_keeps_the_note() {
    let clock = Clock::new();
    let mut d = ready_desk(&clock);
    let talking =
        offered(d.offer(Channel::Voice, Direction::Inbound, call(Some("support"), 1), clock.at()));
    d.accept(talking, clock.at()).unwrap();
    d.note(talking, "half-typed no").unwrap();
    let wrapping = offered(d.offer(Channel::Voice, Direction::Inbound, call(None, 2), clock.at()));
    d.accept(wrapping, clock.at()).unwrap();
    d.end(wrapping, clock.at()).unwrap();
    d.dispose(wrapping, "callback").unwrap();
    let chat = Arrival { call: None, ..call(None, 0) };
    let chatting = offered(d.offer(Channel::Chat, Direction::Inbound, chat, clock.at()));
    d.accept(chatting, clock.at()).unwrap();
    // What the store would hold: the last saved copy of each.
    let (_, effects) = drain(&mut d);
    let mut saved = std::collections::BTreeMap::new();
    for e in effects {
        if let DeskEffect::Save(i) = e {
            saved.insert(i.id, i);
        }
    }
    let later = clock.at().after(Duration::from_secs(5));
    let mut d = Desk::new(config(), 1, later);
    d.restore(saved.into_values().collect(), later);
    let t = d.get(talking).unwrap();
    assert_eq!((t.state, t.note.as_str()), (State::WrapUp, "half-typed no"));
    assert_eq!(d.get(wrapping).unwrap().disposition.as_deref(), Some("callback"));
    assert_eq!(d.get(chatting).unwrap().state, State::Active, "a chat goes on");
    assert_eq!(d.status().state, AgentState::AfterCallWork);
    let next = offered(d.offer(Channel::Voice, Direction::Inbound, call(None, 3), later));
    assert!(next.0 > wrapping.0, "ids go on after the restored ones");
    d.decline(next, None, later).unwrap();
    d.done(talking, later).unwrap();
    d.done(wrapping, later).unwrap();
    d.end(chatting, later).unwrap();
    d.done(chatting, later).unwrap();
    assert_eq!(d.status().state, AgentState::LoggedOut, "back in by the agent's own choice");
}
