//! The mail site the email tests run against works on its own: mail sent to the queue's
//! address (with swaks, and with a plain SMTP client) lands in Dovecot's INBOX; an
//! unknown local mailbox is refused by Dovecot at RCPT; relaying for strangers is refused;
//! Dovecot restarts on the same mail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use earshot_tests::mail_site::{MailSite, QUEUE};

#[test]
fn mail_to_the_queue_lands_in_its_inbox_and_strangers_are_refused() {
    let mut site = MailSite::start("smoke");
    site.swaks("anna@customer.example", QUEUE, "Order 42", "Where is it?");
    let raw = b"From: Bob <bob@customer.example>\r\nTo: support@shop.test\r\nSubject: second\r\nMessage-ID: <bob-1@customer.example>\r\n\r\n.leading dot kept\r\n";
    site.send_inbound("bob@customer.example", &[QUEUE], raw).expect("sent");
    let received = site.wait_received(2, Duration::from_secs(10));
    assert_eq!(received[1].raw, raw.to_vec(), "kept as sent, dot-stuffing undone");
    let ids = site.message_ids(QUEUE, "INBOX");
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"bob-1@customer.example".to_owned()));

    let refused = site.send_inbound("bob@customer.example", &["nobody-here@shop.test"], raw);
    assert!(refused.as_ref().is_err_and(|e| e.starts_with("550")), "{refused:?}");
    let relaying = site.send_inbound("bob@customer.example", &["someone@elsewhere.example"], raw);
    assert!(relaying.is_err(), "{relaying:?}");

    site.stop_imap();
    site.start_imap();
    assert_eq!(site.message_ids(QUEUE, "INBOX").len(), 2);
}
