//! The transaction layer (RFC 3261 §17, RFC 6026) on a virtual clock: exact timer values,
//! retransmission and absorption rules, and a seeded lossy, reordering in-memory network.
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

use earshot_sip::message::{HeaderName, Message, Method, Request, Response, Uri, parse_datagram};
use earshot_sip::target::Target;
use earshot_sip::transaction::{TimerConfig, TransactionLayer, Transmit, TxEvent, TxId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const UAC: &str = "127.0.0.1:5070";
const UAS: &str = "127.0.0.1:5080";

fn udp(a: &str) -> Target {
    Target::udp(a.parse().unwrap())
}

fn make_request(method: Method, branch: &str, transport: &str) -> Request {
    let mut r = Request::new(method.clone(), Uri::parse("sip:bob@127.0.0.1:5080").unwrap());
    r.headers
        .push(HeaderName::Via, format!("SIP/2.0/{transport} 127.0.0.1:5070;branch={branch};rport"));
    r.headers.push(HeaderName::From, "<sip:alice@127.0.0.1>;tag=a1");
    r.headers.push(HeaderName::To, "<sip:bob@127.0.0.1>");
    r.headers.push(HeaderName::CallId, format!("call-{branch}"));
    r.headers.push(HeaderName::CSeq, format!("1 {method}"));
    r.headers.push(HeaderName::MaxForwards, "70");
    r
}

fn reply(req: &Request, code: u16) -> Response {
    Response::to_request(req, code, Some("b1"))
}

fn drain(l: &mut TransactionLayer) -> (Vec<Transmit>, Vec<TxEvent>) {
    (
        std::iter::from_fn(|| l.poll_transmit()).collect(),
        std::iter::from_fn(|| l.poll_event()).collect(),
    )
}

/// Runs the clock to each timer until `until`, returning the offsets of the transmissions
/// and the events seen.
fn run_timers(
    l: &mut TransactionLayer,
    t0: Instant,
    until: Duration,
) -> (Vec<Duration>, Vec<TxEvent>) {
    let mut sends = Vec::new();
    let mut events = Vec::new();
    while let Some(t) = l.poll_timeout() {
        if t - t0 > until {
            break;
        }
        l.handle_timeout(t);
        let (tx, ev) = drain(l);
        sends.extend(tx.iter().map(|_| t - t0));
        events.extend(ev);
    }
    (sends, events)
}

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|&m| Duration::from_millis(m)).collect()
}

#[test]
fn invite_client_timer_a_doubles_and_timer_b_fires_at_64_t1() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let tx = l.send_request(make_request(Method::Invite, "z9hG4bKa", "UDP"), udp(UAS), t0).unwrap();
    assert_eq!(drain(&mut l).0.len(), 1);
    let (sends, events) = run_timers(&mut l, t0, Duration::from_secs(60));
    assert_eq!(sends, ms(&[500, 1500, 3500, 7500, 15500, 31500]));
    assert_eq!(events, [TxEvent::Timeout { tx }, TxEvent::Terminated { tx }]);
    assert_eq!(l.len(), (0, 0));
}

#[test]
fn non_invite_client_timer_e_caps_at_t2_and_f_fires() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let tx =
        l.send_request(make_request(Method::Options, "z9hG4bKo", "UDP"), udp(UAS), t0).unwrap();
    drain(&mut l);
    let (sends, events) = run_timers(&mut l, t0, Duration::from_secs(60));
    assert_eq!(sends, ms(&[500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]));
    assert_eq!(events, [TxEvent::Timeout { tx }, TxEvent::Terminated { tx }]);
}

