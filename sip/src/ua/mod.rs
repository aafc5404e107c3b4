//! The user agent (RFC 3261 §8, §12–§15, §22): registrations, INVITE sessions and their
//! dialogs, standalone requests, on top of the transaction layer. Sans-IO like the rest.

mod agent;
mod call;
mod call_incoming;
mod call_responses;
mod config;
mod dialog;
mod events;
mod ids;
mod keepalive;
mod moving;
mod pager;
mod prack;
mod publication;
mod refer;
mod registration;
mod resolve;
mod session_timer;
mod subscription;
mod validate;

pub use agent::{UaError, UserAgent};
pub use config::UaConfig;
pub use dialog::{Dialog, DialogId, DialogState};
pub use events::{CallHandle, EndReason, PubHandle, RegHandle, ReqHandle, SubHandle, UaEvent};
pub use pager::{MESSAGE_HOLD, UDP_MAX_MESSAGE_BODY};
pub use resolve::{sip_target, target_for};
pub use validate::{ALLOW, SUPPORTED};
