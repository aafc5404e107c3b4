//! RTCP (RFC 3550 §6) for one leg, off the real-time thread: compound reports (SR or RR,
//! SDES CNAME, RTCP-XR VoIP metrics per RFC 3611 §4.7), the round-trip time from LSR and
//! DLSR, the peer's view of our stream (loss, for the Opus loss hint), BYE, and the
//! randomised report interval.

mod session;
mod time;

pub use session::{LocalCounters, RemoteCounters, RtcpEvent, RtcpSession};
pub use time::{NtpTime, compact, compact_secs, from_secs};
