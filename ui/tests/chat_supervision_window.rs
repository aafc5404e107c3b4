//! A supervisor follows, coaches and barges into an agent's chat from the team tab of the
//! window (egui_kittest over a real phone), through the reference site (Kamailio, which
//! asserts who each request is from): agent 1001 (headless) lists supervisor 2001; the
//! customer (headless, peer to peer) writes to the support queue. Follow chats shows the
//! chat with its transcript as it goes; Coach reaches the agent only, marked as coaching;
//! Barge in reaches the customer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::chat_events::message;
use common::desk_window::{loopback_config, unnamed_controls, until, window};
use common::site_phones::site_agent;
use common::{Headless, temp_dir};
use earshot_engine::phone::config::{Account, Transport};
use earshot_tests::kamailio::{DeskSite, Site};
use egui_kittest::kittest::Queryable;

#[test]
fn a_supervisor_follows_coaches_and_barges_from_the_team_tab() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-supervision-window");
    let desk = "[desk]\noffer_timeout_s = 5\n[desk.queues.support]\nlabel = \"Support\"\n\
                [monitoring]\nsupervisors = [\"sip:2001@earshot.test\"]\n\
                trusted_proxies = [\"127.0.0.1\"]\n";
    let mut agent = site_agent(&dir, "1001", &site, desk);
    let mut config = loopback_config(&dir, "supervisor");
    config.accounts = vec![Account {
        aor: "sip:2001@earshot.test".into(),
        auth_user: None,
        password: "supervisor-2001".into(),
        registrar: None,
        outbound_proxy: Some(site.addr.to_string()),
        transport: Transport::default(),
        expires: 300,
    }];
    let mut harness = window(config, [520.0, 1400.0]);
    until(&mut harness, "registered", |h| h.state().view.registration == "registered");
    harness.get_by_label("Team").click();
    harness.run_steps(2);
    let field = harness.get_by_label("Agent to watch");
    field.focus();
    field.type_text("1001");
    harness.run_steps(2);
    harness.get_by_label("Watch").click();
    harness.run_steps(2);
    agent.send("state ready");
    until(&mut harness, "1001 ready", |h| {
        h.state().view.team_states.get("sip:1001@earshot.test").is_some_and(|s| s.state == "ready")
    });
    harness.get_by_label("Follow chats").click();
    harness.run_steps(2);

    let queue = format!("sip:support@{}", site.addr);
    let mut ann = Headless::start(&dir, "ann", r#"["PCMU"]"#, &[]);
    let hello = "My invoice is wrong 📄 — فاتورتي";
    ann.send(&format!("chat {queue} {hello}"));
    let (_, offer) = agent.wait_for("the chat", |e| {
        e["event"] == "interaction" && e["channel"] == "chat" && e["state"] == "offered"
    });
    let id = offer["id"].as_u64().unwrap();
    agent.send(&format!("accept {id}"));
    agent.send(&format!("say {id} Checking it now"));
    ann.wait_for("the reply", message("Checking it now"));
    // Followed from the start: the chat shows with what was said.
    until(&mut harness, "the followed chat", |h| {
        h.query_by_label_contains("Checking it now").is_some()
    });
    harness.get_by_label_contains(hello);
    assert!(unnamed_controls(&harness).is_empty(), "{:?}", unnamed_controls(&harness));

    let box_name = format!("Message about the chat with {}", ann.uri);
    let field = harness.get_by_label(&box_name);
    field.focus();
    field.type_text("Offer a credit note");
    harness.run_steps(2);
    harness.get_by_label("Coach").click();
    harness.run_steps(2);
    let (_, coached) = agent.wait_for("the coaching", message("Offer a credit note"));
    assert_eq!(coached["delivery"], "coaching");

    let field = harness.get_by_label(&box_name);
    field.focus();
    field.type_text("A supervisor here: we will fix it today");
    harness.run_steps(2);
    harness.get_by_label("Barge in").click();
    harness.run_steps(2);
    ann.wait_for("the barge", message("A supervisor here: we will fix it today"));
    until(&mut harness, "the barge followed", |h| {
        h.query_by_label_contains("we will fix it today").is_some()
    });
    assert!(!ann.saw(message("Offer a credit note")), "coaching never reaches the customer");
    agent.quit();
    ann.quit();
}
