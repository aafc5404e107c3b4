//! Chats in the phone core on a virtual clock (phones in memory, tests/net): a customer's
//! MESSAGE to a queue is offered to a Ready agent with its first message as the preview,
//! held unanswered until the agent accepts (the customer's message then shows "sent");
//! text arrives byte for byte both ways; declined, missed and over-capacity chats are
//! refused with the status the site acts on; the customer leaving or going silent moves
//! the chat to wrap-up with the reason; unreadable, unknown and flooding MESSAGEs are
//! refused while the chat goes on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod net;

use std::net::SocketAddr;
use std::time::Duration;

use earshot_phone::api::{Command, Event};
use earshot_sip::target::Target;
use net::chat_events::{agent_config, chat_ended, interaction, queue_uri, ready, transcript};
use net::{Net, Node, config};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_routed_chat_is_offered_held_until_accepted_and_text_arrives_byte_for_byte() {
    let mut net = Net::new();
    let (customer, agent) = (net.add(config("customer")), net.add(agent_config()));
    ready(&mut net, agent);
    let hello = "Hello 👋 — مرحبا، أحتاج مساعدة <b>now</b> \u{1b}[31m  two  spaces";
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: hello.into() });
    net.advance(ms(40));

    let offered = interaction(&net.nodes[agent], 1).expect("offered");
    assert_eq!(
        (offered.channel.as_str(), offered.state.as_str(), offered.queue.as_deref()),
        ("chat", "offered", Some("support"))
    );
    let chat = offered.chat.expect("a chat summary");
    assert_eq!(chat.first.as_deref(), Some(hello), "the preview is the first message");
    assert_eq!(chat.unread, 1);
    let customer_uri = net.uri(customer);
    assert_eq!(
        transcript(&net.nodes[agent], 1),
        [("in-1".into(), customer_uri.clone(), hello.into(), "in".into(), "delivered".into())]
    );
    // The customer's MESSAGE is held while the agent decides.
    assert_eq!(transcript(&net.nodes[customer], 1)[0].4, "sending");
    net.command(agent, Command::Accept { id: 1 });
    net.advance(ms(40));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "active");
    assert_eq!(transcript(&net.nodes[customer], 1)[0].4, "sent", "the agent took it");

    // The agent answers as the queue: the reply lands in the customer's chat.
    let reply = "Bonjour ! 🙂 Let me look — لحظة من فضلك\n  second line";
    net.command(agent, Command::Say { id: 1, text: reply.into() });
    net.advance(ms(40));
    let seen = transcript(&net.nodes[customer], 1);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].2, reply, "byte for byte");
    assert_eq!(seen[1].1, queue_uri(&net, agent), "from the queue's address");
    assert_eq!(transcript(&net.nodes[agent], 1)[1].4, "sent", "no IMDN: a 2xx is all we know");
    assert!(
        !net.trace.iter().any(|(_, _, m)| m.contains("im-iscomposing")),
        "no is-composing to peers that never sent one"
    );
    // A second customer message goes into the same chat, answered at once.
    net.command(customer, Command::Say { id: 1, text: "thanks".into() });
    net.advance(ms(40));
    let got = transcript(&net.nodes[agent], 1);
    assert_eq!(got.len(), 3);
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().chat.unwrap().unread, 2);
    assert!(interaction(&net.nodes[agent], 2).is_none(), "no second interaction");
    net.command(agent, Command::ChatRead { id: 1 });
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().chat.unwrap().unread, 0);

    // The agent ends it: wrap-up; nothing more is written into it.
    net.command(agent, Command::ChatEnd { id: 1 });
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "wrap-up");
    assert_eq!(chat_ended(&net.nodes[agent], 1).as_deref(), Some("agent"));
    net.command(agent, Command::Say { id: 1, text: "late".into() });
    assert!(net.nodes[agent].errors().iter().any(|e| e.contains("has ended")));
}

