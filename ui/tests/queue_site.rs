//! Routing on the reference site (Kamailio with its presence server and queues on SQLite,
//! `WITH_DESK`): three Earshot agents register with digest authentication and PUBLISH
//! their desk state; a supervisor watches them through the site. SIPp customers call the
//! queue address: only a Ready agent is offered the call, with the case data the caller
//! sent; an offer left unanswered moves to the next Ready agent and the first becomes Not
//! Ready ("missed offer"); with nobody Ready the caller hears ringback, waits, and is
//! answered 480. A customer on baresip reaches an agent through the queue; the agent fills
//! in the case, consults a second agent (who sees it) and transfers the customer blind;
//! with a customer on Earshot, an attended transfer completes (the consulted
//! agent's interaction goes on with the customer); blind transfers carry the case too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::site_phones::{site_agent, site_supervisor};
use common::{Headless, temp_dir};
use earshot_tests::baresip::{Baresip, BaresipAccount, BaresipAudio};
use earshot_tests::kamailio::{DeskSite, Site};
use earshot_tests::speech::say;
use earshot_tests::{Peer, sipp_call, sipp_call_timed, sipp_response_times};

fn agent(dir: &std::path::Path, user: &str, site: &Site) -> Headless {
    let desk = "[desk]\noffer_timeout_s = 3\n\
                case_fields = [{ source = \"Ticket\", order = 1, editable = true }]\n\
                [desk.queues.support]\nlabel = \"Support\"\n";
    site_agent(dir, user, site, desk)
}

