//! The softphone core (DESIGN.md §2): configuration, the command/event API, calls over the
//! SIP stack with their media in one loop, and the headless line grammar.

pub mod api;
mod auto_answer;
pub mod call;
mod call_record;
mod calling;
pub mod config;
pub mod config_file;
mod core;
mod dialog_watchers;
pub mod history;
pub mod identity;
pub mod liveness;
pub mod locating;
pub mod media;
pub mod mix;
pub mod monitor_request;
mod monitored;
mod monitoring;
pub mod offer_check;
mod ringing;
pub mod script;
mod settings;
mod signalling;
mod start;
mod team;
mod tick;

pub use api::{CallId, CallState, Command, Direction, Event};
pub use config::{Config, ConfigError};
pub use media::AudioChoice;
pub use start::{PhoneError, PhoneHandle, StartOptions, start};
