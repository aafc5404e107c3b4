//! Earshot's store (DESIGN.md §7 "Store"): interactions with their case data, disposition,
//! note and every change of state, and the agent's states. One interface, [`DeskStore`];
//! the embedded default is SQLite in the data directory ([`SqliteStore`]), and a team store
//! (PostgreSQL) implements the same trait without the desk changing.

pub mod chat;
pub mod contacts;
pub mod email;
pub mod errors;
pub mod outbox;
pub mod postgres;
mod postgres_chat;
mod postgres_site;
pub mod raw;
pub mod site;
pub mod sqlite;
mod sqlite_chat;
mod sqlite_contacts;
mod sqlite_site;
pub mod team;

pub use chat::{ChatLine, ChatStore};
pub use contacts::{ContactStore, Imported};
pub use email::{EmailKeep, EmailKept};
pub use errors::StoreError;
pub use postgres::PostgresStore;
pub use site::SiteStore;
pub use sqlite::SqliteStore;
pub use team::{Delivery, TeamStore};

use earshot_desk::{AgentStatus, Interaction, InteractionId};

/// What the desk needs kept. Every write is durable when it returns (a crash or a kill of
/// the phone right after loses nothing); reads return what the last writes left.
pub trait DeskStore: Send {
    /// The id for the next interaction: one more than any stored.
    fn next_interaction_id(&mut self) -> Result<u64, StoreError>;
    /// Saves the interaction as it is now (its case data, disposition and note with it);
    /// a change of state is also logged with `at_ms`.
    fn save_interaction(&mut self, interaction: &Interaction, at_ms: u64)
    -> Result<(), StoreError>;
    fn interaction(&mut self, id: InteractionId) -> Result<Option<Interaction>, StoreError>;
    /// Interactions not finished (offered, active, in wrap-up), oldest first: what a desk
    /// restarting must take up again.
    fn open_interactions(&mut self) -> Result<Vec<Interaction>, StoreError>;
    /// The newest `limit` interactions, newest first.
    fn recent_interactions(&mut self, limit: usize) -> Result<Vec<Interaction>, StoreError>;
    /// The states an interaction went through, with Unix ms, in order.
    fn state_changes(&mut self, id: InteractionId) -> Result<Vec<(String, u64)>, StoreError>;
    /// Logs the agent's state (the team view and reports read it).
    fn save_agent_state(&mut self, agent: &str, status: &AgentStatus) -> Result<(), StoreError>;
}

/// Every store a phone may work on: the desk's, the contacts', the site's and the chats'
/// traits together (what the phone's store thread is handed, whichever backend it runs).
pub trait Stores: DeskStore + ContactStore + SiteStore + ChatStore {}

impl<T: DeskStore + ContactStore + SiteStore + ChatStore> Stores for T {}
