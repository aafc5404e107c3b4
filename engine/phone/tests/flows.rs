//! The phone core's call flows on a virtual clock: phones in memory (tests/net), each a
//! real [`earshot_phone::Phone`] over a real user agent, the SIP between them delivered at
//! once and the time moved by the test. The process tests in ui/tests run the same flows
//! with real peers; these say what the core decides, without sleeps.

mod net;

use std::time::Duration;

use earshot_media::mix::MonitorMode;
use earshot_media::tone::ToneSpec;
use earshot_phone::Effect;
use earshot_phone::api::{CallState, Command, Event};
use earshot_sip::target::Target;
use net::{Net, config};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_call_is_offered_answered_and_hung_up_on_both_sides() {
    let mut net = Net::new();
    let (a, b) = (net.add(config("alice")), net.add(config("bob")));
    net.command(a, Command::Call { uri: net.uri(b) });
    net.advance(ms(40));
    let incoming = net.nodes[b].incoming().expect("bob is offered the call");
    assert_eq!(net.nodes[b].state(incoming), Some(CallState::Incoming));
    assert!(net.nodes[b].log().ringing, "bob's phone rings");
    assert_eq!(net.nodes[b].log().ring_sound, Some(ToneSpec::RINGTONE), "a call's ring");
    assert_eq!(net.nodes[a].state(1), Some(CallState::Ringing));
    assert_eq!(net.nodes[a].log().tones.last(), Some(&Some(ToneSpec::RINGBACK)));
    net.command(b, Command::Answer { id: incoming });
    net.advance(ms(40));
    assert_eq!(net.nodes[a].state(1), Some(CallState::Active));
    assert_eq!(net.nodes[b].state(incoming), Some(CallState::Active));
    assert!(!net.nodes[b].log().ringing, "the ringing stops at the answer");
    assert_eq!(net.nodes[a].log().legs.get(&1).map(String::as_str), Some("opus"));
    assert_eq!(net.nodes[b].log().legs.get(&(incoming as u32)).map(String::as_str), Some("opus"));
    assert!(net.nodes[a].mix_of(1).is_some_and(|m| m.sends && m.heard));
    net.command(a, Command::Hangup { id: 1 });
    assert_eq!(net.nodes[a].ended(1).as_deref(), Some("local"));
    assert_eq!(net.nodes[b].ended(incoming).as_deref(), Some("remote"));
    assert!(net.nodes[a].log().legs.is_empty() && net.nodes[b].log().legs.is_empty());
    for n in [a, b] {
        let kept = net.nodes[n].effects.iter().filter(|e| matches!(e, Effect::Record(_))).count();
        assert_eq!(kept, 1, "phone {n} keeps the call in its history");
    }
    assert!(net.nodes[a].errors().is_empty() && net.nodes[b].errors().is_empty());
}

#[test]
fn hold_and_resume_pressed_together_end_resumed_on_both_sides() {
    let mut net = Net::new();
    let (a, b) = (net.add(config("alice")), net.add(config("bob")));
    let (ours, theirs) = net.talk(a, b);
    let (now, wall) = (net.now, net.wall);
    net.nodes[a].phone.command(Command::Hold { id: ours }, now, wall);
    net.nodes[a].phone.command(Command::Resume { id: ours }, now, wall);
    net.nodes[a].phone.command(Command::Hold { id: ours }, now, wall);
    net.nodes[a].phone.command(Command::Resume { id: ours }, now, wall);
    net.advance(ms(200));
    assert_eq!(net.nodes[a].state(ours), Some(CallState::Active));
    assert_eq!(net.nodes[b].state(theirs), Some(CallState::Active));
    assert!(net.nodes[a].mix_of(ours).is_some_and(|m| m.sends && m.heard));
    assert!(net.nodes[b].mix_of(theirs).is_some_and(|m| m.sends && m.heard));
    assert_eq!(net.nodes[a].errors(), Vec::<String>::new());
    // Hold then resume then hold: held, and the other side agrees.
    for c in [Command::Hold { id: ours }, Command::Resume { id: ours }, Command::Hold { id: ours }]
    {
        net.nodes[a].phone.command(c, net.now, net.wall);
    }
    net.advance(ms(200));
    assert_eq!(net.nodes[a].state(ours), Some(CallState::Held));
    assert_eq!(net.nodes[b].state(theirs), Some(CallState::RemoteHeld));
    assert!(net.nodes[a].mix_of(ours).is_some_and(|m| !m.sends && !m.heard));
}

