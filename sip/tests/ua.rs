//! Two user agents on an in-memory network with a virtual clock: calls, rejections,
//! cancellation, lost ACKs, re-INVITE and glare, MESSAGE, OPTIONS, and the responses to
//! the RFC 4475 messages whose handling is a user agent's business.
// disallowed_methods: the virtual clock starts at the real one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use earshot_sip::message::{Message, NameAddr, Uri, parse_datagram};
use earshot_sip::target::Target;
use earshot_sip::ua::{CallHandle, EndReason, UaConfig, UaEvent, UserAgent};

const A: &str = "127.0.0.1:5070";
const B: &str = "127.0.0.1:5080";

fn agent(user: &str, addr: &str, seed: u64) -> UserAgent {
    let aor = match Uri::parse(&format!("sip:{user}@{addr}")).unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    };
    UserAgent::new(UaConfig::new(aor, addr.parse().unwrap()), seed)
}

fn addr(a: &str) -> NameAddr {
    NameAddr::parse(a).unwrap()
}

/// Two agents and the datagrams between them; `drop` decides which to lose.
struct World {
    a: UserAgent,
    b: UserAgent,
    now: Instant,
    t0: Instant,
    wire: BTreeMap<(Instant, u64), (Target, Target, Vec<u8>)>,
    seq: u64,
    ev_a: Vec<UaEvent>,
    ev_b: Vec<UaEvent>,
    /// Printed start lines of everything sent, in order, "A>" or "B>" prefixed.
    log: Vec<String>,
    drop: Box<dyn FnMut(&str) -> bool>,
}

impl World {
    fn new() -> World {
        let t0 = Instant::now();
        World {
            a: agent("alice", A, 1),
            b: agent("bob", B, 2),
            now: t0,
            t0,
            wire: BTreeMap::new(),
            seq: 0,
            ev_a: Vec::new(),
            ev_b: Vec::new(),
            log: Vec::new(),
            drop: Box::new(|_| false),
        }
    }

    fn collect(&mut self) {
        for (name, ua, from) in [("A", &mut self.a, A), ("B", &mut self.b, B)] {
            while let Some(t) = ua.poll_transmit() {
                let first =
                    String::from_utf8_lossy(&t.bytes).lines().next().unwrap_or("").to_owned();
                let line = format!("{name}> {first}");
                let lost = (self.drop)(&line);
                self.log.push(if lost { format!("{line} [lost]") } else { line });
                if !lost {
                    self.seq += 1;
                    self.wire.insert(
                        (self.now + Duration::from_millis(5), self.seq),
                        (Target::udp(from.parse().unwrap()), t.target, t.bytes),
                    );
                }
            }
        }
        while let Some(e) = self.a.poll_event() {
            self.ev_a.push(e);
        }
        while let Some(e) = self.b.poll_event() {
            self.ev_b.push(e);
        }
    }

    /// Runs the network and timers until `until` after the start, or until quiet.
    fn run_until(&mut self, until: Duration) {
        loop {
            self.collect();
            let next_wire = self.wire.keys().next().map(|k| k.0);
            let next = [next_wire, self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { return };
            if next - self.t0 > until {
                return;
            }
            self.now = next.max(self.now);
            if next_wire == Some(next) {
                let (_, (from, to, bytes)) = self.wire.pop_first().unwrap();
                let ua = if to.addr == B.parse().unwrap() { &mut self.b } else { &mut self.a };
                ua.handle_bytes(&bytes, from, self.now);
            } else {
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
            }
        }
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now - self.t0 + d;
        self.run_until(until);
    }

    /// Alice calls Bob, Bob answers, and both see the call established.
    fn connect(&mut self) -> (CallHandle, CallHandle) {
        let c =
            self.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], self.now).unwrap();
        self.run_for(Duration::from_millis(50));
        let inc = self.incoming();
        self.b.answer(inc, SDP.to_vec(), self.now).unwrap();
        self.run_for(Duration::from_millis(50));
        assert!(established(&self.ev_a, c) && established(&self.ev_b, inc), "call set up");
        (c, inc)
    }

    fn incoming(&self) -> CallHandle {
        self.ev_b
            .iter()
            .find_map(
                |e| {
                    if let UaEvent::IncomingCall { call, .. } = e { Some(*call) } else { None }
                },
            )
            .expect("incoming call")
    }
}

const SDP: &[u8] = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n";

fn established(evs: &[UaEvent], call: CallHandle) -> bool {
    evs.iter().any(|e| matches!(e, UaEvent::Established { call: c, .. } if *c == call))
}

fn ended(evs: &[UaEvent], call: CallHandle) -> Option<EndReason> {
    evs.iter().find_map(|e| match e {
        UaEvent::Ended { call: c, reason } if *c == call => Some(reason.clone()),
        _ => None,
    })
}

