//! Chat message latency through the reference site: a customer on the chat page (headless
//! Chromium, JsSIP over Kamailio's WebSocket) and an Earshot agent (`earshot --headless`,
//! registered through Kamailio) — 1 000 messages "ping I" from the page, each answered
//! "pong I" by the agent as soon as its phone reports it. Figures: page → agent (the page's
//! send time to the phone's receipt, both on this machine's clock, ms resolution) and the
//! round trip page → agent → page (to the answer shown in the page, which includes the
//! bench reading the agent's event and typing the answer), p50 and p99.
//!   cargo build --release -p earshot-ui --bin earshot &&
//!   cargo bench -p earshot-benches --bench chat_latency
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_tests::headless::{Headless, temp_dir};
use earshot_tests::kamailio::{DeskSite, Site};
use earshot_tests::web_page::WebPage;
use serde_json::json;

const MESSAGES: usize = 1000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-latency");
    let account = |user: &str, password: &str, more: &str| {
        format!(
            "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"{password}\"\n\
             outbound_proxy = \"{}\"\nexpires = 300\n{more}",
            site.addr
        )
    };
    let desk = "[desk]\noffer_timeout_s = 10\n[desk.queues.support]\nlabel = \"Support\"\n\
                [chat]\nflood_limit = 0\n";
    let mut agent = Headless::start_with(
        &dir,
        "agent",
        r#"["PCMU"]"#,
        &account("1001", "agent-1001", desk),
        &[],
    );
    let mut sup = Headless::start_with(
        &dir,
        "sup",
        r#"["PCMU"]"#,
        &account("2001", "supervisor-2001", ""),
        &[],
    );
    for h in [&mut agent, &mut sup] {
        h.wait_for("registered", |e| e["event"] == "registration" && e["state"] == "registered");
    }
    sup.send("watch 1001");
    agent.send("state ready");
    sup.saw_or_wait("1001 ready", |e| e["event"] == "agent" && e["state"] == "ready");

    let mut page = WebPage::open(site.websocket.unwrap(), "earshot.test", "support");
    page.run(json!({ "fill": { "name": "Bench", "reason": "" } }), "fill");
    page.page_event("connected", |_| true);
    page.run(json!({ "type": "hello" }), "type");
    page.run(json!({ "press": "Enter" }), "press");
    let (_, offer) = agent.wait_for("the offer", |e| {
        e["event"] == "interaction" && e["channel"] == "chat" && e["state"] == "offered"
    });
    let id = offer["id"].as_u64().unwrap();
    agent.send(&format!("accept {id}"));
    page.page_event("sent", |p| p["text"] == "hello");

    // The page sends on its own once started; the agent answers each ping it gets.
    writeln_page(&mut page, MESSAGES);
    let mut received_ms = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        let ping = format!("ping {i}");
        let (_, e) = agent.wait_for(&ping, |e| {
            e["event"] == "message" && e["direction"] == "in" && e["text"] == ping.as_str()
        });
        received_ms.push(e["sent_ms"].as_u64().unwrap());
        agent.send(&format!("say {id} pong {i}"));
    }
    let result =
        page.wait_for("the round trips", |v| v.get("pingpong").is_some())["pingpong"].clone();
    let sent_at: Vec<u64> =
        result["sentAt"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as u64).collect();
    let mut one_way: Vec<f64> =
        sent_at.iter().zip(&received_ms).map(|(s, r)| r.saturating_sub(*s) as f64).collect();
    let mut rounds: Vec<f64> =
        result["rounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    one_way.sort_by(f64::total_cmp);
    rounds.sort_by(f64::total_cmp);
    println!("chat through Kamailio, {MESSAGES} messages, page (Chromium) and agent (headless):");
    println!(
        "  page -> agent's phone:            p50 {:.1} ms  p99 {:.1} ms  worst {:.1} ms",
        percentile(&one_way, 0.5),
        percentile(&one_way, 0.99),
        one_way.last().unwrap()
    );
    println!(
        "  page -> agent -> page (answered): p50 {:.1} ms  p99 {:.1} ms  worst {:.1} ms",
        percentile(&rounds, 0.5),
        percentile(&rounds, 0.99),
        rounds.last().unwrap()
    );
    drop(page);
    agent.quit();
    sup.quit();
}

/// Starts the page's ping-pong without waiting for it to end.
fn writeln_page(page: &mut WebPage, n: usize) {
    page.start(json!({ "pingpong": n }));
}
