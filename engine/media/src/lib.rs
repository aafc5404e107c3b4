//! The real-time media path (DESIGN.md §2, "Threads and the real-time rule"): codecs,
//! RTP receive statistics, and the mixer with its plans. Everything here that runs per
//! frame works in preallocated buffers and never allocates, locks, logs or blocks.

pub mod codec;
pub mod control;
pub mod device;
pub mod jitter;
pub mod leg;
pub mod leg_rate;
pub mod level;
pub mod media_loop;
pub mod mix;
pub mod priority;
pub mod prompt;
pub mod quality;
pub mod recording;
pub mod resample;
pub mod rtcp;
pub mod rtp;
pub mod tick_phase;
pub mod tone;
