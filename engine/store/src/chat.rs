//! Chat transcripts (DESIGN.md §7 "Chat"): every message of a chat interaction with its
//! sender, time, direction and delivery, kept beside the interaction (a message saved
//! again, its delivery moved, replaces the kept one), so that the contact's history shows
//! what was written, by whichever agent of the team.

use earshot_desk::InteractionId;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// One message of a transcript as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLine {
    /// Unique within its chat (`in-N`, `out-N-…`, or the peer's IMDN Message-ID).
    pub id: String,
    pub from: String,
    pub text: String,
    pub sent_ms: u64,
    /// Written by the agent (else received).
    pub outgoing: bool,
    /// `sending`, `sent`, `delivered`, `read` or `failed: why`.
    pub delivery: String,
}

pub trait ChatStore: Send {
    /// Keeps `line` of this agent's chat `interaction` (again: replaces it).
    fn save_chat_line(
        &mut self,
        interaction: InteractionId,
        line: &ChatLine,
    ) -> Result<(), StoreError>;
    /// The transcript of `agent`'s chat `interaction`, oldest first (the embedded store
    /// holds this agent's chats only).
    fn chat_lines(
        &mut self,
        agent: &str,
        interaction: InteractionId,
    ) -> Result<Vec<ChatLine>, StoreError>;
}

/// The embedded file's table (one migration step).
pub(crate) const SQLITE_SCHEMA: &str = "CREATE TABLE chat_lines (
        interaction INTEGER NOT NULL,
        id TEXT NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_ms INTEGER NOT NULL,
        outgoing INTEGER NOT NULL,
        delivery TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (interaction, id)
    );";

/// The team store's table (one migration step): by agent, as its interactions are.
pub(crate) const POSTGRES_SCHEMA: &str = "CREATE TABLE chat_lines (
        agent TEXT NOT NULL,
        interaction BIGINT NOT NULL,
        id TEXT NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_ms BIGINT NOT NULL,
        outgoing BOOLEAN NOT NULL,
        delivery TEXT NOT NULL,
        seq BIGSERIAL,
        PRIMARY KEY (agent, interaction, id)
    );";
