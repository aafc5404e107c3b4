//! Chats handed between agents through the reference site (Kamailio `WITH_DESK`,
//! deploy/kamailio): a customer (an Earshot phone peer to peer) writes to the support
//! queue; the agent who takes it consults a colleague (who sees the transcript and the
//! case), joins them to the chat (a conference: the customer gets the colleague's
//! messages, never the agents' aside), then hands the chat over (a transfer): the site
//! routes the customer's next message to the colleague only, and the colleague writes
//! to the customer as the queue. Ending the chat frees the site's route: the customer's
//! next message is a new chat.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::chat_events::{chat_offer, message};
use common::site_phones::{site_agent, site_supervisor};
use common::{Headless, temp_dir};
use earshot_tests::kamailio::{DeskSite, Site};
use serde_json::Value;

fn agent(dir: &std::path::Path, user: &str, site: &Site) -> Headless {
    let desk = "[desk]\noffer_timeout_s = 5\n\
                capacity = { voice = 1, chat = 3, email = 0 }\n\
                [desk.queues.support]\nlabel = \"Support\"\n";
    site_agent(dir, user, site, desk)
}

fn id_of(e: &Value) -> u64 {
    e["id"].as_u64().unwrap()
}

#[test]
fn consultation_conference_and_transfer_of_a_chat_through_the_site() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-handover-site");
    let mut agents = [agent(&dir, "1001", &site), agent(&dir, "1002", &site)];
    let mut sup = site_supervisor(&dir, &site, "");
    for (a, user) in agents.iter_mut().zip(["1001", "1002"]) {
        sup.send(&format!("watch {user}"));
        a.send("state ready");
        let aor = format!("sip:{user}@earshot.test");
        sup.saw_or_wait(&format!("{user} ready"), |e| {
            e["event"] == "agent" && e["agent"] == aor.as_str() && e["state"] == "ready"
        });
    }
    let queue = format!("sip:support@{}", site.addr);
    let mut customer = Headless::start(&dir, "ann", r#"["PCMU"]"#, &[]);
    let hello = "Order 42 never came 😞 — طلبي لم يصل";
    customer.send(&format!("chat {queue} {hello}"));
    let first = loop {
        if let Some(k) = (0..2).find(|&k| agents[k].saw(chat_offer)) {
            break k;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let [a, b] = if first == 0 { [0, 1] } else { [1, 0] };
    let (a_user, b_user) = (["1001", "1002"][a], ["1001", "1002"][b]);
    let (_, offer) = agents[a].saw_or_wait("the offer", chat_offer);
    let chat = id_of(&offer);
    agents[a].send(&format!("accept {chat}"));
    agents[a].send(&format!("say {chat} Let me ask a colleague"));
    customer.wait_for("the agent's first reply", message("Let me ask a colleague"));

    // Consultation: B sees the transcript so far.
    agents[a].send(&format!("chat-consult {chat} {b_user}"));
    let (_, consult) = agents[b].wait_for("the consultation", chat_offer);
    assert_eq!(consult["contact"], format!("sip:{a_user}@earshot.test").as_str(), "{consult}");
    agents[b].saw_or_wait("the transcript's first line", message(hello));
    agents[b].saw_or_wait("the transcript's second line", message("Let me ask a colleague"));
    let b_consult = id_of(&consult);
    agents[b].send(&format!("accept {b_consult}"));
    agents[b].send(&format!("say {b_consult} A refund is fine (between us)"));
    let (_, aside) =
        agents[a].wait_for("the colleague's aside", message("A refund is fine (between us)"));
    let a_consult = aside["interaction"].as_u64().unwrap();
    assert_ne!(a_consult, chat);

    // Conference: the customer and both agents see each other's messages.
    agents[a].send(&format!("chat-conference {chat} {a_consult}"));
    agents[b].wait_for("told of the conference", |e| {
        e["event"] == "interaction" && e["id"] == b_consult && e["chat"]["conference"] == true
    });
    customer.send(&format!("chat {queue} Can I get a refund? 🙏"));
    let (_, relayed) =
        agents[b].wait_for("the customer's question", message("Can I get a refund? 🙏"));
    assert_eq!(relayed["interaction"], b_consult);
    agents[b].send(&format!("say {b_consult} Yes — approved 👍"));
    let (_, got) = customer.wait_for("the colleague's answer", message("Yes — approved 👍"));
    assert_eq!(got["from"], queue.as_str(), "from the queue: {got}");
    agents[a].saw_or_wait("the colleague's answer at A", |e| {
        message("Yes — approved 👍")(e) && e["interaction"] == chat && e["direction"] == "out"
    });
    assert!(
        !customer.saw(message("A refund is fine (between us)")),
        "the aside stays between agents"
    );

    // Transfer: B takes the chat with its transcript; A's part goes to wrap-up.
    agents[a].send(&format!("chat-transfer {chat} {b_user}"));
    let (_, handed) = agents[b].wait_for("the transfer", chat_offer);
    let b_chat = id_of(&handed);
    assert_eq!(handed["queue"], "support", "{handed}");
    agents[b].saw_or_wait("the transcript handed over", |e| {
        message(hello)(e) && e["interaction"] == b_chat
    });
    agents[b].send(&format!("accept {b_chat}"));
    agents[a].wait_for("A's part over", |e| {
        e["event"] == "chat-ended" && e["interaction"] == chat && e["reason"] == "transferred"
    });
    // Once the site has moved the chat (A's phone asked it on B's acceptance).
    std::thread::sleep(std::time::Duration::from_millis(300));
    customer.send(&format!("chat {queue} Thanks, who is this now?"));
    let (_, next) =
        agents[b].wait_for("the customer's next message", message("Thanks, who is this now?"));
    assert_eq!(next["interaction"], b_chat, "{next}");
    agents[b].send(&format!("say {b_chat} Agent {b_user} — I have your order now"));
    let reply = format!("Agent {b_user} — I have your order now");
    let (_, back) = customer.wait_for("B's reply as the queue", message(&reply));
    assert_eq!(back["from"], queue.as_str());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !agents[a].saw(message("Thanks, who is this now?")),
        "after the transfer the customer's messages reach only B"
    );

    // B ends it and finishes the wrap-ups: the site forgot the route, so the customer's
    // next message is a new chat, offered to whoever is Ready (B).
    agents[b].send(&format!("chat-end {b_chat}"));
    agents[b].wait_for("B's wrap-up", |e| {
        e["event"] == "interaction" && e["id"] == b_chat && e["state"] == "wrap-up"
    });
    for id in [b_consult, b_chat] {
        agents[b].send(&format!("done {id}"));
    }
    let b_aor = format!("sip:{b_user}@earshot.test");
    // In order: B's after-call work, then Ready again (the site knows it is open).
    sup.wait_for("B in after-call work", |e| {
        e["event"] == "agent" && e["agent"] == b_aor.as_str() && e["state"] == "after-call-work"
    });
    sup.wait_for("B ready again", |e| {
        e["event"] == "agent" && e["agent"] == b_aor.as_str() && e["state"] == "ready"
    });
    customer.send(&format!("chat {queue} One more thing"));
    let (_, again) = agents[b]
        .wait_for("a new chat", |e| chat_offer(e) && e["chat"]["first"] == "One more thing");
    assert_eq!(again["chat"]["first"], "One more thing", "{again}");
    assert_ne!(id_of(&again), b_chat);
    for h in agents.into_iter().chain([customer, sup]) {
        h.quit();
    }
}

/// Internal chat between agents through the site (opened as Team Communicator's Chat
/// does, `chat-open`): a message to a colleague who is not
/// registered is kept (msilo, 202) and offered to them when they register, as written;
/// their answer comes back into the same chat.
#[test]
fn internal_chat_reaches_a_colleague_who_was_offline_when_they_come_back() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-internal-offline");
    let mut a = agent(&dir, "1001", &site);
    let text = "Are you in tomorrow? 🗓 — غدا";
    // As Team Communicator's Chat does: an empty chat with the colleague, then a message.
    a.send("chat-open 1002");
    let (_, opened) = a.wait_for("the chat opened", |e| {
        e["event"] == "interaction" && e["channel"] == "chat" && e["state"] == "active"
    });
    assert_eq!(opened["contact"], "sip:1002@earshot.test", "{opened}");
    a.send(&format!("say {} {text}", id_of(&opened)));
    let (_, kept) =
        a.wait_for("kept for later", |e| message(text)(e) && e["delivery"] != "sending");
    assert_eq!(kept["delivery"], "sent", "accepted for later delivery (202): {kept}");
    let chat = kept["interaction"].as_u64().unwrap();

    let mut b = agent(&dir, "1002", &site);
    let (_, offer) = b.wait_for("the message kept for 1002", chat_offer);
    assert_eq!(offer["chat"]["first"], text, "as written: {offer}");
    assert_eq!(offer["contact"], "sip:1001@earshot.test", "{offer}");
    let id = id_of(&offer);
    b.send(&format!("accept {id}"));
    b.send(&format!("say {id} Yes, from nine 👍"));
    let (_, back) = a.wait_for("the answer", message("Yes, from nine 👍"));
    assert_eq!(back["interaction"], chat, "into the same chat: {back}");
    a.quit();
    b.quit();
}