#[test]
fn declined_missed_and_over_capacity_chats_are_refused_for_the_site_to_move_on() {
    let mut net = Net::new();
    let mut c = agent_config();
    c.desk.capacity.chat = 1;
    let agent = net.add(c);
    let customers: Vec<usize> = (0..3).map(|n| net.add(config(&format!("c{n}")))).collect();

    // Not Ready: refused at once.
    net.command(customers[0], Command::Chat { uri: queue_uri(&net, agent), text: "hi".into() });
    net.advance(ms(40));
    let t = transcript(&net.nodes[customers[0]], 1);
    assert_eq!(t[0].4, "failed", "{t:?}");
    ready(&mut net, agent);

    // Declined: 480.
    net.command(customers[0], Command::Say { id: 1, text: "again".into() });
    net.command(customers[0], Command::Chat { uri: queue_uri(&net, agent), text: "x".into() });
    net.advance(ms(40));
    let offered = net.nodes[agent]
        .events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Interaction(i) if i.state == "offered" => Some(i.id),
            _ => None,
        })
        .expect("an offer");
    net.command(agent, Command::Decline { id: offered });
    net.advance(ms(40));
    let failed = net.nodes[customers[0]].events.iter().rev().find_map(|e| match e {
        Event::Message { delivery, why, .. } if delivery == "failed" => why.clone(),
        _ => None,
    });
    assert!(failed.unwrap_or_default().starts_with("480"), "declined: 480 for the next agent");

    // One chat at a time: the second customer's is refused 486 while the first is open.
    net.command(customers[1], Command::Chat { uri: queue_uri(&net, agent), text: "one".into() });
    net.advance(ms(40));
    let first = interaction_of(&net.nodes[agent], &net.uri(customers[1])).expect("offered");
    net.command(agent, Command::Accept { id: first });
    net.command(customers[2], Command::Chat { uri: queue_uri(&net, agent), text: "two".into() });
    net.advance(ms(40));
    assert!(interaction_of(&net.nodes[agent], &net.uri(customers[2])).is_none());
    let why = net.nodes[customers[2]].events.iter().rev().find_map(|e| match e {
        Event::Message { why, .. } => why.clone(),
        _ => None,
    });
    assert!(why.unwrap_or_default().starts_with("486"), "no capacity: 486");

    // Missed: the desk's offer time-out (15 s) answers 480, and the agent is Not Ready.
    net.command(agent, Command::ChatEnd { id: first });
    net.command(agent, Command::Done { id: first });
    net.command(customers[2], Command::Say { id: 1, text: "anyone?".into() });
    net.advance(ms(40));
    let missed = interaction_of(&net.nodes[agent], &net.uri(customers[2])).expect("offered");
    net.advance(Duration::from_secs(16));
    assert_eq!(interaction(&net.nodes[agent], missed).unwrap().state, "missed");
    let t = transcript(&net.nodes[customers[2]], 1);
    let asked = t.iter().find(|m| m.2 == "anyone?").unwrap();
    assert_eq!(asked.4, "failed", "{t:?}");
}

/// The interaction of `node` with `contact`, if any.
fn interaction_of(node: &Node, contact: &str) -> Option<u64> {
    node.events.iter().rev().find_map(|e| match e {
        Event::Interaction(i) if i.contact == contact => Some(i.id),
        _ => None,
    })
}

#[test]
fn the_customer_leaving_or_going_silent_moves_the_chat_to_wrap_up_with_the_reason() {
    let mut net = Net::new();
    let (agent, customer) = (net.add(agent_config()), net.add(config("customer")));
    ready(&mut net, agent);
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: "hi".into() });
    net.advance(ms(40));
    net.command(agent, Command::Accept { id: 1 });
    // Silent for the inactivity timeout (120 s here): to wrap-up, "inactive".
    net.advance(Duration::from_secs(119));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "active");
    net.advance(Duration::from_secs(2));
    assert_eq!(interaction(&net.nodes[agent], 1).unwrap().state, "wrap-up");
    assert_eq!(chat_ended(&net.nodes[agent], 1).as_deref(), Some("inactive"));
    net.command(agent, Command::Done { id: 1 });

    // A web page's last MESSAGE when the customer closes it: "customer-left".
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: "back".into() });
    net.advance(ms(40));
    let second = interaction_of(&net.nodes[agent], &net.uri(customer)).unwrap();
    assert_ne!(second, 1, "a new chat after the last one ended");
    net.command(agent, Command::Accept { id: second });
    let left = raw_message(
        &net,
        customer,
        agent,
        "text/plain",
        b"(closed the page)",
        "X-Earshot-Chat-Event: left\r\n",
    );
    inject(&mut net, agent, customer, &left);
    assert_eq!(interaction(&net.nodes[agent], second).unwrap().state, "wrap-up");
    assert_eq!(chat_ended(&net.nodes[agent], second).as_deref(), Some("customer-left"));
}