#[test]
fn non_invite_client_after_provisional_retransmits_every_t2_then_k() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let req = make_request(Method::Options, "z9hG4bKp", "UDP");
    let tx = l.send_request(req.clone(), udp(UAS), t0).unwrap();
    drain(&mut l);
    l.handle_message(
        Message::Response(reply(&req, 100)),
        udp(UAS),
        t0 + Duration::from_millis(100),
    );
    let (sends, _) = run_timers(&mut l, t0, Duration::from_secs(9));
    // §17.1.2.2: timer E still fires at 500 ms in Proceeding, then is reset to T2.
    assert_eq!(sends, ms(&[500, 4500, 8500]), "retransmissions every T2 after the 1xx");
    let t = t0 + Duration::from_secs(9);
    l.handle_message(Message::Response(reply(&req, 200)), udp(UAS), t);
    let (_, ev) = drain(&mut l);
    assert!(matches!(&ev[..], [TxEvent::Response { response, .. }] if response.status.0 == 200));
    // Timer K = T4, then terminated.
    assert_eq!(l.poll_timeout(), Some(t + Duration::from_secs(5)));
    l.handle_timeout(t + Duration::from_secs(5));
    assert_eq!(drain(&mut l).1, [TxEvent::Terminated { tx }]);
}

#[test]
fn invite_client_acks_non_2xx_and_repeats_ack_then_timer_d() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let req = make_request(Method::Invite, "z9hG4bKi", "UDP");
    let tx = l.send_request(req.clone(), udp(UAS), t0).unwrap();
    drain(&mut l);
    let busy = reply(&req, 486);
    l.handle_message(Message::Response(busy.clone()), udp(UAS), t0);
    let (tx_out, ev) = drain(&mut l);
    let Message::Request(ack) = parse_datagram(&tx_out[0].bytes).unwrap() else { panic!() };
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(
        ack.headers.top_via().unwrap().branch(),
        Some("z9hG4bKi"),
        "same branch as the INVITE"
    );
    assert_eq!(ack.headers.to().unwrap().tag(), Some("b1"), "To from the response");
    assert_eq!(ack.headers.cseq().unwrap().method, Method::Ack);
    assert!(matches!(&ev[..], [TxEvent::Response { .. }]));
    l.handle_message(Message::Response(busy), udp(UAS), t0 + Duration::from_secs(1));
    let (again, ev) = drain(&mut l);
    assert_eq!(again.len(), 1, "retransmitted 486 is ACKed again");
    assert!(ev.is_empty(), "and not passed up twice");
    assert_eq!(l.poll_timeout(), Some(t0 + Duration::from_secs(32)));
    l.handle_timeout(t0 + Duration::from_secs(32));
    assert_eq!(drain(&mut l).1, [TxEvent::Terminated { tx }]);
}

#[test]
fn invite_client_accepted_state_passes_2xx_retransmissions_then_strays() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let req = make_request(Method::Invite, "z9hG4bKok", "UDP");
    let tx = l.send_request(req.clone(), udp(UAS), t0).unwrap();
    drain(&mut l);
    let ok = reply(&req, 200);
    l.handle_message(Message::Response(ok.clone()), udp(UAS), t0);
    assert!(matches!(&drain(&mut l).1[..], [TxEvent::Response { .. }]));
    l.handle_message(Message::Response(ok.clone()), udp(UAS), t0 + Duration::from_secs(1));
    let (out, ev) = drain(&mut l);
    assert!(out.is_empty(), "the transaction never ACKs a 2xx");
    assert!(
        matches!(&ev[..], [TxEvent::Response { .. }]),
        "RFC 6026: 2xx retransmissions reach the TU"
    );
    l.handle_timeout(t0 + Duration::from_secs(32));
    assert_eq!(drain(&mut l).1, [TxEvent::Terminated { tx }]);
    l.handle_message(Message::Response(ok), udp(UAS), t0 + Duration::from_secs(33));
    assert!(matches!(&drain(&mut l).1[..], [TxEvent::StrayResponse { .. }]));
}

