//! One email read into what the desk shows and threads by: addresses, subject, date, the
//! threading headers (RFC 5322 §3.6.4), the text (text/plain as is, text/html rendered
//! as text), attachments listed. Any bytes are read: what cannot be read is shown as well
//! as it can be and said in `problems`, never a panic.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

use crate::html_text::html_to_text;
use crate::thread_index::ThreadIndex;

/// The most header text kept for one case-data header (a 100 kB header is cut here).
pub const HEADER_VALUE_LIMIT: usize = 1_000;
/// The most `X-` headers kept for case data.
pub const CASE_HEADER_LIMIT: usize = 64;

/// A mailbox as written in a header: display name and address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub address: String,
}

impl MailAddress {
    pub fn new(name: Option<&str>, address: &str) -> MailAddress {
        MailAddress {
            name: name.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
            address: address.trim().to_owned(),
        }
    }

    /// The address in normal form ([`address_key`]), used to compare people.
    pub fn key(&self) -> String {
        address_key(&self.address)
    }

    /// `Name <address>` or the bare address.
    pub fn display(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} <{}>", self.address),
            None => self.address.clone(),
        }
    }
}

/// An address's normal form for telling people apart: `local@domain` in lower case. RFC
/// 5321 §2.4 leaves the local part's case to the receiving host; mail systems ignore it,
/// and a customer who writes `Bob.Stone@` one day and `bob.stone@` the next is one person.
pub fn address_key(address: &str) -> String {
    match earshot_directory::email_key(address) {
        Some(key) => key.trim_start_matches("mailto:").to_lowercase(),
        None => address.trim().to_lowercase(),
    }
}

/// One attachment as listed: its place among the message's attachments, name, type, size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub index: u32,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// An email as the desk reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MailMessage {
    /// Message-ID without its angle brackets; made up from the bytes when the message has
    /// none (`problems` says so), so that every message can be threaded and answered.
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Option<MailAddress>,
    pub reply_to: Vec<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub subject: String,
    /// The Date header as Unix milliseconds, when it reads.
    pub date_ms: Option<i64>,
    /// The Date header as written (quoted in replies).
    pub date_text: String,
    /// What the agent reads: text/plain as is, or the HTML body rendered as text.
    pub text: String,
    /// Links of an HTML body, in the order of their footnote numbers in `text`.
    pub links: Vec<String>,
    pub attachments: Vec<AttachmentInfo>,
    /// Outlook's conversation (Thread-Index, Thread-Topic).
    pub thread_index: Option<ThreadIndex>,
    pub thread_topic: Option<String>,
    pub list_id: Option<String>,
    /// `X-` headers for case data, in order, each cut at [`HEADER_VALUE_LIMIT`].
    pub case_headers: Vec<(String, String)>,
    /// What could not be read as written.
    pub problems: Vec<String>,
}

impl MailMessage {
    /// Reads a message from its bytes (RFC 5322 with MIME, RFC 2045–2047).
    pub fn parse(raw: &[u8]) -> MailMessage {
        let Some(message) = MessageParser::default().parse(raw) else {
            return MailMessage {
                message_id: made_up_id(raw),
                text: String::from_utf8_lossy(raw).into_owned(),
                problems: vec!["not an email: shown as it is".to_owned()],
                ..MailMessage::default()
            };
        };
        let mut problems = Vec::new();
        let message_id = match message.message_id().map(bare_id) {
            Some(id) if valid_id(&id) => id,
            Some(_) => {
                problems.push("Message-ID not valid (RFC 5322 §3.6.4)".to_owned());
                made_up_id(raw)
            }
            None => {
                problems.push("no Message-ID".to_owned());
                made_up_id(raw)
            }
        };
        let (mut text, links) = body_text(&message, &mut problems);
        if text.trim().is_empty() {
            // A MIME tree that did not read (a boundary that never comes): the body as it
            // came, rather than nothing.
            let root = message.root_part();
            let body =
                raw.get(root.offset_body as usize..root.offset_end as usize).unwrap_or_default();
            if !body.trim_ascii().is_empty() {
                text = String::from_utf8_lossy(body).replace("\r\n", "\n");
                problems.push(
                    "the MIME structure could not be read: the body is shown as it came".to_owned(),
                );
            }
        }
        let date = message.date();
        MailMessage {
            message_id,
            in_reply_to: ids(message.in_reply_to()),
            references: ids(message.references()),
            from: message.from().and_then(|a| addresses(a).into_iter().next()),
            reply_to: message.reply_to().map(addresses).unwrap_or_default(),
            to: message.to().map(addresses).unwrap_or_default(),
            cc: message.cc().map(addresses).unwrap_or_default(),
            subject: message.subject().unwrap_or_default().trim().to_owned(),
            date_ms: date.filter(|d| d.is_valid()).and_then(|d| d.to_timestamp().checked_mul(1000)),
            date_text: message.header_raw("Date").map(|d| cut(d.trim())).unwrap_or_default(),
            text,
            links,
            attachments: attachments(&message),
            thread_index: message.header_raw("Thread-Index").and_then(ThreadIndex::parse),
            thread_topic: message
                .header("Thread-Topic")
                .and_then(HeaderValue::as_text)
                .map(|t| cut(t.trim())),
            list_id: message.header_raw("List-Id").map(|l| cut(l.trim())).filter(|l| !l.is_empty()),
            case_headers: message
                .headers()
                .iter()
                .filter(|h| {
                    h.name().len() > 2
                        && h.name().get(..2).is_some_and(|p| p.eq_ignore_ascii_case("x-"))
                })
                .take(CASE_HEADER_LIMIT)
                .map(|h| {
                    let value = h.value().as_text().map(str::to_owned).unwrap_or_else(|| {
                        message.header_raw(h.name()).unwrap_or_default().trim().to_owned()
                    });
                    (h.name().to_owned(), cut(&value))
                })
                .collect(),
            problems,
        }
    }

