//! A conversation on a virtual clock against the three kinds of peer a desk meets: a
//! plain one (text only, as baresip), one that shows typing (is-composing), and one that
//! uses IMDN (delivery and read notices in CPIM, as JsSIP pages may). What goes out is
//! checked byte for byte; what comes in, as the agent would see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use earshot_chat::conversation::{MAX_TEXT_BYTES, UDP_MAX_BODY, rfc3339};
use earshot_chat::{ChatError, Conversation, Delivery, Incoming, MessageDirection};
use earshot_sip::im::cpim::{Cpim, IMDN_NS};
use earshot_sip::im::imdn::{Kind, Notification};
use earshot_sip::im::iscomposing::IsComposing;

const ME: &str = "sip:1001@site.example";
const PEER: &str = "sip:customer@web.example";
const T0_MS: u64 = 1_800_000_000_000;

#[allow(clippy::disallowed_methods)]
fn start() -> Instant {
    Instant::now()
}

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_plain_peer_gets_text_only_and_never_an_is_composing() {
    let t0 = start();
    let mut c = Conversation::new(ME, PEER);
    let words = "Bonjour 👋 — مرحبا بك\nsecond line";
    let (incoming, owed) =
        c.receive("text/plain; charset=UTF-8", words.as_bytes(), t0, T0_MS).unwrap();
    assert!(owed.is_empty());
    let Incoming::Message(m) = incoming else { panic!("{incoming:?}") };
    assert_eq!(
        (m.text.as_str(), m.from.as_str(), m.direction),
        (words, PEER, MessageDirection::In)
    );
    assert!(c.typed(t0 + s(1), T0_MS + 1000).is_none(), "no is-composing to a plain peer");
    assert_eq!(c.poll_timeout(), None);

    let (sent, out) = c.send(words, T0_MS + 2000).unwrap();
    assert_eq!(out.content_type, "text/plain;charset=UTF-8");
    assert_eq!(out.body, words.as_bytes(), "byte for byte");
    assert_eq!(sent.delivery, Delivery::Sending);
    assert_eq!(c.answered(&sent.id, 200, "OK"), Some(Delivery::Sent));
    let (lost, _) = c.send("are you there?", T0_MS + 3000).unwrap();
    assert_eq!(
        c.answered(&lost.id, 408, "Request Timeout"),
        Some(Delivery::Failed("408 Request Timeout".into()))
    );
    assert_eq!(c.answered("no-such-message", 200, "OK"), None);
    assert_eq!(c.messages().len(), 3);
}

#[test]
fn typing_is_shown_and_sent_with_a_peer_that_announces_it() {
    let t0 = start();
    let mut c = Conversation::new(ME, PEER);
    let active = IsComposing { refresh_s: Some(60), ..IsComposing::active() };
    let (i, _) =
        c.receive("application/im-iscomposing+xml", active.to_xml().as_bytes(), t0, T0_MS).unwrap();
    assert_eq!(i, Incoming::Typing(true));
    assert!(c.peer_typing());
    assert_eq!(c.poll_timeout(), Some(t0 + s(60)));
    // No refresh within 60 s: no longer typing.
    assert_eq!(c.timeout(t0 + s(60)), (None, Some(Incoming::Typing(false))));
    // Typing again, then the message itself ends it.
    c.receive("application/im-iscomposing+xml", active.to_xml().as_bytes(), t0 + s(61), T0_MS)
        .unwrap();
    c.receive("text/plain", b"hello", t0 + s(62), T0_MS + 62_000).unwrap();
    assert!(!c.peer_typing());

    // Our typing: one `active`, not again for a while, `idle` 15 s after the last key.
    let first = c.typed(t0 + s(70), T0_MS + 70_000).expect("active");
    assert_eq!(first.content_type, "application/im-iscomposing+xml");
    assert!(IsComposing::parse(&first.body).unwrap().active);
    assert!(c.typed(t0 + s(75), T0_MS + 75_000).is_none());
    assert_eq!(c.poll_timeout(), Some(t0 + s(90)));
    let (idle, _) = c.timeout(t0 + s(90));
    let idle = IsComposing::parse(&idle.expect("idle").body).unwrap();
    assert!(!idle.active);
    assert_eq!(idle.last_active, Some(rfc3339(T0_MS + 75_000)));
    // A long stretch of typing refreshes `active` before the peer's 60 s run out.
    assert!(c.typed(t0 + s(100), T0_MS).is_some());
    assert!(c.typed(t0 + s(150), T0_MS).is_none());
    assert!(c.typed(t0 + s(156), T0_MS).is_some());
    // Sending ends our typing without an `idle`.
    c.send("done typing", T0_MS + 160_000).unwrap();
    assert_eq!(c.timeout(t0 + s(200)), (None, None));
}

