//! A chat taken up again after the agent's phone was killed (SIGKILL): the desk restores
//! the chat interaction, and the phone rebuilds its transcript from the store — the agent
//! sees what was said and writes on; the customer's next message lands in the same chat.
//! Customer and agent are real Earshot phones (headless, peer to peer).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::chat_events::message;
use common::{Headless, temp_dir};

const DESK: &str = "[desk.queues.support]\nlabel = \"Support\"\n";

#[test]
fn a_chat_is_taken_up_again_after_the_phone_was_killed() {
    let dir = temp_dir("chat-restart");
    let mut a = Headless::start_with(&dir, "agent", r#"["PCMU"]"#, DESK, &[]);
    a.send("state ready");
    a.wait_for("ready", |e| e["event"] == "agent-state" && e["state"] == "ready");
    let mut ann = Headless::start(&dir, "ann", r#"["PCMU"]"#, &[]);
    let queue = |a: &Headless| format!("sip:support@{}", a.listen);
    let hello = "My order 88 is late — طلبي متأخر 😟";
    ann.send(&format!("chat {} {hello}", queue(&a)));
    let (_, offer) = a.wait_for("the chat", |e| {
        e["event"] == "interaction" && e["channel"] == "chat" && e["state"] == "offered"
    });
    let id = offer["id"].as_u64().unwrap();
    a.send(&format!("accept {id}"));
    a.send(&format!("say {id} Checking the courier now"));
    ann.wait_for("the reply", message("Checking the courier now"));
    a.wait_for("the reply sent", |e| {
        message("Checking the courier now")(e) && e["delivery"] == "sent"
    });

    // Killed (once the store has the reply's delivery: it writes on its own thread);
    // started again on the same data.
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(a);
    let mut a = Headless::start_with(&dir, "agent", r#"["PCMU"]"#, DESK, &[]);
    let (_, first) = a.saw_or_wait("the transcript again", message(hello));
    assert_eq!(first["interaction"], id);
    let (_, ours) = a.saw_or_wait("our reply again", message("Checking the courier now"));
    assert_eq!(
        (ours["direction"].as_str(), ours["delivery"].as_str()),
        (Some("out"), Some("sent"))
    );
    a.send("interactions");
    a.wait_for("the chat still active", |e| {
        e["event"] == "interaction" && e["id"] == id && e["state"] == "active"
    });
    // The customer writes again (to where the agent is now): the same chat.
    ann.send(&format!("chat {} Any news?", queue(&a)));
    let (_, news) = a.wait_for("the customer's next message", message("Any news?"));
    assert_eq!(news["interaction"], id, "{news}");
    assert_ne!(news["id"], first["id"], "a message of its own, not one kept");
    a.send(&format!("say {id} Yes: it arrives tomorrow 🚚"));
    ann.wait_for("the answer after the restart", message("Yes: it arrives tomorrow 🚚"));
    a.quit();
    ann.quit();
}
