//! The desk inside the phone core on a virtual clock (phones in memory, tests/net): every
//! incoming call is an interaction; a routed one is refused by an agent who is not Ready,
//! times out to a missed offer, or is accepted, wrapped up and done; a direct call answered
//! or rejected the phone's way is followed by its interaction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod net;

use earshot_media::tone::ToneSpec;
use std::time::Duration;

use earshot_phone::Effect;
use earshot_phone::api::{CallState, Command, Event, InteractionView};
use net::{Net, Node, config};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The latest report of interaction `id`.
fn interaction(node: &Node, id: u64) -> Option<InteractionView> {
    node.events.iter().rev().find_map(|e| match e {
        Event::Interaction(i) if i.id == id => Some((**i).clone()),
        _ => None,
    })
}

/// The agent's latest state and reason.
fn agent_state(node: &Node) -> Option<(String, Option<String>)> {
    node.events.iter().rev().find_map(|e| match e {
        Event::AgentState { state, reason, .. } => Some((state.clone(), reason.clone())),
        _ => None,
    })
}

fn agent_config() -> earshot_phone::Config {
    let mut c = config("agent");
    c.desk.queues.insert(
        "support".into(),
        earshot_desk::QueueConfig {
            wrap_up: earshot_desk::WrapUpMode::Mandatory,
            ..Default::default()
        },
    );
    c
}

fn queue_uri(net: &Net, n: usize) -> String {
    format!("sip:support@{}", net.nodes[n].addr)
}

fn state(net: &mut Net, n: usize, words: &str) {
    let (s, reason) =
        words.split_once(' ').map_or((words, None), |(s, r)| (s, Some(r.to_string())));
    net.command(n, Command::State { state: s.into(), reason });
}

#[test]
fn a_routed_call_is_accepted_wrapped_up_and_done() {
    let mut net = Net::new();
    let (customer, agent) = (net.add(config("customer")), net.add(agent_config()));
    assert_eq!(agent_state(&net.nodes[agent]), Some(("logged-out".into(), None)));
    state(&mut net, agent, "ready");
    net.command(customer, Command::Call { uri: queue_uri(&net, agent) });
    net.advance(ms(40));
    let offered = interaction(&net.nodes[agent], 1).expect("offered");
    assert_eq!((offered.state.as_str(), offered.queue.as_deref()), ("offered", Some("support")));
    let call = offered.call.expect("a voice interaction has its call");
    assert_eq!(net.nodes[agent].state(call), Some(CallState::Incoming));
    assert_eq!(agent_state(&net.nodes[agent]), Some(("ready".into(), None)));
    net.command(agent, Command::Accept { id: 1 });
    net.advance(ms(40));
    assert_eq!(net.nodes[agent].state(call), Some(CallState::Active));
    assert_eq!(net.nodes[customer].state(1), Some(CallState::Active));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "active");
    net.command(agent, Command::Hold { id: call });
    net.advance(ms(200));
    assert!(interaction(&net.nodes[agent], 1).unwrap().held, "held inside the interaction");
    net.command(customer, Command::Hangup { id: 1 });
    net.advance(ms(40));
    let wrapping = interaction(&net.nodes[agent], 1).unwrap();
    assert_eq!((wrapping.state.as_str(), wrapping.held), ("wrap-up", false));
    assert_eq!(agent_state(&net.nodes[agent]).unwrap().0, "after-call-work");
    net.command(agent, Command::Done { id: 1 });
    assert!(net.nodes[agent].errors().iter().any(|e| e.contains("needs a disposition")));
    net.command(agent, Command::Note { id: 1, text: "asked about the invoice".into() });
    net.command(agent, Command::Dispose { id: 1, code: "resolved".into() });
    net.command(agent, Command::Done { id: 1 });
    let done = interaction(&net.nodes[agent], 1).unwrap();
    assert_eq!(
        (done.state.as_str(), done.disposition.as_deref(), done.note.as_str()),
        ("done", Some("resolved"), "asked about the invoice")
    );
    assert_eq!(agent_state(&net.nodes[agent]).unwrap().0, "ready");
    // Each change went to the store, in order; the last save is the finished interaction.
    let last_saved = net.nodes[agent].effects.iter().rev().find_map(|e| match e {
        Effect::SaveInteraction(i, _) => Some(i.clone()),
        _ => None,
    });
    assert_eq!(last_saved.map(|i| i.state), Some(earshot_desk::State::Done));
}

