//! Routing on the reference site (Kamailio with its presence server and queues on SQLite,
//! `WITH_DESK`): three Earshot agents register with digest authentication and PUBLISH
//! their desk state; a supervisor watches them through the site. SIPp customers call the
//! queue address: only a Ready agent is offered the call, with the case data the caller
//! sent; an offer left unanswered moves to the next Ready agent and the first becomes Not
//! Ready ("missed offer"); with nobody Ready the caller hears ringback, waits, and is
//! answered 480.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::{Headless, temp_dir};
use earshot_tests::kamailio::{DeskSite, Site};
use earshot_tests::{Peer, sipp_call};

fn agent(dir: &std::path::Path, user: &str, site: &Site) -> Headless {
    let more = format!(
        "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"agent-{user}\"\n\
         outbound_proxy = \"{}\"\nexpires = 300\n\
         [desk]\noffer_timeout_s = 3\n[desk.queues.support]\nlabel = \"Support\"\n",
        site.addr
    );
    let mut a = Headless::start_with(dir, &format!("agent-{user}"), r#"["PCMU"]"#, &more, &[]);
    a.wait_for("registered", |e| e["event"] == "registration" && e["state"] == "registered");
    a
}

fn supervisor(dir: &std::path::Path, site: &Site) -> Headless {
    let more = format!(
        "[[accounts]]\naor = \"sip:2001@earshot.test\"\npassword = \"supervisor-2001\"\n\
         outbound_proxy = \"{}\"\nexpires = 300\n",
        site.addr
    );
    let mut s = Headless::start_with(dir, "supervisor", r#"["PCMU"]"#, &more, &[]);
    s.wait_for("registered", |e| e["event"] == "registration" && e["state"] == "registered");
    s
}

fn caller(scenario: &str, site: &Site) -> Peer {
    sipp_call(scenario, "support", &site.addr.to_string())
}

fn state(a: &mut Headless, words: &str, want: &str) {
    a.send(&format!("state {words}"));
    a.wait_for(want, |e| e["event"] == "agent-state" && e["state"] == want);
}

/// Waits until the supervisor sees `agent` in `state`.
fn seen(s: &mut Headless, agent: &str, state: &str) {
    let aor = format!("sip:{agent}@earshot.test");
    s.saw_or_wait(&format!("{agent} {state}"), |e| {
        e["event"] == "agent" && e["agent"] == aor.as_str() && e["state"] == state
    });
}

fn offered(e: &serde_json::Value) -> bool {
    e["event"] == "interaction" && e["state"] == "offered"
}

#[test]
fn queue_calls_reach_ready_agents_only_and_move_on_when_missed() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("queue-site");
    let mut a1 = agent(&dir, "1001", &site);
    let mut a2 = agent(&dir, "1002", &site);
    let mut a3 = agent(&dir, "1003", &site);
    let mut sup = supervisor(&dir, &site);
    for user in ["1001", "1002", "1003"] {
        sup.send(&format!("watch {user}"));
    }
    // Only 1002 is Ready; the supervisor sees each state through the site's presence.
    state(&mut a1, "not-ready Break", "not-ready");
    state(&mut a2, "ready", "ready");
    seen(&mut sup, "1001", "not-ready");
    seen(&mut sup, "1002", "ready");
    seen(&mut sup, "1003", "logged-out");

    // The first call goes to 1002, with its case data.
    let sent = Instant::now();
    let call = caller("uac_queue_case.xml", &site);
    let (at, offer) = a2.wait_for("the offer", offered);
    eprintln!("routed INVITE to offer at the agent: {} ms", (at - sent).as_millis());
    assert_eq!(offer["queue"], "support", "{offer}");
    assert_eq!(offer["case"]["Account-Id"], "A-77 & Co", "{offer}");
    assert_eq!(offer["case"]["User-to-User"], "Order 42", "{offer}");
    let id = offer["id"].as_u64().unwrap();
    a2.send(&format!("accept {id}"));
    a2.wait_for("wrap-up", |e| e["event"] == "interaction" && e["state"] == "wrap-up");
    let (code, out) = runtime.block_on(call.finish(30));
    assert_eq!(code, Some(0), "the customer reached 1002:\n{out}");
    assert!(!a1.saw(offered) && !a3.saw(offered), "no one else was offered it");
    // 1002 is in After-Call Work: closed for the queue.
    seen(&mut sup, "1002", "after-call-work");

    // 1001 and 1003 Ready: round-robin offers 1003 first; it lets the offer run out and
    // becomes Not Ready (missed offer); the call moves on to 1001, who takes it.
    state(&mut a1, "ready", "ready");
    state(&mut a3, "ready", "ready");
    seen(&mut sup, "1001", "ready");
    seen(&mut sup, "1003", "ready");
    let call = caller("uac_queue_case.xml", &site);
    let (_, first) = a3.wait_for("the offer to 1003", offered);
    let first_id = first["id"].as_u64().unwrap();
    a3.wait_for("missed", |e| {
        e["event"] == "interaction" && e["id"] == first_id && e["state"] == "missed"
    });
    let (_, missed) =
        a3.saw_or_wait("not ready", |e| e["event"] == "agent-state" && e["state"] == "not-ready");
    assert_eq!(missed["reason"], "missed offer", "{missed}");
    let (_, second) = a1.wait_for("the offer to 1001", offered);
    a1.send(&format!("accept {}", second["id"]));
    a1.wait_for("wrap-up", |e| e["event"] == "interaction" && e["state"] == "wrap-up");
    let (code, out) = runtime.block_on(call.finish(30));
    assert_eq!(code, Some(0), "the customer reached 1001 after 1003 missed it:\n{out}");
    seen(&mut sup, "1003", "not-ready");
    assert!(!a2.saw(|e| offered(e) && e["id"] != id), "1002 in wrap-up was not offered it");

    // Nobody Ready (two in wrap-up, one Not Ready): ringback, a wait, then 480.
    seen(&mut sup, "1001", "after-call-work");
    let waited = Instant::now();
    let call = caller("uac_queue_waits.xml", &site);
    let (code, out) = runtime.block_on(call.finish(30));
    let waited = waited.elapsed();
    assert_eq!(code, Some(0), "180 then 480:\n{out}");
    eprintln!("with nobody Ready the caller waited {} ms for its 480", waited.as_millis());
    assert!(waited >= Duration::from_secs(3) && waited < Duration::from_secs(10), "{waited:?}");
    // Each agent was offered one call: the last one reached nobody.
    for (name, a) in [("1001", &mut a1), ("1002", &mut a2), ("1003", &mut a3)] {
        let _ = a.saw(|_| false);
        let offers: std::collections::BTreeSet<u64> = a
            .seen
            .iter()
            .filter(|(_, e)| offered(e))
            .filter_map(|(_, e)| e["id"].as_u64())
            .collect();
        assert_eq!(offers.len(), 1, "{name} was offered {offers:?}");
    }
    // What an agent's headless phone holds after a shift of three calls with the desk.
    let status = std::fs::read_to_string(format!("/proc/{}/status", a2.pid())).unwrap();
    let kb = |key: &str| -> String {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or(key)
            .split_whitespace()
            .nth(1)
            .unwrap_or("?")
            .to_owned()
    };
    eprintln!("agent 1002's phone: RSS {} kB, peak {} kB", kb("VmRSS:"), kb("VmHWM:"));
    for a in [a1, a2, a3, sup] {
        a.quit();
    }
    drop(site);
    std::fs::remove_dir_all(&dir).ok();
}