#[test]
fn call_answer_and_hang_up() {
    let mut w = World::new();
    let call_a = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let call_b = w.incoming();
    w.b.ring(call_b, w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::Progress { status: 180, .. })));
    w.b.answer(call_b, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(established(&w.ev_a, call_a), "{:?}", w.ev_a);
    assert!(established(&w.ev_b, call_b), "{:?}", w.ev_b);
    let da = w.a.dialog(call_a).unwrap().id.clone();
    let db = w.b.dialog(call_b).unwrap().id.clone();
    assert_eq!(
        (da.call_id.clone(), da.local_tag.clone()),
        (db.call_id.clone(), db.remote_tag.clone())
    );
    w.a.hangup(call_a, w.now).unwrap();
    w.run_for(Duration::from_secs(1));
    assert_eq!(ended(&w.ev_a, call_a), Some(EndReason::Local));
    assert_eq!(ended(&w.ev_b, call_b), Some(EndReason::Remote));
    let flow: Vec<&str> = w.log.iter().map(String::as_str).collect();
    assert_eq!(
        flow,
        [
            "A> INVITE sip:bob@127.0.0.1:5080 SIP/2.0",
            "B> SIP/2.0 100 Trying",
            "B> SIP/2.0 180 Ringing",
            "A> PRACK sip:bob@127.0.0.1:5080 SIP/2.0",
            "B> SIP/2.0 200 OK",
            "B> SIP/2.0 200 OK",
            "A> ACK sip:bob@127.0.0.1:5080 SIP/2.0",
            "A> BYE sip:bob@127.0.0.1:5080 SIP/2.0",
            "B> SIP/2.0 200 OK",
        ]
    );
}

