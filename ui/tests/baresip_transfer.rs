//! Transfers between Earshot and baresip through the reference site (Kamailio on
//! loopback, every party registered with digest authentication): Earshot transfers
//! baresip to another Earshot phone (baresip follows the REFER), and baresip transfers
//! Earshot (Earshot follows it), each checked on the signalling and on the audio.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::{AGENT, CUSTOMER, earpiece_window, heard, party_with, rms, temp_dir};
use earshot_tests::baresip::{Baresip, BaresipAccount, BaresipAudio};
use earshot_tests::kamailio::Site;
use earshot_tests::speech::say;

fn account(user: &str, proxy: std::net::SocketAddr) -> String {
    format!(
        "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"agent-{user}\"\n\
         outbound_proxy = \"{proxy}\"\nexpires = 300\n"
    )
}

fn baresip_speaking(site: &Site, auto_answer: bool) -> BaresipAccount {
    // baresip ends its call when the file ends: a minute of speech.
    let one = say("Good morning, this is the customer calling about my parcel.", "en-gb", 8000);
    let mut pcm = Vec::new();
    while pcm.len() < 60 * 8000 {
        pcm.extend_from_slice(&one);
    }
    BaresipAccount {
        aor: Some("1003@earshot.test".into()),
        password: Some("agent-1003".into()),
        outbound: Some(site.addr.to_string()),
        auto_answer,
        contact: None,
        audio: Some(BaresipAudio { pcm, rate: 8000, codecs: vec!["PCMU".into()], ptime: None }),
        ..BaresipAccount::default()
    }
}

/// The RMS of `file` (an earpiece) over `secs` from `from`, for a phone ready at `ready`.
fn level(file: &std::path::Path, ready: Instant, from: Instant, secs: f64) -> f64 {
    rms(&earpiece_window(file, ready, from, secs))
}

#[test]
fn earshot_transfers_baresip_to_another_agent() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let dir = temp_dir("transfers-baresip");
    let ok = |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    let mut a = party_with(&dir, "alice", AGENT, "en-us", 30.0, &account("1001", site.addr), &[]);
    let mut c = party_with(
        &dir,
        "carol",
        CUSTOMER,
        "en-gb",
        30.0,
        &account("1002", site.addr),
        &["--auto-answer"],
    );
    a.phone.wait_for("registered", ok);
    c.phone.wait_for("registered", ok);
    let mut b = runtime.block_on(Baresip::start(baresip_speaking(&site, false)));
    assert!(runtime.block_on(b.wait_registered("1003@earshot.test")), "baresip registers");
    runtime.block_on(b.command("dial", "sip:1001@earshot.test"));
    let (_, incoming) = a.phone.wait_for("incoming", |e| e["event"] == "incoming-call");
    assert_eq!(incoming["from"], "sip:1003@earshot.test");
    a.phone.send("answer 1");
    a.phone.wait_state(1, "active");
    std::thread::sleep(Duration::from_secs(2));
    a.phone.send("transfer 1 1002");
    // baresip calls C itself; A hears it worked and its call ends.
    let (_, c_incoming) = c.phone.wait_for("incoming", |e| e["event"] == "incoming-call");
    assert_eq!(c_incoming["from"], "sip:1003@earshot.test", "{c_incoming}");
    c.phone.wait_state(1, "active");
    let (_, done) =
        a.phone.saw_or_wait("transfer done", |e| e["event"] == "transfer" && e["done"] == true);
    assert_eq!(done["status"], 200, "{done}");
    a.phone.saw_or_wait("ended", |e| {
        e["event"] == "call-state" && e["id"] == 1 && e["state"] == "ended"
    });
    let talking = Instant::now() + Duration::from_secs(1);
    std::thread::sleep(Duration::from_secs(4));
    let c_ready = c.phone.ready_at;
    c.phone.send("hangup 1");
    c.phone.wait_state(1, "ended");
    let (_, c) = (a.finish(), c.finish());
    // baresip's speech reaches C after the transfer (its file starts with the call, so
    // this checks the level: speech, where nothing was heard before).
    let after = level(&c.heard_file, c_ready, talking, 3.0);
    let before = level(&c.heard_file, c_ready, c_ready + Duration::from_millis(500), 1.0);
    eprintln!("C's earpiece: rms {before:.0} before the transfer, {after:.0} after");
    assert!(before < 10.0 && after > 300.0);
    drop(b);
    drop(site);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn baresip_transfers_earshot_to_another_agent() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let dir = temp_dir("baresip-transfers");
    let ok = |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    let mut a =
        party_with(&dir, "alice", CUSTOMER, "en-gb", 30.0, &account("1001", site.addr), &[]);
    let mut c = party_with(
        &dir,
        "carol",
        AGENT,
        "en-us",
        30.0,
        &account("1002", site.addr),
        &["--auto-answer"],
    );
    a.phone.wait_for("registered", ok);
    c.phone.wait_for("registered", ok);
    let mut b = runtime.block_on(Baresip::start(baresip_speaking(&site, true)));
    assert!(runtime.block_on(b.wait_registered("1003@earshot.test")), "baresip registers");
    a.phone.send("call 1003");
    a.phone.wait_state(1, "active");
    assert!(runtime.block_on(b.wait_for(10, "CALL_ESTABLISHED")).is_some(), "{:?}", b.seen);
    std::thread::sleep(Duration::from_secs(2));
    runtime.block_on(b.command("transfer", "sip:1002@earshot.test"));
    // Earshot follows the REFER: its call 2 to C, then its call with baresip ends.
    a.phone.saw_or_wait("call to C", |e| {
        e["event"] == "call-state" && e["id"] == 2 && e["state"] == "active"
    });
    a.phone.saw_or_wait("ended", |e| {
        e["event"] == "call-state" && e["id"] == 1 && e["state"] == "ended"
    });
    c.phone.wait_state(1, "active");
    let talking = Instant::now() + Duration::from_secs(1);
    std::thread::sleep(Duration::from_secs(4));
    a.phone.send("hangup 2");
    c.phone.wait_state(1, "ended");
    let (a, c) = (a.finish(), c.finish());
    let (ac, ca) = (heard(&c, &a, talking, 2.5), heard(&a, &c, talking, 2.5));
    let steps = |l: &common::Voice, s: &common::Voice| -> String {
        let steps = common::lags(l, s, talking, 2.5, 0.5);
        steps.iter().map(|(ms, c)| format!("{ms:.0} ms {c:.2}")).collect::<Vec<_>>().join(", ")
    };
    eprintln!(
        "after baresip's transfer: C hears A {ac:.2} ({}), A hears C {ca:.2} ({})",
        steps(&c, &a),
        steps(&a, &c)
    );
    assert!(ac > 0.5 && ca > 0.5, "A and C hear each other");
    drop(b);
    drop(site);
    std::fs::remove_dir_all(&dir).ok();
}
