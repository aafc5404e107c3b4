//! Three headless phones on loopback, checked on the audio: B transfers A to C, blind
//! (REFER) and attended (REFER with Replaces of B's consultation dialog, RFC 5589); call
//! waiting and a three-way conference at B, each party hearing the other two and not
//! itself. Each phone speaks its own espeak-ng sentence from `--audio-in-live`; who hears whom
//! is the correlation of an earpiece (`--audio-out`) with each party's speech (see
//! `common::heard`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::{AGENT, CUSTOMER, Party, Voice, heard, heard_among, lags, party, temp_dir};

const THIRD: &str = "This is the billing department. We have your invoice from March \
                     and the refund will be processed within five working days.";

/// A threshold between "hears" (≥ 0.35: one voice of two is 0.6–0.7) and "does not
/// hear" (< 0.15: unrelated speech scores 0.05 or less).
fn hears(listener: &Voice, speaker: &Voice, from: Instant, secs: f64) -> bool {
    let h = heard(listener, speaker, from, secs);
    eprintln!("correlation {h:.2}");
    assert!(!(0.15..0.35).contains(&h), "ambiguous: correlation {h:.2}");
    h >= 0.35
}

/// As [`hears`], for one voice of several in the earpiece: the others are taken out first
/// (`common::heard_among`), so a louder voice beside it does not hide it.
fn hears_among(
    listener: &Voice,
    speaker: &Voice,
    others: &[&Voice],
    from: Instant,
    secs: f64,
) -> bool {
    let h = heard_among(listener, speaker, others, from, secs);
    let steps: Vec<String> = lags(listener, speaker, from, secs, 0.5)
        .iter()
        .map(|(ms, c)| format!("{ms:.0} ms {c:.2}"))
        .collect();
    eprintln!("correlation with the others taken out {h:.2}; per 0.5 s: {}", steps.join(", "));
    assert!(!(0.15..0.35).contains(&h), "ambiguous: correlation {h:.2}");
    h >= 0.35
}

fn uri(p: &Party) -> String {
    p.phone.uri.clone()
}

