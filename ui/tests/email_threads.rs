//! A customer's answer on the real mail site: it goes back to the agent who wrote (while
//! that agent is Ready, even with a colleague Ready too), offered with the whole thread —
//! the customer's first message from Done and our reply from Sent; when that agent is not
//! Ready it waits `reply_hold_s` for them, then goes to whoever is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::mail_phones::{Ports, email_interaction, mail_agent};
use common::{Headless, temp_dir};
use earshot_tests::mail_site::{MailSite, QUEUE};

/// The agent (of two) offered an email next, and the offer's id.
fn offered(agents: &mut [Headless], within: Duration) -> (usize, u64, Instant) {
    let deadline = Instant::now() + within;
    loop {
        for (n, a) in agents.iter_mut().enumerate() {
            while let Ok((at, e)) = a.events.try_recv() {
                a.seen.push((at, e.clone()));
                if email_interaction(&e, "offered") {
                    return (n, e["id"].as_u64().unwrap(), at);
                }
            }
        }
        assert!(Instant::now() < deadline, "no email offered in {within:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn answer(site: &MailSite, n: u32, in_reply_to: &str, references: &str) {
    let raw = format!(
        "From: Anna <anna@customer.example>\r\nTo: {QUEUE}\r\nSubject: Re: Order 42\r\nMessage-ID: <anna-{n}@customer.example>\r\n\
         In-Reply-To: <{in_reply_to}>\r\nReferences: {references}\r\n\r\nAnswer {n}.\r\n"
    );
    site.send_inbound("anna@customer.example", &[QUEUE], raw.as_bytes()).expect("delivered");
}

/// Accepts, replies and finishes email `id` on `a`: our reply's Message-ID.
fn reply_and_finish(a: &mut Headless, id: u64, text: &str) -> String {
    a.send(&format!("accept {id}"));
    a.wait_for("active", |e| email_interaction(e, "active") && e["id"] == id);
    a.send(&format!("reply {id} {text}"));
    let (_, sent) = a.wait_for("sent", |e| e["event"] == "email-sent" && e["interaction"] == id);
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
    a.send(&format!("done {id}"));
    a.wait_for("done", |e| email_interaction(e, "done") && e["id"] == id);
    sent["message_id"].as_str().unwrap().to_owned()
}

#[test]
fn an_answer_goes_back_to_the_agent_who_wrote_with_the_whole_thread() {
    let site = MailSite::start("threads");
    let dir = temp_dir("email-threads");
    let mut agents = [
        mail_agent(&dir, "alice", &site, Ports::StartTls, 1),
        mail_agent(&dir, "bob", &site, Ports::StartTls, 1),
    ];
    let first = b"From: Anna <anna@customer.example>\r\nTo: support@shop.test\r\nSubject: Order 42\r\nMessage-ID: <anna-1@customer.example>\r\n\r\nWhere is order 42?\r\n";
    site.send_inbound("anna@customer.example", &[QUEUE], first).expect("delivered");
    let (x, id, _) = offered(&mut agents, Duration::from_secs(10));
    let ours = reply_and_finish(&mut agents[x], id, "It is on its way.");
    assert!(ours.starts_with(if x == 0 { "earshot.alice." } else { "earshot.bob." }), "{ours}");

    // Anna answers our reply: back to the same agent, with the whole thread.
    {
        answer(&site, 2, &ours, &format!("<anna-1@customer.example> <{ours}>"));
        let (who, id, _) = offered(&mut agents, Duration::from_secs(10));
        assert_eq!(who, x, "the answer went to the other agent");
        let a = &mut agents[x];
        let earlier: Vec<String> = (0..2)
            .map(|_| {
                let (_, e) = a.saw_or_wait("an earlier message", |e| {
                    e["event"] == "email" && e["interaction"] == id && e["earlier"] == true
                });
                a.seen.retain(|(_, s)| s != &e);
                e["message_id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert!(earlier.contains(&"anna-1@customer.example".to_owned()), "{earlier:?}");
        assert!(earlier.contains(&ours), "{earlier:?}");
        a.send(&format!("accept {id}"));
        a.wait_for("active", |e| email_interaction(e, "active") && e["id"] == id);
        a.send(&format!("email-close {id}"));
        a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
        a.send(&format!("done {id}"));
        a.wait_for("done", |e| email_interaction(e, "done") && e["id"] == id);
    }

    // That agent goes Not Ready: the next answer waits reply_hold_s (5 s), then goes to
    // the colleague.
    agents[x].send("state not-ready Break");
    agents[x].wait_for("not ready", |e| e["event"] == "agent-state" && e["state"] == "not-ready");
    let sent_at = Instant::now();
    answer(&site, 9, &ours, &format!("<anna-1@customer.example> <{ours}>"));
    let (who, _, at) = offered(&mut agents, Duration::from_secs(20));
    assert_eq!(who, 1 - x, "the colleague takes it");
    let waited = at - sent_at;
    println!("held for the writer {:.1} s", waited.as_secs_f64());
    assert!(waited >= Duration::from_secs(4), "taken after {waited:?}, before the hold");
    for a in agents {
        a.quit();
    }
}