#[test]
fn rejected_and_cancelled_calls() {
    let mut w = World::new();
    let c1 = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    w.b.reject(w.incoming(), 486, w.now).unwrap();
    w.run_for(Duration::from_millis(100));
    assert_eq!(
        ended(&w.ev_a, c1),
        Some(EndReason::Rejected { status: 486, reason: "Busy Here".into() })
    );
    assert!(w.log.iter().any(|l| l.starts_with("A> ACK")), "non-2xx ACKed by the transaction");

    let mut w = World::new();
    let c2 = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let inc = w.incoming();
    w.b.ring(inc, w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    w.a.hangup(c2, w.now).unwrap();
    w.run_for(Duration::from_secs(1));
    assert_eq!(ended(&w.ev_a, c2), Some(EndReason::Local));
    assert_eq!(ended(&w.ev_b, inc), Some(EndReason::Cancelled));
    assert!(w.log.iter().any(|l| l == "A> CANCEL sip:bob@127.0.0.1:5080 SIP/2.0"));
    assert!(w.log.iter().any(|l| l == "B> SIP/2.0 487 Request Terminated"));
}

#[test]
fn cancel_waits_for_a_provisional() {
    let mut w = World::new();
    // Lose B's 100 Trying so that A hangs up before any provisional arrives.
    w.drop = Box::new(|l| l.contains("100 Trying"));
    let c = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.a.hangup(c, w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(!w.log.iter().any(|l| l.contains("CANCEL")), "no CANCEL before a provisional (§9.1)");
    w.b.ring(w.incoming(), w.now).unwrap();
    w.run_for(Duration::from_secs(1));
    assert!(w.log.iter().any(|l| l.starts_with("A> CANCEL")), "{:?}", w.log);
    assert!(w.log.iter().any(|l| l.contains("487")));
}

#[test]
fn lost_ack_makes_the_2xx_retransmit_and_lost_2xx_retransmissions_are_reacked() {
    let mut w = World::new();
    let mut acks = 0;
    w.drop = Box::new(move |l| {
        if l.starts_with("A> ACK") {
            acks += 1;
            acks <= 2
        } else {
            false
        }
    });
    let c = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let inc = w.incoming();
    w.b.answer(inc, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_secs(5));
    let oks = w.log.iter().filter(|l| l.starts_with("B> SIP/2.0 200")).count();
    assert_eq!(oks, 3, "2xx retransmitted until an ACK gets through: {:?}", w.log);
    assert!(established(&w.ev_a, c) && established(&w.ev_b, inc));
    assert!(ended(&w.ev_b, inc).is_none());
}

#[test]
fn never_acked_2xx_ends_with_bye() {
    let mut w = World::new();
    w.drop = Box::new(|l| l.starts_with("A> ACK"));
    w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let inc = w.incoming();
    w.b.answer(inc, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_secs(40));
    assert_eq!(ended(&w.ev_b, inc), Some(EndReason::Timeout));
    assert!(w.log.iter().any(|l| l.starts_with("B> BYE")));
    let oks = w.log.iter().filter(|l| l.starts_with("B> SIP/2.0 200")).count();
    // The first send, then retransmissions at 0.5, 1.5, 3.5, 7.5, then every T2 until
    // 64·T1: 11 sends in all.
    assert_eq!(oks, 11, "{:?}", w.log);
}

#[test]
fn reinvite_for_hold_and_glare_resolves() {
    let mut w = World::new();
    let (c, inc) = w.connect();
    let hold =
        String::from_utf8(SDP.to_vec()).unwrap().replace("sendrecv", "sendonly").into_bytes();
    w.a.reinvite(c, hold.clone(), w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(
        w.ev_b
            .iter()
            .any(|e| matches!(e, UaEvent::UpdateRequested { offer: Some(o), .. } if o == &hold))
    );
    w.b.answer_update(inc, Ok(SDP.to_vec()), w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::UpdateResult { status: 200, .. })));

    // Glare: both send a re-INVITE at once; both get 491 and retry after random waits.
    w.a.reinvite(c, SDP.to_vec(), w.now).unwrap();
    w.b.reinvite(inc, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_millis(100));
    assert_eq!(w.log.iter().filter(|l| l.contains("491")).count(), 2, "{:?}", w.log);
    for _ in 0..3 {
        w.run_for(Duration::from_secs(5));
        let pending: Vec<CallHandle> = w
            .ev_b
            .iter()
            .filter_map(|e| {
                if let UaEvent::UpdateRequested { call, .. } = e { Some(*call) } else { None }
            })
            .collect();
        for p in pending {
            let _ = w.b.answer_update(p, Ok(SDP.to_vec()), w.now);
        }
        let pending: Vec<CallHandle> = w
            .ev_a
            .iter()
            .filter_map(|e| {
                if let UaEvent::UpdateRequested { call, .. } = e { Some(*call) } else { None }
            })
            .collect();
        for p in pending {
            let _ = w.a.answer_update(p, Ok(SDP.to_vec()), w.now);
        }
    }
    let a_ok =
        w.ev_a.iter().filter(|e| matches!(e, UaEvent::UpdateResult { status: 200, .. })).count();
    let b_ok =
        w.ev_b.iter().filter(|e| matches!(e, UaEvent::UpdateResult { status: 200, .. })).count();
    assert_eq!((a_ok, b_ok), (2, 1), "both re-INVITEs eventually succeed: {:?}", w.log);
}

#[test]
fn a_message_nobody_answers_gets_480_before_the_sender_gives_up() {
    let mut w = World::new();
    w.a.send_message(
        &addr("<sip:bob@127.0.0.1:5080>"),
        "text/plain",
        b"anyone?".to_vec(),
        &[],
        w.now,
    )
    .unwrap();
    w.run_for(Duration::from_secs(29));
    assert!(!w.ev_a.iter().any(|e| matches!(e, UaEvent::RequestResult { .. })));
    // (`run_for` goes on from the last thing that happened, at most 29 s in.)
    w.run_for(Duration::from_secs(4));
    assert!(
        w.ev_a.iter().any(|e| matches!(e, UaEvent::RequestResult { status: 480, .. })),
        "{:?}",
        w.ev_a
    );
    let (_, waiting, _) = w.b.held();
    assert_eq!(waiting, 0);
}

#[test]
fn message_options_and_info() {
    let mut w = World::new();
    w.a.send_message(
        &addr("<sip:bob@127.0.0.1:5080>"),
        "text/plain",
        b"hello bob".to_vec(),
        &[],
        w.now,
    )
    .unwrap();
    w.b.options(&addr("<sip:alice@127.0.0.1:5070>"), w.now).unwrap();
    w.run_for(Duration::from_millis(100));
    let held = w.ev_b.iter().find_map(|e| match e {
        UaEvent::MessageReceived { body, content_type, answer, call: None, .. }
            if body == b"hello bob" && content_type == "text/plain" =>
        {
            *answer
        }
        _ => None,
    });
    // Held for bob's application to answer (a chat offered to a person first).
    assert!(!w.ev_a.iter().any(|e| matches!(e, UaEvent::RequestResult { .. })));
    w.b.answer_message(held.expect("held for an answer"), 200, &[], w.now).unwrap();
    w.run_for(Duration::from_millis(100));
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::RequestResult { status: 200, .. })));
    let opt = w
        .ev_b
        .iter()
        .find_map(|e| {
            if let UaEvent::RequestResult { response: Some(r), .. } = e {
                Some(r.clone())
            } else {
                None
            }
        })
        .unwrap();
    assert!(opt.headers.get(&earshot_sip::message::HeaderName::Allow).unwrap().contains("INVITE"));

    let (c, _inc) = w.connect();
    w.a.info_dtmf(c, '5', 160, w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(
        w.ev_b.iter().any(|e| matches!(e, UaEvent::InfoDtmf { digit: '5', duration_ms: 160, .. }))
    );
}

