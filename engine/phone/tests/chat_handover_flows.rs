//! Chats handed between agents in the phone core on a virtual clock (phones in memory,
//! tests/net): a consultation chat gives the colleague the transcript so far; a
//! conference relays each side's messages to the others (the customer never sees what
//! the agents say to each other in the consultation); a transfer offers the chat to the
//! colleague with its transcript, keeps it with the first agent if refused, and once
//! taken the first agent's part goes to wrap-up and the customer's messages reach the
//! colleague.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod net;

use std::time::Duration;

use earshot_phone::api::{Command, Event};
use net::Net;
use net::chat_events::{agent_config, chat_ended, interaction, queue_uri, ready, transcript};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A customer, agent Alice (whose address is the queue's) and agent Bob, both Ready;
/// the customer's chat taken by Alice (her interaction 1) and answered once.
fn chat_with_alice() -> (Net, usize, usize, usize) {
    let mut net = Net::new();
    let customer = net.add(net::config("customer"));
    let mut a = agent_config();
    a.display_name = Some("Alice Agent".into());
    let mut b = agent_config();
    b.user = "bob".into();
    b.display_name = Some("Bob Agent".into());
    let (alice, bob) = (net.add(a), net.add(b));
    ready(&mut net, alice);
    ready(&mut net, bob);
    let hello = "My order 42 never came 😞 — طلبي";
    net.command(customer, Command::Chat { uri: queue_uri(&net, alice), text: hello.into() });
    net.advance(ms(40));
    net.command(alice, Command::Accept { id: 1 });
    net.command(alice, Command::Say { id: 1, text: "Let me check with a colleague".into() });
    net.advance(ms(40));
    (net, customer, alice, bob)
}

/// Alice consults Bob about chat 1 (her interaction 2, his 1) and Bob accepts.
fn consult_bob(net: &mut Net, alice: usize, bob: usize) {
    net.command(alice, Command::ChatConsult { id: 1, target: net.uri(bob) });
    net.advance(ms(40));
    let offer = interaction(&net.nodes[bob], 1).expect("Bob is offered the consultation");
    assert_eq!((offer.channel.as_str(), offer.state.as_str()), ("chat", "offered"));
    let texts: Vec<String> = transcript(&net.nodes[bob], 1).into_iter().map(|r| r.2).collect();
    assert_eq!(
        texts,
        ["My order 42 never came 😞 — طلبي", "Let me check with a colleague"],
        "Bob sees the transcript so far"
    );
    let mine = interaction(&net.nodes[alice], 2).expect("Alice's consultation");
    assert_eq!(mine.link.clone(), Some(("consultation".to_owned(), 1)));
    net.command(bob, Command::Accept { id: 1 });
    net.advance(ms(40));
}

fn texts(net: &Net, n: usize, id: u64) -> Vec<String> {
    transcript(&net.nodes[n], id).into_iter().map(|r| r.2).collect()
}

#[test]
fn consultation_then_conference_each_party_sees_what_it_should() {
    let (mut net, customer, alice, bob) = chat_with_alice();
    consult_bob(&mut net, alice, bob);
    // Between the agents only.
    net.command(bob, Command::Say { id: 1, text: "A refund is fine (between us)".into() });
    net.advance(ms(40));
    assert!(texts(&net, alice, 2).contains(&"A refund is fine (between us)".to_owned()));

    net.command(alice, Command::ChatConference { id: 1, consult: 2 });
    net.advance(ms(40));
    assert!(interaction(&net.nodes[bob], 1).unwrap().chat.unwrap().conference, "Bob is told");
    assert!(interaction(&net.nodes[alice], 1).unwrap().chat.unwrap().conference);

    net.command(customer, Command::Say { id: 1, text: "Can I get a refund? 🙏".into() });
    net.advance(ms(40));
    net.command(bob, Command::Say { id: 1, text: "Yes — approved 👍".into() });
    net.advance(ms(40));
    net.command(alice, Command::Say { id: 1, text: "Done: refunded.".into() });
    net.advance(ms(40));

    // The customer: Alice's and Bob's messages to them, never the agents' aside.
    let seen = texts(&net, customer, 1);
    assert_eq!(
        seen,
        [
            "My order 42 never came 😞 — طلبي",
            "Let me check with a colleague",
            "Can I get a refund? 🙏",
            "Yes — approved 👍",
            "Done: refunded."
        ]
    );
    let bob_to_customer = net
        .trace
        .iter()
        .find(|(_, to, m)| *to == net.nodes[customer].addr && m.contains("Yes — approved"))
        .map(|(_, _, m)| m.clone())
        .unwrap();
    assert!(bob_to_customer.contains("X-Earshot-Sender: Bob Agent"), "{bob_to_customer}");
    // Bob: the customer's message (from the customer) and Alice's.
    let bob_sees = transcript(&net.nodes[bob], 1);
    let from_customer = bob_sees.iter().find(|r| r.2 == "Can I get a refund? 🙏").unwrap();
    assert_eq!(from_customer.1, net.uri(customer), "{bob_sees:?}");
    assert!(bob_sees.iter().any(|r| r.2 == "Done: refunded." && r.1 == net.uri(alice)));
    // Alice: everything in the customer's chat, Bob's marked as his.
    let alice_sees = transcript(&net.nodes[alice], 1);
    let bobs = alice_sees.iter().find(|r| r.2 == "Yes — approved 👍").unwrap();
    assert_eq!((bobs.1.as_str(), bobs.3.as_str()), (net.uri(bob).as_str(), "out"));
    assert!(!texts(&net, alice, 1).contains(&"A refund is fine (between us)".to_owned()));

    // Alice ends the chat: Bob's side ends too.
    net.command(alice, Command::ChatEnd { id: 1 });
    net.advance(ms(40));
    assert_eq!(chat_ended(&net.nodes[bob], 1).as_deref(), Some("ended"));
    assert_eq!(interaction(&net.nodes[bob], 1).unwrap().state, "wrap-up");
    assert_eq!(interaction(&net.nodes[alice], 2).unwrap().state, "wrap-up");
}

#[test]
fn consultation_then_transfer_the_colleague_takes_the_chat_with_its_transcript() {
    let (mut net, customer, alice, bob) = chat_with_alice();
    consult_bob(&mut net, alice, bob);

    // Bob declines the first offer: Alice keeps the chat and is told.
    net.command(alice, Command::ChatTransfer { id: 1, target: net.uri(bob) });
    net.advance(ms(40));
    let offer = interaction(&net.nodes[bob], 2).expect("the transfer offered to Bob");
    assert_eq!(offer.contact, net.uri(customer), "the chat is with the customer");
    assert!(interaction(&net.nodes[alice], 1).unwrap().chat.unwrap().transferring);
    net.command(bob, Command::Decline { id: 2 });
    net.advance(ms(40));
    assert!(net.nodes[alice].errors().iter().any(|e| e.contains("did not take the chat")));
    assert_eq!(interaction(&net.nodes[alice], 1).unwrap().state, "active");
    assert!(!interaction(&net.nodes[alice], 1).unwrap().chat.unwrap().transferring);

    // The second time he takes it.
    net.command(alice, Command::ChatTransfer { id: 1, target: net.uri(bob) });
    net.advance(ms(40));
    assert_eq!(
        texts(&net, bob, 3),
        ["My order 42 never came 😞 — طلبي", "Let me check with a colleague"],
        "the transcript comes with it"
    );
    net.command(bob, Command::Accept { id: 3 });
    net.advance(ms(40));
    assert_eq!(interaction(&net.nodes[alice], 1).unwrap().state, "wrap-up");
    assert_eq!(chat_ended(&net.nodes[alice], 1).as_deref(), Some("transferred"));
    assert_eq!(chat_ended(&net.nodes[alice], 2).as_deref(), Some("transferred"));
    assert_eq!(chat_ended(&net.nodes[bob], 1).as_deref(), Some("transferred"));
    let taken = interaction(&net.nodes[bob], 3).unwrap();
    assert_eq!(taken.state, "active");
    assert_eq!(taken.link.as_ref().map(|l| l.0.as_str()), Some("transfer"));

    // Bob writes as the queue; the customer's reply reaches Bob's chat.
    net.command(bob, Command::Say { id: 3, text: "Bob here, I have your order 👋".into() });
    net.advance(ms(40));
    let seen = transcript(&net.nodes[customer], 1);
    let last = seen.last().unwrap();
    assert_eq!(
        (last.1.as_str(), last.2.as_str()),
        (queue_uri(&net, alice).as_str(), "Bob here, I have your order 👋")
    );
    assert!(interaction(&net.nodes[customer], 2).is_none(), "the same chat for the customer");
    net.command(customer, Command::Say { id: 1, text: "thanks Bob".into() });
    net.advance(ms(40));
    let bob_sees = transcript(&net.nodes[bob], 3);
    let thanks = bob_sees.iter().find(|r| r.2 == "thanks Bob").expect("reached Bob");
    assert_eq!(thanks.1, net.uri(customer));
    assert!(
        !net.nodes[alice].events.iter().any(|e| matches!(e, Event::Interaction(i) if i.id == 4)),
        "no new chat at Alice"
    );
}
