//! Why a command could not be done: the phone core's typed errors, each with the words the
//! agent reads in an `error` event.

use earshot_sip::ua::UaError;

use super::api::CallId;
use super::media::MediaError;
use super::problem::Problem;

/// A command refused or failed, before or while it changed anything. Its words are its
/// [`Problem`]'s (`problem()`), which the window translates.
#[derive(Debug)]
pub enum CommandError {
    NoCall(CallId),
    NotRinging(CallId),
    NotAnswered(CallId),
    NotMonitoring(CallId),
    NoAudio(CallId),
    NoAccountForNumber(String),
    NotAnAddress {
        text: String,
        why: String,
    },
    BadMode(String),
    NotWatched(String),
    AgentIdle(String),
    NoDialog(String),
    NotWatching(String),
    Unanswerable {
        id: CallId,
        why: String,
    },
    Sip(UaError),
    Media(MediaError),
    Play {
        file: String,
        why: MediaError,
    },
    Account(String),
    /// The desk refused (see `earshot_desk::DeskError`).
    Desk(String),
    /// The name is being looked up in DNS; the work waits for it (lookups.rs).
    Locating(String),
    Dns(String),
    /// A contact merged into itself.
    MergeSelf(u64),
    /// `unfavourite` of an address not in the favourites.
    NotFavourite(String),
    /// No chat interaction with this number.
    NoChat(u64),
    /// The chat is in wrap-up or done: nothing more is written into it.
    ChatClosed(u64),
    /// The chat refused the text (empty, too long: `earshot_chat::ChatError`).
    Chat(String),
    /// No email interaction with this number.
    NoSuchEmail(u64),
    /// The email command cannot be done (why).
    Email(String),
}

impl CommandError {
    /// What went wrong, as the window words it.
    pub fn problem(&self) -> Problem {
        use CommandError as E;
        match self {
            E::NoCall(call) => Problem::NoCall { call: *call },
            E::NotRinging(call) => Problem::NotRinging { call: *call },
            E::NotAnswered(call) => Problem::NotAnswered { call: *call },
            E::NotMonitoring(call) => Problem::NotMonitoring { call: *call },
            E::NoAudio(call) => Problem::NoAudioToPlayInto { call: *call },
            E::NoAccountForNumber(text) => Problem::NoAccountForNumber { text: text.clone() },
            E::NotAnAddress { text, why } => {
                Problem::NotAnAddress { text: text.clone(), why: why.clone() }
            }
            E::BadMode(text) => Problem::BadMonitorMode { text: text.clone() },
            E::NotWatched(agent) => Problem::NotWatched { agent: agent.clone() },
            E::AgentIdle(agent) => Problem::AgentIdle { agent: agent.clone() },
            E::NoDialog(agent) => Problem::NoDialog { agent: agent.clone() },
            E::NotWatching(agent) => Problem::NotWatching { agent: agent.clone() },
            E::Unanswerable { id, why } => Problem::Unanswerable { call: *id, why: why.clone() },
            E::Sip(e) => Problem::Sip { why: e.to_string() },
            E::Media(e) => Problem::Audio { why: e.to_string() },
            E::Play { file, why } => Problem::Play { file: file.clone(), why: why.to_string() },
            E::Account(why) => Problem::Account { why: why.clone() },
            E::Desk(why) => Problem::Desk { why: why.clone() },
            E::Locating(name) => Problem::Locating { name: name.clone() },
            E::Dns(why) => Problem::Dns { why: why.clone() },
            E::MergeSelf(id) => Problem::MergeSelf { id: *id },
            E::NotFavourite(a) => Problem::NotFavourite { address: a.clone() },
            E::NoChat(i) => Problem::NoChat { interaction: *i },
            E::ChatClosed(i) => Problem::ChatClosed { interaction: *i },
            E::Chat(why) => Problem::Chat { why: why.clone() },
            E::NoSuchEmail(i) => Problem::NoEmail { interaction: *i },
            E::Email(why) => Problem::Email { why: why.clone() },
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.problem().fmt(f)
    }
}

impl std::error::Error for CommandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CommandError::Sip(e) => Some(e),
            CommandError::Media(e) | CommandError::Play { why: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl From<UaError> for CommandError {
    fn from(e: UaError) -> Self {
        CommandError::Sip(e)
    }
}

impl From<MediaError> for CommandError {
    fn from(e: MediaError) -> Self {
        CommandError::Media(e)
    }
}