/// RFC 4475 §3.1.2 and §3.3 messages sent to a user agent: the response it must give.
#[test]
fn rfc4475_messages_get_the_right_response() {
    let cases = [
        ("invalid/badvers", Some(505)),
        ("invalid/badinv01", Some(400)),
        ("invalid/mismatch01", Some(400)),
        ("invalid/baddate", Some(400)),
        ("invalid/clerr", Some(400)),
        ("semantic/insuf", Some(400)), // §3.3.1: 400 even without From/To/Call-ID
        ("semantic/unkscm", Some(416)),
        ("semantic/novelsc", Some(416)),
        ("semantic/bext01", Some(420)),
        ("semantic/invut", Some(415)),
        ("semantic/regaut01", Some(405)),
        ("semantic/sdp01", Some(406)),
        ("semantic/zeromf", Some(200)),
        ("semantic/multi01", Some(400)),
        ("semantic/mcl01", Some(400)),
        ("semantic/cparam01", Some(405)),
        ("semantic/inv2543", Some(100)),
        ("semantic/badbranch", Some(200)),
    ];
    for (name, expected) in cases {
        let raw =
            std::fs::read(format!("{}/tests/data/rfc4475/{name}.dat", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        let mut ua = agent("user", "127.0.0.1:5060", 9);
        let now = Instant::now();
        ua.handle_bytes(&raw, Target::udp("127.0.0.1:40000".parse().unwrap()), now);
        // Read the status from the start line: a 505 copies the peer's SIP/7.0 Via.
        let first = ua.poll_transmit().map(|t| {
            let text = String::from_utf8_lossy(&t.bytes).into_owned();
            let line = text.lines().next().unwrap_or("").to_owned();
            assert!(line.starts_with("SIP/2.0 "), "{name}: not a response: {line}");
            // Error responses copy the offending headers; only the others must parse.
            if line.starts_with("SIP/2.0 1") || line.starts_with("SIP/2.0 2") {
                assert!(
                    matches!(parse_datagram(&t.bytes), Ok(Message::Response(_))),
                    "{name}: {text}"
                );
            }
            line[8..11].parse::<u16>().unwrap()
        });
        assert_eq!(first, expected, "{name}");
        if name == "semantic/bext01" {
            let _ = ua.poll_event();
        }
    }
}

#[test]
fn reliable_provisionals_are_pracked_and_retransmitted_until_then() {
    let mut w = World::new();
    // Lose the first PRACK: the 180 must come again and be PRACKed again.
    let mut pracks = 0;
    w.drop = Box::new(move |l| {
        if l.starts_with("A> PRACK") {
            pracks += 1;
            pracks == 1
        } else {
            false
        }
    });
    let c = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let inc = w.incoming();
    w.b.ring(inc, w.now).unwrap();
    w.run_for(Duration::from_secs(2));
    let ringing = w.log.iter().filter(|l| l.starts_with("B> SIP/2.0 180")).count();
    assert_eq!(ringing, 2, "180 retransmitted once after the lost PRACK: {:?}", w.log);
    assert_eq!(w.log.iter().filter(|l| l.starts_with("A> PRACK")).count(), 2);
    assert_eq!(
        w.ev_a.iter().filter(|e| matches!(e, UaEvent::Progress { status: 180, .. })).count(),
        1,
        "reported once"
    );
    assert!(w.log.iter().any(|l| l == "B> SIP/2.0 200 OK"), "PRACK answered");
    w.b.answer(inc, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_millis(100));
    assert!(established(&w.ev_a, c) && established(&w.ev_b, inc));
}

/// RFC 3262 §3 lets the UAS send its 2xx before the reliable 180 is PRACKed (a call
/// answered at once, as a phone answers an INVITE with Replaces): the PRACK that then
/// arrives is for the last reliable provisional and gets 200, and the call stays up.
#[test]
fn a_prack_after_the_answer_is_accepted_and_the_call_stays_up() {
    let mut w = World::new();
    let c = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let inc = w.incoming();
    w.b.ring(inc, w.now).unwrap();
    w.b.answer(inc, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_secs(2));
    assert!(w.log.iter().any(|l| l.starts_with("A> PRACK")), "{:?}", w.log);
    assert!(
        !w.log.iter().any(|l| l.starts_with("B> SIP/2.0 481")),
        "no 481 to the PRACK: {:?}",
        w.log
    );
    assert!(established(&w.ev_a, c) && established(&w.ev_b, inc));
    assert!(ended(&w.ev_a, c).is_none() && ended(&w.ev_b, inc).is_none(), "{:?}", w.ev_a);
}

fn short_sessions(w: &mut World) {
    for (ua, user, a, seed) in [(&mut w.a, "alice", A, 1), (&mut w.b, "bob", B, 2)] {
        let aor = match Uri::parse(&format!("sip:{user}@{a}")).unwrap() {
            Uri::Sip(u) => u,
            _ => unreachable!(),
        };
        let mut cfg = UaConfig::new(aor, a.parse().unwrap());
        cfg.session_expires = Some(Duration::from_secs(90));
        *ua = UserAgent::new(cfg, seed);
    }
}

#[test]
fn session_timer_refreshes_at_half_interval_and_peer_answers_itself() {
    let mut w = World::new();
    short_sessions(&mut w);
    let c = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let inc = w.incoming();
    w.b.answer(inc, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_secs(200));
    let invites: Vec<&String> = w.log.iter().filter(|l| l.starts_with("A> INVITE")).collect();
    assert_eq!(invites.len(), 5, "initial INVITE and refreshes at 45, 90, 135, 180 s: {:?}", w.log);
    assert!(
        !w.ev_b.iter().any(|e| matches!(e, UaEvent::UpdateRequested { .. })),
        "refreshes are answered without the user"
    );
    assert!(
        !w.ev_a.iter().any(|e| matches!(e, UaEvent::UpdateResult { .. })),
        "and not reported as updates"
    );
    assert!(ended(&w.ev_a, c).is_none() && ended(&w.ev_b, inc).is_none());
}

#[test]
fn session_ends_when_the_refresher_goes_quiet() {
    let mut w = World::new();
    short_sessions(&mut w);
    let mut invites = 0;
    w.drop = Box::new(move |l| {
        if l.starts_with("A> INVITE") {
            invites += 1;
            invites > 1
        } else {
            false
        }
    });
    let c = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let inc = w.incoming();
    w.b.answer(inc, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_secs(100));
    assert!(
        matches!(ended(&w.ev_b, inc), Some(EndReason::Failed(r)) if r.contains("session expired")),
        "{:?}",
        w.ev_b
    );
    assert_eq!(ended(&w.ev_a, c), Some(EndReason::Remote));
}

#[test]
fn session_interval_too_small_gets_422_and_caller_retries() {
    // UAS side: Session-Expires below 90 s is refused with Min-SE.
    let mut ua = agent("bob", B, 3);
    let now = Instant::now();
    let invite = format!(
        "INVITE sip:bob@{B} SIP/2.0\r\nVia: SIP/2.0/UDP {A};branch=z9hG4bK422\r\nFrom: <sip:alice@{A}>;tag=x\r\nTo: <sip:bob@{B}>\r\nCall-ID: se@x\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@{A}>\r\nSession-Expires: 30\r\nMax-Forwards: 70\r\n\r\n"
    );
    ua.handle_bytes(invite.as_bytes(), Target::udp(A.parse().unwrap()), now);
    let Ok(Message::Response(r)) = parse_datagram(&ua.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    assert_eq!(r.status.0, 422);
    assert_eq!(r.headers.get(&earshot_sip::message::HeaderName::MinSe), Some("90"));

    // UAC side: asking 1800 s, a 422 with Min-SE: 3600 makes the caller retry with 3600.
    let mut a = agent("alice", A, 4);
    a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], now).unwrap();
    let Ok(Message::Request(inv)) = parse_datagram(&a.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    let mut resp = earshot_sip::message::Response::to_request(&inv, 422, Some("t"));
    resp.headers.push(earshot_sip::message::HeaderName::MinSe, "3600");
    a.handle_message(Message::Response(resp), Target::udp(B.parse().unwrap()), now);
    let retry = std::iter::from_fn(|| a.poll_transmit())
        .filter_map(|t| match parse_datagram(&t.bytes) {
            Ok(Message::Request(r)) if r.method == earshot_sip::message::Method::Invite => Some(r),
            _ => None,
        })
        .next()
        .expect("a new INVITE");
    assert_eq!(retry.headers.get(&earshot_sip::message::HeaderName::SessionExpires), Some("3600"));
    assert_eq!(retry.headers.cseq().unwrap().seq, 2);
}

fn notifier(w: &mut World) {
    let aor = match Uri::parse(&format!("sip:bob@{B}")).unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    };
    let mut cfg = UaConfig::new(aor, B.parse().unwrap());
    cfg.event_packages = vec!["dialog".into()];
    w.b = UserAgent::new(cfg, 2);
}

#[test]
fn subscription_lifecycle() {
    use earshot_sip::ua::SubHandle;
    let mut w = World::new();
    notifier(&mut w);
    let sub =
        w.a.subscribe(
            &addr("<sip:bob@127.0.0.1:5080>"),
            "dialog",
            "application/dialog-info+xml",
            120,
            w.now,
        )
        .unwrap();
    w.run_for(Duration::from_millis(50));
    let served: SubHandle = w
        .ev_b
        .iter()
        .find_map(|e| match e {
            UaEvent::SubscriptionRequested { sub, package, .. } if package == "dialog" => {
                Some(*sub)
            }
            _ => None,
        })
        .expect("subscription offered to the user");
    w.b.accept_subscription(served, 60, "application/dialog-info+xml", b"<v1/>".to_vec(), w.now)
        .unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(
        w.ev_a
            .iter()
            .any(|e| matches!(e, UaEvent::SubscriptionActive { sub: s, expires: 60 } if *s == sub))
    );
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::Notified { body, state, .. } if body == b"<v1/>" && state.starts_with("active"))));
    w.b.notify(served, "application/dialog-info+xml", b"<v2/>".to_vec(), w.now).unwrap();
    w.run_for(Duration::from_secs(100));
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::Notified { body, .. } if body == b"<v2/>")));
    let refreshes = w.log.iter().filter(|l| l.starts_with("A> SUBSCRIBE")).count();
    assert!(refreshes >= 3, "refreshed before expiry: {:?}", w.log);
    assert!(!w.ev_a.iter().any(|e| matches!(e, UaEvent::SubscriptionEnded { .. })));
    w.a.unsubscribe(sub, w.now).unwrap();
    w.run_for(Duration::from_millis(100));
    assert!(
        w.ev_a.iter().any(|e| matches!(e, UaEvent::SubscriptionEnded { sub: s, .. } if *s == sub)),
        "{:?}",
        w.ev_a
    );
    assert!(
        w.ev_b
            .iter()
            .any(|e| matches!(e, UaEvent::SubscriptionEnded { sub: s, .. } if *s == served))
    );
}