/// A MESSAGE to phone `to`'s support queue as phone `from` would send it, written by hand.
fn raw_message(
    net: &Net,
    from: usize,
    to: usize,
    content_type: &str,
    body: &[u8],
    extra: &str,
) -> Vec<u8> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (a, b) = (net.nodes[from].addr, net.nodes[to].addr);
    let head = format!(
        "MESSAGE sip:support@{b} SIP/2.0\r\nVia: SIP/2.0/UDP {a};branch=z9hG4bKraw{n}\r\n\
         Max-Forwards: 70\r\nFrom: <{}>;tag=raw{n}\r\nTo: <sip:support@{b}>\r\n\
         Call-ID: raw-{n}@test\r\nCSeq: 1 MESSAGE\r\n{extra}Content-Type: {content_type}\r\n\
         Content-Length: {}\r\n\r\n",
        net.uri(from),
        body.len()
    );
    [head.as_bytes(), body].concat()
}

/// Hands `bytes` to phone `to` as if from phone `from`'s address; lets it settle.
fn inject(net: &mut Net, to: usize, from: usize, bytes: &[u8]) {
    let source: SocketAddr = net.nodes[from].addr;
    let now = net.now;
    net.nodes[to].phone.agent().handle_bytes(bytes, Target::udp(source), now);
    net.pump();
}

/// The status lines phone `n` sent.
fn statuses(net: &Net, n: usize) -> Vec<String> {
    net.trace
        .iter()
        .filter(|(from, _, m)| *from == net.nodes[n].addr && m.starts_with("SIP/2.0"))
        .filter_map(|(_, _, m)| m.lines().next().map(str::to_owned))
        .collect()
}

#[test]
fn unreadable_unknown_and_flooding_messages_are_refused_and_the_chat_goes_on() {
    let mut net = Net::new();
    let mut c = agent_config();
    c.chat.flood_limit = 5;
    let (agent, customer) = (net.add(c), net.add(config("customer")));
    ready(&mut net, agent);
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: "hi".into() });
    net.advance(ms(40));
    net.command(agent, Command::Accept { id: 1 });

    let unknown = raw_message(&net, customer, agent, "application/x-unknown", b"\x00\x01", "");
    inject(&mut net, agent, customer, &unknown);
    assert!(statuses(&net, agent).last().unwrap().starts_with("SIP/2.0 415"));
    assert!(net.trace.last().unwrap().2.contains("Accept: text/plain"), "415 says what is read");
    let bad = raw_message(&net, customer, agent, "text/plain", b"caf\xe9 \xff", "");
    inject(&mut net, agent, customer, &bad);
    assert!(statuses(&net, agent).last().unwrap().starts_with("SIP/2.0 400"));
    assert!(net.nodes[agent].errors().iter().any(|e| e.contains("could not be read")));

    // A flood: five in ten seconds are heard (two already), the rest refused 503 with
    // Retry-After, and the agent told once.
    for k in 0..10 {
        let m = raw_message(&net, customer, agent, "text/plain", format!("m{k}").as_bytes(), "");
        inject(&mut net, agent, customer, &m);
    }
    let refused = statuses(&net, agent).iter().filter(|s| s.starts_with("SIP/2.0 503")).count();
    // Heard in this window: "hi", the 415, the 400, m0 and m1.
    assert_eq!(refused, 10 - 2, "the 5th MESSAGE of the window is the last heard");
    let told = net.nodes[agent].errors().iter().filter(|e| e.contains("too many")).count();
    assert_eq!(told, 1);
    // The chat goes on once the window has passed.
    net.advance(Duration::from_secs(11));
    net.command(customer, Command::Say { id: 1, text: "still there?".into() });
    net.advance(ms(40));
    let t = transcript(&net.nodes[agent], 1);
    assert_eq!(t.last().unwrap().2, "still there?");
    net.command(agent, Command::Say { id: 1, text: "yes".into() });
    net.advance(ms(40));
    assert_eq!(transcript(&net.nodes[customer], 1).last().unwrap().2, "yes");
}

/// A 100 kB body (over a stream: it could not come over UDP) is refused 413 and the agent
/// told; HTML and terminal escapes arrive as the text they are; the chat goes on.
#[test]
fn a_100_kb_body_is_refused_and_markup_and_escapes_stay_text() {
    let mut net = Net::new();
    let (agent, customer) = (net.add(agent_config()), net.add(config("customer")));
    ready(&mut net, agent);
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: "hi".into() });
    net.advance(ms(40));
    net.command(agent, Command::Accept { id: 1 });
    net.advance(ms(40));
    let huge = vec![b'x'; 100 * 1024];
    let m = raw_message(&net, customer, agent, "text/plain;charset=UTF-8", &huge, "");
    let source = net.nodes[customer].addr;
    let now = net.now;
    net.nodes[agent].phone.agent().handle_bytes(&m, Target::tcp(source), now);
    net.pump();
    assert!(
        statuses(&net, agent).iter().any(|s| s.starts_with("SIP/2.0 413")),
        "{:?}",
        statuses(&net, agent)
    );
    assert!(net.nodes[agent].errors().iter().any(|e| e.contains("102400 bytes")));
    let hostile = "<script>alert(1)</script> \u{1b}]0;owned\u{7} <b>bold</b>";
    net.command(customer, Command::Say { id: 1, text: hostile.into() });
    net.advance(ms(40));
    let t = transcript(&net.nodes[agent], 1);
    assert_eq!(t.len(), 2, "the big one is not in it: {t:?}");
    assert_eq!(t[1].2, hostile, "byte for byte, as text");
}

