//! The phone against SIPp scenarios that other phones rarely exercise: a call to a
//! redirect server is followed (RFC 3261 §8.1.3.4: 302 Moved Temporarily with B's address
//! in Contact; A's phone calls B itself and the two hear each other), and digits go as SIP
//! INFO to a peer whose answer has no telephone-event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::{AGENT, CUSTOMER, heard, party, temp_dir};
use earshot_tests::{Peer, asset, free_port};

#[test]
fn a_302_is_followed_to_the_new_address() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let dir = temp_dir("redirect");
    let mut a = party(&dir, "alice", CUSTOMER, "en-gb", 30.0, &[]);
    let mut b = party(&dir, "bob", AGENT, "en-us", 30.0, &["--auto-answer"]);
    let port = free_port("127.0.0.1").to_string();
    let sipp = sipp("uas_redirect.xml", &port, &["-key", "target", &b.phone.uri]);
    std::thread::sleep(Duration::from_millis(300));
    a.phone.send(&format!("call sip:sales@127.0.0.1:{port}"));
    let (_, incoming) = b.phone.wait_for("the redirected call", |e| e["event"] == "incoming-call");
    assert!(incoming["from"].as_str().unwrap().starts_with("sip:alice@"), "{incoming}");
    let (_, active) = a.phone.wait_for("answered by B", |e| {
        e["event"] == "call-state" && e["id"] == 1 && e["state"] == "active"
    });
    eprintln!("A's call once answered: {active}");
    let talking = Instant::now() + Duration::from_secs(1);
    std::thread::sleep(Duration::from_secs(4));
    a.phone.send("hangup 1");
    b.phone.wait_state(1, "ended");
    let (code, out) = runtime.block_on(sipp.finish(10));
    assert_eq!(code, Some(0), "SIPp's redirect scenario:\n{out}");
    let (a, b) = (a.finish(), b.finish());
    let (ab, ba) = (heard(&b, &a, talking, 2.5), heard(&a, &b, talking, 2.5));
    eprintln!("after the redirect: B hears A {ab:.2}, A hears B {ba:.2}");
    // One voice heard alone: 0.6-1.0 (see common::heard); not heard: 0.05 or less.
    assert!(ab > 0.5 && ba > 0.5, "each hears the other");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn digits_go_as_sip_info_when_the_peer_has_no_telephone_event() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let dir = temp_dir("info-dtmf");
    let heard = dir.join("alice-heard.wav");
    let mut a = common::Headless::start(
        &dir,
        "alice",
        r#"["PCMU"]"#,
        &["--audio-out", heard.to_str().unwrap()],
    );
    let port = free_port("127.0.0.1").to_string();
    let media_port = free_port("127.0.0.1").to_string();
    let sipp = sipp("uas_info_dtmf.xml", &port, &["-mp", &media_port]);
    std::thread::sleep(Duration::from_millis(300));
    a.send(&format!("call sip:ivr@127.0.0.1:{port}"));
    a.wait_state(1, "active");
    a.send("dtmf 1 5#");
    // Two digits, 200 ms apart; then hang up.
    std::thread::sleep(Duration::from_millis(1200));
    a.send("hangup 1");
    a.wait_state(1, "ended");
    let (code, out) = runtime.block_on(sipp.finish(10));
    assert_eq!(code, Some(0), "SIPp got INFO 5 then INFO #:\n{out}");
    a.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// SIPp running `tests/sipp/SCENARIO` once on 127.0.0.1:`port` (bounded: 25 s).
fn sipp(scenario: &str, port: &str, extra: &[&str]) -> Peer {
    let scenario = asset(&format!("sipp/{scenario}"));
    let mut args = vec!["-nostdin", "-m", "1", "-timeout", "25s", "-timeout_error", "-sf"];
    args.push(scenario.to_str().unwrap());
    args.extend_from_slice(&["-i", "127.0.0.1", "-p", port]);
    args.extend_from_slice(extra);
    Peer::spawn("sipp", "sipp", &args)
}
