//! Chats routed by the reference site (Kamailio `WITH_DESK`, deploy/kamailio): two Earshot
//! agents with room for one chat each, three customers (Earshot phones peer to peer)
//! writing to the support queue's address. Each chat is offered to a Ready agent with room
//! for it (one at capacity answers 486 and the site moves on); with nobody left the
//! customer's message fails 480. Later messages of each chat reach its agent only, and the
//! agent's replies, written as the queue, reach the customer byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::chat_events::{chat_offer, message};
use common::site_phones::{site_agent, site_supervisor};
use common::{Headless, temp_dir};
use earshot_tests::kamailio::{DeskSite, Site};

fn agent(dir: &std::path::Path, user: &str, site: &Site) -> Headless {
    let desk = "[desk]\noffer_timeout_s = 5\ncapacity = { voice = 1, chat = 1, email = 0 }\n\
                [desk.queues.support]\nlabel = \"Support\"\n";
    site_agent(dir, user, site, desk)
}

fn supervisor(dir: &std::path::Path, site: &Site) -> Headless {
    site_supervisor(dir, site, "")
}

/// A message event of `text` (in either direction).

#[test]
fn chats_are_routed_by_capacity_and_stay_with_their_agent() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-site");
    let mut agents = [agent(&dir, "1001", &site), agent(&dir, "1002", &site)];
    let mut sup = supervisor(&dir, &site);
    for (a, user) in agents.iter_mut().zip(["1001", "1002"]) {
        sup.send(&format!("watch {user}"));
        a.send("state ready");
        let aor = format!("sip:{user}@earshot.test");
        sup.saw_or_wait(&format!("{user} ready"), |e| {
            e["event"] == "agent" && e["agent"] == aor.as_str() && e["state"] == "ready"
        });
    }
    let queue = format!("sip:support@{}", site.addr);
    let mut customers: Vec<Headless> =
        (1..=3).map(|n| Headless::start(&dir, &format!("c{n}"), r#"["PCMU"]"#, &[])).collect();

    // Customer 1 and 2: one chat each, on different agents (each has room for one).
    let mut taken = Vec::new();
    for (n, c) in customers.iter_mut().take(2).enumerate() {
        let hello = format!("Hello from customer {} 👋 مرحبا", n + 1);
        c.send(&format!("chat {queue} {hello}"));
        let who = loop {
            if let Some(k) = (0..2).find(|&k| !taken.contains(&k) && agents[k].saw(chat_offer)) {
                break k;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert!(
                !c.saw(|e| e["event"] == "message" && e["delivery"] == "failed"),
                "customer {} was refused",
                n + 1
            );
        };
        let (_, offer) = agents[who].saw_or_wait("the offer", chat_offer);
        assert_eq!(offer["chat"]["first"], hello.as_str(), "{offer}");
        assert_eq!(offer["queue"], "support", "{offer}");
        let id = offer["id"].as_u64().unwrap();
        agents[who].send(&format!("accept {id}"));
        c.wait_for("sent", |e| {
            e["event"] == "message" && e["text"] == hello.as_str() && e["delivery"] == "sent"
        });
        taken.push(who);
    }
    assert_ne!(taken[0], taken[1], "spread over both agents");

    // Customer 3: both agents are full: the site answers 480 (Retry-After).
    customers[2].send(&format!("chat {queue} anyone there?"));
    let (_, refused) =
        customers[2].wait_for("refused", |e| e["event"] == "message" && e["delivery"] == "failed");
    assert!(refused["why"].as_str().unwrap().starts_with("480"), "{refused}");
    assert!(!agents.iter_mut().any(|a| a.saw(message("anyone there?"))), "offered to nobody");

    // Later messages of each chat reach its agent only; replies come back as the queue.
    for n in 0..2 {
        let text = format!("second message from customer {} — ok?", n + 1);
        customers[n].send(&format!("chat {queue} {text}"));
        let (_, got) = agents[taken[n]].wait_for("the second message", message(&text));
        assert_eq!(got["direction"], "in");
        let other = taken[1 - n];
        assert!(!agents[other].saw(message(&text)), "only its agent sees it");
        let id = got["interaction"].as_u64().unwrap();
        let reply = format!("Yes, customer {} — نعم 🙂  two  spaces", n + 1);
        agents[taken[n]].send(&format!("say {id} {reply}"));
        let (_, back) = customers[n].wait_for("the reply", message(&reply));
        assert_eq!(back["direction"], "in", "{back}");
        assert_eq!(back["from"], queue.as_str(), "from the queue's address: {back}");
        agents[taken[n]].wait_for("the reply sent", |e| {
            e["event"] == "message" && e["text"] == reply.as_str() && e["delivery"] == "sent"
        });
    }
    for h in customers.into_iter().chain(agents).chain([sup]) {
        h.quit();
    }
}

/// baresip as a customer of the site (not one of its users, unregistered) chats with an
/// agent through the queue, both ways.
#[test]
fn baresip_chats_with_an_agent_through_the_site() {
    use earshot_tests::baresip::{Baresip, BaresipAccount};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-site-baresip");
    let mut a = agent(&dir, "1001", &site);
    let mut sup = supervisor(&dir, &site);
    sup.send("watch 1001");
    a.send("state ready");
    sup.saw_or_wait("1001 ready", |e| {
        e["event"] == "agent" && e["agent"] == "sip:1001@earshot.test" && e["state"] == "ready"
    });
    // Its address is its own host and port (reachable without registering).
    let mut b = runtime.block_on(Baresip::start(BaresipAccount {
        outbound: Some(site.addr.to_string()),
        unregistered: true,
        contact: Some(format!("<sip:support@{}>", site.addr)),
        print_messages: true,
        ..BaresipAccount::default()
    }));
    let port = b.sip.port();
    let hello = "Hello from baresip — Grüße, مرحبا 👋";
    runtime.block_on(b.command("message", hello));
    let (_, offer) = a.wait_for("the chat's offer", chat_offer);
    assert_eq!(offer["chat"]["first"], hello, "{offer}");
    assert_eq!(offer["contact"], format!("sip:baresip@127.0.0.1:{port}").as_str(), "{offer}");
    let id = offer["id"].as_u64().unwrap();
    a.send(&format!("accept {id}"));
    let reply = "Hi Ann — how can I help? 🙂";
    a.send(&format!("say {id} {reply}"));
    a.wait_for("the reply sent", |e| {
        e["event"] == "message" && e["text"] == reply && e["delivery"] == "sent"
    });
    let got = runtime.block_on(b.wait_printed(10, &format!("\"{reply}\"")));
    assert!(got.is_some(), "baresip received the reply byte for byte: {}", b.printed);
    a.quit();
    sup.quit();
}

/// linphonec as a customer of the site (unregistered, through the site as its proxy)
/// chats with an agent through the queue, both ways: the site answers it where it wrote
/// from.
#[test]
fn linphone_chats_with_an_agent_through_the_site() {
    use earshot_tests::linphone::Linphone;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-site-linphone");
    let mut a = agent(&dir, "1002", &site);
    let mut sup = supervisor(&dir, &site);
    sup.send("watch 1002");
    a.send("state ready");
    sup.saw_or_wait("1002 ready", |e| {
        e["event"] == "agent" && e["agent"] == "sip:1002@earshot.test" && e["state"] == "ready"
    });
    let mut l = runtime.block_on(Linphone::start("lin", Some(site.addr)));
    let hello = "Bonjour from linphone — ça va? 😀 שלום";
    runtime.block_on(l.command(&format!("chat sip:support@earshot.test {hello}")));
    let (_, offer) = a.wait_for("the chat's offer", chat_offer);
    assert_eq!(offer["chat"]["first"], hello, "{offer}");
    let id = offer["id"].as_u64().unwrap();
    a.send(&format!("accept {id}"));
    let reply = "Oui, ça va 👍 — how can I help?";
    a.send(&format!("say {id} {reply}"));
    a.wait_for("the reply sent", |e| {
        e["event"] == "message" && e["text"] == reply && e["delivery"] == "sent"
    });
    let got = runtime.block_on(l.wait_printed(10, reply));
    assert!(got.is_some(), "linphonec received the reply: {}", l.printed);
    // The customer's second message reaches the same chat.
    runtime.block_on(l.command("chat sip:support@earshot.test merci"));
    a.wait_for("the second message", |e| {
        e["event"] == "message" && e["text"] == "merci" && e["interaction"] == id
    });
    a.quit();
    sup.quit();
}
