//! Framing of messages on a stream transport (TCP, TLS): Content-Length delimits each
//! message (RFC 3261 §18.3), and CRLF keep-alives sit between messages (RFC 5626 §3.5.1).

use super::error::ParseError;
use super::parse::{Message, assemble, find_head_end, parse_head};

/// What the framer found next on the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    Message(Box<Message>),
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
    awaiting_pong: bool,
}

impl Default for StreamFramer {
    fn default() -> Self {
        StreamFramer::new(64 * 1024)
    }
}

impl StreamFramer {
    /// A framer that rejects any message larger than `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        StreamFramer { buf: Vec::new(), max_message, awaiting_pong: false }
    }

    /// Tells the framer that a ping was sent, so that the next lone CRLF is its pong.
    pub fn sent_ping(&mut self) {
        self.awaiting_pong = true;
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
        loop {
            if self.buf.starts_with(b"\r\n\r\n") {
                self.buf.drain(..4);
                return Some(Ok(StreamItem::Ping));
            }
            if self.buf.starts_with(b"\r\n") {
                if self.awaiting_pong {
                    self.awaiting_pong = false;
                    self.buf.drain(..2);
                    return Some(Ok(StreamItem::Pong));
                }
                match self.buf.get(2) {
                    // Could be the first half of a ping: wait for more.
                    None | Some(b'\r') => return None,
                    // A stray CRLF before a message (RFC 3261 §7.5): ignore it.
                    Some(_) => {
                        self.buf.drain(..2);
                        continue;
                    }
                }
            }
            break;
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
        Some(assemble(head, body).map(|m| StreamItem::Message(Box::new(m))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nbody";

    fn drain(f: &mut StreamFramer) -> Vec<StreamItem> {
        std::iter::from_fn(|| f.next_item()).map(|r| r.unwrap()).collect()
    }

    #[test]
    fn frames_byte_by_byte_with_keepalives() {
        let mut wire = b"\r\n\r\n".to_vec();
        wire.extend_from_slice(OPTIONS);
        wire.extend_from_slice(OPTIONS);
        wire.extend_from_slice(b"\r\n");
        let mut f = StreamFramer::default();
        let mut items = Vec::new();
        for b in &wire {
            f.push(std::slice::from_ref(b));
            items.extend(drain(&mut f));
        }
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(items[0], StreamItem::Ping);
        assert!(matches!(&items[1], StreamItem::Message(m) if m.body() == b"body"));
        assert!(matches!(&items[2], StreamItem::Message(m) if m.body() == b"body"));
        // A lone trailing CRLF is held (it may be half a ping) unless a pong is awaited.
        assert_eq!(f.pending(), 2);
        f.sent_ping();
        assert_eq!(drain(&mut f), [StreamItem::Pong]);
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn waits_for_the_whole_body_and_bounds_size() {
        let mut f = StreamFramer::default();
        f.push(&OPTIONS[..OPTIONS.len() - 1]);
        assert!(f.next_item().is_none());
        f.push(&OPTIONS[OPTIONS.len() - 1..]);
        assert!(matches!(f.next_item(), Some(Ok(StreamItem::Message(_)))));

        let mut small = StreamFramer::new(64);
        small.push(OPTIONS);
        assert!(matches!(small.next_item(), Some(Err(ParseError::TooLarge(64)))));
        let mut endless = StreamFramer::new(64);
        endless.push(&[b'a'; 100]);
        assert!(matches!(endless.next_item(), Some(Err(ParseError::TooLarge(64)))));
    }
}
