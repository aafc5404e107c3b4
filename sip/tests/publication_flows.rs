//! Event state publication (RFC 3903) on a virtual clock against a compositor written by
//! hand: the initial PUBLISH carries the state and no SIP-If-Match; the entity-tag the 2xx
//! gives is used for the refresh (no body, before the state expires) and for a change (the
//! new body); a change made while a PUBLISH is in flight waits for its answer; 412 starts
//! over with an initial PUBLISH; 423 takes the Min-Expires; removal sends Expires: 0; a
//! refusal is reported and the state sent again a minute later.
// disallowed_methods: the virtual clock starts at the real one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::time::{Duration, Instant};

use earshot_sip::message::{
    HeaderName, Message, Method, NameAddr, Request, Response, Uri, parse_datagram,
};
use earshot_sip::target::Target;
use earshot_sip::ua::{UaConfig, UaEvent, UserAgent};

const PHONE: &str = "127.0.0.1:5070";
const SERVER: &str = "127.0.0.1:5080";
const PIDF: &str = "application/pidf+xml";

fn agent() -> UserAgent {
    let aor = match Uri::parse("sip:1001@127.0.0.1").unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    };
    let mut cfg = UaConfig::new(aor, PHONE.parse().unwrap());
    cfg.outbound_proxy = Some(match Uri::parse(&format!("sip:{SERVER}")).unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    });
    UserAgent::new(cfg, 7)
}

fn server() -> Target {
    Target::udp(SERVER.parse().unwrap())
}

/// The PUBLISH requests the agent sent since last asked.
fn publishes(ua: &mut UserAgent) -> Vec<Request> {
    std::iter::from_fn(|| ua.poll_transmit())
        .filter_map(|t| match parse_datagram(&t.bytes) {
            Ok(Message::Request(r)) if r.method == Method::Publish => {
                assert_eq!(t.target, server(), "through the outbound proxy");
                Some(r)
            }
            _ => None,
        })
        .collect()
}

fn answer(
    ua: &mut UserAgent,
    to: &Request,
    status: u16,
    headers: &[(HeaderName, &str)],
    at: Instant,
) {
    let mut r = Response::to_request(to, status, Some("srv"));
    for (h, v) in headers {
        r.headers.push(h.clone(), *v);
    }
    ua.handle_message(Message::Response(r), server(), at);
}

fn events(ua: &mut UserAgent) -> Vec<UaEvent> {
    std::iter::from_fn(|| ua.poll_event()).collect()
}

fn header<'a>(r: &'a Request, h: &HeaderName) -> Option<&'a str> {
    r.headers.get(h)
}