#[test]
fn invite_server_repeats_responses_timer_g_h_and_ack_confirms() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let req = make_request(Method::Invite, "z9hG4bKs", "UDP");
    l.handle_message(Message::Request(req.clone()), udp(UAC), t0);
    let ev = drain(&mut l).1;
    let TxEvent::Request { tx: Some(tx), request, .. } = &ev[0] else { panic!("{ev:?}") };
    let tx = *tx;
    // rport filled and received added (RFC 3581, §18.2.1).
    let via = request.headers.top_via().unwrap();
    assert_eq!(via.rport(), Some(Some(5070)));
    l.send_response(tx, &reply(&req, 180), t0).unwrap();
    assert_eq!(drain(&mut l).0.len(), 1);
    l.handle_message(Message::Request(req.clone()), udp(UAC), t0 + Duration::from_millis(300));
    let (out, ev) = drain(&mut l);
    assert_eq!(
        (out.len(), ev.len()),
        (1, 0),
        "retransmitted INVITE gets the last provisional, TU not bothered"
    );
    l.send_response(tx, &reply(&req, 486), t0 + Duration::from_secs(1)).unwrap();
    drain(&mut l);
    let (sends, _) = run_timers(&mut l, t0, Duration::from_secs(13));
    assert_eq!(sends, ms(&[1500, 2500, 4500, 8500, 12500]), "timer G doubles to T2");
    // The ACK (same branch as the INVITE) confirms; timer I = T4.
    let mut ack = make_request(Method::Ack, "z9hG4bKs", "UDP");
    ack.headers.set(HeaderName::CSeq, "1 ACK");
    let t = t0 + Duration::from_secs(13);
    l.handle_message(Message::Request(ack), udp(UAC), t);
    assert_eq!(drain(&mut l), (vec![], vec![]), "an ACK to a non-2xx is absorbed");
    assert_eq!(l.poll_timeout(), Some(t + Duration::from_secs(5)));
    l.handle_timeout(t + Duration::from_secs(5));
    assert_eq!(drain(&mut l).1, [TxEvent::Terminated { tx }]);
}

#[test]
fn invite_server_without_ack_times_out_with_timer_h() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let req = make_request(Method::Invite, "z9hG4bKh", "UDP");
    l.handle_message(Message::Request(req.clone()), udp(UAC), t0);
    let TxEvent::Request { tx: Some(tx), .. } = drain(&mut l).1[0] else { panic!() };
    l.send_response(tx, &reply(&req, 603), t0).unwrap();
    let (_, events) = run_timers(&mut l, t0, Duration::from_secs(40));
    assert_eq!(events, [TxEvent::Timeout { tx }, TxEvent::Terminated { tx }]);
}

#[test]
fn invite_server_accepted_absorbs_retransmissions_and_passes_acks() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let req = make_request(Method::Invite, "z9hG4bKacc", "UDP");
    l.handle_message(Message::Request(req.clone()), udp(UAC), t0);
    let TxEvent::Request { tx: Some(tx), .. } = drain(&mut l).1[0] else { panic!() };
    l.send_response(tx, &reply(&req, 200), t0).unwrap();
    assert_eq!(drain(&mut l).0.len(), 1);
    l.handle_message(Message::Request(req.clone()), udp(UAC), t0 + Duration::from_millis(500));
    assert_eq!(drain(&mut l), (vec![], vec![]), "RFC 6026 §7.1: INVITE retransmission absorbed");
    // The TU retransmits its 2xx itself through the transaction.
    l.send_response(tx, &reply(&req, 200), t0 + Duration::from_millis(500)).unwrap();
    assert_eq!(drain(&mut l).0.len(), 1);
    let ack = make_request(Method::Ack, "z9hG4bKother", "UDP");
    l.handle_message(Message::Request(ack), udp(UAC), t0 + Duration::from_secs(1));
    assert!(
        matches!(&drain(&mut l).1[..], [TxEvent::Request { tx: None, .. }]),
        "2xx ACK goes to the TU"
    );
    l.handle_timeout(t0 + Duration::from_secs(32));
    assert_eq!(drain(&mut l).1, [TxEvent::Terminated { tx }], "timer L");
}

