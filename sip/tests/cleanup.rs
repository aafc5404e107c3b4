//! Nothing is kept forever: a flood of calls refused with 486 (and acknowledged) leaves no
//! call, request or transaction in the user agent once the timers of RFC 3261 §17.2.1
//! (Timer H/I) and the ended calls' collection have run, on a virtual clock.
// disallowed_methods: the virtual clock starts at the real one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::time::{Duration, Instant};

use earshot_sip::SipUri;
use earshot_sip::message::{Message, Uri, parse_datagram};
use earshot_sip::target::Target;
use earshot_sip::ua::{UaConfig, UserAgent};

fn sip(text: &str) -> SipUri {
    match Uri::parse(text).unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    }
}

#[test]
fn refused_calls_leave_nothing_behind_once_their_timers_run_out() {
    use earshot_sip::ua::UaEvent as E;
    let mut ua = UserAgent::new(
        UaConfig::new(sip("sip:agent@127.0.0.1:5070"), "127.0.0.1:5070".parse().unwrap()),
        5,
    );
    let peer = Target::udp("127.0.0.1:6001".parse().unwrap());
    let t0 = Instant::now();
    for n in 0..200u32 {
        let now = t0 + Duration::from_millis(u64::from(n) * 50);
        let invite = format!(
            "INVITE sip:agent@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:6001;branch=z9hG4bK-{n}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:flood@127.0.0.1:6001>;tag=f{n}\r\nTo: <sip:agent@127.0.0.1:5070>\r\n\
             Call-ID: flood-{n}@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:flood@127.0.0.1:6001>\r\nContent-Length: 0\r\n\r\n"
        );
        ua.handle_bytes(invite.as_bytes(), peer, now);
        let call = std::iter::from_fn(|| ua.poll_event()).find_map(|e| match e {
            E::IncomingCall { call, .. } => Some(call),
            _ => None,
        });
        ua.reject(call.expect("offered"), 486, now).unwrap();
        // The caller acknowledges the 486 (same branch, §17.1.1.3).
        let to_tag = std::iter::from_fn(|| ua.poll_transmit())
            .filter_map(|t| match parse_datagram(&t.bytes) {
                Ok(Message::Response(r)) if r.status.0 == 486 => {
                    r.headers.to().ok().and_then(|t| t.tag().map(str::to_owned))
                }
                _ => None,
            })
            .next()
            .expect("a 486");
        let ack = format!(
            "ACK sip:agent@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:6001;branch=z9hG4bK-{n}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:flood@127.0.0.1:6001>;tag=f{n}\r\nTo: <sip:agent@127.0.0.1:5070>;tag={to_tag}\r\n\
             Call-ID: flood-{n}@127.0.0.1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        );
        ua.handle_bytes(ack.as_bytes(), peer, now);
    }
    let (calls, pending, (clients, servers)) = ua.held();
    assert!(calls + servers > 0, "state is held while the timers run");
    let end = t0 + Duration::from_secs(10 + 64);
    while let Some(t) = ua.poll_timeout().filter(|t| *t <= end) {
        ua.handle_timeout(t);
        while ua.poll_transmit().is_some() {}
        while ua.poll_event().is_some() {}
    }
    ua.handle_timeout(end);
    assert_eq!(ua.held(), (0, 0, (0, 0)), "was {:?}", (calls, pending, (clients, servers)));
}
