//! Framing of messages on a stream transport (TCP, TLS): Content-Length delimits each
//! message (RFC 3261 §18.3), and CRLF keep-alives sit between messages (RFC 5626 §3.5.1).

use super::error::ParseError;
use super::parse::{Message, assemble, find_head_end, parse_head};

/// What the framer found next on the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    Message(Message),
    /// A double-CRLF keep-alive "ping": answer it with a single CRLF.
    Ping,
    /// A single-CRLF "pong".
    Pong,
}

/// Accumulates stream bytes and yields whole messages. After an error the stream's
/// framing is lost and the connection should be closed.
#[derive(Debug)]
pub struct StreamFramer {
    buf: Vec<u8>,
    max_message: usize,
}

impl Default for StreamFramer {
    fn default() -> Self {
        StreamFramer::new(64 * 1024)
    }
}

impl StreamFramer {
    /// A framer that rejects any message larger than `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        StreamFramer { buf: Vec::new(), max_message }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet framed.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// The next complete item, `None` if more bytes are needed.
    pub fn next_item(&mut self) -> Option<Result<StreamItem, ParseError>> {
        if self.buf.starts_with(b"\r\n\r\n") {
            self.buf.drain(..4);
            return Some(Ok(StreamItem::Ping));
        }
        if self.buf.starts_with(b"\r\n") {
            self.buf.drain(..2);
            return Some(Ok(StreamItem::Pong));
        }
        if self.buf.is_empty() || self.buf == b"\r" {
            return None;
        }
        let Some(end) = find_head_end(&self.buf) else {
            if self.buf.len() > self.max_message {
                return Some(Err(ParseError::TooLarge(self.max_message)));
            }
            return None;
        };
        let head = match parse_head(&self.buf, end) {
            Ok(h) => h,
            Err(e) => return Some(Err(e)),
        };
        // On a stream a missing Content-Length means an empty body.
        let len = match head.headers.content_length() {
            Ok(n) => n.unwrap_or(0),
            Err(e) => return Some(Err(e)),
        };
        let total = end.saturating_add(len);
        if total > self.max_message {
            return Some(Err(ParseError::TooLarge(self.max_message)));
        }
        if self.buf.len() < total {
            return None;
        }
        let body = self.buf.get(end..total).unwrap_or(&[]).to_vec();
        self.buf.drain(..total);
        Some(assemble(head, body).map(StreamItem::Message))
    }
}
