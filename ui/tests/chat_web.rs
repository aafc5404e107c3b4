//! A customer on the chat page (deploy/web/: JsSIP over Kamailio's WebSocket, RFC 7118) in
//! headless Chromium chats with an Earshot agent through the reference site: the name and
//! reason from the page's form arrive as case data and the name as the contact's; typing
//! is shown both ways; text with emoji, Arabic and markup arrives byte for byte both ways
//! and the page shows the agent's markup as text; closing the page moves the chat to
//! wrap-up ("customer-left").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::site_phones::{site_agent, site_supervisor};
use common::temp_dir;
use earshot_tests::kamailio::{DeskSite, Site};
use earshot_tests::web_page::WebPage;
use serde_json::json;

#[test]
fn a_customer_on_the_web_page_chats_with_an_agent_through_the_site() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 4, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("chat-web");
    let desk = "[desk]\noffer_timeout_s = 10\n[desk.queues.support]\nlabel = \"Support\"\n";
    let mut agent = site_agent(&dir, "1001", &site, desk);
    let mut sup = site_supervisor(&dir, &site, "");
    sup.send("watch 1001");
    agent.send("state ready");
    sup.saw_or_wait("1001 ready", |e| {
        e["event"] == "agent" && e["agent"] == "sip:1001@earshot.test" && e["state"] == "ready"
    });

    let mut page = WebPage::open(site.websocket.unwrap(), "earshot.test", "support");
    page.run(json!({ "fill": { "name": "Ann Müller", "reason": "Broken parcel 📦" } }), "fill");
    page.page_event("connected", |_| true);
    let hello = "Hello — مرحبا 👋 <b>my parcel</b> & \"quotes\"";
    page.run(json!({ "type": hello }), "type");
    page.run(json!({ "press": "Enter" }), "press");
    let (_, offer) = agent.wait_for("the chat's offer", |e| {
        e["event"] == "interaction" && e["channel"] == "chat" && e["state"] == "offered"
    });
    assert_eq!(offer["chat"]["first"], hello, "{offer}");
    assert_eq!(offer["case"]["Customer-Name"], "Ann Müller", "{offer}");
    assert_eq!(offer["case"]["Reason"], "Broken parcel 📦", "{offer}");
    assert_eq!(offer["contact_name"], "Ann Müller", "{offer}");
    let id = offer["id"].as_u64().unwrap();
    agent.send(&format!("accept {id}"));
    let sent = page.page_event("sent", |p| p["text"] == hello);
    assert!(sent["failed"].is_null(), "{sent}");

    // Typing both ways: the page announces it, so the agent's is sent back.
    page.run(json!({ "type": "Is it" }), "type");
    agent.wait_for("the customer typing", |e| {
        e["event"] == "typing" && e["interaction"] == id && e["active"] == true
    });
    agent.send(&format!("typing {id}"));
    page.page_event("typing", |p| p["active"] == true);
    assert_eq!(page.read()["typing"], true, "the page shows the agent typing");

    let reply = "Bonjour Ann — شكرا 🙂 <i>not markup</i> & more";
    agent.send(&format!("say {id} {reply}"));
    let got = page.page_event("received", |p| p["text"] == reply);
    assert_eq!(got["from"], "sip:support@earshot.test", "{got}");
    // Signed by the agent who wrote it (X-Earshot-Sender).
    assert_eq!(got["sender"], "1001", "{got}");
    let shown = page.read();
    let last = shown["transcript"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["text"], reply, "shown as text: {last}");
    assert!(last["html"].as_str().unwrap().contains("&lt;i&gt;"), "never as markup: {last}");
    assert_eq!(shown["typing"], false, "a message ends the typing");
    agent.wait_for("the reply sent", |e| {
        e["event"] == "message" && e["text"] == reply && e["delivery"] == "sent"
    });

    // The customer closes the page: the chat goes to wrap-up.
    page.run(json!({ "close": true }), "close");
    agent.wait_for("customer left", |e| {
        e["event"] == "chat-ended" && e["interaction"] == id && e["reason"] == "customer-left"
    });
    agent.wait_for("wrap-up", |e| {
        e["event"] == "interaction" && e["id"] == id && e["state"] == "wrap-up"
    });
    drop(page);
    agent.quit();
    sup.quit();
}
