//! RTP receive side bookkeeping (RFC 3550): sequence validation across wrap, jumps and
//! source restarts, loss counts, and interarrival jitter.

mod receive_stats;

pub use receive_stats::{ReceiveStats, SeqVerdict};
