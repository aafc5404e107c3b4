//! Replies, reply all, forwards (inline and attached) and new mail written out and read
//! back: the headers a customer's client threads by (In-Reply-To, References), who it
//! goes to (never ourselves), the subject, the quote, the MIME structure and each
//! attachment intact by checksum.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_mail::{
    DraftAttachment, ForwardAs, MailAddress, MailMessage, Writer, forward, new_email, reply,
};
use sha2::{Digest, Sha256};

const PARENT: &[u8] = b"From: Anna Berg <anna.berg@gmail.com>\r\n\
To: Support <support@shop.test>, Colleague <colleague@gmail.com>\r\n\
Cc: Boss <boss@gmail.com>, support@SHOP.test\r\n\
Subject: Order 42 missing\r\n\
Date: Mon, 30 Nov 2026 09:00:00 +0100\r\n\
Message-ID: <anna-2@mail.gmail.com>\r\n\
In-Reply-To: <earshot.r1@shop.test>\r\n\
References: <anna-1@mail.gmail.com> <earshot.r1@shop.test>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b1\r\n\r\n\
--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nStill nothing.\r\n\
--b1\r\nContent-Type: image/png; name=photo.png\r\nContent-Disposition: attachment; filename=photo.png\r\n\
Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r\n\
--b1--\r\n";

fn writer(ours: &[String]) -> Writer<'_> {
    Writer {
        from: MailAddress::new(Some("Support"), "support@shop.test"),
        ours,
        signature: "Marie — Support, case 42",
        now_ms: 1_764_600_000_000,
    }
}

fn sha(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

#[test]
fn a_reply_threads_and_quotes() {
    let parent = MailMessage::parse(PARENT);
    let ours = vec!["support@shop.test".to_owned()];
    let draft = reply(&parent, &writer(&ours), "It is on its way.", false);
    let written = draft.write("earshot.r2@shop.test", 1_764_600_000_000).expect("written");
    let sent = MailMessage::parse(&written.bytes);
    assert_eq!(sent.message_id, "earshot.r2@shop.test");
    assert_eq!(sent.in_reply_to, vec!["anna-2@mail.gmail.com"]);
    assert_eq!(
        sent.references,
        vec!["anna-1@mail.gmail.com", "earshot.r1@shop.test", "anna-2@mail.gmail.com"]
    );
    assert_eq!(sent.subject, "Re: Order 42 missing");
    assert_eq!(sent.to, vec![MailAddress::new(Some("Anna Berg"), "anna.berg@gmail.com")]);
    assert!(sent.cc.is_empty());
    assert_eq!(sent.from, Some(MailAddress::new(Some("Support"), "support@shop.test")));
    assert!(
        sent.text.starts_with("It is on its way.\n\n-- \nMarie — Support, case 42"),
        "{}",
        sent.text
    );
    assert!(sent.text.contains("wrote:\n> Still nothing."), "{}", sent.text);
    assert_eq!(written.recipients, vec!["anna.berg@gmail.com"]);
    assert_eq!(written.sender, "support@shop.test");
    assert_eq!(sent.date_ms, Some(1_764_600_000_000));
}

#[test]
fn reply_all_keeps_to_and_cc_and_never_writes_to_ourselves() {
    let parent = MailMessage::parse(PARENT);
    let ours = vec!["support@shop.test".to_owned()];
    let draft = reply(&parent, &writer(&ours), "Answer for all.", true);
    let written = draft.write("earshot.r3@shop.test", 1_764_600_000_000).expect("written");
    let sent = MailMessage::parse(&written.bytes);
    let to: Vec<&str> = sent.to.iter().map(|a| a.address.as_str()).collect();
    let cc: Vec<&str> = sent.cc.iter().map(|a| a.address.as_str()).collect();
    assert_eq!(to, vec!["anna.berg@gmail.com", "colleague@gmail.com"]);
    assert_eq!(cc, vec!["boss@gmail.com"]);
    assert_eq!(written.recipients.len(), 3);
}

#[test]
fn forwards_carry_the_attachment_intact() {
    let parent = MailMessage::parse(PARENT);
    let photo = earshot_mail::attachment_bytes(PARENT, 0).expect("photo");
    let ours = vec!["support@shop.test".to_owned()];
    let to = vec![MailAddress::new(None, "billing@shop.test")];

    let inline =
        forward(&parent, PARENT, &writer(&ours), to.clone(), "Please check.", ForwardAs::Inline);
    let written = inline.write("earshot.f1@shop.test", 1_764_600_000_000).expect("written");
    let sent = MailMessage::parse(&written.bytes);
    assert_eq!(sent.subject, "Fwd: Order 42 missing");
    assert!(
        sent.text.contains(
            "---------- Forwarded message ---------\nFrom: Anna Berg <anna.berg@gmail.com>"
        )
    );
    assert!(sent.text.contains("Still nothing."));
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(sent.attachments[0].name, "photo.png");
    assert_eq!(sha(&earshot_mail::attachment_bytes(&written.bytes, 0).expect("a")), sha(&photo));

    let attached = forward(&parent, PARENT, &writer(&ours), to, "", ForwardAs::Attachment);
    let written = attached.write("earshot.f2@shop.test", 1_764_600_000_000).expect("written");
    let sent = MailMessage::parse(&written.bytes);
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(sent.attachments[0].content_type, "message/rfc822");
    let inner = earshot_mail::attachment_bytes(&written.bytes, 0).expect("inner");
    let inner = MailMessage::parse(&inner);
    assert_eq!(inner.message_id, "anna-2@mail.gmail.com");
    assert_eq!(inner.attachments.len(), 1);
}

#[test]
fn a_new_email_with_an_attachment_starts_an_outlook_conversation() {
    let ours = vec!["support@shop.test".to_owned()];
    let big: Vec<u8> =
        (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut draft = new_email(
        &writer(&ours),
        vec![MailAddress::new(Some("Erin"), "erin@icloud.com")],
        "Your refund",
        "Hello Erin,\nyour refund is done.\r\nBest",
        [9; 16],
    );
    draft.attachments.push(DraftAttachment {
        name: "refund.bin".to_owned(),
        content_type: "application/octet-stream".to_owned(),
        bytes: big.clone(),
    });
    let written = draft.write("earshot.n1@shop.test", 1_764_600_000_000).expect("written");
    let sent = MailMessage::parse(&written.bytes);
    assert!(sent.in_reply_to.is_empty() && sent.references.is_empty());
    assert_eq!(sent.thread_index.as_ref().map(|t| t.conversation.clone()), Some("09".repeat(16)));
    assert_eq!(sent.thread_topic.as_deref(), Some("Your refund"));
    assert!(sent.text.starts_with("Hello Erin,\nyour refund is done.\nBest"), "{}", sent.text);
    assert_eq!(sha(&earshot_mail::attachment_bytes(&written.bytes, 0).expect("a")), sha(&big));
    // Every line of what goes on the wire ends in CRLF and stays under 998 octets (RFC 5322 §2.1.1).
    for line in written.bytes.split(|b| *b == b'\n') {
        assert!(line.len() <= 998);
    }
}

#[test]
fn bad_addresses_are_refused_with_a_reason() {
    let ours = vec![];
    let draft = new_email(
        &writer(&ours),
        vec![MailAddress::new(None, "not an address")],
        "x",
        "y",
        [1; 16],
    );
    let error = draft.write("id@shop.test", 0).expect_err("refused");
    assert!(error.to_string().contains("not an address"), "{error}");
}