/// RFC 3428 §8: a body over 1 300 bytes never goes over UDP; where the next hop is
/// reached over UDP it goes over TCP to the same address, and arrives whole.
#[test]
fn a_message_too_big_for_udp_goes_over_tcp_and_arrives_whole() {
    let mut net = Net::new();
    let (agent, customer) = (net.add(agent_config()), net.add(config("customer")));
    ready(&mut net, agent);
    let big = "é".repeat(700) + " 👋 مرحبا"; // over 1 400 bytes
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: big.clone() });
    net.advance(ms(40));
    let offer = interaction(&net.nodes[agent], 1).expect("offered");
    assert_eq!(offer.chat.unwrap().first.as_deref(), Some(big.as_str()));
    let request = net
        .trace
        .iter()
        .find(|(from, _, m)| *from == net.nodes[customer].addr && m.starts_with("MESSAGE "))
        .map(|(_, _, m)| m.clone())
        .unwrap();
    assert!(request.contains("Via: SIP/2.0/TCP"), "over TCP: {request}");
    let small = net
        .trace
        .iter()
        .filter(|(from, _, m)| *from == net.nodes[customer].addr && m.starts_with("MESSAGE "))
        .count();
    assert_eq!(small, 1);
    net.command(agent, Command::Accept { id: 1 });
    net.command(agent, Command::Say { id: 1, text: "short".into() });
    net.advance(ms(40));
    let reply = net
        .trace
        .iter()
        .rev()
        .find(|(from, _, m)| *from == net.nodes[agent].addr && m.starts_with("MESSAGE "))
        .map(|(_, _, m)| m.clone())
        .unwrap();
    assert!(reply.contains("Via: SIP/2.0/UDP"), "a short one stays on UDP: {reply}");
    assert_eq!(transcript(&net.nodes[customer], 1)[0].4, "sent");
}

/// The MESSAGEs phone `n` sent to phone `to` with `content_type`, their bodies.
fn sent_bodies(net: &Net, n: usize, to: usize, content_type: &str) -> Vec<String> {
    net.trace
        .iter()
        .filter(|(from, at, m)| {
            *from == net.nodes[n].addr
                && *at == net.nodes[to].addr
                && m.starts_with("MESSAGE ")
                && m.contains(&format!("Content-Type: {content_type}"))
        })
        .map(|(_, _, m)| {
            m.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default().to_owned()
        })
        .collect()
}

#[test]
fn typing_goes_both_ways_with_a_peer_that_announces_it() {
    use earshot_sip::im::iscomposing::IsComposing;
    let mut net = Net::new();
    let (agent, customer) = (net.add(agent_config()), net.add(config("customer")));
    ready(&mut net, agent);
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: "hi".into() });
    net.advance(ms(40));
    net.command(agent, Command::Accept { id: 1 });
    // Not announced yet: the agent's typing goes nowhere.
    net.command(agent, Command::Typing { id: 1 });
    assert!(sent_bodies(&net, agent, customer, "application/im-iscomposing+xml").is_empty());
    // The customer's page says it is typing (RFC 3994): shown to the agent...
    let active = IsComposing::active().to_xml();
    let m =
        raw_message(&net, customer, agent, "application/im-iscomposing+xml", active.as_bytes(), "");
    inject(&mut net, agent, customer, &m);
    let typing = net.nodes[agent].events.iter().rev().find_map(|e| match e {
        Event::Typing { interaction: 1, active, .. } => Some(*active),
        _ => None,
    });
    assert_eq!(typing, Some(true));
    assert!(interaction(&net.nodes[agent], 1).is_some_and(|i| i.chat.is_some()));
    // ...and the agent's typing is sent back: active at the first key, idle 15 s after
    // the last.
    net.command(agent, Command::Typing { id: 1 });
    net.command(agent, Command::Typing { id: 1 });
    let sent = sent_bodies(&net, agent, customer, "application/im-iscomposing+xml");
    assert_eq!(sent.len(), 1, "one active for many keys: {sent:?}");
    assert!(sent[0].contains("<state>active</state>"), "{}", sent[0]);
    net.advance(Duration::from_secs(16));
    let sent = sent_bodies(&net, agent, customer, "application/im-iscomposing+xml");
    assert!(sent.last().unwrap().contains("<state>idle</state>"), "{sent:?}");
    // The customer's typing runs out after its refresh (120 s) without a word.
    net.advance(Duration::from_secs(110));
    let typing = net.nodes[agent].events.iter().rev().find_map(|e| match e {
        Event::Typing { interaction: 1, active, .. } => Some(*active),
        _ => None,
    });
    assert_eq!(typing, Some(false));
}

