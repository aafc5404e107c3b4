//! Email on a real mail site (Dovecot with IMAP and LMTP, SMTP servers in front): mail to
//! the support queue's address is offered to a Ready agent with its preview; the agent
//! replies; what the submission server received threads (In-Reply-To, References), comes
//! From the queue, reaches the customer; a copy is in Sent; the customer's message is
//! flagged seen and answered; done files it in Done.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::mail_phones::{Ports, email_interaction, email_of, mail_agent};
use common::temp_dir;
use earshot_engine::mail::MailMessage;
use earshot_tests::mail_site::{MailSite, QUEUE};

#[test]
fn mail_to_the_queue_is_offered_answered_and_filed() {
    let site = MailSite::start("offer");
    let dir = temp_dir("email-offer");
    let mut a = mail_agent(&dir, "alice", &site, Ports::StartTls, 2);

    let sent_at = Instant::now();
    site.swaks(
        "anna@customer.example",
        QUEUE,
        "Order 42 missing",
        "My order 42 has not arrived.\nPlease help.",
    );
    let (offered_at, offer) = a.wait_for("the email's offer", |e| email_interaction(e, "offered"));
    let id = offer["id"].as_u64().unwrap();
    println!("delivery -> offer: {:.1} ms", (offered_at - sent_at).as_secs_f64() * 1000.0);
    assert!(
        offered_at - sent_at < Duration::from_secs(3),
        "offered {:?} after sending",
        offered_at - sent_at
    );
    assert_eq!(offer["contact"], "anna@customer.example");
    assert_eq!(offer["queue"], "support");
    let (_, email) = a.saw_or_wait("the email", |e| email_of(e, id, "Order 42"));
    assert!(email["text"].as_str().unwrap().contains("My order 42 has not arrived."), "{email}");
    let customer_id = email["message_id"].as_str().unwrap().to_owned();

    a.send(&format!("accept {id}"));
    a.wait_for("active", |e| email_interaction(e, "active") && e["id"] == id);
    a.send(&format!("reply {id} It left our warehouse today."));
    let (_, sent) =
        a.wait_for("email-sent", |e| e["event"] == "email-sent" && e["interaction"] == id);
    let our_id = sent["message_id"].as_str().unwrap().to_owned();
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);

    let received = site.wait_received(2, Duration::from_secs(10));
    let reply =
        received.iter().find(|r| r.listener == "submission").expect("the reply was submitted");
    assert_eq!(reply.user.as_deref(), Some(QUEUE), "authenticated as the queue");
    assert_eq!(reply.rcpt_tos, vec!["anna@customer.example"]);
    let m = MailMessage::parse(&reply.raw);
    assert_eq!(m.message_id, our_id);
    assert_eq!(m.in_reply_to, vec![customer_id.clone()]);
    assert_eq!(m.references, vec![customer_id.clone()]);
    assert_eq!(m.subject, "Re: Order 42 missing");
    assert_eq!(m.from.as_ref().unwrap().address, QUEUE);
    assert!(
        m.text.starts_with("It left our warehouse today.\n\n-- \nalice — Support"),
        "{}",
        m.text
    );
    assert!(m.text.contains("> My order 42 has not arrived."), "{}", m.text);

    let sent_copies = site.message_ids(QUEUE, "Sent");
    assert_eq!(sent_copies, vec![our_id.clone()]);
    let flags = site.flags(QUEUE, "Earshot/alice");
    let customer_flags =
        &flags.iter().find(|(i, _)| *i == customer_id).expect("in alice's folder").1;
    assert!(
        customer_flags.contains("\\Seen") && customer_flags.contains("\\Answered"),
        "{customer_flags}"
    );

    a.send(&format!("done {id}"));
    a.wait_for("done", |e| email_interaction(e, "done") && e["id"] == id);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !site.message_ids(QUEUE, "Done").contains(&customer_id) {
        assert!(
            Instant::now() < deadline,
            "not filed in Done: {:?}",
            site.message_ids(QUEUE, "Done")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(site.message_ids(QUEUE, "INBOX").is_empty());
    a.quit();
}

/// Works every email offered to `a` as it comes: accept, close, done. The Message-IDs it
/// was given, by interaction.
fn work_emails(a: &mut common::Headless, got: &mut Vec<String>, done: &mut u32) {
    while let Ok((at, e)) = a.events.try_recv() {
        a.seen.push((at, e.clone()));
        let id = e["id"].as_u64().unwrap_or(0);
        if email_interaction(&e, "offered") {
            a.send(&format!("accept {id}"));
        } else if email_interaction(&e, "active") {
            a.send(&format!("email-close {id}"));
        } else if email_interaction(&e, "wrap-up") {
            a.send(&format!("done {id}"));
        } else if email_interaction(&e, "done") {
            *done += 1;
        } else if e["event"] == "email" && e["direction"] == "in" && e["earlier"] == false {
            got.push(e["message_id"].as_str().unwrap().to_owned());
        } else if e["event"] == "error" {
            panic!("an agent reported an error: {e}");
        }
    }
}

#[test]
fn fifty_messages_at_once_each_claimed_by_exactly_one_of_two_agents() {
    let site = MailSite::start("race");
    let dir = temp_dir("email-race");
    let mut a = mail_agent(&dir, "alice", &site, Ports::StartTls, 2);
    let mut b = mail_agent(&dir, "bob", &site, Ports::ImplicitTls, 2);
    let ids: Vec<String> = (1..=50).map(|n| format!("race-{n}@customer.example")).collect();
    let port = site.inbound_port;
    let senders: Vec<_> = ids
        .chunks(10)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            std::thread::spawn(move || {
                for id in chunk {
                    let raw = format!(
                        "From: customer@customer.example\r\nTo: {QUEUE}\r\nSubject: race {id}\r\nMessage-ID: <{id}>\r\n\r\nbody of {id}\r\n"
                    );
                    earshot_tests::mail_site::smtp_send(port, "customer@customer.example", &[QUEUE], raw.as_bytes())
                        .expect("delivered");
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    let (mut got_a, mut got_b, mut done_a, mut done_b) = (Vec::new(), Vec::new(), 0, 0);
    let deadline = Instant::now() + Duration::from_secs(120);
    while done_a + done_b < 50 {
        assert!(
            Instant::now() < deadline,
            "{} of 50 worked (alice {done_a}, bob {done_b})",
            done_a + done_b
        );
        work_emails(&mut a, &mut got_a, &mut done_a);
        work_emails(&mut b, &mut got_b, &mut done_b);
        std::thread::sleep(Duration::from_millis(5));
    }
    println!("alice worked {done_a}, bob {done_b}");
    let mut all: Vec<String> = got_a.iter().chain(&got_b).cloned().collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a message was given to both agents");
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(all, expected, "every message given once");
    assert!(done_a > 0 && done_b > 0, "both agents took some: alice {done_a}, bob {done_b}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut filed = site.message_ids(QUEUE, "Done");
        filed.sort();
        if filed == expected {
            break;
        }
        assert!(Instant::now() < deadline, "{} of 50 filed in Done", filed.len());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(site.message_ids(QUEUE, "INBOX").is_empty());
    a.quit();
    b.quit();
}

#[test]
fn a_declined_email_goes_back_to_the_queue_and_to_a_colleague() {
    let site = MailSite::start("decline");
    let dir = temp_dir("email-decline");
    let mut agents = [
        mail_agent(&dir, "alice", &site, Ports::StartTls, 1),
        mail_agent(&dir, "bob", &site, Ports::StartTls, 1),
    ];
    let raw = b"From: anna@customer.example\r\nTo: support@shop.test\r\nSubject: decline me\r\nMessage-ID: <decline-1@customer.example>\r\n\r\nhello\r\n";
    site.send_inbound("anna@customer.example", &[QUEUE], raw).expect("delivered");
    // Whoever gets it first declines it; the colleague is offered the same message.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (first, id) = loop {
        assert!(Instant::now() < deadline, "not offered");
        let mut found = None;
        for (n, a) in agents.iter_mut().enumerate() {
            while let Ok((at, e)) = a.events.try_recv() {
                a.seen.push((at, e.clone()));
                if email_interaction(&e, "offered") {
                    found = Some((n, e["id"].as_u64().unwrap()));
                }
            }
        }
        if let Some(f) = found {
            break f;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    agents[first].send(&format!("decline {id}"));
    let other = &mut agents[1 - first];
    let (_, offer) =
        other.wait_for("offered to the colleague", |e| email_interaction(e, "offered"));
    let again = offer["id"].as_u64().unwrap();
    other.saw_or_wait("the same message", |e| {
        e["event"] == "email"
            && e["interaction"] == again
            && e["message_id"] == "decline-1@customer.example"
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !agents[first].saw(|e| email_interaction(e, "offered") && e["id"] != id),
        "the agent who declined it was not offered it again"
    );
    for a in agents {
        a.quit();
    }
}
