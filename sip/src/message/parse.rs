//! Message types and the parser: start line, header lines with folding, and body framing
//! for datagrams (RFC 3261 §7, §18.3).

use super::error::ParseError;
use super::header_name::HeaderName;
use super::headers::Headers;
use super::method::Method;
use super::start_line::{StartLine, StatusCode};
use super::uri::Uri;

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: StatusCode,
    pub reason: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

impl Message {
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }
}

/// The header section of a message, located in a buffer.
pub(crate) struct Head {
    pub(crate) start: StartLine,
    pub(crate) headers: Headers,
    /// Offset of the first body byte in the buffer.
    pub(crate) body_offset: usize,
}

/// Finds the end of the header section: the offset just past the empty line, or `None`
/// if no empty line has arrived yet. Leading CRLFs are skipped by the caller.
pub(crate) fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(rel) = buf.get(i..).and_then(|s| s.iter().position(|&b| b == b'\n')) {
        let nl = i + rel;
        match (buf.get(nl + 1), buf.get(nl + 2)) {
            (Some(b'\n'), _) => return Some(nl + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(nl + 3),
            _ => i = nl + 1,
        }
    }
    None
}

/// Number of CR/LF bytes before the start line (§7.5: ignored).
pub(crate) fn leading_crlf(buf: &[u8]) -> usize {
    buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count()
}

/// Parses the header section `buf[..end]`, where `end` came from [`find_head_end`].
pub(crate) fn parse_head(buf: &[u8], end: usize) -> Result<Head, ParseError> {
    let text = std::str::from_utf8(buf.get(..end).ok_or(ParseError::Incomplete)?)
        .map_err(|_| ParseError::NotUtf8)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let start = StartLine::parse(lines.next().unwrap_or(""))?;
    let mut headers = Headers::with_capacity(16);
    let mut current: Option<(HeaderName, String)> = None;
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            // A folded continuation: keep the fold so the value prints back unchanged.
            let (_, value) = current.as_mut().ok_or(ParseError::HeaderLine)?;
            value.push_str("\r\n");
            value.push_str(line);
            continue;
        }
        if let Some((name, value)) = current.take() {
            headers.push_raw(name, value);
        }
        let (name, value) = line.split_once(':').ok_or(ParseError::HeaderLine)?;
        let name = name.trim_end_matches([' ', '\t']);
        if name.is_empty() || !name.bytes().all(super::scan::is_token) {
            return Err(ParseError::HeaderLine);
        }
        let value = value.trim_start_matches([' ', '\t']);
        current = Some((HeaderName::parse(name), value.to_owned()));
    }
    if let Some((name, value)) = current {
        headers.push_raw(name, value);
    }
    let start = headers_from_request_uri(start, &mut headers)?;
    headers.validate()?;
    Ok(Head { start, headers, body_offset: end })
}

/// A transferee that put the Refer-To URI's headers in its Request-URI instead of its
/// request (see [`super::start_line::is_transfer_header`]): each becomes the header it
/// stands for, unless the request carries that header itself (RFC 3261 §19.1.5: the
/// request's own fields win), and the Request-URI is left without them.
fn headers_from_request_uri(
    start: StartLine,
    headers: &mut Headers,
) -> Result<StartLine, ParseError> {
    let StartLine::Request { method, uri: Uri::Sip(mut sip) } = start else { return Ok(start) };
    for (name, value) in std::mem::take(&mut sip.headers) {
        let name = HeaderName::parse(&name);
        if headers.get(&name).is_some() {
            continue;
        }
        let value = String::from_utf8(super::scan::unescape(&value))
            .map_err(|_| ParseError::RequestUri("a header in the Request-URI is not UTF-8"))?;
        if value.bytes().any(|b| b.is_ascii_control()) {
            return Err(ParseError::RequestUri("a control character in a Request-URI header"));
        }
        headers.push_raw(name, value);
    }
    Ok(StartLine::Request { method, uri: Uri::Sip(sip) })
}

/// Builds the message once the body is known, checking the CSeq method (RFC 3261 §8.1.1.5).
pub(crate) fn assemble(head: Head, body: Vec<u8>) -> Result<Message, ParseError> {
    match head.start {
        StartLine::Request { method, uri } => {
            if let Some(cseq) = head.headers.get(&HeaderName::CSeq) {
                let cseq =
                    super::cseq::CSeq::parse(cseq).map_err(|r| ParseError::header("CSeq", r))?;
                if cseq.method != method {
                    return Err(ParseError::CSeqMismatch {
                        method: method.to_string(),
                        cseq: cseq.method.to_string(),
                    });
                }
            }
            Ok(Message::Request(Request { method, uri, headers: head.headers, body }))
        }
        StartLine::Response { status, reason } => {
            Ok(Message::Response(Response { status, reason, headers: head.headers, body }))
        }
    }
}

/// Parses one message from a UDP datagram (RFC 3261 §18.3): the body is exactly
/// Content-Length bytes (octets beyond it are discarded) or, without Content-Length, the
/// rest of the datagram. A datagram shorter than its Content-Length is rejected.
pub fn parse_datagram(buf: &[u8]) -> Result<Message, ParseError> {
    let skip = leading_crlf(buf);
    let buf = buf.get(skip..).unwrap_or(&[]);
    if buf.is_empty() {
        return Err(ParseError::Incomplete);
    }
    let end = find_head_end(buf).ok_or(ParseError::MissingHeaderTerminator)?;
    let head = parse_head(buf, end)?;
    let rest = buf.get(head.body_offset..).unwrap_or(&[]);
    let body = match head.headers.content_length()? {
        Some(n) => rest
            .get(..n)
            .ok_or(ParseError::BodyTooShort { declared: n, available: rest.len() })?
            .to_vec(),
        None => rest.to_vec(),
    };
    assemble(head, body)
}

impl std::str::FromStr for Message {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_datagram(s.as_bytes())
    }
}
