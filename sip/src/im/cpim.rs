//! The CPIM message format (RFC 3862, `message/cpim`): a message's metadata — From, To,
//! DateTime, namespaced headers such as IMDN's `imdn.Message-ID` (RFC 5438 §6) — then the
//! MIME headers of the content, then the content itself. Read and written whole; header
//! values are kept as written.

/// The content type (RFC 3862 §7).
pub const CONTENT_TYPE: &str = "message/cpim";
/// The IMDN namespace (RFC 5438 §6).
pub const IMDN_NS: &str = "urn:ietf:params:imdn";
/// The most headers either block may have.
pub const MAX_HEADERS: usize = 64;

/// One CPIM message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cpim {
    /// The message headers (§3.3), in order, names as written (`From`,
    /// `imdn.Message-ID`); `NS` declarations among them.
    pub headers: Vec<(String, String)>,
    /// The content's MIME headers (§3.4), in order (`Content-Type` among them).
    pub content_headers: Vec<(String, String)>,
    pub content: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CpimError {
    #[error("CPIM: the {0} headers do not end with an empty line")]
    Unended(&'static str),
    #[error("CPIM: {0:?} is not a header line")]
    NotAHeader(String),
    #[error("CPIM: more than {MAX_HEADERS} headers")]
    TooManyHeaders,
    #[error("CPIM: the headers are not UTF-8")]
    NotUtf8,
}

/// Splits `bytes` at the first empty line (CRLF CRLF, or LF LF from a lenient writer):
/// the header block and what follows.
fn block<'a>(bytes: &'a [u8], which: &'static str) -> Result<(&'a [u8], &'a [u8]), CpimError> {
    let crlf = memfind(bytes, b"\r\n\r\n").map(|at| (at, 4));
    let lf = memfind(bytes, b"\n\n").map(|at| (at, 2));
    // An empty block: the empty line comes first.
    if bytes.starts_with(b"\r\n") {
        return Ok((&[], bytes.get(2..).unwrap_or_default()));
    }
    if bytes.starts_with(b"\n") {
        return Ok((&[], bytes.get(1..).unwrap_or_default()));
    }
    let (at, len) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 <= b.0 {
                a
            } else {
                b
            }
        }
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return Err(CpimError::Unended(which)),
    };
    Ok((bytes.get(..at).unwrap_or_default(), bytes.get(at + len..).unwrap_or_default()))
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The `Name: value` lines of a block.
fn headers(block: &[u8]) -> Result<Vec<(String, String)>, CpimError> {
    let text = std::str::from_utf8(block).map_err(|_| CpimError::NotUtf8)?;
    let mut out = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && !n.contains(char::is_whitespace))
            .ok_or_else(|| CpimError::NotAHeader(line.chars().take(80).collect()))?;
        if out.len() == MAX_HEADERS {
            return Err(CpimError::TooManyHeaders);
        }
        out.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(out)
}

impl Cpim {
    /// Reads a `message/cpim` body (RFC 3862 §3).
    pub fn parse(body: &[u8]) -> Result<Cpim, CpimError> {
        let (message, rest) = block(body, "message")?;
        let headers = headers(message)?;
        let (content_block, content) = block(rest, "content")?;
        let content_headers = self::headers(content_block)?;
        Ok(Cpim { headers, content_headers, content: content.to_vec() })
    }

    /// A message of `content_type` with `content`, from and to the given addresses
    /// (`<sip:…>`, optionally after a display name), at `date_time` (RFC 3339).
    pub fn new(
        from: &str,
        to: &str,
        date_time: &str,
        content_type: &str,
        content: Vec<u8>,
    ) -> Cpim {
        Cpim {
            headers: vec![
                ("From".into(), from.into()),
                ("To".into(), to.into()),
                ("DateTime".into(), date_time.into()),
            ],
            content_headers: vec![("Content-Type".into(), content_type.into())],
            content,
        }
    }

    /// The first message header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The first content header called `name` (case-insensitive).
    pub fn content_header(&self, name: &str) -> Option<&str> {
        find(&self.content_headers, name)
    }

    /// The content's type, `text/plain` when not said (RFC 3862 §3.4 defers to MIME).
    pub fn content_type(&self) -> &str {
        self.content_header("Content-Type").unwrap_or("text/plain")
    }

