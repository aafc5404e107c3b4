//! Email when things go wrong on the real mail site: Dovecot restarted while the agent
//! waits in IDLE (the agent is told, reconnects, and mail that came meanwhile is offered);
//! mail with a 20 MB attachment (saved byte for byte), a malformed MIME tree, a 100 kB
//! header and charsets that do not exist — each offered and shown as well as it can be,
//! the phone carrying on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::mail_phones::{Ports, email_interaction, mail_agent};
use common::temp_dir;
use earshot_tests::mail_site::{MailSite, QUEUE};
use sha2::{Digest, Sha256};

#[test]
fn dovecot_restarted_mid_idle_the_agent_reconnects_and_misses_nothing() {
    let mut site = MailSite::start("restart");
    let dir = temp_dir("email-restart");
    let mut a = mail_agent(&dir, "alice", &site, Ports::StartTls, 2);
    std::thread::sleep(Duration::from_millis(300)); // in IDLE by now
    site.stop_imap();
    a.wait_for("mailbox offline", |e| e["event"] == "mailbox" && e["online"] == false);
    site.start_imap();
    // Mail that arrives before the agent is back in is still offered.
    let raw = b"From: anna@customer.example\r\nTo: support@shop.test\r\nSubject: while you were away\r\nMessage-ID: <away-1@customer.example>\r\n\r\nhello\r\n";
    site.send_inbound("anna@customer.example", &[QUEUE], raw).expect("delivered");
    let started = Instant::now();
    a.wait_for("mailbox online", |e| e["event"] == "mailbox" && e["online"] == true);
    a.wait_for("the offer", |e| email_interaction(e, "offered"));
    println!("offered {:.0} ms after Dovecot came back", started.elapsed().as_secs_f64() * 1000.0);
    a.quit();
}

#[test]
fn odd_and_huge_mail_is_offered_and_shown_as_well_as_it_can_be() {
    use base64::Engine;
    let site = MailSite::start("odd");
    let dir = temp_dir("email-odd");
    let mut a = mail_agent(&dir, "alice", &site, Ports::ImplicitTls, 4);

    // 100 kB of one header, folded as mail must be (RFC 5322 §2.2.3: lines under 998).
    let huge = format!("X-Huge: {}", vec!["h".repeat(70); 1_430].join("\r\n "));
    let broken = format!(
        "From: broken@customer.example\r\nTo: {QUEUE}\r\nSubject: broken tree\r\nMessage-ID: <broken-1@customer.example>\r\n{huge}\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=never\r\n\r\n--wrong\r\n\
         Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nStill readable text\r\n"
    );
    let charsets = format!(
        "From: =?x-unknown?Q?Z=FCrich?= <zurich@customer.example>\r\nTo: {QUEUE}\r\nSubject: =?iso-8859-1?Q?caf=E9?=\r\n\
         Message-ID: <charset-1@customer.example>\r\nContent-Type: text/plain; charset=windows-1252\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\nPrice: 5 =80, \"=93quoted=94\"\r\n"
    );
    let big: Vec<u8> =
        (0..20_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&big);
    let mut twenty = format!(
        "From: anna@customer.example\r\nTo: {QUEUE}\r\nSubject: the log file\r\nMessage-ID: <big-1@customer.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n\
         --b1\r\nContent-Type: application/octet-stream; name=trace.bin\r\nContent-Disposition: attachment; filename=trace.bin\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    for line in encoded.as_bytes().chunks(76) {
        twenty.extend_from_slice(line);
        twenty.extend_from_slice(b"\r\n");
    }
    twenty.extend_from_slice(b"--b1--\r\n");
    for raw in [broken.as_bytes(), charsets.as_bytes(), &twenty] {
        site.send_inbound("sender@customer.example", &[QUEUE], raw).expect("delivered");
    }

    let mut emails = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while emails.len() < 3 {
        assert!(Instant::now() < deadline, "{} of 3 emails shown", emails.len());
        let (_, e) = a.wait_for("an email", |e| e["event"] == "email" || e["event"] == "error");
        assert_ne!(e["event"], "error", "{e}");
        emails.push(e);
    }
    let by_id = |id: &str| {
        emails.iter().find(|e| e["message_id"] == id).unwrap_or_else(|| panic!("no {id}"))
    };
    let broken = by_id("broken-1@customer.example");
    assert!(broken["text"].as_str().unwrap().contains("Still readable text"), "{broken}");
    let cafe = by_id("charset-1@customer.example");
    assert_eq!(cafe["subject"], "café");
    assert!(cafe["text"].as_str().unwrap().contains("5 €, \"“quoted”\""), "{cafe}");
    let log = by_id("big-1@customer.example");
    assert_eq!(log["attachments"][0]["size"], 20_000_000);
    let id = log["interaction"].as_u64().unwrap();
    let saved = dir.join("trace.bin");
    a.send(&format!("save-attachment {id} 0 {}", saved.display()));
    let (_, done) =
        a.wait_for("saved", |e| e["event"] == "attachment-saved" || e["event"] == "error");
    assert_eq!(done["event"], "attachment-saved", "{done}");
    assert_eq!(
        Sha256::digest(std::fs::read(&saved).unwrap()),
        Sha256::digest(&big),
        "saved byte for byte"
    );
    // And the phone still works: a reply to the broken one goes out.
    let broken_id = broken["interaction"].as_u64().unwrap();
    a.send(&format!("accept {broken_id}"));
    a.wait_for("active", |e| email_interaction(e, "active") && e["id"] == broken_id);
    a.send(&format!("reply {broken_id} We could read it."));
    a.wait_for("sent", |e| e["event"] == "email-sent" && e["interaction"] == broken_id);
    a.quit();
}

#[test]
fn a_send_that_failed_is_kept_and_sent_again() {
    let mut site = MailSite::start("retry");
    let dir = temp_dir("email-retry");
    let mut a = mail_agent(&dir, "alice", &site, Ports::StartTls, 2);
    let raw = b"From: anna@customer.example\r\nTo: support@shop.test\r\nSubject: for billing\r\nMessage-ID: <retry-1@customer.example>\r\n\r\nPlease pass this on.\r\n";
    site.send_inbound("anna@customer.example", &[QUEUE], raw).expect("delivered");
    let (_, offer) = a.wait_for("the offer", |e| email_interaction(e, "offered"));
    let id = offer["id"].as_u64().unwrap();
    a.send(&format!("accept {id}"));
    a.wait_for("active", |e| email_interaction(e, "active") && e["id"] == id);
    // The billing queue's mailbox cannot take mail while Dovecot is down: refused.
    site.stop_imap();
    a.send(&format!("forward {id} billing@shop.test Over to you."));
    let (_, failed) =
        a.wait_for("email-failed", |e| e["event"] == "email-failed" && e["interaction"] == id);
    println!("refused: {}", failed["why"]);
    site.start_imap();
    a.wait_for("mailbox online", |e| e["event"] == "mailbox" && e["online"] == true);
    a.send(&format!("email-retry {id}"));
    let (_, sent) =
        a.wait_for("email-sent", |e| e["event"] == "email-sent" && e["interaction"] == id);
    let ours = sent["message_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !site.message_ids("billing@shop.test", "INBOX").contains(&ours) {
        assert!(Instant::now() < deadline, "the forward did not reach billing");
        std::thread::sleep(Duration::from_millis(50));
    }
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
    a.quit();
}
