//! RTP (RFC 3550): packets on the wire, and the receive side bookkeeping (sequence
//! validation across wrap, jumps and source restarts, loss counts, interarrival jitter).

mod packet;
mod receive_stats;

pub use packet::{RtpError, RtpIn, is_rtcp, parse, write};
pub use receive_stats::{ReceiveStats, SeqVerdict};
