//! Email written: a [`Draft`] (what the agent typed, who it goes to, what it answers)
//! turned into RFC 5322 bytes with MIME (lettre's builder) — From, To, Cc, Subject, Date,
//! Message-ID, In-Reply-To and References (RFC 5322 §3.6.4) so the customer's client
//! threads it, Outlook's Thread-Index, attachments — and the SMTP envelope.

use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use serde::{Deserialize, Serialize};

use crate::message::{MailAddress, safe_file_name};

/// The most ids kept in References: the first (the thread's root) and the latest ones
/// (RFC 5322 §3.6.4 lets a writer trim; clients keep the root and the nearest parents).
pub const REFERENCES_KEPT: usize = 20;

/// A file attached to a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAttachment {
    pub name: String,
    pub content_type: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// An email being written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Draft {
    pub from: Option<MailAddress>,
    pub to: Vec<MailAddress>,
    #[serde(default)]
    pub cc: Vec<MailAddress>,
    #[serde(default)]
    pub bcc: Vec<MailAddress>,
    pub subject: String,
    pub text: String,
    /// The message this answers (its Message-ID without brackets).
    #[serde(default)]
    pub in_reply_to: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<DraftAttachment>,
    /// Outlook's Thread-Index and Thread-Topic, carried on.
    #[serde(default)]
    pub thread_index: Option<String>,
    #[serde(default)]
    pub thread_topic: Option<String>,
}

/// A draft written out: the bytes to submit and to keep in Sent, and the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub message_id: String,
    pub bytes: Vec<u8>,
    pub sender: String,
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("no sender address")]
    NoSender,
    #[error("no recipient")]
    NoRecipient,
    #[error("not an email address: {0}")]
    BadAddress(String),
    #[error("not a content type: {0}")]
    BadContentType(String),
    #[error("the message could not be written: {0}")]
    Build(String),
}

impl Draft {
    /// Writes the draft as it will be sent, with `message_id` (no brackets) and the date
    /// (Unix ms).
    pub fn write(&self, message_id: &str, date_ms: i64) -> Result<Written, ComposeError> {
        let from = self.from.as_ref().ok_or(ComposeError::NoSender)?;
        if self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty() {
            return Err(ComposeError::NoRecipient);
        }
        let date =
            SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(date_ms).unwrap_or(0));
        let mut builder = lettre::Message::builder()
            .from(mailbox(from)?)
            .subject(self.subject.replace(['\r', '\n'], " "))
            .date(date)
            .message_id(Some(format!("<{message_id}>")))
            .user_agent("Earshot".to_owned());
        for to in &self.to {
            builder = builder.to(mailbox(to)?);
        }
        for cc in &self.cc {
            builder = builder.cc(mailbox(cc)?);
        }
        for bcc in &self.bcc {
            builder = builder.bcc(mailbox(bcc)?);
        }
        if let Some(parent) = &self.in_reply_to {
            builder = builder.in_reply_to(format!("<{}>", bare(parent)));
        }
        let references = trimmed_references(&self.references);
        if !references.is_empty() {
            let list: Vec<String> = references.iter().map(|r| format!("<{}>", bare(r))).collect();
            builder = builder.references(list.join(" "));
        }
        if let Some(index) = &self.thread_index {
            builder = builder.raw_header(raw_header("Thread-Index", index));
        }
        if let Some(topic) = &self.thread_topic {
            builder =
                builder.raw_header(raw_header("Thread-Topic", &topic.replace(['\r', '\n'], " ")));
        }
        let text = SinglePart::plain(normal_line_ends(&self.text));
        let message = if self.attachments.is_empty() {
            builder.singlepart(text)
        } else {
            let mut parts = MultiPart::mixed().singlepart(text);
            for attachment in &self.attachments {
                let content_type = ContentType::parse(&attachment.content_type)
                    .map_err(|_| ComposeError::BadContentType(attachment.content_type.clone()))?;
                parts = parts.singlepart(
                    Attachment::new(safe_file_name(&attachment.name))
                        .body(attachment.bytes.clone(), content_type),
                );
            }
            builder.multipart(parts)
        }
        .map_err(|e| ComposeError::Build(e.to_string()))?;
        let envelope = message.envelope();
        Ok(Written {
            message_id: message_id.to_owned(),
            sender: envelope.from().map(ToString::to_string).unwrap_or_default(),
            recipients: envelope.to().iter().map(ToString::to_string).collect(),
            bytes: message.formatted(),
        })
    }
}

/// The References a reply carries: the parent's References (or, without them, its
/// In-Reply-To) then the parent's own id (RFC 5322 §3.6.4), trimmed by [`REFERENCES_KEPT`].
pub fn references_for_reply(
    parent_id: &str,
    parent_references: &[String],
    parent_in_reply_to: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = if parent_references.is_empty() {
        parent_in_reply_to.iter().take(1).cloned().collect()
    } else {
        parent_references.to_vec()
    };
    out.push(parent_id.to_owned());
    trimmed_references(&out)
}

fn trimmed_references(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len().min(REFERENCES_KEPT));
    for id in ids.iter().map(|i| bare(i)).filter(|i| !i.is_empty()) {
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    if out.len() > REFERENCES_KEPT {
        let tail = out.split_off(out.len() - (REFERENCES_KEPT - 1));
        out.truncate(1);
        out.extend(tail);
    }
    out
}

fn bare(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>').trim()
}

fn mailbox(address: &MailAddress) -> Result<Mailbox, ComposeError> {
    let parsed = address
        .address
        .trim()
        .parse()
        .map_err(|_| ComposeError::BadAddress(address.address.clone()))?;
    Ok(Mailbox::new(address.name.as_ref().map(|n| n.replace(['\r', '\n'], " ")), parsed))
}

fn raw_header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

/// Text bodies go out with CRLF line ends (RFC 5322 §2.3), whatever was typed.
fn normal_line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n")
}