    /// The prefix the message declares for `namespace` (`NS: imdn <urn:ietf:params:imdn>`).
    pub fn prefix_of(&self, namespace: &str) -> Option<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("NS")).find_map(|(_, v)| {
            let (prefix, uri) = v.split_once('<')?;
            (uri.trim_end_matches('>').trim() == namespace).then_some(prefix.trim())
        })
    }

    /// A header of the namespace `namespace` (`imdn.Message-ID` once `imdn` is declared).
    pub fn ns_header(&self, namespace: &str, name: &str) -> Option<&str> {
        let prefix = self.prefix_of(namespace)?;
        self.header(&format!("{prefix}.{name}"))
    }

    /// Declares `prefix` for `namespace` and adds its header `name`.
    pub fn with_ns_header(
        mut self,
        namespace: &str,
        prefix: &str,
        name: &str,
        value: &str,
    ) -> Cpim {
        if self.prefix_of(namespace).is_none() {
            self.headers.push(("NS".into(), format!("{prefix} <{namespace}>")));
        }
        let prefix = self.prefix_of(namespace).unwrap_or(prefix).to_owned();
        self.headers.push((format!("{prefix}.{name}"), value.into()));
        self
    }

    /// Adds a content header.
    pub fn with_content_header(mut self, name: &str, value: &str) -> Cpim {
        self.content_headers.push((name.into(), value.into()));
        self
    }

    /// The body, CRLF line ends (RFC 3862 §3).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.content.len() + 256);
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.content_headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.content);
        out
    }
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_5438_example_reads_with_its_imdn_headers() {
        let body = "From: Alice <im:alice@example.com>\r\n\
            To: Bob <im:bob@example.com>\r\n\
            NS: imdn <urn:ietf:params:imdn>\r\n\
            imdn.Message-ID: 34jk324j\r\n\
            DateTime: 2006-04-04T12:16:49-05:00\r\n\
            imdn.Disposition-Notification: positive-delivery, display\r\n\
            \r\n\
            Content-type: text/plain\r\n\
            Content-length: 12\r\n\
            \r\n\
            Hello World\n";
        let m = Cpim::parse(body.as_bytes()).unwrap();
        assert_eq!(m.header("from"), Some("Alice <im:alice@example.com>"));
        assert_eq!(m.ns_header(IMDN_NS, "Message-ID"), Some("34jk324j"));
        assert_eq!(
            m.ns_header(IMDN_NS, "Disposition-Notification"),
            Some("positive-delivery, display")
        );
        assert_eq!(m.content_type(), "text/plain");
        assert_eq!(m.content, b"Hello World\n");
    }

    #[test]
    fn written_and_read_back_byte_for_byte() {
        let text = "Bonjour 👋 — مرحبا\r\n\r\nsecond paragraph".as_bytes().to_vec();
        let m = Cpim::new(
            "<sip:a@x>",
            "<sip:b@y>",
            "2026-12-06T08:00:00Z",
            "text/plain; charset=UTF-8",
            text.clone(),
        )
        .with_ns_header(IMDN_NS, "imdn", "Message-ID", "m1")
        .with_ns_header(
            IMDN_NS,
            "imdn",
            "Disposition-Notification",
            "positive-delivery, display",
        );
        let back = Cpim::parse(&m.to_bytes()).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.content, text);
        assert_eq!(back.headers.iter().filter(|(n, _)| n == "NS").count(), 1);
    }

    #[test]
    fn broken_messages_are_refused() {
        assert_eq!(Cpim::parse(b"From: <sip:a@x>\r\n"), Err(CpimError::Unended("message")));
        assert!(matches!(Cpim::parse(b"no colon here\r\n\r\n\r\n"), Err(CpimError::NotAHeader(_))));
        assert_eq!(
            Cpim::parse(b"From: a\r\n\r\nContent-Type: text/plain"),
            Err(CpimError::Unended("content"))
        );
        let many = "X: 1\r\n".repeat(MAX_HEADERS + 1) + "\r\n\r\n";
        assert_eq!(Cpim::parse(many.as_bytes()), Err(CpimError::TooManyHeaders));
    }
}
