//! The adaptive jitter buffer: packets in by sequence number, one frame out per tick; the
//! target delay follows the measured network delay spread (low on a clean network, more
//! under jitter, back down when it calms).

mod buffer;
mod delay;
mod playout;

pub use buffer::{JitterBuffer, JitterStats, Pull, Shed};
pub use delay::DelayEstimator;
pub use playout::{MAX_PACKET_MS, PlayoutQueue};
