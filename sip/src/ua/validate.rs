//! Checks on a received request before any method handling (RFC 3261 §8.2.1–§8.2.3), and
//! the response that rejects it.

use crate::message::{HeaderName, Method, Request, Uri};

/// Methods this user agent implements.
pub const ALLOW: &str =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, UPDATE, PRACK, SUBSCRIBE, NOTIFY, REFER";
/// Option tags this user agent supports.
pub const SUPPORTED: &[&str] = &["100rel", "timer", "replaces", "join"];
/// Body types accepted in INVITE, UPDATE, ACK, PRACK.
pub const ACCEPT_SESSION: &str = "application/sdp";

/// A rejection: status, reason phrase and extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(HeaderName, String)>,
}

impl Rejection {
    fn new(status: u16, reason: &str) -> Self {
        Rejection { status, reason: reason.into(), headers: Vec::new() }
    }
    fn with(mut self, name: HeaderName, value: &str) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

fn implemented(m: &Method) -> bool {
    matches!(
        m,
        Method::Invite
            | Method::Ack
            | Method::Cancel
            | Method::Bye
            | Method::Options
            | Method::Message
            | Method::Info
            | Method::Update
            | Method::Prack
            | Method::Subscribe
            | Method::Notify
            | Method::Refer
    )
}

/// The checks of §8.2: mandatory headers, method, URI scheme, Require, and body type.
pub fn check(r: &Request) -> Result<(), Rejection> {
    for (name, label) in [
        (HeaderName::To, "Missing To"),
        (HeaderName::From, "Missing From"),
        (HeaderName::CallId, "Missing Call-ID"),
        (HeaderName::CSeq, "Missing CSeq"),
        (HeaderName::Via, "Missing Via"),
    ] {
        if !r.headers.contains(&name) {
            return Err(Rejection::new(400, label));
        }
    }
    // §8.2.1: methods a UA does not serve.
    if matches!(r.method, Method::Register | Method::Publish) {
        return Err(Rejection::new(405, "Method Not Allowed").with(HeaderName::Allow, ALLOW));
    }
    if !implemented(&r.method) {
        return Err(Rejection::new(501, "Not Implemented").with(HeaderName::Allow, ALLOW));
    }
    // §8.2.2.1: Request-URI scheme.
    if !matches!(r.uri, Uri::Sip(_) | Uri::Tel(_)) {
        return Err(Rejection::new(416, "Unsupported URI Scheme"));
    }
    // §8.2.2.3: Require (not for ACK and CANCEL).
    if !matches!(r.method, Method::Ack | Method::Cancel) {
        let unsupported: Vec<String> = r
            .headers
            .tokens(&HeaderName::Require)
            .iter()
            .filter(|t| !SUPPORTED.iter().any(|s| s.eq_ignore_ascii_case(t)))
            .map(str::to_owned)
            .collect();
        if !unsupported.is_empty() {
            return Err(Rejection::new(420, "Bad Extension")
                .with(HeaderName::Unsupported, &unsupported.join(", ")));
        }
    }
    // §8.2.3: body type and encoding.
    if !r.body.is_empty() || r.headers.contains(&HeaderName::ContentType) {
        let ct = r.headers.content_type().ok().flatten();
        let ok = match r.method {
            Method::Invite | Method::Update | Method::Ack | Method::Prack => {
                ct.is_some_and(|c| c.is("application", "sdp")) || r.body.is_empty()
            }
            Method::Notify => true,
            Method::Message | Method::Info => ct.is_some(),
            _ => true,
        };
        if !ok {
            return Err(Rejection::new(415, "Unsupported Media Type")
                .with(HeaderName::Accept, ACCEPT_SESSION));
        }
        if let Some(enc) = r.headers.get(&HeaderName::ContentEncoding)
            && !enc.eq_ignore_ascii_case("identity")
        {
            return Err(Rejection::new(415, "Unsupported Media Type")
                .with(HeaderName::AcceptEncoding, "identity"));
        }
    }
    // An offer we would answer with SDP that the caller does not accept (RFC 4475 §3.3.15).
    if r.method == Method::Invite
        && r.headers.contains(&HeaderName::Accept)
        && let Ok(accept) = r.headers.accept()
        && !accept.iter().any(|a| a.accepts(&crate::message::MediaType::new("application", "sdp")))
    {
        return Err(Rejection::new(406, "Not Acceptable").with(HeaderName::Accept, ACCEPT_SESSION));
    }
    Ok(())
}
