//! A chat handed to a colleague from the window (egui_kittest over a real phone), the
//! colleague and the customer on real Earshot phones (headless, peer to peer): the
//! colleague, known to the desk's store, is found in Team Communicator and consulted
//! about the selected chat (they get its transcript); "Add … to the chat" makes a
//! conference (the customer's question reaches the colleague, the colleague's answer the
//! customer); "Hand the chat to …" transfers it: the colleague takes it and the window's
//! chat goes to wrap-up saying so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::chat_events::{chat_offer, message};
use common::desk_window::{queue_agent, unnamed_controls, until, window};
use common::{Headless, temp_dir};
use earshot_engine::directory::SiteAgent;
use earshot_engine::store::{SiteStore, SqliteStore};
use egui_kittest::kittest::Queryable;

#[test]
fn a_chat_consulted_on_conferenced_and_handed_over_from_the_window() {
    let dir = temp_dir("chat-handover-window");
    let mut bob = Headless::start(&dir, "bob", r#"["PCMU"]"#, &[]);
    let bob_uri = bob.uri.clone();
    bob.send("state ready");
    let config = queue_agent(&dir, "Support line", vec![]);
    // The desk's store knows Bob as a colleague (as a site's team store would).
    let store_path = config.data_dir().join("desk.db");
    std::fs::create_dir_all(store_path.parent().unwrap()).unwrap();
    let colleague = SiteAgent {
        address: bob_uri.clone(),
        name: "Bob Colleague".into(),
        queues: vec!["support".into()],
    };
    SqliteStore::open(&store_path).unwrap().enrol(&colleague, &[], 1).unwrap();

    let mut harness = window(config, [520.0, 1600.0]);
    until(&mut harness, "the desk", |h| h.state().view.agent_state.is_some());
    harness.get_by_label("Ready").click();
    until(&mut harness, "Ready", |h| {
        h.state().view.agent_state.as_ref().is_some_and(|s| s.state == "ready")
    });
    let host = harness.state().view.uri.split('@').nth(1).unwrap().to_owned();
    let queue = format!("sip:support@{host}");
    let mut ann = Headless::start(&dir, "ann", r#"["PCMU"]"#, &[]);
    let hello = "My parcel is lost 📦 — طردي ضاع";
    ann.send(&format!("chat {queue} {hello}"));
    until(&mut harness, "the preview", |h| h.query_by_label("Accept").is_some());
    harness.get_by_label("Accept").click();
    until(&mut harness, "the chat active", |h| {
        h.state().view.interactions.get(&1).is_some_and(|i| i.state == "active")
    });

    // Team Communicator: Bob, consulted about this chat.
    harness.key_press_modifiers(eframe::egui::Modifiers::CTRL, eframe::egui::Key::K);
    harness.run_steps(2);
    harness.get_by_label("Search or dial").type_text("bob");
    until(&mut harness, "Bob found", |h| {
        h.query_by_label("Consult Bob Colleague about this chat").is_some()
    });
    harness.get_by_label("Consult Bob Colleague about this chat").click();
    harness.run_steps(2);
    let (_, consult) = bob.wait_for("the consultation", chat_offer);
    bob.saw_or_wait("the transcript", message(hello));
    let bob_consult = consult["id"].as_u64().unwrap();
    bob.send(&format!("accept {bob_consult}"));
    bob.send(&format!("say {bob_consult} Between us: it is in the depot"));
    until(&mut harness, "Bob's aside", |h| {
        h.state()
            .view
            .chats
            .values()
            .any(|c| c.lines.iter().any(|l| l.text == "Between us: it is in the depot"))
    });
    // Only the chat with Ann has the controls; its Add and Hand buttons name Bob.
    harness.get_by_label_contains(&format!("Chat · {} —", ann.uri)).click();
    harness.run_steps(2);
    until(&mut harness, "the conference button", |h| {
        h.query_by_label("Add Bob Colleague to the chat").is_some()
    });
    assert!(unnamed_controls(&harness).is_empty(), "{:?}", unnamed_controls(&harness));
    harness.get_by_label("Add Bob Colleague to the chat").click();
    harness.run_steps(2);
    bob.wait_for("the conference", |e| {
        e["event"] == "interaction" && e["id"] == bob_consult && e["chat"]["conference"] == true
    });
    ann.send(&format!("chat {queue} Can you send a new one?"));
    bob.wait_for("the customer's question", message("Can you send a new one?"));
    bob.send(&format!("say {bob_consult} Yes, today 🚚"));
    ann.wait_for("the colleague's answer", message("Yes, today 🚚"));
    assert!(!ann.saw(message("Between us: it is in the depot")), "the aside stays between agents");
    until(&mut harness, "the conference shown", |h| {
        h.query_by_label_contains("Conference:").is_some()
            && h.state().view.chats[&1].lines.iter().any(|l| l.text == "Yes, today 🚚")
    });
    harness.run_steps(2);

    // Handed over: Bob takes it; the window's chat goes to wrap-up saying why.
    harness.get_by_label("Hand the chat to Bob Colleague").click();
    harness.run_steps(2);
    let (_, handed) = bob.wait_for("the transfer", chat_offer);
    bob.send(&format!("accept {}", handed["id"]));
    until(&mut harness, "handed over", |h| {
        h.state().view.interactions.get(&1).is_some_and(|i| i.state == "wrap-up")
    });
    harness.run_steps(2);
    harness.get_by_label("The chat was handed to your colleague");
    ann.quit();
    bob.quit();
}
