//! Earshot's SIP stack (RFC 3261 and friends).
//!
//! The protocol logic is sans-IO: parsers and state machines take bytes and the current
//! time as input and hand back what to transmit and when to wake them. The `transport`
//! module is the thin tokio driver that owns sockets and timers.

pub mod auth;
pub mod event_package;
pub mod im;
pub mod locate;
pub mod message;
pub mod sdp;
pub mod target;
pub mod transaction;
pub mod transport;
pub mod ua;

pub use message::{
    Header, HeaderName, Headers, Host, Message, Method, NameAddr, Params, ParseError, Request,
    Response, SipUri, StatusCode, Uri, Via,
};
