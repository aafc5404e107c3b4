//! The interaction desk through the headless phone, with SIPp as the customer: a call to a
//! queue carries its case data (X- headers, User-to-User, Call-Info) into the offered
//! interaction; Accept answers it and opens the queue's screen pop; the customer hangs up
//! and the agent is in After-Call Work; a mandatory wrap-up refuses Done without a code;
//! the phone killed with SIGKILL mid-wrap-up comes back with the half-typed note; an agent
//! who is not Ready refuses a routed call with 486 without ringing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Headless, temp_dir};
use earshot_tests::{Peer, asset};

const DESK: &str = r#"
[desk.queues.support]
wrap_up = "mandatory"
screen_pops = [{ label = "CRM", url = "https://crm.example/find?account={Account-Id}&order={User-to-User}", on_accept = true }]
"#;

fn sipp(scenario: &str, extra: &[&str]) -> Peer {
    let scenario = asset(&format!("sipp/{scenario}"));
    let mut args = vec!["-nostdin", "-timeout", "40s", "-timeout_error", "-sf"];
    args.push(scenario.to_str().unwrap());
    args.extend_from_slice(&["-i", "127.0.0.1", "-p", "0"]);
    args.extend_from_slice(extra);
    Peer::spawn("sipp", "sipp", &args)
}

fn is_interaction(e: &serde_json::Value, state: &str) -> bool {
    e["event"] == "interaction" && e["id"] == 1 && e["state"] == state
}

#[test]
fn a_queue_call_from_offer_through_a_killed_wrap_up_to_done() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let dir = temp_dir("desk");
    let mut a = Headless::start_with(&dir, "agent", r#"["PCMU"]"#, DESK, &[]);
    a.wait_for("logged out at start", |e| {
        e["event"] == "agent-state" && e["state"] == "logged-out"
    });
    a.send("state ready");
    a.wait_for("ready", |e| e["event"] == "agent-state" && e["state"] == "ready");
    let target = a.listen.clone();
    let caller = sipp("uac_queue_case.xml", &["-m", "1", "-s", "support", &target]);
    let (_, offered) = a.wait_for("the offer", |e| is_interaction(e, "offered"));
    assert_eq!(offered["queue"], "support", "{offered}");
    assert_eq!(offered["channel"], "voice");
    assert_eq!(offered["direction"], "inbound");
    let case = &offered["case"];
    assert_eq!(case["Account-Id"], "A-77 & Co", "{offered}");
    assert_eq!(case["Segment"], "gold");
    assert_eq!(case["User-to-User"], "Order 42");
    assert_eq!(case["Call-Info"], "https://crm.example/cases/9");
    assert_eq!(case["queue"], "support");
    let call = offered["call"].as_u64().unwrap();
    assert!(a.saw(|e| e["event"] == "call-state" && e["id"] == call && e["state"] == "incoming"));
    a.send("accept 1");
    a.wait_for("active", |e| is_interaction(e, "active"));
    let (_, pop) = a.wait_for("the screen pop", |e| e["event"] == "screen-pop");
    assert_eq!(pop["url"], "https://crm.example/find?account=A-77%20%26%20Co&order=Order%2042");
    a.wait_state(call, "active");
    // The customer hangs up after a second: wrap-up, After-Call Work.
    a.wait_for("wrap-up", |e| is_interaction(e, "wrap-up"));
    a.wait_for("after-call work", |e| {
        e["event"] == "agent-state" && e["state"] == "after-call-work"
    });
    let (code, out) = runtime.block_on(caller.finish(30));
    assert_eq!(code, Some(0), "the customer's call went through:\n{out}");
    a.send("done 1");
    let (_, refused) = a.wait_for("done refused", |e| e["event"] == "error");
    assert!(refused["message"].as_str().unwrap().contains("needs a disposition"), "{refused}");
    a.send("dispose 1 resolved");
    a.wait_for("disposed", |e| is_interaction(e, "wrap-up") && e["disposition"] == "resolved");
    a.send("note 1 Refund for the March invoice, half typ");
    a.wait_for("noted", |e| {
        is_interaction(e, "wrap-up") && e["note"] == "Refund for the March invoice, half typ"
    });
    // Killed (SIGKILL) mid-wrap-up; the store has the note as typed.
    drop(a);
    let mut a = Headless::start_with(&dir, "agent", r#"["PCMU"]"#, DESK, &[]);
    a.send("interactions");
    let (_, back) = a.wait_for("the wrap-up taken up again", |e| is_interaction(e, "wrap-up"));
    assert_eq!(back["note"], "Refund for the March invoice, half typ", "{back}");
    assert_eq!(back["disposition"], "resolved");
    assert_eq!(back["case"]["Account-Id"], "A-77 & Co");
    a.saw_or_wait("after-call work again", |e| {
        e["event"] == "agent-state" && e["state"] == "after-call-work"
    });
    a.send("done 1");
    a.wait_for("done", |e| is_interaction(e, "done"));
    a.wait_for("logged out after it", |e| {
        e["event"] == "agent-state" && e["state"] == "logged-out"
    });
    a.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_agent_not_ready_refuses_a_routed_call_without_ringing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let dir = temp_dir("desk-not-ready");
    let mut a = Headless::start_with(&dir, "agent", r#"["PCMU"]"#, DESK, &[]);
    a.send("state not-ready lunch");
    let (_, s) =
        a.wait_for("not ready", |e| e["event"] == "agent-state" && e["state"] == "not-ready");
    assert_eq!(s["reason"], "Lunch", "the configured spelling");
    a.send("state not-ready nap");
    let (_, e) = a.wait_for("an unknown reason refused", |e| e["event"] == "error");
    assert!(e["message"].as_str().unwrap().contains("Break, Lunch, Meeting, Training"), "{e}");
    let target = a.listen.clone();
    let caller = sipp("uac_queue_refused.xml", &["-m", "1", "-s", "support", &target]);
    let (code, out) = runtime.block_on(caller.finish(20));
    assert_eq!(code, Some(0), "486 at once, no ringing:\n{out}");
    assert!(!a.saw(|e| e["event"] == "incoming-call"), "the agent was never offered it");
    assert!(!a.saw(|e| e["event"] == "interaction"));
    a.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}
