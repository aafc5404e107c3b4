//! SDP session descriptions (RFC 8866) and the offer/answer model (RFC 3264) for audio.

mod description;
mod direction;
mod error;
mod media;
mod negotiation;

pub use description::{Attribute, Connection, Origin, SessionDescription};
pub use direction::Direction;
pub use error::SdpError;
pub use media::{MediaDescription, RtpMap};
pub use negotiation::{AudioCapabilities, Negotiated, PayloadFormat, answer, offer, read_answer};