#[test]
fn holds_that_cross_get_491_are_retried_and_both_sides_agree() {
    let mut net = Net::new();
    let (a, b) = (net.add(config("alice")), net.add(config("bob")));
    let (ours, theirs) = net.talk(a, b);
    let (now, wall) = (net.now, net.wall);
    net.nodes[a].phone.command(Command::Hold { id: ours }, now, wall);
    net.nodes[b].phone.command(Command::Hold { id: theirs }, now, wall);
    net.pump();
    assert!(
        net.trace.iter().any(|(_, _, m)| m.starts_with("SIP/2.0 491")),
        "the crossing re-INVITEs are answered 491"
    );
    // RFC 3261 §14.1: retried after at most 4 s.
    net.advance(Duration::from_secs(5));
    assert_eq!(net.nodes[a].state(ours), Some(CallState::Held));
    assert_eq!(net.nodes[b].state(theirs), Some(CallState::Held));
    net.nodes[a].phone.command(Command::Resume { id: ours }, net.now, net.wall);
    net.nodes[b].phone.command(Command::Resume { id: theirs }, net.now, net.wall);
    net.advance(Duration::from_secs(5));
    assert_eq!(net.nodes[a].state(ours), Some(CallState::Active));
    assert_eq!(net.nodes[b].state(theirs), Some(CallState::Active));
    assert_eq!(net.nodes[a].errors(), Vec::<String>::new());
    assert_eq!(net.nodes[b].errors(), Vec::<String>::new());
}

#[test]
fn a_waiting_call_beeps_and_answering_it_holds_the_first() {
    let mut net = Net::new();
    let (a, b, c) = (net.add(config("alice")), net.add(config("bob")), net.add(config("carol")));
    let (first, bobs) = net.talk(a, b);
    net.command(c, Command::Call { uri: net.uri(a) });
    net.advance(ms(40));
    let waiting = net.nodes[a].incoming().expect("carol's call waits at alice");
    assert_ne!(waiting, first);
    assert_eq!(net.nodes[a].log().tones.last(), Some(&Some(ToneSpec::CALL_WAITING)));
    assert!(!net.nodes[a].log().ringing, "no ringtone over a call: the beep says it");
    net.command(a, Command::Answer { id: waiting });
    net.advance(ms(200));
    assert_eq!(net.nodes[a].state(waiting), Some(CallState::Active));
    assert_eq!(net.nodes[a].state(first), Some(CallState::Held));
    assert_eq!(net.nodes[b].state(bobs), Some(CallState::RemoteHeld));
    assert_eq!(net.nodes[c].state(1), Some(CallState::Active));
}

#[test]
fn two_calls_merge_into_a_conference_and_split_again() {
    let mut net = Net::new();
    let (a, b, c) = (net.add(config("alice")), net.add(config("bob")), net.add(config("carol")));
    let (with_bob, bobs) = net.talk(a, b);
    let (with_carol, _) = net.talk(a, c);
    net.advance(ms(200));
    assert_eq!(net.nodes[a].state(with_bob), Some(CallState::Held), "a new call holds the first");
    net.command(a, Command::Conference { ids: vec![with_bob, with_carol] });
    net.advance(ms(200));
    for id in [with_bob, with_carol] {
        assert_eq!(net.nodes[a].state(id), Some(CallState::Active));
        let mix = net.nodes[a].mix_of(id).expect("in the mix");
        assert!(mix.conference && mix.sends && mix.heard, "call {id} in the conference: {mix:?}");
    }
    assert_eq!(net.nodes[b].state(bobs), Some(CallState::Active));
    net.command(a, Command::Split { id: with_carol });
    net.advance(ms(200));
    assert_eq!(net.nodes[a].state(with_carol), Some(CallState::Held));
    assert!(
        net.nodes[a].mix_of(with_bob).is_some_and(|m| !m.conference),
        "a conference of one ends"
    );
    assert_eq!(net.nodes[a].errors(), Vec::<String>::new());
}

