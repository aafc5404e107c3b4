//! Instant messaging bodies carried by SIP MESSAGE (RFC 3428): the is-composing indication
//! (RFC 3994), the Common Presence and Instant Messaging message format wrapping a message
//! with its metadata (CPIM, RFC 3862), and the disposition notifications that say a
//! message was delivered or read (IMDN, RFC 5438). Sans-IO: bytes in, documents out, and
//! back; times are given as text (RFC 3339) by the caller.

pub mod cpim;
pub mod imdn;
pub mod iscomposing;
mod xml_leaves;
