//! Constructors for requests and responses (RFC 3261 §8.1.1 and §8.2.6).

use super::header_name::HeaderName;
use super::headers::Headers;
use super::method::Method;
use super::parse::{Request, Response};
use super::start_line::StatusCode;
use super::uri::Uri;

impl Request {
    /// A request with no headers yet.
    pub fn new(method: Method, uri: Uri) -> Request {
        Request { method, uri, headers: Headers::with_capacity(12), body: Vec::new() }
    }
}

impl Response {
    /// A response with the default reason phrase and no headers.
    pub fn new(status: u16) -> Response {
        let status = StatusCode(status);
        Response {
            status,
            reason: status.default_reason().to_owned(),
            headers: Headers::with_capacity(10),
            body: Vec::new(),
        }
    }

    /// A response to `request` (§8.2.6.2): Via, From, To, Call-ID and CSeq copied, and a To
    /// tag added if the request had none and `to_tag` is given (never on 100 Trying).
    pub fn to_request(request: &Request, status: u16, to_tag: Option<&str>) -> Response {
        let mut r = Response::new(status);
        for name in [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ] {
            for v in request.headers.get_all(&name) {
                r.headers.push_raw(name.clone(), v.to_owned());
            }
        }
        if status != 100
            && let Some(tag) = to_tag
            && request.headers.to().is_ok_and(|t| t.tag().is_none())
            && let Some(to) = request.headers.get(&HeaderName::To)
        {
            r.headers.set(HeaderName::To, format!("{to};tag={tag}"));
        }
        if status == 100
            && let Some(ts) = request.headers.get(&HeaderName::Timestamp)
        {
            // §8.2.6.1: a 100 echoes the Timestamp.
            r.headers.push(HeaderName::Timestamp, ts);
        }
        r
    }

    /// Sets the reason phrase.
    pub fn with_reason(mut self, reason: &str) -> Response {
        self.reason = reason.replace(['\r', '\n'], " ");
        self
    }
}
