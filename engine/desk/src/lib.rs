//! Earshot's interaction desk (DESIGN.md §6–§7): sans-IO policy over every channel. The
//! desk holds the agent's state and every interaction — offered with a preview, accepted,
//! worked with its case data, wrapped up with a disposition and a note — and decides
//! whether the agent takes what is offered; the phone (and later the chat and email
//! channels) obey its effects. No clock, no sockets, no tokio: time comes in as an
//! argument.

pub mod agent;
pub mod case;
pub mod config;
pub mod desk;
pub mod errors;
pub mod interaction;
pub mod presence;
pub mod screen_pop;
pub mod sip_case;
pub mod take;
pub mod wrap_up;

pub use agent::{AgentState, AgentStatus, StateWish};
pub use case::{CaseData, CaseField, CaseRule, Origin, Source};
pub use config::{Capacity, DeskConfig, PreviewMode, QueueConfig, ScreenPopConfig};
pub use desk::{Desk, DeskEffect, DeskEvent, Moment, Take};
pub use errors::DeskError;
pub use interaction::{
    Arrival, Channel, Direction, Interaction, InteractionId, Link, LinkKind, State,
};
pub use take::{Decision, InCallAutoAnswer, Load, Offered, TakePolicy};
pub use wrap_up::{Disposition, WrapUpMode};