#[test]
fn b_transfers_a_to_c_blind_and_they_talk() {
    let dir = temp_dir("blind");
    let mut a = party(&dir, "alice", CUSTOMER, "en-gb", 40.0, &[]);
    let mut b = party(&dir, "bob", AGENT, "en-us", 40.0, &[]);
    let mut c = party(&dir, "carol", THIRD, "en-us+f3", 40.0, &["--auto-answer"]);
    a.phone.send(&format!("call {}", uri(&b)));
    b.phone.wait_for("incoming", |e| e["event"] == "incoming-call");
    b.phone.send("answer 1");
    a.phone.wait_state(1, "active");
    std::thread::sleep(Duration::from_secs(2));
    b.phone.send(&format!("transfer 1 {}", uri(&c)));
    // A calls C itself (call 2), then its call with B ends; B hears the transfer worked.
    a.phone.wait_state(2, "active");
    a.phone.wait_state(1, "ended");
    let (_, done) =
        b.phone.wait_for("transfer done", |e| e["event"] == "transfer" && e["done"] == true);
    assert_eq!(done["status"], 200, "{done}");
    b.phone.wait_state(1, "ended");
    c.phone.wait_state(1, "active");
    let talking = Instant::now() + Duration::from_secs(1);
    std::thread::sleep(Duration::from_secs(5));
    a.phone.send("hangup 2");
    c.phone.wait_state(1, "ended");
    let (a, _, c) = (a.finish(), b.finish(), c.finish());
    assert!(hears(&c, &a, talking, 3.0), "C hears A after the transfer");
    assert!(hears(&a, &c, talking, 3.0), "A hears C after the transfer");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn b_consults_c_then_transfers_a_to_c_attended() {
    let dir = temp_dir("attended");
    let mut a = party(&dir, "alice", CUSTOMER, "en-gb", 40.0, &[]);
    let mut b = party(&dir, "bob", AGENT, "en-us", 40.0, &[]);
    let mut c = party(&dir, "carol", THIRD, "en-us+f3", 40.0, &["--auto-answer"]);
    a.phone.send(&format!("call {}", uri(&b)));
    b.phone.wait_for("incoming", |e| e["event"] == "incoming-call");
    b.phone.send("answer 1");
    a.phone.wait_state(1, "active");
    std::thread::sleep(Duration::from_secs(1));
    // B consults C: A is held, B and C talk.
    b.phone.send(&format!("consult 1 {}", uri(&c)));
    a.phone.wait_state(1, "remote-held");
    b.phone.wait_state(2, "active");
    c.phone.wait_state(1, "active");
    let consulting = Instant::now() + Duration::from_millis(500);
    std::thread::sleep(Duration::from_secs(3));
    // B completes the transfer: A calls C replacing B's dialog with C (RFC 3891).
    b.phone.send("complete-transfer 1 2");
    let ended = |id: u64| {
        move |e: &serde_json::Value| {
            e["event"] == "call-state" && e["id"] == id && e["state"] == "ended"
        }
    };
    let active = |id: u64| {
        move |e: &serde_json::Value| {
            e["event"] == "call-state" && e["id"] == id && e["state"] == "active"
        }
    };
    a.phone.saw_or_wait("A's call to C", active(2));
    a.phone.saw_or_wait("A's call to B ended", ended(1));
    c.phone.saw_or_wait("C's call from A", active(2));
    c.phone.saw_or_wait("C's call from B replaced", ended(1));
    assert!(
        !c.phone.seen.iter().any(|(_, e)| e["state"] == "held"),
        "C hung up B's call rather than holding it"
    );
    // At B, in an order the network decides: C's BYE ends the consultation, A's NOTIFY
    // says the transfer worked, then the first call ends.
    let (_, done) =
        b.phone.saw_or_wait("transfer done", |e| e["event"] == "transfer" && e["done"] == true);
    assert_eq!(done["status"], 200, "{done}");
    for id in [1, 2] {
        b.phone.saw_or_wait("ended", |e| {
            e["event"] == "call-state" && e["id"] == id && e["state"] == "ended"
        });
    }
    let talking = Instant::now() + Duration::from_secs(1);
    std::thread::sleep(Duration::from_secs(5));
    a.phone.send("hangup 2");
    c.phone.wait_state(2, "ended");
    let (a, b, c) = (a.finish(), b.finish(), c.finish());
    assert!(hears(&c, &b, consulting, 2.0), "C hears B while consulting");
    assert!(!hears(&a, &b, consulting, 2.0), "A, held, does not hear the consultation");
    assert!(!hears(&c, &a, consulting, 2.0), "C does not hear A before the transfer");
    assert!(hears(&c, &a, talking, 3.0), "C hears A after the transfer");
    assert!(hears(&a, &c, talking, 3.0), "A hears C after the transfer");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A calls B; C calls B while they talk (call waiting: B is told of call 2 during call
/// 1); B answers C (A is held), then merges both: each of the three hears the other two
/// and not itself. Then B splits A out: C and B go on, A is held.
#[test]
fn call_waiting_then_a_three_way_conference_at_b() {
    let dir = temp_dir("conference");
    let mut a = party(&dir, "alice", CUSTOMER, "en-gb", 40.0, &[]);
    let mut b = party(&dir, "bob", AGENT, "en-us", 40.0, &[]);
    let mut c = party(&dir, "carol", THIRD, "en-us+f3", 40.0, &[]);
    a.phone.send(&format!("call {}", uri(&b)));
    b.phone.wait_for("incoming", |e| e["event"] == "incoming-call" && e["id"] == 1);
    b.phone.send("answer 1");
    a.phone.wait_state(1, "active");
    c.phone.send(&format!("call {}", uri(&b)));
    b.phone.wait_for("call waiting", |e| e["event"] == "incoming-call" && e["id"] == 2);
    b.phone.send("answer 2");
    b.phone.wait_state(1, "held");
    a.phone.wait_state(1, "remote-held");
    c.phone.wait_state(1, "active");
    b.phone.send("conference 1 2");
    a.phone.wait_state(1, "active");
    let merged = Instant::now() + Duration::from_secs(1);
    std::thread::sleep(Duration::from_secs(5));
    b.phone.send("split 1");
    a.phone.wait_state(1, "remote-held");
    let split = Instant::now() + Duration::from_millis(700);
    std::thread::sleep(Duration::from_secs(3));
    b.phone.send("hangup 1");
    b.phone.send("hangup 2");
    a.phone.wait_state(1, "ended");
    c.phone.wait_state(1, "ended");
    let (a, b, c) = (a.finish(), b.finish(), c.finish());
    for (name, listener, others, own) in
        [("A", &a, [&b, &c], &a), ("B", &b, [&a, &c], &b), ("C", &c, [&a, &b], &c)]
    {
        for (i, o) in others.iter().enumerate() {
            let rest: Vec<&Voice> =
                others.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, v)| *v).collect();
            assert!(
                hears_among(listener, o, &rest, merged, 3.0),
                "{name} hears each other party in the conference"
            );
        }
        assert!(!hears(listener, own, merged, 3.0), "{name} does not hear itself");
    }
    assert!(hears(&c, &b, split, 2.0), "after the split C still hears B");
    assert!(!hears(&c, &a, split, 2.0), "after the split C no longer hears A");
    assert!(!hears(&a, &b, split, 2.0), "A, split out and held, hears nobody");
    std::fs::remove_dir_all(&dir).unwrap();
}