#[test]
fn publish_refresh_modify_and_remove_with_entity_tags() {
    let mut ua = agent();
    let t0 = Instant::now();
    let me = NameAddr::parse("<sip:1001@127.0.0.1>").unwrap();
    let p = ua.publish(&me, "presence", PIDF, b"<ready/>".to_vec(), 600, t0).unwrap();
    let first = publishes(&mut ua);
    assert_eq!(first.len(), 1);
    let r = &first[0];
    assert_eq!(r.uri.to_string(), "sip:1001@127.0.0.1", "sent to the resource itself");
    assert_eq!(header(r, &HeaderName::Event), Some("presence"));
    assert_eq!(header(r, &HeaderName::Expires), Some("600"));
    assert_eq!(header(r, &HeaderName::SipIfMatch), None, "an initial PUBLISH");
    assert_eq!(r.body, b"<ready/>");
    assert_eq!(header(r, &HeaderName::ContentType), Some(PIDF));
    answer(&mut ua, r, 200, &[(HeaderName::SipEtag, "e1"), (HeaderName::Expires, "120")], t0);
    assert!(events(&mut ua).iter().any(|e| matches!(e, UaEvent::Published { expires: 120, .. })));

    // A change: the new body with the entity-tag.
    let t1 = t0 + Duration::from_secs(10);
    ua.republish(p, PIDF, b"<not-ready/>".to_vec(), t1).unwrap();
    let change = publishes(&mut ua);
    assert_eq!(header(&change[0], &HeaderName::SipIfMatch), Some("e1"));
    assert_eq!(change[0].body, b"<not-ready/>");
    // Another change while it is in flight waits for the answer, then uses the new tag.
    ua.republish(p, PIDF, b"<acw/>".to_vec(), t1).unwrap();
    assert!(publishes(&mut ua).is_empty(), "one PUBLISH in flight at a time");
    answer(
        &mut ua,
        &change[0],
        200,
        &[(HeaderName::SipEtag, "e2"), (HeaderName::Expires, "120")],
        t1,
    );
    let queued = publishes(&mut ua);
    assert_eq!(queued.len(), 1);
    assert_eq!(header(&queued[0], &HeaderName::SipIfMatch), Some("e2"));
    assert_eq!(queued[0].body, b"<acw/>");
    answer(
        &mut ua,
        &queued[0],
        200,
        &[(HeaderName::SipEtag, "e3"), (HeaderName::Expires, "120")],
        t1,
    );

    // The refresh: before 120 s are up, the tag and no body.
    ua.handle_timeout(t1 + Duration::from_secs(100));
    assert!(publishes(&mut ua).is_empty(), "not yet");
    let t2 = t1 + Duration::from_secs(108);
    ua.handle_timeout(t2);
    let refresh = publishes(&mut ua);
    assert_eq!(refresh.len(), 1, "refreshed 12 s before it expires");
    assert_eq!(header(&refresh[0], &HeaderName::SipIfMatch), Some("e3"));
    assert!(refresh[0].body.is_empty(), "a refresh carries no body (§4.2)");
    // The compositor lost it: 412, and the whole state goes again as a new one.
    answer(&mut ua, &refresh[0], 412, &[], t2);
    let again = publishes(&mut ua);
    assert_eq!(header(&again[0], &HeaderName::SipIfMatch), None);
    assert_eq!(again[0].body, b"<acw/>");
    // Too brief: 423 with Min-Expires, asked again for that long.
    answer(&mut ua, &again[0], 423, &[(HeaderName::MinExpires, "900")], t2);
    let longer = publishes(&mut ua);
    assert_eq!(header(&longer[0], &HeaderName::Expires), Some("900"));
    answer(&mut ua, &longer[0], 200, &[(HeaderName::SipEtag, "e4")], t2);

    // Removal: Expires 0 with the tag, then it is gone.
    ua.unpublish(p, t2).unwrap();
    let removal = publishes(&mut ua);
    assert_eq!(header(&removal[0], &HeaderName::Expires), Some("0"));
    assert_eq!(header(&removal[0], &HeaderName::SipIfMatch), Some("e4"));
    assert!(removal[0].body.is_empty());
    answer(&mut ua, &removal[0], 200, &[], t2);
    assert!(events(&mut ua).iter().any(|e| matches!(e, UaEvent::Unpublished { .. })));
    ua.handle_timeout(t2 + Duration::from_secs(3600));
    assert!(publishes(&mut ua).is_empty(), "nothing refreshed after removal");
    assert!(ua.republish(p, PIDF, Vec::new(), t2).is_err());
}

#[test]
fn a_refusal_is_reported_and_the_state_sent_again_later() {
    let mut ua = agent();
    let t0 = Instant::now();
    let me = NameAddr::parse("<sip:1001@127.0.0.1>").unwrap();
    ua.publish(&me, "presence", PIDF, b"<ready/>".to_vec(), 600, t0).unwrap();
    let first = publishes(&mut ua);
    answer(&mut ua, &first[0], 489, &[], t0);
    let failed = events(&mut ua);
    assert!(
        failed.iter().any(|e| matches!(e, UaEvent::PublicationFailed { status: 489, .. })),
        "{failed:?}"
    );
    ua.handle_timeout(t0 + Duration::from_secs(59));
    assert!(publishes(&mut ua).is_empty());
    ua.handle_timeout(t0 + Duration::from_secs(60));
    let again = publishes(&mut ua);
    assert_eq!(again.len(), 1, "sent again after a minute");
    assert_eq!(again[0].body, b"<ready/>");
    // An unanswered PUBLISH times out (64·T1) and is reported as 408.
    let mut t = t0 + Duration::from_secs(60);
    let mut timed_out = false;
    while t < t0 + Duration::from_secs(100) && !timed_out {
        t += Duration::from_millis(500);
        ua.handle_timeout(t);
        let _ = publishes(&mut ua);
        timed_out = events(&mut ua)
            .iter()
            .any(|e| matches!(e, UaEvent::PublicationFailed { status: 408, .. }));
    }
    assert!(timed_out, "a silent server is reported");
}