#[test]
fn a_blind_transfer_moves_the_caller_to_the_target() {
    let mut net = Net::new();
    let (a, b, c) = (net.add(config("alice")), net.add(config("bob")), net.add(config("carol")));
    let (alices, bobs) = net.talk(a, b);
    net.command(b, Command::Transfer { id: bobs, uri: net.uri(c) });
    net.advance(ms(100));
    let at_carol = net.nodes[c].incoming().expect("alice calls carol");
    net.command(c, Command::Answer { id: at_carol });
    net.advance(ms(300));
    let new_call = alices + 1;
    assert_eq!(net.nodes[a].state(new_call), Some(CallState::Active));
    assert_eq!(net.nodes[c].state(at_carol), Some(CallState::Active));
    assert!(net.nodes[a].ended(alices).is_some(), "alice's first call ends once carol answers");
    assert!(net.nodes[b].ended(bobs).is_some(), "bob is out of it");
    assert!(net.nodes[b].events.iter().any(|e| matches!(e, Event::Transfer { status: 200, .. })));
}

#[test]
fn an_attended_transfer_joins_the_two_other_parties() {
    let mut net = Net::new();
    let (a, b, c) = (net.add(config("alice")), net.add(config("bob")), net.add(config("carol")));
    let (alices, bobs) = net.talk(a, b);
    net.command(b, Command::Consult { id: bobs, uri: net.uri(c) });
    net.advance(ms(100));
    let consulted = net.nodes[c].incoming().expect("bob consults carol");
    net.command(c, Command::Answer { id: consulted });
    net.advance(ms(200));
    assert_eq!(net.nodes[b].state(bobs), Some(CallState::Held), "the customer waits on hold");
    let consult = bobs + 1;
    assert_eq!(net.nodes[b].state(consult), Some(CallState::Active));
    net.command(b, Command::CompleteTransfer { id: bobs, consult });
    net.advance(ms(500));
    // Alice calls carol with Replaces (RFC 3891): carol's phone takes it in place of
    // bob's consultation, without ringing.
    let replacing = net.nodes[c].incoming().expect("alice's call replaces bob's");
    assert_ne!(replacing, consulted);
    assert_eq!(net.nodes[c].state(replacing), Some(CallState::Active));
    assert!(net.nodes[c].ended(consulted).is_some());
    assert_eq!(net.nodes[a].state(alices + 1), Some(CallState::Active));
    assert!(net.nodes[a].ended(alices).is_some());
    assert!(net.nodes[b].ended(bobs).is_some() && net.nodes[b].ended(consult).is_some());
}

#[test]
fn a_silent_peer_ends_the_call_after_the_timeout_and_a_talking_one_does_not() {
    let mut net = Net::new();
    let mut quick = config("alice");
    quick.calls.silence_timeout_s = 5;
    let (a, b) = (net.add(quick), net.add(config("bob")));
    let (ours, theirs) = net.talk(a, b);
    net.nodes[a].log().flowing.insert(ours as u32, 0);
    net.advance(Duration::from_secs(12));
    assert_eq!(net.nodes[a].state(ours), Some(CallState::Active), "RTP keeps it up");
    net.nodes[a].log().flowing.clear();
    net.advance(Duration::from_secs(4));
    assert_eq!(net.nodes[a].state(ours), Some(CallState::Active), "not before the timeout");
    net.advance(Duration::from_secs(2));
    let reason = net.nodes[a].ended(ours).expect("ended after 5 s of silence");
    assert!(reason.contains("nothing heard from the other side for 5 s"), "{reason}");
    assert_eq!(net.nodes[b].ended(theirs).as_deref(), Some("remote"), "the peer gets the BYE");
}