#[test]
fn non_invite_server_timer_j_and_reliable_transports_skip_waits() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let req = make_request(Method::Options, "z9hG4bKj", "UDP");
    l.handle_message(Message::Request(req.clone()), udp(UAC), t0);
    let TxEvent::Request { tx: Some(tx), .. } = drain(&mut l).1[0] else { panic!() };
    l.send_response(tx, &reply(&req, 200), t0).unwrap();
    drain(&mut l);
    l.handle_message(Message::Request(req), udp(UAC), t0 + Duration::from_secs(2));
    assert_eq!(drain(&mut l).0.len(), 1, "retransmitted request gets the final again");
    assert_eq!(l.poll_timeout(), Some(t0 + Duration::from_secs(32)));

    let mut r = TransactionLayer::new(TimerConfig::default());
    let tcp = Target::tcp(UAC.parse().unwrap());
    let req = make_request(Method::Options, "z9hG4bKt", "TCP");
    r.handle_message(Message::Request(req.clone()), tcp, t0);
    let TxEvent::Request { tx: Some(tx), .. } = drain(&mut r).1[0] else { panic!() };
    r.send_response(tx, &reply(&req, 200), t0).unwrap();
    assert_eq!(drain(&mut r).1, [TxEvent::Terminated { tx }], "timer J is zero on TCP");
    let c = r
        .send_request(
            make_request(Method::Invite, "z9hG4bKtc", "TCP"),
            Target::tcp(UAS.parse().unwrap()),
            t0,
        )
        .unwrap();
    drain(&mut r);
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(32)), "no timer A on TCP, only B");
    r.handle_transport_error(Target::tcp(UAS.parse().unwrap()));
    assert_eq!(drain(&mut r).1, [TxEvent::TransportError { tx: c }, TxEvent::Terminated { tx: c }]);
}

#[test]
fn cancel_matches_its_invite_and_foreign_responses_are_dropped() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    let inv = make_request(Method::Invite, "z9hG4bKc", "UDP");
    l.handle_message(Message::Request(inv.clone()), udp(UAC), t0);
    let TxEvent::Request { tx: Some(inv_tx), .. } = drain(&mut l).1[0] else { panic!() };
    let mut cancel = inv.clone();
    cancel.method = Method::Cancel;
    cancel.headers.set(HeaderName::CSeq, "1 CANCEL");
    l.handle_message(Message::Request(cancel), udp(UAC), t0);
    let ev = drain(&mut l).1;
    assert!(
        matches!(&ev[..], [TxEvent::Request { cancels: Some(t), .. }] if *t == inv_tx),
        "{ev:?}"
    );

    let req = make_request(Method::Options, "z9hG4bKmine", "UDP");
    l.send_request(req.clone(), udp(UAS), t0).unwrap();
    drain(&mut l);
    let mut foreign = reply(&req, 200);
    foreign.headers.set(HeaderName::Via, "SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923");
    l.handle_message(Message::Response(foreign), udp(UAS), t0);
    assert_eq!(drain(&mut l), (vec![], vec![]));
    assert_eq!(l.dropped, 1);
}

/// A seeded network between two layers: each datagram is lost with probability `loss`,
/// otherwise delivered after 10–150 ms, so that datagrams overtake each other.
struct Net {
    rng: StdRng,
    loss: f64,
    in_flight: BTreeMap<(Instant, u64), (Target, Target, Vec<u8>)>,
    seq: u64,
}

impl Net {
    fn send(&mut self, now: Instant, from: Target, t: Transmit) {
        if self.rng.random_bool(self.loss) {
            return;
        }
        let delay = Duration::from_millis(self.rng.random_range(10..150));
        self.seq += 1;
        self.in_flight.insert((now + delay, self.seq), (from, t.target, t.bytes));
    }
}