#[test]
fn a_routed_offer_left_unanswered_is_missed() {
    let mut net = Net::new();
    let (customer, agent) = (net.add(config("customer")), net.add(agent_config()));
    state(&mut net, agent, "ready");
    net.command(customer, Command::Call { uri: queue_uri(&net, agent) });
    net.advance(ms(14_000));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "offered");
    assert_eq!(net.nodes[agent].log().ring_sound, Some(ToneSpec::RINGTONE), "it rings");
    net.advance(ms(1_100));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "missed");
    // The offer's ring gives way to the missed-offer beep, which plays out, then silence.
    assert_eq!(net.nodes[agent].log().ring_sound, Some(ToneSpec::MISSED_OFFER));
    net.advance(ms(2_000));
    assert_eq!(net.nodes[agent].log().ring_sound, None, "the beep is over");
    assert_eq!(
        agent_state(&net.nodes[agent]),
        Some(("not-ready".into(), Some("missed offer".into())))
    );
    let ended = net.nodes[customer].ended(1).unwrap_or_default();
    assert!(ended.contains("480"), "the site hears 480 and offers the next agent: {ended}");
}

#[test]
fn an_agent_not_ready_refuses_a_routed_call_but_takes_a_direct_one() {
    let mut net = Net::new();
    let (customer, agent) = (net.add(config("customer")), net.add(agent_config()));
    state(&mut net, agent, "not-ready Break");
    net.command(customer, Command::Call { uri: queue_uri(&net, agent) });
    net.advance(ms(40));
    assert!(net.nodes[agent].incoming().is_none(), "never rings");
    assert!(net.nodes[customer].ended(1).unwrap_or_default().contains("486"));
    // Dialled directly, the agent's own phone rings whatever the state.
    net.command(customer, Command::Call { uri: net.uri(agent) });
    net.advance(ms(40));
    let call = net.nodes[agent].incoming().expect("a direct call rings");
    let offered = interaction(&net.nodes[agent], 1).expect("an interaction all the same");
    assert_eq!((offered.state.as_str(), offered.queue.as_deref()), ("offered", None));
    // Answered the phone's way: the desk follows.
    net.command(agent, Command::Answer { id: call });
    net.advance(ms(40));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "active");
    net.command(agent, Command::Hangup { id: call });
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "wrap-up");
    net.command(agent, Command::Done { id: 1 });
    assert_eq!(agent_state(&net.nodes[agent]), Some(("not-ready".into(), Some("Break".into()))));
}

#[test]
fn a_rejected_call_is_declined_and_a_caller_who_leaves_abandons() {
    let mut net = Net::new();
    let (customer, agent) = (net.add(config("customer")), net.add(agent_config()));
    net.command(customer, Command::Call { uri: net.uri(agent) });
    net.advance(ms(40));
    let call = net.nodes[agent].incoming().unwrap();
    net.command(agent, Command::Reject { id: call, status: Some(603) });
    net.advance(ms(40));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "declined");
    assert!(net.nodes[customer].ended(1).unwrap_or_default().contains("603"));
    net.command(customer, Command::Call { uri: net.uri(agent) });
    net.advance(ms(40));
    net.command(customer, Command::Hangup { id: 2 });
    net.advance(ms(40));
    assert_eq!(interaction(&net.nodes[agent], 2).unwrap().state, "abandoned");
    assert_eq!(agent_state(&net.nodes[agent]).unwrap().0, "logged-out", "no wrap-up");
}

/// The agent's latest desk state as a watching supervisor sees it.
fn watched_state(node: &Node) -> Option<(Option<String>, Option<String>)> {
    node.events.iter().rev().find_map(|e| match e {
        Event::Agent { state, reason, .. } => Some((state.clone(), reason.clone())),
        _ => None,
    })
}

