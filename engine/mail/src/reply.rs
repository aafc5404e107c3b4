//! Drafts made from a message the agent answers: reply (to Reply-To or From), reply all
//! (and everyone else it was addressed to, never ourselves), forward (inline, the earlier
//! message's attachments carried; or the whole message attached as message/rfc822), each
//! with its subject prefix, threading headers (RFC 5322 §3.6.4), Outlook's Thread-Index,
//! the signature and the earlier text quoted.

use crate::compose::{Draft, DraftAttachment, references_for_reply};
use crate::message::{MailAddress, MailMessage, attachment_bytes};
use crate::thread_index;

/// Who writes and how: our address, every address that is ours (the queue's, the agent's),
/// the signature filled in, and the time (for the Thread-Index).
#[derive(Debug, Clone)]
pub struct Writer<'a> {
    pub from: MailAddress,
    /// Our addresses in normal form, never sent a copy by reply all.
    pub ours: &'a [String],
    pub signature: &'a str,
    pub now_ms: i64,
}

/// Who a reply to `parent` goes to (To, Cc) and its subject, before the agent changes
/// them: Reply-To or From; with `all`, everyone else it was addressed to, never `ours`.
pub fn reply_heads(
    parent: &MailMessage,
    ours: &[String],
    all: bool,
) -> (Vec<MailAddress>, Vec<MailAddress>, String) {
    let mut to = dedupe(parent.reply_target(), ours, &[]);
    let mut cc = Vec::new();
    if all {
        let taken: Vec<String> = to.iter().map(MailAddress::key).collect();
        // The other addressees stay where they were: To stays To, Cc stays Cc.
        to.extend(dedupe(parent.to.clone(), ours, &taken));
        let taken: Vec<String> = to.iter().map(MailAddress::key).collect();
        cc = dedupe(parent.cc.clone(), ours, &taken);
    }
    if to.is_empty() {
        // Mail from ourselves (a copy of what we sent): answer whoever it went to.
        to = dedupe(parent.to.clone(), ours, &[]);
    }
    (to, cc, prefixed("Re", &["re", "aw", "sv", "antw"], &parent.subject))
}

/// A forward's subject.
pub fn forward_subject(parent: &MailMessage) -> String {
    prefixed("Fwd", &["fwd", "fw", "tr", "wg"], &parent.subject)
}

/// A reply to `parent`; to everyone it was addressed to with `all`.
pub fn reply(parent: &MailMessage, writer: &Writer<'_>, text: &str, all: bool) -> Draft {
    let (to, cc, subject) = reply_heads(parent, writer.ours, all);
    Draft {
        from: Some(writer.from.clone()),
        to,
        cc,
        bcc: Vec::new(),
        subject,
        text: body(text, writer.signature, &quoted(parent)),
        in_reply_to: Some(parent.message_id.clone()),
        references: references_for_reply(
            &parent.message_id,
            &parent.references,
            &parent.in_reply_to,
        ),
        attachments: Vec::new(),
        thread_index: parent
            .thread_index
            .as_ref()
            .and_then(|t| thread_index::reply_to(&t.value, writer.now_ms)),
        thread_topic: parent.thread_topic.clone(),
    }
}

/// How a forward carries the earlier message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardAs {
    /// Its text under a "Forwarded message" block, its attachments attached again.
    Inline,
    /// The whole message attached (message/rfc822).
    Attachment,
}