#[test]
fn transactions_survive_a_lossy_reordering_network() {
    for seed in 1..=5u64 {
        let mut uac = TransactionLayer::new(TimerConfig::default());
        let mut uas = TransactionLayer::new(TimerConfig::default());
        let mut net =
            Net { rng: StdRng::seed_from_u64(seed), loss: 0.3, in_flight: BTreeMap::new(), seq: 0 };
        let t0 = Instant::now();
        let mut now = t0;
        let mut started: Vec<TxId> = Vec::new();
        let mut completed = 0;
        let mut timed_out = 0;
        for i in 0..40 {
            let m = if i % 4 == 0 { Method::Invite } else { Method::Options };
            let id = uac
                .send_request(
                    make_request(m, &format!("z9hG4bK{seed}x{i}"), "UDP"),
                    udp(UAS),
                    now + Duration::from_millis(i * 50),
                )
                .unwrap();
            started.push(id);
        }
        loop {
            // Move everything queued onto the network.
            while let Some(t) = uac.poll_transmit() {
                net.send(now, udp(UAC), t);
            }
            while let Some(t) = uas.poll_transmit() {
                net.send(now, udp(UAS), t);
            }
            while let Some(e) = uac.poll_event() {
                match e {
                    TxEvent::Response { response, .. } if response.status.is_final() => {
                        completed += 1
                    }
                    TxEvent::Timeout { .. } => timed_out += 1,
                    _ => {}
                }
            }
            while let Some(e) = uas.poll_event() {
                if let TxEvent::Request { tx: Some(tx), request, .. } = e {
                    uas.send_response(
                        tx,
                        &reply(&request, if request.method == Method::Invite { 486 } else { 200 }),
                        now,
                    )
                    .unwrap();
                }
            }
            let next_net = net.in_flight.keys().next().map(|k| k.0);
            let next =
                [next_net, uac.poll_timeout(), uas.poll_timeout()].into_iter().flatten().min();
            let Some(next) = next else { break };
            now = next.max(now);
            if next_net == Some(next) {
                let ((_, _), (from, to, bytes)) = net.in_flight.pop_first().unwrap();
                let msg = parse_datagram(&bytes).unwrap();
                if to == udp(UAS) {
                    uas.handle_message(msg, from, now)
                } else {
                    uac.handle_message(msg, from, now)
                }
            } else {
                uac.handle_timeout(now);
                uas.handle_timeout(now);
            }
            assert!(now - t0 < Duration::from_secs(120), "simulation must end");
        }
        // Retransmissions carry almost every transaction through 30 % loss; the final
        // response can still be lost every time, which timer B/F then reports.
        assert_eq!(
            completed + timed_out,
            started.len(),
            "seed {seed}: every transaction ends one way"
        );
        assert!(completed >= 36, "seed {seed}: only {completed} of 40 completed");
        assert_eq!(uac.len(), (0, 0), "seed {seed}: client transactions all ended");
        assert_eq!(uas.len(), (0, 0), "seed {seed}: server transactions all ended");
    }
}

#[test]
fn a_stalled_clock_does_not_burst_retransmissions() {
    let mut l = TransactionLayer::new(TimerConfig::default());
    let t0 = Instant::now();
    l.send_request(make_request(Method::Options, "z9hG4bKstall", "UDP"), udp(UAS), t0).unwrap();
    drain(&mut l);
    // The process was suspended for 10 s: one catch-up retransmission, then on schedule.
    l.handle_timeout(t0 + Duration::from_secs(10));
    assert_eq!(drain(&mut l).0.len(), 1);
    assert_eq!(l.poll_timeout(), Some(t0 + Duration::from_secs(10) + Duration::from_secs(1)));

    // A zero T1 is raised so that timers always advance.
    let zero = TimerConfig { t1: Duration::ZERO, ..TimerConfig::default() };
    let mut z = TransactionLayer::new(zero);
    z.send_request(make_request(Method::Options, "z9hG4bKzero", "UDP"), udp(UAS), t0).unwrap();
    let tx =
        z.send_request(make_request(Method::Options, "z9hG4bKzero2", "UDP"), udp(UAS), t0).unwrap();
    z.handle_timeout(t0 + Duration::from_secs(1));
    let (_, events) = drain(&mut z);
    assert!(events.contains(&TxEvent::Timeout { tx }), "timer F (64 ms) fired and the loop ended");
}
