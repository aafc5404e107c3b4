//! Failover between located servers (RFC 3263 §4.3) on a virtual clock: a REGISTER to a
//! name goes to the first server the driver located; silence for `failover_after`, a
//! transaction time-out or a 503 sends it to the next with a new branch; the one that
//! failed is tried last afterwards; a name not located is an error, not a guess.
// disallowed_methods: the virtual clock starts at the real one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::time::{Duration, Instant};

use earshot_sip::message::{HeaderName, Message, Method, Request, Response, Uri, parse_datagram};
use earshot_sip::target::Target;
use earshot_sip::ua::{UaConfig, UaError, UaEvent, UserAgent};
use earshot_sip::{SipUri, Via};

const FIRST: &str = "127.0.0.1:6001";
const SECOND: &str = "127.0.0.1:6002";

fn sip(text: &str) -> SipUri {
    match Uri::parse(text).unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    }
}

fn agent() -> UserAgent {
    let mut ua = UserAgent::new(
        UaConfig::new(sip("sip:1001@earshot.test"), "127.0.0.1:5070".parse().unwrap()),
        3,
    );
    let servers = [FIRST, SECOND].map(|s| Target::udp(s.parse().unwrap())).to_vec();
    ua.set_located(&sip("sip:earshot.test"), servers);
    ua
}

/// The REGISTERs sent since the last call, with where each went.
fn sent(ua: &mut UserAgent) -> Vec<(Target, Request)> {
    std::iter::from_fn(|| ua.poll_transmit())
        .filter_map(|t| match parse_datagram(&t.bytes) {
            Ok(Message::Request(r)) if r.method == Method::Register => Some((t.target, r)),
            _ => None,
        })
        .collect()
}

fn branch(r: &Request) -> String {
    let top = r.headers.get(&HeaderName::Via).unwrap();
    Via::parse(top).unwrap().branch().unwrap().to_owned()
}

fn ok(ua: &mut UserAgent, to: &Request, from: Target, now: Instant) {
    let mut ok = Response::to_request(to, 200, Some("r"));
    let contact = to.headers.get(&HeaderName::Contact).unwrap().to_owned();
    ok.headers.push(HeaderName::Contact, format!("{contact};expires=60"));
    ua.handle_message(Message::Response(ok), from, now);
}

#[test]
fn a_silent_first_server_is_left_after_failover_after() {
    let mut ua = agent();
    let t0 = Instant::now();
    let reg = ua.register(Uri::parse("sip:earshot.test").unwrap(), 60, t0).unwrap();
    let first = sent(&mut ua);
    assert_eq!(first[0].0.addr.to_string(), FIRST);
    // Retransmissions to the first until failover_after (4 s), then the second.
    assert_eq!(ua.poll_timeout().unwrap().duration_since(t0), Duration::from_millis(500));
    let mut now = t0;
    let mut moved = None;
    while now < t0 + Duration::from_secs(5) {
        now = ua.poll_timeout().unwrap().min(t0 + Duration::from_secs(5));
        ua.handle_timeout(now);
        for (to, r) in sent(&mut ua) {
            if to.addr.to_string() == SECOND {
                moved.get_or_insert((now, r));
            }
        }
    }
    let (at, second) = moved.expect("the REGISTER went to the second server");
    assert_eq!(at.duration_since(t0), Duration::from_secs(4));
    assert_ne!(branch(&second), branch(&first[0].1), "a new transaction");
    assert_eq!(second.uri, first[0].1.uri, "the same Request-URI");
    ok(&mut ua, &second, Target::udp(SECOND.parse().unwrap()), at);
    assert!(
        std::iter::from_fn(|| ua.poll_event())
            .any(|e| e == UaEvent::Registered { reg, expires: 60 })
    );
    // The refresh goes to the server that answered.
    ua.handle_timeout(t0 + Duration::from_secs(40));
    let refresh = sent(&mut ua);
    assert_eq!(refresh[0].0.addr.to_string(), SECOND);
}

#[test]
fn a_503_moves_on_at_once_and_the_failed_server_is_tried_last() {
    let mut ua = agent();
    let t0 = Instant::now();
    ua.register(Uri::parse("sip:earshot.test").unwrap(), 60, t0).unwrap();
    let first = sent(&mut ua);
    let busy = Response::to_request(&first[0].1, 503, Some("r"));
    ua.handle_message(Message::Response(busy), first[0].0, t0);
    let next = sent(&mut ua);
    assert_eq!(next[0].0.addr.to_string(), SECOND, "503 fails over at once");
    // A new request to the same name starts with the server that did not fail.
    ua.register(Uri::parse("sip:earshot.test").unwrap(), 60, t0).unwrap();
    let other = sent(&mut ua);
    assert_eq!(other[0].0.addr.to_string(), SECOND);
}

#[test]
fn the_last_server_waits_out_its_transaction_and_fails() {
    let mut ua = agent();
    let t0 = Instant::now();
    let reg = ua.register(Uri::parse("sip:earshot.test").unwrap(), 60, t0).unwrap();
    let mut now = t0;
    while let Some(t) = ua.poll_timeout().filter(|t| *t < t0 + Duration::from_secs(60)) {
        now = t;
        ua.handle_timeout(now);
        let _ = sent(&mut ua);
        if std::iter::from_fn(|| ua.poll_event())
            .any(|e| matches!(e, UaEvent::RegistrationFailed { reg: r, .. } if r == reg))
        {
            break;
        }
    }
    // 4 s on the first, then Timer F (64 × T1 = 32 s) on the second.
    assert_eq!(now.duration_since(t0), Duration::from_secs(36));
}

#[test]
fn a_name_not_located_is_an_error() {
    let mut ua = agent();
    let e = ua.register(Uri::parse("sip:elsewhere.test").unwrap(), 60, Instant::now());
    assert!(matches!(e, Err(UaError::NotLocated(ref host)) if host == "elsewhere.test"), "{e:?}");
}
