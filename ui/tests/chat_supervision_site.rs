//! A supervisor and an agent's chats through the reference site (Kamailio `WITH_DESK`,
//! which asserts who sent each request): supervisor 2001, listed as the agent's, follows
//! its chats (the transcript so far, then each message, read-only), coaches (the agent
//! sees it marked as coaching; the customer never receives it) and barges in (the
//! customer gets it from the queue); agent 1002, not a supervisor, is refused (403) and
//! the agent's phone reports a security event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::chat_events::message;
use common::site_phones::{site_agent, site_supervisor};
use common::{Headless, temp_dir};
use earshot_tests::kamailio::{DeskSite, Site};
use serde_json::Value;

fn followed<'a>(text: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |e| e["event"] == "followed-message" && e["text"] == text
}

#[test]
fn a_supervisor_follows_coaches_and_barges_into_a_chat_and_others_are_refused() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-supervision-site");
    let desk = "[desk]\noffer_timeout_s = 5\ncapacity = { voice = 1, chat = 3, email = 0 }\n\
                [desk.queues.support]\nlabel = \"Support\"\n\
                [monitoring]\nsupervisors = [\"sip:2001@earshot.test\"]\n\
                trusted_proxies = [\"127.0.0.1\"]\n";
    let mut agent = site_agent(&dir, "1001", &site, desk);
    let mut other = site_agent(&dir, "1002", &site, "");
    let mut sup = site_supervisor(&dir, &site, "");
    sup.send("watch 1001");
    agent.send("state ready");
    sup.saw_or_wait("1001 ready", |e| {
        e["event"] == "agent" && e["agent"] == "sip:1001@earshot.test" && e["state"] == "ready"
    });
    let queue = format!("sip:support@{}", site.addr);
    let mut ann = Headless::start(&dir, "ann", r#"["PCMU"]"#, &[]);
    let hello = "Hello — my card was charged twice 💳";
    ann.send(&format!("chat {queue} {hello}"));
    let (_, offer) = agent.wait_for("the chat", |e| {
        e["event"] == "interaction" && e["channel"] == "chat" && e["state"] == "offered"
    });
    let id = offer["id"].as_u64().unwrap();
    agent.send(&format!("accept {id}"));
    agent.send(&format!("say {id} Let me look at it"));
    ann.wait_for("the reply", message("Let me look at it"));

    // Follow: the transcript so far, then each message.
    sup.send("chat-follow 1001");
    let (_, open) = sup
        .wait_for("the followed chat", |e| e["event"] == "followed-chat" && e["state"] == "open");
    assert_eq!(open["interaction"], id);
    assert_eq!(open["agent"], "sip:1001@earshot.test");
    sup.saw_or_wait("the first line", followed(hello));
    sup.saw_or_wait("the reply", followed("Let me look at it"));
    ann.send(&format!("chat {queue} Is it refunded? 🙏"));
    sup.wait_for("the customer's message, live", followed("Is it refunded? 🙏"));

    // Coaching: the agent sees it, marked; the customer never receives it.
    sup.send(&format!("chat-coach 1001 {id} Offer the refund and a voucher"));
    let (_, coached) = agent.wait_for("the coaching", message("Offer the refund and a voucher"));
    assert_eq!(
        (coached["delivery"].as_str(), coached["direction"].as_str()),
        (Some("coaching"), Some("in"))
    );
    assert_eq!(coached["from"], "sip:2001@earshot.test");
    agent.send(&format!("say {id} Refunded, and here is a voucher 🎁"));
    ann.wait_for("the agent's answer", message("Refunded, and here is a voucher 🎁"));
    sup.wait_for("the agent's answer, live", followed("Refunded, and here is a voucher 🎁"));

    // Barging: the customer gets it from the queue; the agent sees it in the chat.
    sup.send(&format!("chat-barge 1001 {id} Supervisor here: sorry for the trouble"));
    let (_, barged) = ann.wait_for("the barge", message("Supervisor here: sorry for the trouble"));
    assert_eq!(barged["from"], queue.as_str());
    agent.saw_or_wait("the barge in the agent's transcript", |e| {
        message("Supervisor here: sorry for the trouble")(e) && e["direction"] == "out"
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !ann.saw(message("Offer the refund and a voucher")),
        "coaching never reaches the customer"
    );

    // Agent 1002 is not a supervisor of 1001: refused, and 1001 reports it.
    other.send("chat-follow 1001");
    let (_, refused) = other.wait_for("the refusal", |e| e["event"] == "error");
    assert!(refused["message"].as_str().unwrap().contains("403"), "{refused}");
    agent.saw_or_wait("the security event", |e| {
        e["event"] == "security" && e["message"].as_str().unwrap().contains("follow")
    });
    agent.send(&format!("chat-end {id}"));
    sup.wait_for("the chat's end", |e| {
        e["event"] == "followed-chat" && e["state"] == "ended" && e["interaction"] == id
    });
    for h in [agent, other, sup, ann] {
        h.quit();
    }
}
