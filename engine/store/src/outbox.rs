//! The outbox of a phone on a team store (DESIGN.md §8): each write meant for the team
//! store — an interaction as saved, an agent state, the contact an interaction came from —
//! kept as a parcel in the embedded SQLite file, in the transaction that saves it locally,
//! until the team store has it. Parcels are delivered in order; the team store records the
//! last one it applied per outbox (`outbox_delivered`) in the transaction that applies it,
//! so a parcel delivered before a crash that kept it here is skipped, not applied twice.

use earshot_desk::AgentStatus;
use earshot_directory::Identity;
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use crate::raw::RawInteraction;
use crate::{SqliteStore, StoreError};

/// One write for the team store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Parcel {
    /// An interaction as it was saved, and when its state changed.
    Interaction {
        row: Box<RawInteraction>,
        at_ms: u64,
    },
    AgentState(AgentStateRow),
    /// Interaction `interaction` of `agent` came from `identity` (with these keys): link it
    /// to the contact that has one of them, or to a new contact.
    Match {
        agent: String,
        interaction: u64,
        identity: Identity,
        keys: Vec<String>,
    },
    /// A line of chat `interaction`'s transcript, as saved.
    ChatLine {
        interaction: u64,
        line: crate::chat::ChatLine,
    },
}

/// An agent's state as its row holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStateRow {
    pub agent: String,
    pub state: String,
    pub reason: Option<String>,
    pub since_ms: u64,
    pub busy: bool,
}

impl AgentStateRow {
    pub fn of(agent: &str, s: &AgentStatus) -> AgentStateRow {
        AgentStateRow {
            agent: agent.to_owned(),
            state: s.state.name().to_owned(),
            reason: s.state.reason().map(str::to_owned),
            since_ms: s.since_ms,
            busy: s.busy,
        }
    }
}

/// Puts `parcel` in the outbox inside `tx`.
pub(crate) fn post(tx: &Transaction<'_>, parcel: &Parcel) -> Result<(), StoreError> {
    let text =
        serde_json::to_string(parcel).map_err(|e| StoreError::Corrupt(format!("parcel: {e}")))?;
    tx.execute("INSERT INTO outbox (parcel) VALUES (?1)", [text])?;
    Ok(())
}

impl SqliteStore {
    /// The outbox's name: random, made when the file was; the team store counts this
    /// outbox's deliveries under it (a new file starts its numbering again under a new
    /// name).
    pub fn outbox_name(&mut self) -> Result<String, StoreError> {
        Ok(self.conn.query_row("SELECT name FROM outbox_name", [], |r| r.get(0))?)
    }

    /// Puts every interaction and agent state saved from now on in the outbox too.
    pub fn post_saves(&mut self) {
        self.posting = true;
    }

    /// Puts `parcel` in the outbox.
    pub fn post(&mut self, parcel: &Parcel) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        post(&tx, parcel)?;
        tx.commit()?;
        Ok(())
    }

    /// The oldest `limit` parcels waiting, with their numbers; one that cannot be read is
    /// given as its error (the caller reports it and drops it rather than block those
    /// behind it).
    #[allow(clippy::type_complexity)]
    pub fn next_parcels(
        &mut self,
        limit: usize,
    ) -> Result<Vec<(i64, Result<Parcel, StoreError>)>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT seq, parcel FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = statement.query_map([limit.min(i64::MAX as usize) as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, text) = row?;
            let parcel = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("parcel {seq}: {e}")));
            out.push((seq, parcel));
        }
        Ok(out)
    }

    /// Drops every parcel up to `seq` (delivered), in one transaction.
    pub fn parcels_delivered(&mut self, seq: i64) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM outbox WHERE seq <= ?1", params![seq])?;
        Ok(())
    }

    /// How many parcels wait.
    pub fn parcels_waiting(&mut self) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        Ok(n as usize)
    }
}
