//! One message of a chat's transcript: who wrote it, when, what, and how far it is known
//! to have got.

use serde::{Deserialize, Serialize};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageDirection {
    In,
    Out,
}

/// How far a message is known to have got (RFC 3428 §7: a 2xx means a server took it;
/// RFC 5438: delivered to the peer's device, displayed to the peer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// On its way: no answer yet.
    Sending,
    /// A server (or the peer) answered 2xx; the peer does not send notices.
    Sent,
    /// The peer's device has it (IMDN delivered).
    Delivered,
    /// The peer has seen it (IMDN displayed).
    Read,
    /// Refused or lost, and why.
    Failed(String),
}

/// One message of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Unique within the conversation: ours as we numbered it, or the peer's IMDN
    /// Message-ID, else one we gave it.
    pub id: String,
    /// Who wrote it (an address; the agent's own for outgoing messages).
    pub from: String,
    pub text: String,
    /// When it was written (Unix ms): sent by us, or received.
    pub sent_ms: u64,
    pub direction: MessageDirection,
    pub delivery: Delivery,
}
