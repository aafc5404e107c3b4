//! Conformance: the project's own test messages (`tests/data/conformance/*.sip`), each with
//! the answer RFC 3261 asks of a user agent — §8.2.1 methods (405 with Allow, 501), §8.2.2
//! Request-URI scheme (416) and Require (420 with Unsupported), §8.2.3 body type and
//! encoding (415 with Accept / Accept-Encoding), §8.2.2 Accept (406), §8.1.1 mandatory
//! headers (400), §12.2.2 requests in unknown dialogs (481), §9.2 CANCEL without a
//! transaction (481), RFC 6665 §8.2.1 unknown event packages (489) — and the headers the
//! answer must carry. An offer that cannot be answered (488 with Warning) is the phone's
//! judgement: `engine/phone/src/offer_check.rs` and `ui/tests/call_guards.rs`.
// disallowed_methods: the virtual clock starts at the real one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::time::Instant;

use earshot_sip::message::{HeaderName, Message, Uri, parse_datagram};
use earshot_sip::target::Target;
use earshot_sip::ua::{UaConfig, UserAgent};

/// A header the answer must carry, with a part of its value.
type Carries = &'static [(&'static str, &'static str)];

/// (file, status, headers the answer must carry).
const CASES: &[(&str, u16, Carries)] = &[
    ("register-405", 405, &[("Allow", "INVITE")]),
    ("publish-405", 405, &[("Allow", "SUBSCRIBE")]),
    ("unknown-method-501", 501, &[("Allow", "INVITE")]),
    ("scheme-416", 416, &[]),
    ("require-420", 420, &[("Unsupported", "foo")]),
    ("content-type-415", 415, &[("Accept", "application/sdp")]),
    ("content-encoding-415", 415, &[("Accept-Encoding", "identity")]),
    ("accept-406", 406, &[("Accept", "application/sdp")]),
    ("missing-call-id-400", 400, &[]),
    ("message-no-type-415", 415, &[]),
    ("bye-unknown-dialog-481", 481, &[]),
    ("info-unknown-dialog-481", 481, &[]),
    ("reinvite-unknown-dialog-481", 481, &[]),
    ("notify-unknown-481", 481, &[]),
    ("refer-unknown-dialog-481", 481, &[]),
    ("cancel-unknown-481", 481, &[]),
    ("subscribe-unknown-event-489", 489, &[("Allow-Events", "dialog")]),
    ("options-200", 200, &[("Allow", "INVITE"), ("Supported", "replaces")]),
];

fn agent() -> UserAgent {
    let Uri::Sip(aor) = Uri::parse("sip:user@127.0.0.1:5060").unwrap() else { unreachable!() };
    let mut cfg = UaConfig::new(aor, "127.0.0.1:5060".parse().unwrap());
    cfg.event_packages = vec!["dialog".into()];
    UserAgent::new(cfg, 11)
}

#[test]
fn each_message_gets_the_answer_rfc_3261_asks_for() {
    let mut failures = Vec::new();
    for (name, status, headers) in CASES {
        let path = format!("{}/tests/data/conformance/{name}.sip", env!("CARGO_MANIFEST_DIR"));
        let raw = std::fs::read(&path).unwrap();
        let mut ua = agent();
        ua.handle_bytes(&raw, Target::udp("127.0.0.1:40000".parse().unwrap()), Instant::now());
        let answers: Vec<_> = std::iter::from_fn(|| ua.poll_transmit())
            .filter_map(|t| match parse_datagram(&t.bytes) {
                Ok(Message::Response(r)) if r.status.0 >= 200 => Some(r),
                _ => None,
            })
            .collect();
        let Some(answer) = answers.first() else {
            failures.push(format!("{name}: no final answer"));
            continue;
        };
        if answer.status.0 != *status {
            failures.push(format!("{name}: {} instead of {status}", answer.status.0));
            continue;
        }
        for (header, part) in *headers {
            let name_ = HeaderName::parse(header);
            match answer.headers.get(&name_) {
                Some(v) if v.contains(part) => {}
                other => failures.push(format!("{name}: {header} is {other:?}, wants {part:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
