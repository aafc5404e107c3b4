//! A registration's flow on a virtual clock against a registrar written by hand: kept
//! alive (RFC 5626 §4.4.1: OPTIONS on UDP, CRLF pings with pongs on TCP), a flow that
//! stops answering reported and registered again, and a phone whose address changed
//! registering its new Contact in place of the old.
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
use earshot_sip::target::{Target, TransportKind};
use earshot_sip::transaction::Transmit;
use earshot_sip::ua::{UaConfig, UaEvent, UserAgent};

const PHONE: &str = "127.0.0.1:5070";
const REGISTRAR: &str = "127.0.0.1:5080";

fn agent(transport: TransportKind) -> UserAgent {
    let aor = match Uri::parse("sip:1001@127.0.0.1").unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    };
    let mut cfg = UaConfig::new(aor, PHONE.parse().unwrap());
    cfg.default_transport = transport;
    cfg.keepalive = Some(Duration::from_secs(25));
    UserAgent::new(cfg, 3)
}

fn sent(ua: &mut UserAgent) -> Vec<Transmit> {
    std::iter::from_fn(|| ua.poll_transmit()).collect()
}

fn requests(out: &[Transmit], method: Method) -> Vec<Request> {
    out.iter()
        .filter_map(|t| match parse_datagram(&t.bytes) {
            Ok(Message::Request(r)) if r.method == method => Some(r),
            _ => None,
        })
        .collect()
}

/// Registers with the hand-written registrar (200, 300 s); returns the registrar's target.
fn registered(ua: &mut UserAgent, transport: TransportKind, t0: Instant) -> Target {
    let registrar = Target { transport, addr: REGISTRAR.parse().unwrap() };
    let param = if transport == TransportKind::Tcp { ";transport=tcp" } else { "" };
    ua.register(Uri::parse(&format!("sip:{REGISTRAR}{param}")).unwrap(), 300, t0).unwrap();
    let out = sent(ua);
    let register = requests(&out, Method::Register).pop().expect("a REGISTER");
    assert_eq!(out[0].target, registrar);
    let mut ok = Response::to_request(&register, 200, Some("r"));
    ok.headers.push(HeaderName::Expires, "300");
    ua.handle_message(Message::Response(ok), registrar, t0);
    assert!(
        std::iter::from_fn(|| ua.poll_event()).any(|e| matches!(e, UaEvent::Registered { .. }))
    );
    registrar
}

fn flow_failed(ua: &mut UserAgent) -> Option<String> {
    std::iter::from_fn(|| ua.poll_event()).find_map(|e| match e {
        UaEvent::FlowFailed { reason, .. } => Some(reason),
        _ => None,
    })
}

#[test]
fn udp_flows_are_kept_by_options_and_a_silent_registrar_is_left() {
    let mut ua = agent(TransportKind::Udp);
    let t0 = Instant::now();
    let registrar = registered(&mut ua, TransportKind::Udp, t0);
    ua.handle_timeout(t0 + Duration::from_millis(24_900));
    assert!(sent(&mut ua).is_empty(), "nothing before the interval");
    let t1 = t0 + Duration::from_secs(25);
    ua.handle_timeout(t1);
    let out = sent(&mut ua);
    let options = requests(&out, Method::Options);
    assert_eq!(options.len(), 1, "one OPTIONS keeps the flow");
    assert_eq!(out[0].target, registrar, "on the registration's flow");
    // A live registrar answers (even 405 proves it is there).
    let answer = Response::to_request(&options[0], 405, Some("x"));
    ua.handle_message(Message::Response(answer), registrar, t1);
    assert_eq!(flow_failed(&mut ua), None);
    // The next one goes unanswered: after the transaction time-out (64·T1 = 32 s) the
    // flow is reported failed and the binding registered again.
    let t2 = t0 + Duration::from_secs(50);
    ua.handle_timeout(t2);
    assert_eq!(requests(&sent(&mut ua), Method::Options).len(), 1);
    let mut t = t2;
    let mut registers = 0;
    let mut reason = None;
    while t < t2 + Duration::from_secs(34) {
        t += Duration::from_millis(500);
        ua.handle_timeout(t);
        registers += requests(&sent(&mut ua), Method::Register).len();
        reason = reason.or_else(|| flow_failed(&mut ua));
    }
    let reason = reason.expect("the failed flow is reported");
    assert!(reason.contains("408"), "{reason}");
    assert!(registers >= 1, "registered again at once");
}

