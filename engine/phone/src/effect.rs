//! What the sans-IO phone core asks its driver to do outside it: look names up in DNS,
//! keep a finished call in the history, read the history, save settings to the
//! configuration file, keep the desk's interactions and states, open a link. The driver answers lookups with [`crate::core::Phone::located`].

use earshot_sip::SipUri;
use earshot_sip::target::TransportKind;

use super::api::Account;
use super::config::AudioSettings;
use super::history::CallRecord;

/// One thing for the driver to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Locate the servers for `name` (RFC 3263) over these transports, in order.
    Locate { name: SipUri, transports: Vec<TransportKind> },
    /// Keep this finished call in the history.
    Record(Box<CallRecord>),
    /// Report the `limit` most recent calls of the history (a `history` event).
    ReadHistory { limit: usize },
    /// Write the sound devices chosen to the configuration file.
    SaveAudio(AudioSettings),
    /// Write the account (none: peer-to-peer) to the configuration file.
    SaveAccount(Option<Account>),
    /// Keep the interaction as it is now in the desk's store (in order: a note typed is
    /// saved as typed); the Unix ms of the change.
    SaveInteraction(Box<earshot_desk::Interaction>, u64),
    /// Keep a chat message (new, or its delivery moved) of chat interaction `interaction`.
    SaveChatLine { interaction: u64, line: earshot_store::ChatLine },
    /// Keep (or forget: `None`) email `interaction`'s work in progress (email_drafts.rs).
    KeepEmail { interaction: u64, kept: Option<earshot_store::EmailKept> },
    /// Report the transcript of `agent`'s (none: ours) chat `interaction` (a `transcript`
    /// event).
    ReadTranscript { agent: Option<String>, interaction: u64 },
    /// Keep the agent's state in the store (and publish it, once presence is wired).
    SaveAgentState(earshot_desk::AgentStatus),
    /// Open a screen-pop link in the system browser.
    OpenUrl(String),
    /// Read a contact from the store (a `contact` event).
    ReadContact(u64),
    /// Read a contact's history from the store (a `contact-history` event).
    ReadContactHistory { id: u64, limit: usize },
    /// Find the contact of interaction `interaction` by its identity (after its save),
    /// making one for an identity not known yet (a `contact-matched` event).
    MatchContact { interaction: u64, identity: earshot_directory::Identity, keys: Vec<String> },
    /// Write every contact to a CSV file (`contacts-exported`).
    ExportContacts(std::path::PathBuf),
    /// Save a contact as given (`contact`), and hand it to the core's index.
    SaveContact(Box<earshot_directory::Contact>),
    /// Rename contact `id` (`contact`).
    NameContact { id: u64, name: String },
    /// Merge `gone` into `keep` (`contacts-merged`).
    MergeContacts { keep: u64, gone: u64 },
    /// Read contacts from a CSV or vCard file into the store (`contacts-imported`), and
    /// hand them to the core's index.
    ImportContacts(std::path::PathBuf),
    /// Put `target` in the agent's `list` in the store.
    KeepTarget { list: earshot_directory::KeptList, target: earshot_directory::KeptTarget },
    /// Take the target reached at `address` out of the agent's `list` in the store.
    DropTarget { list: earshot_directory::KeptList, address: String },
    /// Email: a mailbox job, a message to send, an attachment to save (mail_jobs.rs).
    Mail(Box<super::mail_jobs::MailEffect>),
}
