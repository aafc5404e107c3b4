//! The transaction layer (RFC 3261 §17, with the INVITE fixes of RFC 6026), sans-IO:
//! messages and the current time go in; transmissions, events and the next wake-up time
//! come out.

mod client;
mod deadlines;
mod key;
mod layer;
mod server;
mod timers;

pub use key::TxId;
pub use layer::{TransactionLayer, Transmit, TxError, TxEvent};
pub use timers::TimerConfig;