#[test]
fn unknown_package_and_lapsed_subscription() {
    let mut w = World::new();
    notifier(&mut w);
    let sub = w
        .a
        .subscribe(&addr("<sip:bob@127.0.0.1:5080>"), "presence", "application/pidf+xml", 60, w.now)
        .unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(w.log.iter().any(|l| l == "B> SIP/2.0 489 Bad Event"));
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::SubscriptionEnded { sub: s, reason } if *s == sub && reason.starts_with("489"))));

    // The subscriber stops refreshing: the notifier ends it with reason=timeout.
    let mut w = World::new();
    notifier(&mut w);
    let mut subscribes = 0;
    w.drop = Box::new(move |l| {
        if l.starts_with("A> SUBSCRIBE") {
            subscribes += 1;
            subscribes > 1
        } else {
            false
        }
    });
    let sub =
        w.a.subscribe(
            &addr("<sip:bob@127.0.0.1:5080>"),
            "dialog",
            "application/dialog-info+xml",
            60,
            w.now,
        )
        .unwrap();
    w.run_for(Duration::from_millis(50));
    let served = w
        .ev_b
        .iter()
        .find_map(|e| {
            if let UaEvent::SubscriptionRequested { sub, .. } = e { Some(*sub) } else { None }
        })
        .unwrap();
    w.b.accept_subscription(served, 60, "application/dialog-info+xml", b"<v1/>".to_vec(), w.now)
        .unwrap();
    w.run_for(Duration::from_secs(120));
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::SubscriptionEnded { sub: s, reason } if *s == sub && reason == "timeout")), "{:?}", w.ev_a);
}

