//! Writing email on the real mail site: reply all with a file attached, forward inline
//! (the customer's attachment carried) and as an attachment (to a colleague queue's
//! mailbox), a new email with an attachment from the JSON command — each checked as the
//! submission server received it (From, To, Cc, In-Reply-To, References, subject, MIME
//! parts, attachments by checksum) and in Sent; a recipient the server refuses keeps the
//! email open with the server's reason; an agent configured to send as themselves
//! (`send_as = "agent"`) answers From their own address, and the email, wrapped up, is in
//! the contact's history with its disposition and note.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use common::mail_phones::{Ports, email_interaction, email_of, mail_agent};
use common::{Headless, temp_dir};
use earshot_engine::mail::{MailMessage, attachment_bytes};
use earshot_tests::mail_site::{BILLING, MailSite, QUEUE, Received};
use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// A customer's message with a PDF attached (its bytes returned).
fn customer_mail(id: &str, subject: &str) -> (Vec<u8>, Vec<u8>) {
    use base64::Engine;
    let pdf: Vec<u8> =
        (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let lines: Vec<&str> =
        encoded.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect();
    let raw = format!(
        "From: Anna Berg <anna@customer.example>\r\nTo: {QUEUE}, Colleague <colleague@customer.example>\r\n\
         Cc: Boss <boss@customer.example>\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 30 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe invoice is attached.\r\n\
         --b1\r\nContent-Type: application/pdf; name=invoice.pdf\r\nContent-Disposition: attachment; filename=invoice.pdf\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        lines.join("\r\n")
    );
    (raw.into_bytes(), pdf)
}

/// Delivers `raw` to the queue and accepts its offer: the interaction's id.
fn take(a: &mut Headless, site: &MailSite, raw: &[u8], subject: &str) -> u64 {
    site.send_inbound("anna@customer.example", &[QUEUE], raw).expect("delivered");
    let (_, offer) = a.wait_for("offer", |e| email_interaction(e, "offered"));
    let id = offer["id"].as_u64().unwrap();
    a.saw_or_wait("its email", |e| email_of(e, id, subject));
    a.send(&format!("accept {id}"));
    a.wait_for("active", |e| email_interaction(e, "active") && e["id"] == id);
    id
}

/// What the submission server received for Message-ID `id`.
fn submitted(site: &MailSite, id: &str) -> Received {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(r) = site
            .received()
            .into_iter()
            .find(|r| r.listener != "inbound" && MailMessage::parse(&r.raw).message_id == id)
        {
            return r;
        }
        assert!(std::time::Instant::now() < deadline, "{id} was not submitted");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sent_id(a: &mut Headless, id: u64) -> String {
    let (_, e) = a.wait_for("email-sent", |e| {
        (e["event"] == "email-sent" || e["event"] == "email-failed") && e["interaction"] == id
    });
    assert_eq!(e["event"], "email-sent", "{e}");
    e["message_id"].as_str().unwrap().to_owned()
}

#[test]
fn reply_all_forwards_and_a_new_email_reach_the_server_as_written() {
    let site = MailSite::start("compose");
    let dir = temp_dir("email-compose");
    let mut a = mail_agent(&dir, "alice", &site, Ports::StartTls, 1);

    // Reply all, a 2 MB file attached (JSON command).
    let (raw, pdf) = customer_mail("anna-1@customer.example", "Invoice 7");
    let id = take(&mut a, &site, &raw, "Invoice 7");
    let file: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
    let path = dir.join("statement.pdf");
    std::fs::write(&path, &file).unwrap();
    let command = serde_json::json!({
        "command": "reply-all", "id": id, "text": "Thanks Anna,\nsee our statement.",
        "attachments": [path.display().to_string()]
    });
    a.send(&command.to_string());
    let ours = sent_id(&mut a, id);
    let r = submitted(&site, &ours);
    let mut to = r.rcpt_tos.clone();
    to.sort();
    assert_eq!(
        to,
        ["anna@customer.example", "boss@customer.example", "colleague@customer.example"]
    );
    let m = MailMessage::parse(&r.raw);
    let to: Vec<&str> = m.to.iter().map(|x| x.address.as_str()).collect();
    let cc: Vec<&str> = m.cc.iter().map(|x| x.address.as_str()).collect();
    assert_eq!(to, ["anna@customer.example", "colleague@customer.example"], "never to ourselves");
    assert_eq!(cc, ["boss@customer.example"]);
    assert_eq!(m.in_reply_to, ["anna-1@customer.example"]);
    assert_eq!(m.references, ["anna-1@customer.example"]);
    assert_eq!(m.subject, "Re: Invoice 7");
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(
        (m.attachments[0].name.as_str(), m.attachments[0].content_type.as_str()),
        ("statement.pdf", "application/pdf")
    );
    assert_eq!(sha(&attachment_bytes(&r.raw, 0).unwrap()), sha(&file), "attachment intact");
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
    a.send(&format!("done {id}"));

    // Forward inline: the customer's PDF goes along.
    let (raw, _) = customer_mail("anna-2@customer.example", "Invoice 8");
    let id = take(&mut a, &site, &raw, "Invoice 8");
    a.send(&format!("forward {id} {BILLING} Could you check this invoice?"));
    let ours = sent_id(&mut a, id);
    let r = submitted(&site, &ours);
    assert_eq!(r.rcpt_tos, [BILLING]);
    let m = MailMessage::parse(&r.raw);
    assert_eq!(m.subject, "Fwd: Invoice 8");
    assert!(m.text.starts_with("Could you check this invoice?"), "{}", m.text);
    assert!(m.text.contains("---------- Forwarded message ---------"), "{}", m.text);
    assert!(m.text.contains("The invoice is attached."), "{}", m.text);
    assert_eq!(sha(&attachment_bytes(&r.raw, 0).unwrap()), sha(&pdf), "the customer's PDF intact");
    a.send(&format!("done {id}"));

    // Forward as an attachment: the whole message, to the billing queue's own mailbox.
    let (raw, _) = customer_mail("anna-3@customer.example", "Invoice 9");
    let id = take(&mut a, &site, &raw, "Invoice 9");
    let command = serde_json::json!({
        "command": "forward", "id": id, "to": BILLING, "text": "Attached.", "as_attachment": true
    });
    a.send(&command.to_string());
    let ours = sent_id(&mut a, id);
    let r = submitted(&site, &ours);
    let m = MailMessage::parse(&r.raw);
    assert_eq!(m.attachments[0].content_type, "message/rfc822");
    let inner = MailMessage::parse(&attachment_bytes(&r.raw, 0).unwrap());
    assert_eq!(inner.message_id, "anna-3@customer.example");
    assert!(site.message_ids(BILLING, "INBOX").contains(&ours), "delivered to the billing mailbox");
    a.send(&format!("done {id}"));

    // A new email to a contact, with an attachment.
    let command = serde_json::json!({
        "command": "email", "to": "Erin <erin@customer.example>", "subject": "Your refund",
        "text": "Hello Erin,\nyour refund is done.", "attachments": [path.display().to_string()]
    });
    a.send(&command.to_string());
    let (_, placed) = a.wait_for("outbound email", |e| {
        e["event"] == "interaction" && e["channel"] == "email" && e["direction"] == "outbound"
    });
    let id = placed["id"].as_u64().unwrap();
    let ours = sent_id(&mut a, id);
    let r = submitted(&site, &ours);
    let m = MailMessage::parse(&r.raw);
    assert_eq!(m.to[0].address, "erin@customer.example");
    assert_eq!(m.from.as_ref().unwrap().address, QUEUE);
    assert_eq!(m.subject, "Your refund");
    assert!(m.in_reply_to.is_empty() && m.references.is_empty());
    assert!(m.thread_index.is_some(), "Outlook's conversation started");
    assert_eq!(sha(&attachment_bytes(&r.raw, 0).unwrap()), sha(&file));
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
    a.send(&format!("done {id}"));

    // Every message sent is in Sent.
    let sent = site.message_ids(QUEUE, "Sent");
    assert_eq!(sent.len(), 4, "{sent:?}");

    // A recipient the server refuses: the email stays open, the reason shown.
    a.send("email nobody-here@shop.test Hello -- Are you there?");
    let (_, placed) = a.wait_for("outbound email", |e| {
        e["event"] == "interaction"
            && e["direction"] == "outbound"
            && e["state"] == "active"
            && e["id"].as_u64() > Some(id)
    });
    let id = placed["id"].as_u64().unwrap();
    let (_, failed) =
        a.wait_for("email-failed", |e| e["event"] == "email-failed" && e["interaction"] == id);
    assert!(failed["why"].as_str().unwrap().contains("550"), "{failed}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !a.saw(|e| email_interaction(e, "wrap-up") && e["id"] == id),
        "still open after the refusal"
    );
    a.send(&format!("email-close {id}"));
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
    a.quit();
}

#[test]
fn an_agent_sending_as_themselves_and_the_email_in_the_contacts_history() {
    let site = MailSite::start("send-as");
    let dir = temp_dir("email-send-as");
    let more = common::mail_phones::email_config(&site, Ports::StartTls, 2, "").replacen(
        "[email]\n",
        "[email]\nsend_as = \"agent\"\nagent_address = \"alice@shop.test\"\n",
        1,
    );
    let mut a = Headless::start_with(&dir, "alice", r#"["PCMU"]"#, &more, &[]);
    a.wait_for("mailbox online", |e| e["event"] == "mailbox" && e["online"] == true);
    let csv = dir.join("contacts.csv");
    std::fs::write(&csv, "name,email\nAnna Berg,anna@customer.example\n").unwrap();
    a.send(&format!("import-contacts {}", csv.display()));
    a.wait_for("imported", |e| e["event"] == "contacts-imported");
    a.send("state ready");
    a.wait_for("ready", |e| e["event"] == "agent-state" && e["state"] == "ready");
    let raw = b"From: Anna Berg <anna@customer.example>\r\nTo: support@shop.test\r\nSubject: Invoice copy\r\nMessage-ID: <send-as-1@customer.example>\r\n\r\nCould I have a copy of my invoice?\r\n";
    let id = take(&mut a, &site, raw, "Invoice copy");
    a.send(&format!("reply {id} Here it is."));
    let ours = sent_id(&mut a, id);
    let received = submitted(&site, &ours);
    let m = MailMessage::parse(&received.raw);
    assert_eq!(m.from.as_ref().map(|f| f.address.as_str()), Some("alice@shop.test"));
    assert_eq!(m.to[0].address, "anna@customer.example");
    assert!(ours.starts_with("earshot.alice."), "{ours}");
    a.wait_for("wrap-up", |e| email_interaction(e, "wrap-up") && e["id"] == id);
    a.send(&format!("dispose {id} resolved"));
    a.send(&format!("note {id} Sent the invoice copy"));
    a.send(&format!("done {id}"));
    a.wait_for("done", |e| email_interaction(e, "done") && e["id"] == id);

    a.send("search anna");
    let (_, r) = a.wait_for("results", |e| e["event"] == "results" && e["query"] == "anna");
    let contact = r["items"][0]["id"].as_str().unwrap().parse::<u64>().unwrap();
    a.send(&format!("contact-history {contact} 5"));
    let (_, h) = a.wait_for("contact-history", |e| e["event"] == "contact-history");
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{h}");
    let past = &items[0];
    assert_eq!(past["channel"], "email");
    assert_eq!(past["direction"], "inbound");
    assert_eq!(past["queue"], "support");
    assert_eq!(past["disposition"], "resolved");
    assert_eq!(past["note"], "Sent the invoice copy");
    assert_eq!(past["agent_interaction"], id);
    a.quit();
}