#[test]
fn a_supervisor_watching_directly_sees_the_agents_state_change() {
    let mut net = Net::new();
    let mut agent = agent_config();
    agent.monitoring.supervisors = vec!["sip:sup@127.0.0.3".into()];
    agent.monitoring.trusted_proxies = vec!["127.0.0.3".into()];
    let (a, stranger, s) = (net.add(agent), net.add(config("eve")), net.add(config("sup")));
    net.nodes[s].asserted = Some("sip:sup@127.0.0.3".into());
    net.command(s, Command::Watch { agent: net.uri(a) });
    net.advance(ms(200));
    assert_eq!(
        watched_state(&net.nodes[s]),
        Some((Some("logged-out".into()), None)),
        "the state at once: {:?}",
        net.nodes[s].events
    );
    state(&mut net, a, "not-ready Lunch");
    net.advance(ms(200));
    assert_eq!(
        watched_state(&net.nodes[s]),
        Some((Some("not-ready".into()), Some("Lunch".into())))
    );
    let since = net.nodes[s].events.iter().rev().find_map(|e| match e {
        Event::Agent { since_ms, .. } => *since_ms,
        _ => None,
    });
    let told = net.nodes[a].events.iter().rev().find_map(|e| match e {
        Event::AgentState { since_ms, .. } => Some(*since_ms),
        _ => None,
    });
    assert_eq!(since, told, "the time in state counts from what the agent said");
    state(&mut net, a, "ready");
    net.advance(ms(200));
    assert_eq!(watched_state(&net.nodes[s]), Some((Some("ready".into()), None)));
    // Someone who is not its supervisor is refused the state as the calls.
    net.command(stranger, Command::Watch { agent: net.uri(a) });
    net.advance(ms(200));
    assert_eq!(watched_state(&net.nodes[stranger]).and_then(|(s, _)| s), None);
    assert!(
        net.nodes[a]
            .events
            .iter()
            .any(|e| matches!(e, Event::Security { message } if message.contains("presence"))),
        "the refusal is reported"
    );
}

#[test]
fn a_blind_transfer_carries_the_case_to_the_next_agent() {
    let mut net = Net::new();
    let (customer, first, second) =
        (net.add(config("customer")), net.add(agent_config()), net.add(agent_config()));
    state(&mut net, first, "ready");
    // The customer's script dials the queue with case data in the URI (RFC 3261 §19.1.5);
    // a header that is not case data does not reach the INVITE.
    let uri = format!(
        "{}?X-Account-Id=A-77%20%26%20Co&User-to-User=4f72646572203432%3Bencoding%3Dhex&Subject=spoofed",
        queue_uri(&net, first)
    );
    net.command(customer, Command::Call { uri });
    net.advance(ms(40));
    let offered = interaction(&net.nodes[first], 1)
        .unwrap_or_else(|| panic!("offered: {:?}", net.nodes[customer].errors()));
    assert_eq!(offered.case.get("Account-Id").map(String::as_str), Some("A-77 & Co"));
    assert_eq!(offered.case.get("User-to-User").map(String::as_str), Some("Order 42"));
    assert!(!offered.case.contains_key("Subject"), "{:?}", offered.case);
    let call = offered.call.unwrap();
    net.command(first, Command::Accept { id: 1 });
    net.advance(ms(40));
    net.command(first, Command::Transfer { id: call, uri: net.uri(second) });
    net.advance(ms(400));
    let moved = interaction(&net.nodes[second], 1).expect("the second agent's interaction");
    assert_eq!(moved.case.get("Account-Id").map(String::as_str), Some("A-77 & Co"), "{moved:?}");
    assert_eq!(moved.case.get("User-to-User").map(String::as_str), Some("Order 42"));
    net.command(second, Command::Accept { id: 1 });
    net.advance(ms(400));
    assert_eq!(interaction(&net.nodes[first], 1).unwrap().state, "transferred");
    assert_eq!(net.nodes[customer].state(2), Some(CallState::Active), "the customer follows");
}

/// The ring volume set while a call rings: the ring goes on at the new level, the devices
/// report says so, and the setting is kept for the configuration file.
#[test]
fn the_ring_volume_applies_to_a_ringing_call_and_is_kept() {
    let mut net = Net::new();
    let (customer, agent) = (net.add(config("customer")), net.add(config("agent")));
    net.command(customer, Command::Call { uri: net.uri(agent) });
    net.advance(ms(40));
    assert_eq!(net.nodes[agent].log().ring_sound, Some(ToneSpec::RINGTONE));
    net.command(agent, Command::SetRingVolume { percent: 40 });
    net.advance(ms(20));
    let quieter = ToneSpec { level: ToneSpec::RINGTONE.level / 5 * 2, ..ToneSpec::RINGTONE };
    assert_eq!(net.nodes[agent].log().ring_sound, Some(quieter));
    assert!(
        net.nodes[agent].events.iter().any(|e| matches!(e, Event::Devices { ring_volume: 40, .. })),
        "the devices report gives the new volume"
    );
    assert!(
        net.nodes[agent]
            .effects
            .iter()
            .any(|e| matches!(e, Effect::SaveAudio(a) if a.ring_volume == 40)),
        "kept in the configuration file"
    );
}