/// A stranger (not a user of the site) cannot pass a MESSAGE off as a colleague's hand-over:
/// the site strips Earshot's chat headers from requests that are not its users', so a
/// forged consultation with a made-up transcript reaches the agent as an unknown body
/// (415) and is never offered as a colleague's chat.
#[test]
fn a_stranger_cannot_hand_an_agent_a_forged_chat() {
    use std::net::UdpSocket;
    use std::time::Duration;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-forged-handover");
    let mut b = agent(&dir, "1002", &site);
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    stranger.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let me = stranger.local_addr().unwrap();
    let body = r#"[{"from":"sip:1001@earshot.test","text":"Refund them 5000 €","sent_ms":1}]"#;
    let forged = format!(
        "MESSAGE sip:1002@earshot.test SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKforged1;rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:mallory@{me}>;tag=forged\r\nTo: <sip:1002@earshot.test>\r\n\
         Call-ID: forged-1@{me}\r\nCSeq: 1 MESSAGE\r\nX-Earshot-Consult: sip:victim@example.com\r\n\
         Content-Type: application/vnd.earshot.transcript+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stranger.send_to(forged.as_bytes(), site.addr).unwrap();
    let mut buf = [0u8; 4096];
    let answer = loop {
        let (n, _) = stranger.recv_from(&mut buf).expect("an answer to the forged MESSAGE");
        let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !answer.starts_with("SIP/2.0 1") {
            break answer;
        }
    };
    assert!(answer.starts_with("SIP/2.0 415"), "not taken as a hand-over: {answer}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!b.saw(chat_offer), "nothing offered");
    b.quit();
}
