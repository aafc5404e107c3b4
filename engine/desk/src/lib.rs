//! Earshot's interaction desk (DESIGN.md §6–§7): sans-IO policy over every channel. The desk
//! decides whether the agent takes what is offered (capacity, do-not-disturb, auto-answer)
//! and the phone obeys; interactions, agent state and wrap-up grow here (issue 13). No
//! clock, no sockets, no tokio: time comes in as an argument.

pub mod take;

pub use take::{Decision, InCallAutoAnswer, Load, Offered, TakePolicy};
