//! Transaction identifiers and the matching rules of RFC 3261 §17.1.3 (responses to
//! client transactions) and §17.2.3 (requests to server transactions).

use crate::message::{BRANCH_COOKIE, Method, Request, Response};

/// An opaque handle on a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxId(pub(crate) u64);

/// How a response finds its client transaction: top Via branch and CSeq method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey {
    pub(crate) branch: String,
    pub(crate) method: Method,
}

impl ClientKey {
    pub(crate) fn of_response(r: &Response) -> Option<ClientKey> {
        let via = r.headers.top_via().ok()?;
        Some(ClientKey {
            branch: via.branch()?.to_owned(),
            method: r.headers.cseq().ok()?.method.clone(),
        })
    }
}

/// How a request finds its server transaction. ACK matches the INVITE it acknowledges.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ServerKey {
    /// RFC 3261 branch, sent-by, and method.
    Rfc3261 { branch: String, sent_by: String, method: Method },
    /// RFC 2543 peers have no magic cookie: match on the dialog-identifying fields.
    Rfc2543 {
        request_uri: String,
        call_id: String,
        from_tag: String,
        cseq: u32,
        top_via: String,
        method: Method,
    },
}

impl ServerKey {
    /// `for_method` overrides the request's method (ACK and CANCEL look up the INVITE).
    pub(crate) fn of_request(r: &Request, for_method: Option<&Method>) -> Option<ServerKey> {
        let via = r.headers.top_via().ok()?;
        let method = for_method.unwrap_or(&r.method).clone();
        let method = if method == Method::Ack { Method::Invite } else { method };
        match via.branch() {
            Some(b) if b.starts_with(BRANCH_COOKIE) => Some(ServerKey::Rfc3261 {
                branch: b.to_owned(),
                sent_by: format!("{}:{}", via.host, via.port.unwrap_or(0)).to_ascii_lowercase(),
                method,
            }),
            _ => Some(ServerKey::Rfc2543 {
                // ACK to a non-2xx carries the same Request-URI as the INVITE (§17.1.1.3).
                request_uri: r.uri.to_string(),
                call_id: r.headers.call_id().ok()?.to_owned(),
                from_tag: r.headers.from().ok()?.tag().unwrap_or("").to_owned(),
                cseq: r.headers.cseq().ok()?.seq,
                top_via: via.to_string().replace(|c: char| c.is_whitespace(), ""),
                method,
            }),
        }
    }
}