#[test]
fn a_name_is_looked_up_before_the_call_and_an_unknown_one_is_refused() {
    let mut net = Net::new();
    let (a, b) = (net.add(config("alice")), net.add(config("bob")));
    net.zone.insert("pbx.example".into(), vec![Target::udp(net.nodes[b].addr)]);
    net.command(a, Command::Call { uri: "sip:bob@pbx.example".into() });
    net.advance(ms(40));
    assert!(net.nodes[b].incoming().is_some(), "the call waited for DNS, then went through");
    net.command(a, Command::Call { uri: "sip:bob@nowhere.example".into() });
    let errors = net.nodes[a].errors();
    assert!(
        errors.iter().any(|e| e.contains("nowhere.example does not exist")),
        "the agent is told: {errors:?}"
    );
    let refused = net.nodes[a].events.iter().any(
        |e| matches!(e, Event::Error { command: Some(c), .. } if c.contains("nowhere.example")),
    );
    assert!(refused, "the error names the command");
}

#[test]
fn calls_beyond_the_limit_are_refused_with_486_before_ringing() {
    let mut net = Net::new();
    let mut one = config("bob");
    one.calls.max = 1;
    let (a, b, c) = (net.add(config("alice")), net.add(one), net.add(config("carol")));
    net.talk(a, b);
    let offered = net.nodes[b].events.len();
    net.command(c, Command::Call { uri: net.uri(b) });
    net.advance(ms(100));
    assert!(
        !net.nodes[b].events[offered..].iter().any(|e| matches!(e, Event::IncomingCall { .. })),
        "nothing rings at bob"
    );
    let reason = net.nodes[c].ended(1).expect("carol's call ends");
    assert!(reason.starts_with("486"), "{reason}");
}

#[test]
fn a_supervisor_listens_then_whispers_then_barges() {
    let mut net = Net::new();
    let mut agent = config("agent");
    agent.monitoring.supervisors = vec!["sip:sup@127.0.0.3".into()];
    agent.monitoring.trusted_proxies = vec!["127.0.0.3".into()];
    let (a, customer, s) = (net.add(agent), net.add(config("customer")), net.add(config("sup")));
    // The supervisor's requests reach the agent as the site's proxy passes them on.
    net.nodes[s].asserted = Some("sip:sup@127.0.0.3".into());
    let (_, agents_call) = net.talk(customer, a);
    net.command(s, Command::Watch { agent: net.uri(a) });
    net.advance(ms(200));
    let sees_the_call = net.nodes[s].events.iter().any(
        |e| matches!(e, Event::Agent { calls, .. } if calls.iter().any(|c| c.state == "confirmed")),
    );
    assert!(sees_the_call, "the supervisor sees the agent's call: {:?}", net.nodes[s].errors());
    net.command(s, Command::Monitor { agent: net.uri(a), mode: "listen".into() });
    net.advance(ms(300));
    let supervisor_leg = net.nodes[a]
        .log()
        .mix
        .iter()
        .find_map(|(leg, m)| m.supervises.map(|v| (*leg, v)))
        .expect("the agent mixes a supervisor's leg");
    assert_eq!(supervisor_leg.1.mode, MonitorMode::Listen);
    assert_eq!(supervisor_leg.1.customer, agents_call as usize);
    let monitoring = net.nodes[s]
        .events
        .iter()
        .find_map(|e| match e {
            Event::Monitoring { id, .. } => Some(*id),
            _ => None,
        })
        .expect("monitoring call");
    for (mode, want) in [("whisper", MonitorMode::Whisper), ("barge", MonitorMode::Barge)] {
        net.command(s, Command::MonitorMode { id: monitoring, mode: mode.into() });
        net.advance(ms(300));
        let now = net.nodes[a].log().mix.iter().find_map(|(_, m)| m.supervises.map(|v| v.mode));
        assert_eq!(now, Some(want), "{mode}");
    }
    net.command(s, Command::Unmonitor { id: monitoring });
    net.advance(ms(300));
    assert!(net.nodes[a].log().mix.iter().all(|(_, m)| m.supervises.is_none()));
    assert_eq!(net.nodes[customer].state(1), Some(CallState::Active), "the customer never noticed");
    assert_eq!(net.nodes[a].errors(), Vec::<String>::new());
}