    /// Whoever a reply goes to: Reply-To when given (RFC 5322 §3.6.2), else From.
    pub fn reply_target(&self) -> Vec<MailAddress> {
        if !self.reply_to.is_empty() {
            return self.reply_to.clone();
        }
        self.from.iter().cloned().collect()
    }

    /// The first lines of the text, for a preview.
    pub fn preview(&self, lines: usize) -> String {
        let visible = crate::quoting::unquoted(&self.text);
        visible
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .take(lines)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The bytes of attachment `index` of a message, decoded (base64, quoted-printable), to be
/// saved where the agent chooses; `None` when it has no such attachment.
pub fn attachment_bytes(raw: &[u8], index: u32) -> Option<Vec<u8>> {
    let message = MessageParser::default().parse(raw)?;
    let part = message.attachment(index)?;
    Some(part.contents().to_vec())
}

fn body_text(
    message: &mail_parser::Message<'_>,
    problems: &mut Vec<String>,
) -> (String, Vec<String>) {
    let mut texts = Vec::new();
    let mut links = Vec::new();
    for part in message.text_bodies() {
        if part.is_encoding_problem {
            problems
                .push("a part's encoding could not be read: shown as well as possible".to_owned());
        }
        match &part.body {
            PartType::Text(text) => texts.push(text.to_string()),
            PartType::Html(html) => {
                let rendered = html_to_text(html);
                texts.push(rendered.text);
                links.extend(rendered.links);
            }
            _ => {}
        }
    }
    let html_only = texts
        .is_empty()
        .then(|| {
            message.html_bodies().find_map(|p| match &p.body {
                PartType::Html(html) => Some(html),
                _ => None,
            })
        })
        .flatten();
    if let Some(html) = html_only {
        let rendered = html_to_text(html);
        texts.push(rendered.text);
        links = rendered.links;
    }
    let mut text = texts.join("\n\n");
    // Line ends as the window shows them.
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    (text, links)
}

fn attachments(message: &mail_parser::Message<'_>) -> Vec<AttachmentInfo> {
    message
        .attachments()
        .enumerate()
        // A multipart left over from a tree that did not read is not a file.
        .filter(|(_, part)| {
            !part.content_type().is_some_and(|c| c.c_type.eq_ignore_ascii_case("multipart"))
        })
        .map(|(index, part)| {
            let content_type = part
                .content_type()
                .map(|c| match &c.c_subtype {
                    Some(sub) => format!("{}/{}", c.c_type, sub),
                    None => c.c_type.to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned())
                .to_lowercase();
            let name = part
                .attachment_name()
                .map(str::to_owned)
                .or_else(|| match &part.body {
                    PartType::Message(inner) => inner.subject().map(|s| format!("{s}.eml")),
                    _ => None,
                })
                .unwrap_or_else(|| format!("attachment-{}", index + 1));
            AttachmentInfo {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                name: safe_file_name(&name),
                content_type,
                size: part.len() as u64,
            }
        })
        .collect()
}

/// A name an attachment may be saved under: no directories, no control characters.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_owned();
    if cleaned.is_empty() { "attachment".to_owned() } else { cleaned }
}

fn addresses(address: &Address<'_>) -> Vec<MailAddress> {
    address
        .iter()
        .filter_map(|a| {
            let addr = a.address()?.trim();
            (!addr.is_empty()).then(|| MailAddress::new(a.name(), addr))
        })
        .collect()
}

/// Message ids of In-Reply-To or References, without brackets, in order.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let mut out: Vec<String> = match value {
        HeaderValue::Text(t) => vec![bare_id(t)],
        HeaderValue::TextList(list) => list.iter().map(|t| bare_id(t)).collect(),
        _ => Vec::new(),
    };
    out.retain(|i| valid_id(i));
    out
}

/// An id we can thread by and write back as read: printable ASCII, no brackets or spaces
/// (RFC 5322 §3.6.4 msg-id). Others are dropped (or, for the message's own, made up).
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 998
        && id.bytes().all(|b| (b'!'..=b'~').contains(&b) && b != b'<' && b != b'>')
}

fn bare_id(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').trim().to_owned()
}

/// An id for a message without one: FNV-1a over its header (the bytes before the first
/// empty line) — the same message always gets the same id, read whole or its header alone
/// (how the mailbox finds it again after a restart).
fn made_up_id(raw: &[u8]) -> String {
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let end = lf.into_iter().chain(crlf).min().unwrap_or(raw.len());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in raw.get(..end).unwrap_or(raw) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}.no-message-id@earshot.invalid")
}

fn cut(text: &str) -> String {
    if text.len() <= HEADER_VALUE_LIMIT {
        return text.to_owned();
    }
    let mut end = HEADER_VALUE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or_default())
}
