//! The softphone core (DESIGN.md §2): configuration, the command/event API, the sans-IO
//! phone core ([`Phone`]: calls over the SIP user agent, their media through a
//! [`MediaPort`], the time passed in) with its thin driver, and the headless line grammar.

pub mod api;
mod auto_answer;
pub mod call;
mod call_record;
mod calling;
mod chat_jobs;
mod chats;
mod chatting;
mod colleagues;
mod commands;
pub mod config;
pub mod config_file;
mod contact_jobs;
pub mod core;
pub mod desk_writer;
mod desking;
mod dialog_watchers;
pub mod directory_commands;
mod driver;
mod driving;
pub mod effect;
pub mod errors;
pub mod history;
pub mod identity;
pub mod kept_targets;
pub mod liveness;
pub mod locating;
mod lookups;
pub mod media;
pub mod media_port;
pub mod mix;
pub mod monitor_request;
mod monitored;
mod monitoring;
pub mod offer_check;
pub mod presence_publisher;
pub mod problem;
mod ringing;
pub mod script;
mod settings;
mod signalling;
pub mod site_jobs;
mod start;
mod team;
mod tick;

pub use api::{CallId, CallState, Command, Direction, Event};
pub use config::{Config, ConfigError};
pub use core::{Phone, PhoneParts};
pub use effect::Effect;
pub use errors::CommandError;
pub use media::AudioChoice;
pub use media_port::MediaPort;
pub use problem::Problem;
pub use start::{PhoneError, PhoneHandle, StartOptions, start, ua_config};
