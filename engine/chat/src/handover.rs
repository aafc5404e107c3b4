//! What one agent's phone hands another about a chat (docs/chat.md, "Consultation,
//! conference, transfer"): the transcript so far, as one MESSAGE body of our own type
//! (JSON, read with limits), and a message relayed in a conference or after a transfer,
//! in CPIM (RFC 3862 §3) so that it keeps who wrote it and when.

use serde::{Deserialize, Serialize};

use earshot_sip::im::cpim::{self, Cpim};

use crate::conversation::rfc3339;

use crate::conversation::{MAX_TEXT_BYTES, Outgoing};
use crate::message::{ChatMessage, Delivery, MessageDirection};

/// The content type of a transcript handed to a consulted or transferred-to agent.
pub const TRANSCRIPT_TYPE: &str = "application/vnd.earshot.transcript+json";
/// The most lines a transcript handed over may carry (the newest are kept).
pub const MAX_TRANSCRIPT_LINES: usize = 2000;

/// One line of a transcript handed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedLine {
    /// Who wrote it (an address).
    pub from: String,
    pub text: String,
    pub sent_ms: u64,
}

/// Why a transcript handed over cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandoverError {
    #[error("chat: the transcript handed over does not read: {0}")]
    Unreadable(String),
    #[error("chat: the transcript handed over has {0} lines, over {MAX_TRANSCRIPT_LINES}")]
    TooLong(usize),
    #[error("chat: a line of the transcript handed over is over {MAX_TEXT_BYTES} bytes")]
    LineTooLong,
}

/// The transcript `messages` as a MESSAGE body of [`TRANSCRIPT_TYPE`] (the newest
/// [`MAX_TRANSCRIPT_LINES`]).
pub fn transcript_body(messages: &[ChatMessage]) -> Vec<u8> {
    let skip = messages.len().saturating_sub(MAX_TRANSCRIPT_LINES);
    let lines: Vec<HandedLine> = messages
        .iter()
        .skip(skip)
        .map(|m| HandedLine { from: m.from.clone(), text: m.text.clone(), sent_ms: m.sent_ms })
        .collect();
    serde_json::to_vec(&lines).unwrap_or_else(|_| b"[]".to_vec())
}

/// A transcript handed over, read: every line checked.
pub fn read_transcript(body: &[u8]) -> Result<Vec<HandedLine>, HandoverError> {
    let lines: Vec<HandedLine> =
        serde_json::from_slice(body).map_err(|e| HandoverError::Unreadable(e.to_string()))?;
    if lines.len() > MAX_TRANSCRIPT_LINES {
        return Err(HandoverError::TooLong(lines.len()));
    }
    if lines.iter().any(|l| l.text.len() > MAX_TEXT_BYTES || l.from.len() > 1024) {
        return Err(HandoverError::LineTooLong);
    }
    Ok(lines)
}

/// A line handed over as a message of the receiving agent's transcript (from someone
/// else: incoming, delivered).
pub fn handed_message(n: usize, line: HandedLine) -> ChatMessage {
    ChatMessage {
        id: format!("handed-{n}"),
        from: line.from,
        text: line.text,
        sent_ms: line.sent_ms,
        direction: MessageDirection::In,
        delivery: Delivery::Delivered,
    }
}

/// A message written by `author` (an address, with a display `name`) relayed to an
/// agent in the chat: CPIM, whose `From` names the author (RFC 3862 §3.2), so the
/// receiving agent's transcript shows who wrote it.
pub fn relayed(author: &str, name: Option<&str>, to: &str, text: &str, sent_ms: u64) -> Outgoing {
    let from = match name {
        Some(n) if !n.trim().is_empty() => format!("{} <{author}>", cpim_name(n)),
        _ => format!("<{author}>"),
    };
    let m = Cpim::new(
        &from,
        &format!("<{to}>"),
        &rfc3339(sent_ms),
        "text/plain; charset=UTF-8",
        text.as_bytes().to_vec(),
    );
    Outgoing { content_type: cpim::CONTENT_TYPE.into(), body: m.to_bytes(), message: None }
}

/// A relayed message read back: its author's address, display name and text.
pub fn read_relayed(body: &[u8]) -> Result<(String, Option<String>, String), HandoverError> {
    let m = Cpim::parse(body).map_err(|e| HandoverError::Unreadable(e.to_string()))?;
    let from = m.header("From").unwrap_or_default();
    let (name, author) = match (from.find('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => {
            let name = from.get(..a).unwrap_or_default().trim().trim_matches('"').trim();
            (
                Some(name.to_owned()).filter(|n| !n.is_empty()),
                from.get(a + 1..b).unwrap_or_default(),
            )
        }
        _ => (None, from.trim()),
    };
    let text = String::from_utf8(m.content.clone())
        .map_err(|_| HandoverError::Unreadable("not UTF-8".into()))?;
    if text.len() > MAX_TEXT_BYTES {
        return Err(HandoverError::LineTooLong);
    }
    Ok((author.to_owned(), name, text))
}

/// A display name as a CPIM header value may carry it (RFC 3862 §3.3: a quoted string
/// on one line).
fn cpim_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\' && *c != '<' && *c != '>')
        .take(80)
        .collect();
    format!("\"{}\"", clean.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(from: &str, text: &str, at: u64) -> ChatMessage {
        ChatMessage {
            id: format!("in-{at}"),
            from: from.into(),
            text: text.into(),
            sent_ms: at,
            direction: MessageDirection::In,
            delivery: Delivery::Delivered,
        }
    }

    #[test]
    fn a_transcript_handed_over_reads_back_byte_for_byte() {
        let t = [m("sip:ann@x", "Hello 👋 مرحبا\n\"quoted\"", 1), m("sip:1001@x", "Hi", 2)];
        let lines = read_transcript(&transcript_body(&t)).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "Hello 👋 مرحبا\n\"quoted\"");
        assert_eq!(lines[1].from, "sip:1001@x");
        assert_eq!(handed_message(0, lines[0].clone()).sent_ms, 1);
    }

    #[test]
    fn a_transcript_that_does_not_read_or_is_too_long_is_refused() {
        assert!(matches!(read_transcript(b"{"), Err(HandoverError::Unreadable(_))));
        let long = format!("[{}]", vec![r#"{"from":"a","text":"b","sent_ms":1}"#; 2001].join(","));
        assert_eq!(read_transcript(long.as_bytes()), Err(HandoverError::TooLong(2001)));
        let wide = format!(r#"[{{"from":"a","text":"{}","sent_ms":1}}]"#, "x".repeat(40_000));
        assert_eq!(read_transcript(wide.as_bytes()), Err(HandoverError::LineTooLong));
    }

    #[test]
    fn a_relayed_message_names_its_author() {
        let out = relayed("sip:ann@x", Some("Ann \"A\" <x>"), "sip:1002@x", "hé 🙂", 0);
        let c = Cpim::parse(&out.body).unwrap();
        assert_eq!(c.header("From"), Some("\"Ann A x\" <sip:ann@x>"));
        assert_eq!(c.content, "hé 🙂".as_bytes());
        let (author, name, text) = read_relayed(&out.body).unwrap();
        assert_eq!(
            (author.as_str(), name.as_deref(), text.as_str()),
            ("sip:ann@x", Some("Ann A x"), "hé 🙂")
        );
    }
}
