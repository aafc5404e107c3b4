//! The thin tokio driver around the sans-IO user agent: it owns the UDP socket, the TCP
//! listener and connections, and the clock, and runs commands sent from other tasks.

mod driver;
mod tcp;
mod trace;

pub use driver::{Bound, Core, SipHandle, bind, run_bound, spawn};