/// A forward of `parent` (whose bytes are `raw`) to `to`.
pub fn forward(
    parent: &MailMessage,
    raw: &[u8],
    writer: &Writer<'_>,
    to: Vec<MailAddress>,
    text: &str,
    how: ForwardAs,
) -> Draft {
    let mut attachments = Vec::new();
    let carried = match how {
        ForwardAs::Inline => {
            for listed in &parent.attachments {
                if let Some(bytes) = attachment_bytes(raw, listed.index) {
                    attachments.push(DraftAttachment {
                        name: listed.name.clone(),
                        content_type: listed.content_type.clone(),
                        bytes,
                    });
                }
            }
            forwarded_block(parent)
        }
        ForwardAs::Attachment => {
            let subject = if parent.subject.is_empty() { "message" } else { &parent.subject };
            attachments.push(DraftAttachment {
                name: format!("{subject}.eml"),
                content_type: "message/rfc822".to_owned(),
                bytes: raw.to_vec(),
            });
            String::new()
        }
    };
    Draft {
        from: Some(writer.from.clone()),
        to,
        cc: Vec::new(),
        bcc: Vec::new(),
        subject: forward_subject(parent),
        text: body(text, writer.signature, &carried),
        in_reply_to: None,
        // The forward stays in the thread for us; the new reader's answer joins it.
        references: references_for_reply(
            &parent.message_id,
            &parent.references,
            &parent.in_reply_to,
        ),
        attachments,
        thread_index: None,
        thread_topic: None,
    }
}

/// A new email (nothing answered).
pub fn new_email(
    writer: &Writer<'_>,
    to: Vec<MailAddress>,
    subject: &str,
    text: &str,
    guid: [u8; 16],
) -> Draft {
    Draft {
        from: Some(writer.from.clone()),
        to,
        subject: subject.trim().to_owned(),
        text: body(text, writer.signature, ""),
        thread_index: Some(thread_index::start_conversation(writer.now_ms, guid)),
        thread_topic: Some(subject.trim().to_owned()),
        ..Draft::default()
    }
}

/// `Re: subject`, unless it already starts with one of `known` (any case, with ':').
pub fn prefixed(prefix: &str, known: &[&str], subject: &str) -> String {
    let subject = subject.trim();
    let head = subject.split(':').next().unwrap_or_default().trim().to_lowercase();
    if subject.contains(':') && known.contains(&head.as_str()) {
        return subject.to_owned();
    }
    if subject.is_empty() {
        return format!("{prefix}:");
    }
    format!("{prefix}: {subject}")
}

fn body(text: &str, signature: &str, carried: &str) -> String {
    let mut out = text.trim_end().to_owned();
    if !signature.trim().is_empty() {
        out.push_str("\n\n-- \n");
        out.push_str(signature.trim_end());
    }
    if !carried.is_empty() {
        out.push_str("\n\n");
        out.push_str(carried);
    }
    out.push('\n');
    out
}

/// "On DATE, NAME wrote:" and the earlier text with `> ` before each line.
fn quoted(parent: &MailMessage) -> String {
    let who = parent.from.as_ref().map(MailAddress::display).unwrap_or_default();
    let mut out = if parent.date_text.is_empty() {
        format!("{who} wrote:\n")
    } else {
        format!("On {}, {who} wrote:\n", parent.date_text)
    };
    for line in parent.text.trim_end().lines() {
        if line.starts_with('>') {
            out.push('>');
        } else {
            out.push_str("> ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

fn forwarded_block(parent: &MailMessage) -> String {
    let list = |addresses: &[MailAddress]| {
        addresses.iter().map(MailAddress::display).collect::<Vec<_>>().join(", ")
    };
    let mut out = String::from("---------- Forwarded message ---------\n");
    if let Some(from) = &parent.from {
        out.push_str(&format!("From: {}\n", from.display()));
    }
    if !parent.date_text.is_empty() {
        out.push_str(&format!("Date: {}\n", parent.date_text));
    }
    out.push_str(&format!("Subject: {}\n", parent.subject));
    if !parent.to.is_empty() {
        out.push_str(&format!("To: {}\n", list(&parent.to)));
    }
    if !parent.cc.is_empty() {
        out.push_str(&format!("Cc: {}\n", list(&parent.cc)));
    }
    out.push('\n');
    out.push_str(parent.text.trim_end());
    out
}

/// `addresses` without ours, without those `taken`, each once.
fn dedupe(addresses: Vec<MailAddress>, ours: &[String], taken: &[String]) -> Vec<MailAddress> {
    let mut seen: Vec<String> = taken.to_vec();
    let mut out = Vec::new();
    for address in addresses {
        let key = address.key();
        if ours.contains(&key) || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(address);
    }
    out
}
