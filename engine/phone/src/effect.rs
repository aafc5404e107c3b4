//! What the sans-IO phone core asks its driver to do outside it: look names up in DNS,
//! keep a finished call in the history, read the history, save settings to the
//! configuration file. The driver answers lookups with [`crate::core::Phone::located`].

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
}
