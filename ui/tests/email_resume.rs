//! Email work outlives the phone, on the real mail site (Dovecot behind the test SMTP
//! servers): an email being worked when Earshot was killed is taken up again as it was —
//! still active, its message found again in the agent's folder, what the agent had typed
//! given back — while an offer left unanswered goes back to the queue and is offered
//! again; a new email being written comes back too. The answer then goes where the agent
//! changed it (To, Cc, Subject), and once done its message is filed in Done.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::mail_phones::{Ports, email_config, email_interaction, mail_agent};
use common::{Headless, temp_dir};
use earshot_engine::mail::MailMessage;
use earshot_engine::store::SqliteStore;
use earshot_tests::mail_site::{MailSite, QUEUE};

/// Waits until the agent's store holds a draft for `interaction` containing `text`.
fn draft_on_disk(data: &Path, interaction: u64, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut store = SqliteStore::open(&data.join("desk.db")).unwrap();
        let kept = store.kept_email(interaction).unwrap();
        if kept.and_then(|k| k.draft).is_some_and(|d| d.contains(text)) {
            return;
        }
        assert!(Instant::now() < deadline, "the draft of {interaction} was not kept");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_email_being_worked_is_taken_up_again_after_a_crash_with_what_was_typed() {
    let site = MailSite::start("resume");
    let dir = temp_dir("email-resume");
    let data = dir.join("alice-data");
    let mut a = mail_agent(&dir, "alice", &site, Ports::StartTls, 2);
    let worked = b"From: Anna Berg <anna@customer.example>\r\nTo: support@shop.test\r\nSubject: Broken kettle\r\nMessage-ID: <worked-1@customer.example>\r\n\r\nIt stopped after a week.\r\n";
    site.send_inbound("anna@customer.example", &[QUEUE], worked).expect("delivered");
    let (_, offer) = a.wait_for("the offer", |e| email_interaction(e, "offered"));
    let id = offer["id"].as_u64().unwrap();
    a.send(&format!("accept {id}"));
    a.wait_for("active", |e| email_interaction(e, "active") && e["id"] == id);
    let (_, first) = a.saw_or_wait("its message", |e| {
        e["event"] == "email" && e["interaction"] == id && e["direction"] == "in"
    });
    // What a reply to it would be, as the phone computes it.
    assert_eq!(first["answer"]["reply_to"][0], "Anna Berg <anna@customer.example>");
    assert_eq!(first["answer"]["reply_subject"], "Re: Broken kettle");
    assert_eq!(first["answer"]["signature"], "alice — Support", "filled from the template");
    // A second message, offered and not answered before the crash.
    let left = b"From: ben@customer.example\r\nTo: support@shop.test\r\nSubject: Where is my order\r\nMessage-ID: <left-1@customer.example>\r\n\r\nStill waiting.\r\n";
    site.send_inbound("ben@customer.example", &[QUEUE], left).expect("delivered");
    let (_, second) = a.wait_for("the second offer", |e| email_interaction(e, "offered"));
    let second = second["id"].as_u64().unwrap();
    // Half an answer typed (its Cc changed), and a new email begun.
    let draft = serde_json::json!({"command": "email-draft", "id": id, "draft": {
        "mode": "reply", "to": "Anna Berg <anna@customer.example>", "cc": "claims@insurer.example",
        "subject": "Re: Broken kettle", "text": "Dear Anna,\n\nwe are sorry — ünïcode ✓"}});
    a.send(&draft.to_string());
    let new = serde_json::json!({"command": "email-draft", "draft": {
        "mode": "new", "to": "erin@customer.example", "subject": "Your refund",
        "text": "Hello Erin,"}});
    a.send(&new.to_string());
    draft_on_disk(&data, id, "we are sorry");
    draft_on_disk(&data, 0, "Hello Erin,");
    let mut folder = site.message_ids(QUEUE, "Earshot/alice");
    folder.sort();
    assert_eq!(folder, ["left-1@customer.example", "worked-1@customer.example"]);
    drop(a); // killed, as a crash would

    let more = email_config(&site, Ports::StartTls, 2, "");
    let mut a = Headless::start_with(&dir, "alice", r#"["PCMU"]"#, &more, &[]);
    // The email worked is active again, with what was typed and its message.
    let (_, back) = a.saw_or_wait("the email again", |e| {
        e["event"] == "interaction" && e["id"] == id && e["channel"] == "email"
    });
    assert_eq!(back["state"], "active", "{back}");
    let (_, typed) =
        a.saw_or_wait("its draft", |e| e["event"] == "email-draft" && e["interaction"] == id);
    assert_eq!(typed["draft"]["text"], "Dear Anna,\n\nwe are sorry — ünïcode ✓");
    assert_eq!(typed["draft"]["cc"], "claims@insurer.example");
    let (_, new_back) = a.saw_or_wait("the new email's draft", |e| {
        e["event"] == "email-draft" && e["interaction"].is_null()
    });
    assert_eq!(new_back["draft"]["subject"], "Your refund");
    a.wait_for("its message found again", |e| {
        e["event"] == "email"
            && e["interaction"] == id
            && e["message_id"] == "worked-1@customer.example"
    });
    // The unanswered offer went back to the queue: offered again once Ready.
    a.saw_or_wait("the old offer abandoned", |e| {
        e["event"] == "interaction" && e["id"] == second && e["state"] == "abandoned"
    });
    a.send("state ready");
    let (_, again) = a.wait_for("offered again", |e| {
        email_interaction(e, "offered") && e["id"] != second && e["id"] != id
    });
    let again = again["id"].as_u64().unwrap();
    a.saw_or_wait("Ben's message", |e| {
        e["event"] == "email"
            && e["interaction"] == again
            && e["message_id"] == "left-1@customer.example"
    });
    assert!(
        !a.saw(|e| e["event"] == "email"
            && e["interaction"] != id
            && e["message_id"] == "worked-1@customer.example"),
        "the email being worked was not offered again"
    );

    // The answer goes where the agent changed it.
    let reply = serde_json::json!({"command": "reply", "id": id,
        "text": "Dear Anna,\n\nwe are sorry — a new kettle is on its way.",
        "cc": "claims@insurer.example", "subject": "Your kettle: replacement sent"});
    a.send(&reply.to_string());
    let (_, sent) = a.wait_for("sent", |e| {
        (e["event"] == "email-sent" || e["event"] == "email-failed") && e["interaction"] == id
    });
    assert_eq!(sent["event"], "email-sent", "{sent}");
    let ours = sent["message_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    let received = loop {
        let found = site
            .received()
            .into_iter()
            .find(|r| r.listener == "submission" && MailMessage::parse(&r.raw).message_id == ours);
        if let Some(r) = found {
            break r;
        }
        assert!(Instant::now() < deadline, "the reply was not submitted");
        std::thread::sleep(Duration::from_millis(20));
    };
    let m = MailMessage::parse(&received.raw);
    assert_eq!(m.to[0].address, "anna@customer.example");
    assert_eq!(
        m.cc.iter().map(|c| c.address.as_str()).collect::<Vec<_>>(),
        ["claims@insurer.example"]
    );
    assert_eq!(m.subject, "Your kettle: replacement sent");
    assert_eq!(m.in_reply_to, ["worked-1@customer.example"]);
    let mut rcpt = received.rcpt_tos.clone();
    rcpt.sort();
    assert_eq!(rcpt, ["anna@customer.example", "claims@insurer.example"]);
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
    a.send(&format!("done {id}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !site.message_ids(QUEUE, "Done").contains(&"worked-1@customer.example".to_owned()) {
        assert!(Instant::now() < deadline, "the worked message was not filed in Done");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Nothing is kept for it any more; the new email's draft still is.
    let mut store = SqliteStore::open(&data.join("desk.db")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.kept_email(id).unwrap().is_some() {
        assert!(Instant::now() < deadline, "the finished email's work is still kept");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(store.kept_email(0).unwrap().is_some());
    a.quit();
}