#[test]
fn a_phone_whose_address_moved_calls_and_is_called_from_the_new_one() {
    let mut net = Net::new();
    let (a, b) = (net.add(config("alice")), net.add(config("bob")));
    let moved: std::net::IpAddr = "127.0.0.9".parse().unwrap();
    let (now, wall) = (net.now, net.wall);
    net.nodes[a].phone.address_changed(moved, now, wall);
    net.nodes[a].addr.set_ip(moved);
    net.pump();
    let listen = net.nodes[a].events.iter().rev().find_map(|e| match e {
        Event::Ready { listen, .. } => Some(listen.clone()),
        _ => None,
    });
    assert_eq!(listen.as_deref(), Some("127.0.0.9:5060"), "the agent is told where it is now");
    net.command(a, Command::Call { uri: net.uri(b) });
    net.advance(ms(40));
    let invite = net
        .trace
        .iter()
        .find(|(_, _, m)| m.starts_with("INVITE"))
        .map(|(from, _, m)| (*from, m.clone()))
        .expect("an INVITE");
    assert_eq!(invite.0.ip(), moved);
    assert!(invite.1.contains("SIP/2.0/UDP 127.0.0.9:5060"), "Via: {}", invite.1);
    assert!(invite.1.contains("c=IN IP4 127.0.0.9"), "media at the new address: {}", invite.1);
    let at_bob = net.nodes[b].incoming().expect("bob is called");
    net.command(b, Command::Answer { id: at_bob });
    net.advance(ms(40));
    assert_eq!(net.nodes[a].state(1), Some(CallState::Active));
    net.command(b, Command::Hangup { id: at_bob });
    net.command(b, Command::Call { uri: net.uri(a) });
    net.advance(ms(40));
    assert!(net.nodes[a].incoming().is_some(), "called at the new address");
}

#[test]
fn a_call_nobody_answers_stops_ringing_after_the_ring_timeout() {
    let mut net = Net::new();
    let mut patient = config("bob");
    patient.calls.ring_timeout_s = 20;
    let (a, b) = (net.add(config("alice")), net.add(patient));
    net.command(a, Command::Call { uri: net.uri(b) });
    net.advance(ms(40));
    let ringing = net.nodes[b].incoming().expect("bob's phone rings");
    net.advance(Duration::from_millis(19_900));
    assert_eq!(net.nodes[b].state(ringing), Some(CallState::Incoming), "not before 20 s");
    net.advance(ms(200));
    let reason = net.nodes[b].ended(ringing).expect("it stops ringing");
    assert_eq!(reason, "not answered within 20 s");
    assert!(!net.nodes[b].log().ringing, "the ringtone stops");
    let callers = net.nodes[a].ended(1).expect("the caller is told");
    assert!(callers.starts_with("480"), "{callers}");
}

/// An idle phone costs nothing: its housekeeping (media reports, retries) runs once a
/// second; as soon as a call comes it runs every 20 ms, and once a second again after.
#[test]
fn an_idle_phone_looks_once_a_second_and_a_call_quickens_it() {
    let mut net = Net::new();
    let a = net.add(config("alice"));
    let b = net.add(config("bob"));
    net.advance(Duration::from_secs(2));
    let polls = |net: &Net| net.nodes[a].log().polls;
    let before = polls(&net);
    net.advance(Duration::from_secs(3));
    let idle = polls(&net) - before;
    assert!((2..=4).contains(&idle), "{idle} looks in 3 s idle");
    let (at_alice, _) = net.talk(a, b);
    let next = net.nodes[a].phone.poll_timeout().unwrap();
    assert!(next <= net.now + Duration::from_millis(20), "in a call: every 20 ms");
    let before = polls(&net);
    net.advance(Duration::from_secs(1));
    let busy = polls(&net) - before;
    assert!(busy >= 45, "{busy} looks in 1 s of a call");
    net.command(a, Command::Hangup { id: at_alice });
    net.advance(Duration::from_secs(1));
    let before = polls(&net);
    net.advance(Duration::from_secs(3));
    let idle = polls(&net) - before;
    assert!((2..=4).contains(&idle), "{idle} looks in 3 s idle after the call");
}