#[test]
fn tcp_flows_are_pinged_and_a_missing_pong_is_a_failed_flow() {
    let mut ua = agent(TransportKind::Tcp);
    let t0 = Instant::now();
    let registrar = registered(&mut ua, TransportKind::Tcp, t0);
    let t1 = t0 + Duration::from_secs(25);
    ua.handle_timeout(t1);
    let out = sent(&mut ua);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].bytes, b"\r\n\r\n", "RFC 5626 §3.5.1 double-CRLF ping");
    assert_eq!(out[0].target, registrar);
    ua.handle_pong(registrar, t1 + Duration::from_millis(30));
    ua.handle_timeout(t1 + Duration::from_secs(11));
    assert_eq!(flow_failed(&mut ua), None, "the pong came");
    assert!(sent(&mut ua).is_empty());
    // The next ping gets no pong within 10 s.
    let t2 = t0 + Duration::from_secs(50);
    ua.handle_timeout(t2);
    assert_eq!(sent(&mut ua)[0].bytes, b"\r\n\r\n");
    ua.handle_timeout(t2 + Duration::from_millis(9_900));
    assert_eq!(flow_failed(&mut ua), None, "not before 10 s");
    ua.handle_timeout(t2 + Duration::from_secs(10));
    let reason = flow_failed(&mut ua).expect("no pong: the flow failed");
    assert!(reason.contains("pong"), "{reason}");
    assert_eq!(requests(&sent(&mut ua), Method::Register).len(), 1, "registered again");
}

#[test]
fn a_closed_connection_is_a_lost_flow() {
    let mut ua = agent(TransportKind::Tcp);
    let t0 = Instant::now();
    let registrar = registered(&mut ua, TransportKind::Tcp, t0);
    ua.handle_flow_closed(Target::tcp("127.0.0.1:5999".parse().unwrap()), t0);
    assert_eq!(flow_failed(&mut ua), None, "another connection is not ours");
    ua.handle_flow_closed(registrar, t0 + Duration::from_secs(3));
    let reason = flow_failed(&mut ua).expect("our flow closed");
    assert!(reason.contains("closed"), "{reason}");
    assert_eq!(requests(&sent(&mut ua), Method::Register).len(), 1, "registered again");
}

#[test]
fn pings_closer_than_the_pong_wait_still_need_their_pong() {
    let mut ua = agent(TransportKind::Tcp);
    let mut cfg = ua.config().clone();
    cfg.keepalive = Some(Duration::from_secs(1));
    ua.reconfigure(cfg);
    let t0 = Instant::now();
    registered(&mut ua, TransportKind::Tcp, t0);
    let mut t = t0;
    let mut failed_at = None;
    while t < t0 + Duration::from_secs(15) && failed_at.is_none() {
        t += Duration::from_millis(500);
        ua.handle_timeout(t);
        let _ = sent(&mut ua);
        failed_at = flow_failed(&mut ua).map(|_| t - t0);
    }
    // First ping at 1 s, no pong: failed at 11 s, however many pings followed it.
    assert_eq!(failed_at, Some(Duration::from_secs(11)));
}

#[test]
fn a_new_address_is_registered_in_place_of_the_old() {
    let mut ua = agent(TransportKind::Udp);
    let t0 = Instant::now();
    let registrar = registered(&mut ua, TransportKind::Udp, t0);
    ua.change_address("10.2.0.2:5070".parse().unwrap(), t0 + Duration::from_secs(5));
    let out = sent(&mut ua);
    let register = requests(&out, Method::Register).pop().expect("registered again at once");
    assert_eq!(out[0].target, registrar);
    let contacts: Vec<String> = register
        .headers
        .iter()
        .filter(|h| h.name == HeaderName::Contact)
        .map(|h| h.value().to_owned())
        .collect();
    assert_eq!(contacts, ["<sip:1001@10.2.0.2:5070>", "<sip:1001@127.0.0.1:5070>;expires=0"]);
    let via = register.headers.get(&HeaderName::Via).unwrap();
    assert!(via.contains("10.2.0.2:5070"), "{via}");
    // The same address again changes nothing.
    ua.change_address("10.2.0.2:5070".parse().unwrap(), t0 + Duration::from_secs(6));
    assert!(sent(&mut ua).is_empty());
}
