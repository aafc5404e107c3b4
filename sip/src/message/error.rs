//! The one error type of the message layer, and the SIP status each error maps to.

/// Why bytes could not be read as a SIP message, precise enough to put in a response's
/// reason phrase (RFC 3261 §21.4.1: 400 Bad Request "SHOULD" say what was wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message is incomplete")]
    Incomplete,
    #[error("no empty line ends the header section")]
    MissingHeaderTerminator,
    #[error("message is not valid UTF-8 before the body")]
    NotUtf8,
    #[error("malformed start line: {0}")]
    StartLine(&'static str),
    #[error("unsupported SIP version {0:?}")]
    Version(String),
    #[error("malformed Request-URI: {0}")]
    RequestUri(&'static str),
    #[error("malformed status code")]
    StatusCode,
    #[error("malformed header line")]
    HeaderLine,
    #[error("malformed {header} header: {reason}")]
    Header { header: &'static str, reason: &'static str },
    #[error("{0} header appears more than once")]
    Duplicate(&'static str),
    #[error("missing {0} header")]
    Missing(&'static str),
    #[error("CSeq method {cseq:?} does not match request method {method:?}")]
    CSeqMismatch { method: String, cseq: String },
    #[error("Content-Length {declared} exceeds the {available} bytes that follow the headers")]
    BodyTooShort { declared: usize, available: usize },
    #[error("message exceeds the {0}-byte limit")]
    TooLarge(usize),
    #[error("malformed URI: {0}")]
    Uri(&'static str),
}

impl ParseError {
    /// The response a UAS sends for a request that failed with this error
    /// (RFC 3261 §8.2.2 and §21.5.6 for the version).
    pub fn status_code(&self) -> u16 {
        match self {
            ParseError::Version(_) => 505,
            ParseError::TooLarge(_) => 513,
            _ => 400,
        }
    }

    pub(crate) fn header(header: &'static str, reason: &'static str) -> Self {
        ParseError::Header { header, reason }
    }
}
