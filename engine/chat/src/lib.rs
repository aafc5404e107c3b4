//! Earshot's chat channel (DESIGN.md §7 "Chat"), sans-IO: a [`Conversation`] with one peer
//! over SIP MESSAGE (RFC 3428) — what arrives read into messages, typing and delivery
//! notices; what the agent writes turned into MESSAGE bodies; each message's delivery as
//! far as the peer lets us know it. Time is passed in; the phone sends and receives.

pub mod conversation;
pub mod handover;
pub mod message;

pub use conversation::{ChatError, Conversation, Incoming, Outgoing};
pub use message::{ChatMessage, Delivery, MessageDirection};