#[test]
fn delivery_and_read_notices_with_a_peer_that_uses_imdn() {
    let t0 = start();
    let mut c = Conversation::new(ME, PEER);
    let theirs = Cpim::new(
        "Customer <sip:customer@web.example>",
        &format!("<{ME}>"),
        "2027-01-15T08:00:00Z",
        "text/plain; charset=UTF-8",
        "J'ai une question".as_bytes().to_vec(),
    )
    .with_ns_header(IMDN_NS, "imdn", "Message-ID", "c-1")
    .with_ns_header(IMDN_NS, "imdn", "Disposition-Notification", "positive-delivery, display");
    let (i, owed) = c.receive("message/cpim", &theirs.to_bytes(), t0, T0_MS).unwrap();
    let Incoming::Message(m) = i else { panic!() };
    assert_eq!(
        (m.id.as_str(), m.from.as_str(), m.text.as_str()),
        ("c-1", PEER, "J'ai une question")
    );
    assert!(c.peer_notifies());
    // Delivered at once; displayed once the agent has seen it.
    assert_eq!(owed.len(), 1);
    let notice = |out: &earshot_chat::Outgoing| {
        assert_eq!(out.content_type, "message/cpim");
        let wrapped = Cpim::parse(&out.body).unwrap();
        assert_eq!(wrapped.content_header("Content-Disposition"), Some("notification"));
        Notification::parse(&wrapped.content).unwrap()
    };
    let delivered = notice(&owed[0]);
    assert_eq!(
        (delivered.message_id.as_str(), delivered.kind, delivered.status.as_str()),
        ("c-1", Kind::Delivery, "delivered")
    );
    assert_eq!(delivered.date_time, "2027-01-15T08:00:00Z", "the message's own DateTime");
    let shown = c.displayed(T0_MS + 5000);
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (notice(&shown[0]).kind, notice(&shown[0]).status.as_str()),
        (Kind::Display, "displayed")
    );
    assert!(c.displayed(T0_MS + 6000).is_empty(), "once");

    // Ours asks for both; the notices move it on, never back.
    let (sent, out) = c.send("Bien sûr !", T0_MS + 7000).unwrap();
    let wrapped = Cpim::parse(&out.body).unwrap();
    assert_eq!(wrapped.ns_header(IMDN_NS, "Message-ID"), Some(sent.id.as_str()));
    assert_eq!(wrapped.content, "Bien sûr !".as_bytes());
    assert_eq!(c.answered(&sent.id, 202, "Accepted"), Some(Delivery::Sent));
    let answer = |kind, status: &str| {
        let n = Notification {
            message_id: sent.id.clone(),
            date_time: rfc3339(T0_MS),
            recipient: None,
            kind,
            status: status.into(),
        };
        Cpim::new(
            "<sip:customer@web.example>",
            &format!("<{ME}>"),
            &rfc3339(T0_MS),
            "message/imdn+xml",
            n.to_xml().into_bytes(),
        )
        .to_bytes()
    };
    let (i, _) = c.receive("message/cpim", &answer(Kind::Display, "displayed"), t0, T0_MS).unwrap();
    assert_eq!(i, Incoming::Notice { id: sent.id.clone(), delivery: Delivery::Read });
    let (i, _) =
        c.receive("message/cpim", &answer(Kind::Delivery, "delivered"), t0, T0_MS).unwrap();
    assert_eq!(i, Incoming::Notice { id: sent.id.clone(), delivery: Delivery::Read }, "not back");
    assert_eq!(c.messages().last().unwrap().delivery, Delivery::Read);
}

#[test]
fn what_a_chat_cannot_carry_is_refused_with_why() {
    let t0 = start();
    let mut c = Conversation::new(ME, PEER);
    assert_eq!(
        c.receive("application/sdp", b"v=0", t0, T0_MS),
        Err(ChatError::Unsupported("application/sdp".into()))
    );
    assert_eq!(c.receive("text/plain", b"\xff\xfe", t0, T0_MS), Err(ChatError::NotUtf8));
    assert!(matches!(c.receive("message/cpim", b"garbage", t0, T0_MS), Err(ChatError::Cpim(_))));
    assert!(matches!(
        c.receive("application/im-iscomposing+xml", b"<x/>", t0, T0_MS),
        Err(ChatError::IsComposing(_))
    ));
    assert_eq!(c.send("   \n", T0_MS).map(|_| ()), Err(ChatError::Empty));
    let huge = "x".repeat(MAX_TEXT_BYTES + 1);
    assert_eq!(
        c.send(&huge, T0_MS).map(|_| ()),
        Err(ChatError::TooLong { bytes: MAX_TEXT_BYTES + 1, max: MAX_TEXT_BYTES })
    );
    let (_, small) = c.send("short", T0_MS).unwrap();
    assert!(!small.needs_stream());
    let (_, long) = c.send(&"é".repeat(UDP_MAX_BODY), T0_MS).unwrap();
    assert!(long.needs_stream(), "over 1300 bytes: TCP, never UDP (RFC 3428 §8)");
    assert!(c.messages().iter().all(|m| m.direction == MessageDirection::Out));
}

#[test]
fn times_are_written_as_rfc_3339() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339(T0_MS), "2027-01-15T08:00:00.000Z");
    assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
}

#[test]
fn a_message_after_an_imported_transcript_gets_a_number_of_its_own() {
    let mut c = Conversation::new(ME, PEER);
    c.import(vec![earshot_chat::ChatMessage {
        id: "in-1".into(),
        from: PEER.into(),
        text: "before the restart".into(),
        sent_ms: T0_MS,
        direction: MessageDirection::In,
        delivery: Delivery::Delivered,
    }]);
    let (got, _) = c.receive("text/plain", b"after", start(), T0_MS + 1).unwrap();
    let Incoming::Message(m) = got else { panic!("{got:?}") };
    assert_eq!(m.id, "in-2");
    assert_eq!(c.messages().len(), 2);
}
