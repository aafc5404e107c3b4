//! SIP messages (RFC 3261 §7, §20, §25): parsing, typed header access and printing.

mod auth;
mod build;
mod cseq;
mod date;
mod error;
mod error_response;
mod header_name;
mod headers;
mod list;
mod media_type;
mod method;
mod name_addr;
mod params;
mod parse;
mod print;
mod replaces;
mod scan;
mod start_line;
mod stream;
mod subscription;
mod typed;
mod uri;
mod via;

pub use auth::{Challenge, Credentials, DigestParams};
pub use cseq::CSeq;
pub use error::ParseError;
pub use error_response::error_response;
pub use header_name::HeaderName;
pub use headers::{Header, Headers};
pub use list::TokenList;
pub use media_type::MediaType;
pub use method::Method;
pub use name_addr::NameAddr;
pub use params::Params;
pub use parse::{Message, Request, Response, parse_datagram};
pub use replaces::DialogRef;
pub use start_line::StatusCode;
pub use stream::{StreamFramer, StreamItem};
pub use subscription::{Event, SubscriptionState};
pub use uri::{Host, SipUri, Uri};
pub use via::{BRANCH_COOKIE, Via};

/// Decodes `%XX` escapes (RFC 3986 §2.1), e.g. of a URI header value.
pub fn unescape_text(s: &str) -> Vec<u8> {
    scan::unescape(s)
}

/// Splits a header value at top-level commas (RFC 3261 §7.3.1).
pub fn split_list(value: &str) -> impl Iterator<Item = &str> {
    scan::split_commas(value)
}
