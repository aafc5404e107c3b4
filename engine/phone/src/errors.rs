//! Why a command could not be done: the phone core's typed errors, each with the words the
//! agent reads in an `error` event.

use earshot_sip::ua::UaError;

use super::api::CallId;
use super::media::MediaError;

/// A command refused or failed, before or while it changed anything.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("no call {0}")]
    NoCall(CallId),
    #[error("call {0} is not ringing here")]
    NotRinging(CallId),
    #[error("call {0} is not answered")]
    NotAnswered(CallId),
    #[error("call {0} is not a monitoring call")]
    NotMonitoring(CallId),
    #[error("call {0} has no audio to play into")]
    NoAudio(CallId),
    #[error(
        "{0:?}: give a SIP URI such as sip:user@host:port (no account to call numbers through)"
    )]
    NoAccountForNumber(String),
    #[error("{text:?} is not a SIP address: {why}")]
    NotAnAddress { text: String, why: String },
    #[error("{0:?}: listen, whisper or barge")]
    BadMode(String),
    #[error("{0} is not watched here (watch it first)")]
    NotWatched(String),
    #[error("{0} has no call in progress")]
    AgentIdle(String),
    #[error("{0} did not say which dialog")]
    NoDialog(String),
    #[error("not watching {0}")]
    NotWatching(String),
    #[error("call {id}: cannot answer its offer ({why}): rejected with 488")]
    Unanswerable { id: CallId, why: String },
    #[error("{0}")]
    Sip(#[from] UaError),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error("{file}: {why}")]
    Play { file: String, why: MediaError },
    #[error("{0}")]
    Account(String),
    /// The desk refused (see `earshot_desk::DeskError`).
    #[error("{0}")]
    Desk(String),
    /// The name is being looked up in DNS; the work waits for it (lookups.rs).
    #[error("looking up {0} in DNS")]
    Locating(String),
    #[error("DNS: {0}")]
    Dns(String),
}