#[test]
fn refer_with_sipfrag_progress() {
    let mut w = World::new();
    let (c, inc) = w.connect();
    // Bob transfers Alice to Carol.
    w.b.refer(inc, &addr("<sip:carol@127.0.0.1:5090>"), w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let (refer_to, by) = w
        .ev_a
        .iter()
        .find_map(|e| match e {
            UaEvent::TransferRequested { call, refer_to, referred_by, replaces: None }
                if *call == c =>
            {
                Some((refer_to.uri.to_string(), referred_by.as_ref().map(|r| r.uri.to_string())))
            }
            _ => None,
        })
        .expect("transfer requested");
    assert_eq!(refer_to, "sip:carol@127.0.0.1:5090");
    assert_eq!(by.as_deref(), Some("sip:bob@127.0.0.1:5080"));
    assert!(w.log.iter().any(|l| l == "A> SIP/2.0 202 Accepted"));
    w.a.transfer_progress(c, 180, "Ringing", w.now).unwrap();
    w.a.transfer_progress(c, 200, "OK", w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let progress: Vec<(u16, bool)> = w
        .ev_b
        .iter()
        .filter_map(|e| match e {
            UaEvent::TransferProgress { status, done, .. } => Some((*status, *done)),
            _ => None,
        })
        .collect();
    assert_eq!(progress, [(100, false), (180, false), (200, true)]);
    assert!(w.a.transfer_progress(c, 200, "OK", w.now).is_err(), "the subscription ended");
}

#[test]
fn replaces_and_join_find_their_dialog_or_fail() {
    let mut w = World::new();
    let (c, inc) = w.connect();
    let d = w.a.dialog(c).unwrap().id.clone();
    // As Bob sees it: to-tag is Bob's tag, from-tag is Alice's.
    let value = format!("{};to-tag={};from-tag={}", d.call_id, d.remote_tag, d.local_tag);
    use earshot_sip::message::HeaderName;
    for (header, extra, expect) in [
        (HeaderName::Replaces, "", None),
        (HeaderName::Join, "", None),
        (HeaderName::Replaces, ";early-only", Some(486)),
        (HeaderName::Replaces, "x", Some(481)),
    ] {
        w.ev_b.clear();
        w.log.clear();
        let v = if extra == "x" {
            value.replace(&d.local_tag, "nope")
        } else {
            format!("{value}{extra}")
        };
        w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![(header.clone(), v)], w.now)
            .unwrap();
        w.run_for(Duration::from_millis(100));
        match expect {
            None => {
                let found = w.ev_b.iter().find_map(|e| match e {
                    UaEvent::IncomingCall { replaces, joins, .. } => Some((*replaces, *joins)),
                    _ => None,
                });
                let want = if header == HeaderName::Replaces {
                    (Some(inc), None)
                } else {
                    (None, Some(inc))
                };
                assert_eq!(found, Some(want), "{header}");
            }
            Some(code) => assert!(
                w.log.iter().any(|l| l.starts_with(&format!("B> SIP/2.0 {code}"))),
                "{header}{extra}: {:?}",
                w.log
            ),
        }
    }
}

#[test]
fn update_method_and_redirects() {
    let mut w = World::new();
    let (c, inc) = w.connect();
    let newer = String::from_utf8(SDP.to_vec()).unwrap().replace("o=- 1 1", "o=- 1 2").into_bytes();
    w.a.update(c, newer.clone(), w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(w.log.iter().any(|l| l.starts_with("A> UPDATE")));
    assert!(
        w.ev_b
            .iter()
            .any(|e| matches!(e, UaEvent::UpdateRequested { offer: Some(o), .. } if *o == newer))
    );
    w.b.answer_update(inc, Ok(SDP.to_vec()), w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(w.ev_a.iter().any(|e| matches!(e, UaEvent::UpdateResult { status: 200, .. })));
    let acks = w.log.iter().filter(|l| l.starts_with("A> ACK")).count();
    assert_eq!(acks, 1, "only the initial INVITE is ACKed: {:?}", w.log);

    // 302: the caller follows the Contact (here, another user on the same agent).
    let mut w = World::new();
    let c = w.a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    let first = w.incoming();
    w.b.redirect(first, 302, &[addr("<sip:bob-desk@127.0.0.1:5080>")], w.now).unwrap();
    w.run_for(Duration::from_millis(100));
    let second = w
        .ev_b
        .iter()
        .find_map(|e| match e {
            UaEvent::IncomingCall { call, request, .. } if *call != first => {
                Some((*call, request.uri.to_string()))
            }
            _ => None,
        })
        .expect("the redirected INVITE");
    assert_eq!(second.1, "sip:bob-desk@127.0.0.1:5080");
    w.b.answer(second.0, SDP.to_vec(), w.now).unwrap();
    w.run_for(Duration::from_millis(50));
    assert!(established(&w.ev_a, c), "{:?}", w.ev_a);
}

#[test]
fn merged_request_gets_482() {
    // The same INVITE (From tag, Call-ID, CSeq) arriving with another branch: a loop.
    let mut ua = agent("bob", B, 5);
    let now = Instant::now();
    let invite = |branch: &str| {
        format!(
            "INVITE sip:bob@{B} SIP/2.0\r\nVia: SIP/2.0/UDP {A};branch={branch}\r\nFrom: <sip:alice@{A}>;tag=x\r\nTo: <sip:bob@{B}>\r\nCall-ID: loop@x\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@{A}>\r\nMax-Forwards: 70\r\n\r\n"
        )
    };
    ua.handle_bytes(invite("z9hG4bKone").as_bytes(), Target::udp(A.parse().unwrap()), now);
    ua.handle_bytes(invite("z9hG4bKtwo").as_bytes(), Target::udp(A.parse().unwrap()), now);
    let statuses: Vec<String> = std::iter::from_fn(|| ua.poll_transmit())
        .map(|t| String::from_utf8_lossy(&t.bytes).lines().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(statuses, ["SIP/2.0 100 Trying", "SIP/2.0 482 Loop Detected"]);
}

#[test]
fn a_second_fork_that_answers_is_acked_and_hung_up() {
    use earshot_sip::message::{HeaderName, Method, Request};
    let mut a = agent("alice", A, 6);
    let now = Instant::now();
    a.call(&addr("<sip:bob@127.0.0.1:5080>"), SDP.to_vec(), vec![], now).unwrap();
    let Ok(Message::Request(inv)) = parse_datagram(&a.poll_transmit().unwrap().bytes) else {
        panic!()
    };
    let ok = |tag: &str, contact: &str| {
        let mut r = earshot_sip::message::Response::to_request(&inv, 200, Some(tag));
        r.headers.push(HeaderName::Contact, format!("<sip:{contact}@127.0.0.1:5080>"));
        r.headers.push(HeaderName::ContentType, "application/sdp");
        r.body = SDP.to_vec();
        Message::Response(r)
    };
    a.handle_message(ok("one", "desk"), Target::udp(B.parse().unwrap()), now);
    a.handle_message(ok("two", "mobile"), Target::udp(B.parse().unwrap()), now);
    let sent: Vec<Request> = std::iter::from_fn(|| a.poll_transmit())
        .filter_map(|t| match parse_datagram(&t.bytes) {
            Ok(Message::Request(r)) => Some(r),
            _ => None,
        })
        .collect();
    let summary: Vec<(Method, String)> = sent
        .iter()
        .map(|r| (r.method.clone(), r.headers.to().unwrap().tag().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        summary,
        [(Method::Ack, "one".into()), (Method::Ack, "two".into()), (Method::Bye, "two".into())],
        "the first answer is kept, the second fork is ACKed then released"
    );
    assert_eq!(sent[2].uri.to_string(), "sip:mobile@127.0.0.1:5080");
}

/// A scripted registrar: REGISTER is challenged (digest, SHA-256), verified, granted 60 s;
/// the agent must refresh before expiry, back off after a failure, and unregister.
#[test]
fn registration_auth_refresh_backoff_and_removal() {
    use earshot_sip::auth::{Algorithm, Credential, DigestServer, Verdict};
    use earshot_sip::message::{Challenge, HeaderName, Method, Request, Response};
    let aor = match Uri::parse("sip:1001@earshot.test").unwrap() {
        Uri::Sip(u) => u,
        _ => unreachable!(),
    };
    let mut cfg = UaConfig::new(aor, A.parse().unwrap());
    cfg.credentials = vec![Credential {
        realm: Some("earshot.test".into()),
        username: "1001".into(),
        password: "pw".into(),
    }];
    cfg.instance_id = Some("urn:uuid:00000000-0000-0000-0000-000000000001".into());
    let mut ua = UserAgent::new(cfg, 8);
    let server = DigestServer::new("earshot.test", Algorithm::Sha256, "k");
    let registrar = Target::udp(B.parse().unwrap());
    let t0 = Instant::now();
    let next_register = |ua: &mut UserAgent| -> Request {
        std::iter::from_fn(|| ua.poll_transmit())
            .find_map(|t| match parse_datagram(&t.bytes) {
                Ok(Message::Request(r)) if r.method == Method::Register => Some(r),
                _ => None,
            })
            .expect("a REGISTER")
    };
    let reg = ua.register(Uri::parse(&format!("sip:{B}")).unwrap(), 60, t0).unwrap();
    let first = next_register(&mut ua);
    assert!(first.headers.get(&HeaderName::Contact).unwrap().contains("+sip.instance=\"urn:uuid:"));
    let mut challenge = Response::to_request(&first, 401, Some("r"));
    challenge.headers.push(HeaderName::WwwAuthenticate, server.challenge(1000, false));
    ua.handle_message(Message::Response(challenge), registrar, t0);
    let second = next_register(&mut ua);
    let creds: &Challenge = second.headers.challenges(&HeaderName::Authorization).unwrap()[0];
    assert_eq!(
        server.verify(creds, "REGISTER", b"", 1001, |_| Some("pw".into())),
        Verdict::Authenticated("1001".into())
    );
    assert_eq!(second.headers.cseq().unwrap().seq, first.headers.cseq().unwrap().seq + 1);
    assert_eq!(
        second.headers.call_id().unwrap(),
        first.headers.call_id().unwrap(),
        "same Call-ID for the binding"
    );
    let mut ok = Response::to_request(&second, 200, Some("r"));
    let contact = second.headers.get(&HeaderName::Contact).unwrap().to_owned();
    ok.headers.push(HeaderName::Contact, format!("{contact};expires=60"));
    ua.handle_message(Message::Response(ok), registrar, t0);
    assert!(
        std::iter::from_fn(|| ua.poll_event())
            .any(|e| e == UaEvent::Registered { reg, expires: 60 })
    );

    // Refresh at 60 - min(30, 30) = 30 s, not before.
    ua.handle_timeout(t0 + Duration::from_millis(29_900));
    assert!(std::iter::from_fn(|| ua.poll_transmit()).next().is_none(), "no refresh before 30 s");
    let t1 = t0 + Duration::from_secs(30);
    ua.handle_timeout(t1);
    let refresh = next_register(&mut ua);
    let fail = Response::to_request(&refresh, 503, Some("r"));
    ua.handle_message(Message::Response(fail), registrar, t1);
    let retry = std::iter::from_fn(|| ua.poll_event()).find_map(|e| match e {
        UaEvent::RegistrationFailed { status: 503, retry_in, .. } => retry_in,
        _ => None,
    });
    let retry = retry.expect("back-off reported");
    assert!((Duration::from_secs(15)..=Duration::from_secs(30)).contains(&retry), "{retry:?}");
    ua.handle_timeout(t1 + retry);
    let again = next_register(&mut ua);
    assert!(again.headers.cseq().unwrap().seq > refresh.headers.cseq().unwrap().seq);

    ua.unregister(reg, t1 + retry).unwrap();
    let removal = next_register(&mut ua);
    assert_eq!(removal.headers.expires().unwrap(), Some(0));
}