fn supervisor(dir: &std::path::Path, site: &Site) -> Headless {
    site_supervisor(dir, site, "")
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

/// As [`seen`], for a state reported after the supervisor's `from`th event.
fn seen_since(s: &mut Headless, from: usize, agent: &str, state: &str) {
    let aor = format!("sip:{agent}@earshot.test");
    let is = |e: &serde_json::Value| {
        e["event"] == "agent" && e["agent"] == aor.as_str() && e["state"] == state
    };
    let _ = s.saw(|_| false);
    if !s.seen.iter().skip(from).any(|(_, e)| is(e)) {
        s.wait_for(&format!("{agent} {state}"), is);
    }
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
    let timing = dir.join("sipp-timing");
    std::fs::create_dir_all(&timing).unwrap();
    let call =
        sipp_call_timed("uac_queue_case.xml", "support", &site.addr.to_string(), Some(&timing));
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
    let rtt = sipp_response_times(&timing);
    eprintln!("the caller's INVITE to the first 180 through the site: {rtt:?} ms");
    assert_eq!(rtt.len(), 1, "one response time: {rtt:?}");
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

/// The interaction event of `a` for interaction `id` that satisfies `f`.
fn interaction(
    a: &mut Headless,
    what: &str,
    id: u64,
    f: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    a.saw_or_wait(what, |e| e["event"] == "interaction" && e["id"] == id && f(e)).1
}

#[test]
fn consultations_and_transfers_carry_the_case_to_the_next_agent() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 10, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("queue-site-transfers");
    let mut a1 = agent(&dir, "1001", &site);
    let mut a2 = agent(&dir, "1002", &site);
    let mut a3 = agent(&dir, "1003", &site);
    state(&mut a1, "ready", "ready");
    state(&mut a2, "not-ready Meeting", "not-ready");
    state(&mut a3, "not-ready Meeting", "not-ready");
    // The site must know the states before the customer calls.
    let mut sup = supervisor(&dir, &site);
    for user in ["1001", "1002", "1003"] {
        sup.send(&format!("watch {user}"));
    }
    seen(&mut sup, "1001", "ready");
    seen(&mut sup, "1002", "not-ready");
    seen(&mut sup, "1003", "not-ready");

    // A customer of the site, not one of its users: calls without registering.
    let one = say("Hello, I am calling about my broken parcel.", "en-gb", 8000);
    let pcm: Vec<i16> = one.iter().copied().cycle().take(90 * 8000).collect();
    let mut baresip = runtime.block_on(Baresip::start(BaresipAccount {
        aor: Some("ann@customer.example".into()),
        outbound: Some(site.addr.to_string()),
        unregistered: true,
        audio: Some(BaresipAudio { pcm, rate: 8000, codecs: vec!["PCMU".into()], ptime: None }),
        ..BaresipAccount::default()
    }));
    runtime.block_on(baresip.command("dial", "sip:support@earshot.test"));
    let (_, offer) = a1.wait_for("the queue's offer", offered);
    assert_eq!(offer["queue"], "support", "{offer}");
    assert_eq!(offer["contact"], "sip:ann@customer.example", "{offer}");
    assert_eq!(offer["case"]["Ticket"], "", "a field to fill in: {offer}");
    let first = offer["id"].as_u64().unwrap();
    let customer_call = offer["call"].as_u64().unwrap();
    a1.send(&format!("accept {first}"));
    interaction(&mut a1, "active", first, |e| e["state"] == "active");
    let ticket = "T-4711 & Söhne";
    a1.send(&format!("case {first} Ticket {ticket}"));
    interaction(&mut a1, "the ticket", first, |e| e["case"]["Ticket"] == ticket);

    // Consultation: 1002 (Not Ready for the queue, reachable directly) sees the case.
    a1.send(&format!("consult {customer_call} sip:1002@earshot.test"));
    let (_, consulted) = a2.wait_for("the consultation", offered);
    assert_eq!(consulted["case"]["Ticket"], ticket, "{consulted}");
    assert_eq!(consulted["contact"], "sip:1001@earshot.test", "{consulted}");
    let second = consulted["id"].as_u64().unwrap();
    a2.send(&format!("accept {second}"));
    interaction(&mut a2, "consultation active", second, |e| e["state"] == "active");
    a2.send(&format!("note {second} refund agreed with 1001"));
    let (_, consult_call) = a1.saw_or_wait("the consultation up", |e| {
        e["event"] == "call-state"
            && e["remote"] == "sip:1002@earshot.test"
            && e["state"] == "active"
    });
    let consult_call = consult_call["id"].as_u64().unwrap();

    // The consultation over, 1001 transfers the customer blind to 1002: baresip follows
    // the REFER and 1002 is offered the customer with the case. (baresip 1.0 drops the
    // headers of the Refer-To URI, which the site adds back to its INVITE, and garbles
    // Replaces, so it cannot complete an attended transfer: see the Earshot customer.)
    a1.send(&format!("hangup {consult_call}"));
    interaction(&mut a2, "the consultation in wrap-up", second, |e| e["state"] == "wrap-up");
    a1.send(&format!("transfer {customer_call} sip:1002@earshot.test"));
    let (_, moved) = a2.wait_for("the transferred customer", |e| offered(e) && e["id"] != second);
    eprintln!("the blind transfer's offer at 1002: {moved}");
    assert_eq!(moved["contact"], "sip:ann@customer.example", "{moved}");
    assert_eq!(moved["case"]["Ticket"], ticket, "the site added the case: {moved}");
    let moved_id = moved["id"].as_u64().unwrap();
    a2.send(&format!("accept {moved_id}"));
    interaction(&mut a2, "the customer on 1002", moved_id, |e| e["state"] == "active");
    // baresip reports the new call answered (RFC 3515 NOTIFY 200): 1001's is transferred.
    interaction(&mut a1, "transferred", first, |e| e["state"] == "transferred");
    runtime.block_on(baresip.command("hangup", ""));
    interaction(&mut a2, "wrap-up at 1002", moved_id, |e| e["state"] == "wrap-up");

    // An attended transfer, with a customer on Earshot (peer to peer, no account): 1001
    // takes the queue call, consults 1003 and completes the transfer; the customer's
    // INVITE with Replaces takes the consultation's place at 1003, whose interaction goes
    // on with the customer, case and note kept.
    // 1001 wraps up both its interactions (the call, transferred, and the consultation).
    let (_, consultation) = a1.saw_or_wait("the consultation's wrap-up", |e| {
        e["event"] == "interaction" && e["link"][0] == "consultation" && e["state"] == "wrap-up"
    });
    let since = sup.seen.len();
    a1.send(&format!("done {}", consultation["id"]));
    a1.send(&format!("done {first}"));
    a1.wait_for("ready again", |e| e["event"] == "agent-state" && e["state"] == "ready");
    let mut customer = Headless::start_with(&dir, "ann", r#"["PCMU"]"#, "", &[]);
    let (_, ready) = customer.saw_or_wait("ready", |e| e["event"] == "ready");
    let ann = ready["uri"].as_str().unwrap().to_owned();
    seen_since(&mut sup, since, "1001", "ready");
    customer.send(&format!("call sip:support@{}", site.addr));
    let (_, offer) = a1.wait_for("the second queue call", |e| offered(e) && e["id"] != first);
    assert_eq!(offer["contact"], ann.as_str(), "{offer}");
    let first = offer["id"].as_u64().unwrap();
    let customer_call = offer["call"].as_u64().unwrap();
    a1.send(&format!("accept {first}"));
    interaction(&mut a1, "active", first, |e| e["state"] == "active");
    a1.send(&format!("case {first} Ticket T-4712"));
    interaction(&mut a1, "the ticket", first, |e| e["case"]["Ticket"] == "T-4712");
    a1.send(&format!("consult {customer_call} sip:1003@earshot.test"));
    let (_, consulted) = a3.wait_for("the consultation", offered);
    assert_eq!(consulted["case"]["Ticket"], "T-4712", "{consulted}");
    let third = consulted["id"].as_u64().unwrap();
    a3.send(&format!("accept {third}"));
    interaction(&mut a3, "consultation active", third, |e| e["state"] == "active");
    a3.send(&format!("note {third} replacement sent"));
    interaction(&mut a3, "the note", third, |e| e["note"] == "replacement sent");
    let (_, consult_call) = a1.saw_or_wait("the consultation up", |e| {
        e["event"] == "call-state"
            && e["remote"] == "sip:1003@earshot.test"
            && e["state"] == "active"
    });
    let consult_call = consult_call["id"].as_u64().unwrap();
    a1.send(&format!("complete-transfer {customer_call} {consult_call}"));
    let taken =
        interaction(&mut a3, "the customer on 1003", third, |e| e["contact"] == ann.as_str());
    assert_eq!(taken["state"], "active", "{taken}");
    assert_eq!(taken["case"]["Ticket"], "T-4712", "{taken}");
    assert_eq!(taken["note"], "replacement sent", "{taken}");
    interaction(&mut a1, "transferred", first, |e| e["state"] == "transferred");
    assert!(!a3.saw(|e| offered(e) && e["id"] != third), "one interaction at 1003");
    // The customer's phone followed the REFER with a call of its own.
    let (_, new_call) = customer.saw_or_wait("the call to 1003", |e| {
        e["event"] == "call-state" && e["id"] != 1 && e["state"] == "active"
    });
    customer.send(&format!("hangup {}", new_call["id"]));
    let ended = interaction(&mut a3, "wrap-up at 1003", third, |e| e["state"] == "wrap-up");
    assert_eq!(ended["case"]["Ticket"], "T-4712", "{ended}");
    customer.quit();
    drop(baresip);
    for a in [a1, a2, a3, sup] {
        a.quit();
    }
    drop(site);
    std::fs::remove_dir_all(&dir).ok();
}
