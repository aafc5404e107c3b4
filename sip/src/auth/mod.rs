//! HTTP Digest authentication for SIP (RFC 3261 §22; RFC 2617, RFC 7616 and RFC 8760 for
//! the algorithms): answering challenges as a client and checking credentials as a server.

mod algorithm;
mod client;
mod compute;
mod server;

pub use algorithm::Algorithm;
pub use client::{AuthError, Credential, DigestClient};
pub use compute::{DigestInput, response};
pub use server::{DigestServer, Verdict};
