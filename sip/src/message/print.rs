//! Printing messages to bytes (RFC 3261 §7). Header values print as stored; the
//! Content-Length printed is always the body's real length.

use std::fmt::Write as _;

use super::header_name::HeaderName;
use super::headers::Headers;
use super::parse::{Message, Request, Response};
use super::start_line::SIP_VERSION;

fn write_headers_and_body(out: &mut Vec<u8>, mut head: String, headers: &Headers, body: &[u8]) {
    for h in headers.iter() {
        if h.name == HeaderName::ContentLength {
            continue;
        }
        let _ = write!(head, "{}: {}\r\n", h.name, h.value);
    }
    let _ = write!(head, "Content-Length: {}\r\n\r\n", body.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(body);
}

impl Request {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        let head = format!("{} {} {}\r\n", self.method, self.uri, SIP_VERSION);
        write_headers_and_body(&mut out, head, &self.headers, &self.body);
        out
    }
}

impl Response {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        let head = format!("{} {} {}\r\n", SIP_VERSION, self.status, self.reason);
        write_headers_and_body(&mut out, head, &self.headers, &self.body);
        out
    }
}

impl Message {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}