#[test]
fn delivery_and_read_notices_with_a_peer_that_uses_imdn() {
    use earshot_sip::im::cpim::{Cpim, IMDN_NS};
    let mut net = Net::new();
    let (agent, customer) = (net.add(agent_config()), net.add(config("customer")));
    ready(&mut net, agent);
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: "hi".into() });
    net.advance(ms(40));
    net.command(agent, Command::Accept { id: 1 });
    // A page that uses IMDN (RFC 5438) wraps its text in CPIM and asks for notices.
    let cpim = Cpim::new(
        &format!("<{}>", net.uri(customer)),
        &format!("<{}>", queue_uri(&net, agent)),
        "2027-01-15T08:00:00Z",
        "text/plain; charset=UTF-8",
        "Où est mon colis ? 📦".as_bytes().to_vec(),
    )
    .with_ns_header(IMDN_NS, "imdn", "Message-ID", "page-1")
    .with_ns_header(IMDN_NS, "imdn", "Disposition-Notification", "positive-delivery, display");
    let m = raw_message(&net, customer, agent, "message/cpim", &cpim.to_bytes(), "");
    inject(&mut net, agent, customer, &m);
    let t = transcript(&net.nodes[agent], 1);
    assert_eq!(t.last().unwrap().2, "Où est mon colis ? 📦");
    let notices = sent_bodies(&net, agent, customer, "message/cpim");
    assert_eq!(notices.len(), 1, "delivered at once");
    assert!(notices[0].contains("<delivered/>") && notices[0].contains("page-1"), "{notices:?}");
    net.command(agent, Command::ChatRead { id: 1 });
    let notices = sent_bodies(&net, agent, customer, "message/cpim");
    assert_eq!(notices.len(), 2);
    assert!(notices[1].contains("<displayed/>"), "{}", notices[1]);
    // The agent's messages to it are CPIM asking for notices; the window says it has them.
    net.command(agent, Command::Say { id: 1, text: "Il arrive demain.".into() });
    let ours = sent_bodies(&net, agent, customer, "message/cpim");
    assert!(ours.last().unwrap().contains("Disposition-Notification"), "{ours:?}");
    assert!(ours.last().unwrap().contains("Il arrive demain."));
    assert!(interaction(&net.nodes[agent], 1).unwrap().chat.unwrap().receipts);
}

#[test]
fn an_offered_chat_chimes_and_a_message_in_a_chat_not_looked_at_plays_one_note() {
    use earshot_media::tone::ToneSpec;
    let mut net = Net::new();
    let (agent, customer) = (net.add(agent_config()), net.add(config("customer")));
    ready(&mut net, agent);
    net.command(customer, Command::Chat { uri: queue_uri(&net, agent), text: "hi".into() });
    net.advance(ms(40));
    let sound = |net: &Net| net.nodes[agent].log().ring_sound.map(|s| (s.freqs, s.on_ms));
    let chime = ToneSpec::CHAT_ALERT;
    assert_eq!(sound(&net), Some((chime.freqs, chime.on_ms)), "an offered chat chimes");
    net.command(agent, Command::Accept { id: 1 });
    net.advance(ms(40));
    assert_eq!(sound(&net), None, "taken: quiet");
    // Not looked at yet: a new message plays one note, then it is quiet again.
    net.command(customer, Command::Say { id: 1, text: "are you there?".into() });
    let note = ToneSpec::NEW_MESSAGE;
    assert_eq!(sound(&net), Some((note.freqs, note.on_ms)));
    net.advance(ms(300));
    assert_eq!(sound(&net), None);
    // Looked at (the window shows it): its messages play nothing.
    net.command(agent, Command::ChatRead { id: 1 });
    net.command(customer, Command::Say { id: 1, text: "ok".into() });
    assert_eq!(sound(&net), None);
}
