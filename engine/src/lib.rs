//! Earshot's engine: the real-time media path (`media`); the softphone core and the
//! interactions come in later issues (DESIGN.md §2).

pub mod media;
pub mod phone;
