//! The embedded store: one SQLite file in the data directory. The schema is migrated in
//! code (`PRAGMA user_version` counts the steps applied); every write is one transaction
//! in WAL mode with full sync, so a crash or a SIGKILL mid-write leaves the last complete
//! save (a note typed up to then included).

use std::path::Path;

use earshot_desk::{AgentStatus, Interaction, InteractionId};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::outbox::{AgentStateRow, Parcel, post};
use crate::raw::{COLUMNS, RawInteraction, UPDATES};
use crate::{DeskStore, StoreError};

/// The schema, one step per entry; a database at `user_version = n` has had the first `n`.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE interactions (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        direction TEXT NOT NULL,
        contact TEXT NOT NULL,
        contact_name TEXT,
        queue TEXT,
        call INTEGER,
        state TEXT NOT NULL,
        held INTEGER NOT NULL,
        disposition TEXT,
        note TEXT NOT NULL,
        link_kind TEXT,
        link_parent INTEGER,
        wrap_up TEXT NOT NULL,
        case_data TEXT NOT NULL,
        offered_ms INTEGER NOT NULL,
        accepted_ms INTEGER,
        ended_ms INTEGER,
        done_ms INTEGER
    );
    CREATE INDEX interactions_open ON interactions (state)
        WHERE state IN ('offered', 'active', 'wrap-up');
    CREATE TABLE interaction_states (
        interaction INTEGER NOT NULL REFERENCES interactions (id),
        state TEXT NOT NULL,
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX interaction_states_by_interaction ON interaction_states (interaction);
    CREATE TABLE agent_states (
        agent TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        since_ms INTEGER NOT NULL,
        busy INTEGER NOT NULL
    );
    CREATE INDEX agent_states_by_agent ON agent_states (agent, since_ms);",
    // Contacts (sqlite_contacts.rs): their identities' keys, and which contact each
    // interaction was with, by which agent.
    "CREATE TABLE contacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        organisation TEXT NOT NULL,
        identities TEXT NOT NULL,
        fields TEXT NOT NULL
    );
    CREATE TABLE contact_keys (
        key TEXT NOT NULL,
        contact INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        PRIMARY KEY (key, contact)
    );
    CREATE INDEX contact_keys_by_contact ON contact_keys (contact);
    ALTER TABLE interactions ADD COLUMN contact_id INTEGER;
    ALTER TABLE interactions ADD COLUMN agent TEXT;
    CREATE INDEX interactions_by_contact ON interactions (contact_id, offered_ms);",
    // The outbox of a phone on a team store (outbox.rs): what waits to be delivered, in
    // order, and the outbox's own name, which the team store counts deliveries under.
    "CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        parcel TEXT NOT NULL
    );
    CREATE TABLE outbox_name (name TEXT NOT NULL);
    INSERT INTO outbox_name (name) VALUES (lower(hex(randomblob(16))));",
    // Team Communicator's site directory and each agent's kept targets (site.rs).
    crate::site::SCHEMA,
    // Chat transcripts (chat.rs).
    crate::chat::SQLITE_SCHEMA,
    // Email work in progress (email.rs).
    crate::email::SQLITE_SCHEMA,
];

#[derive(Debug)]
pub struct SqliteStore {
    pub(crate) conn: Connection,
    /// Every interaction and agent state saved is also put in the outbox, in the same
    /// transaction (a phone on a team store: `TeamStore`).
    pub(crate) posting: bool,
    /// Inside an import's own transaction: contacts are written without one of their own.
    pub(crate) importing: bool,
}

/// Puts the file in write-ahead-log mode. Switching a new file needs it to itself, and
/// SQLite answers busy at once rather than wait for a process creating it beside us: the
/// switch is tried again every 10 ms for up to 5 s (the busy timeout every statement has).
fn set_write_ahead_log(conn: &Connection) -> Result<(), rusqlite::Error> {
    let mut tries = 0;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && tries < 500 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let shown = path.display().to_string();
        let open_error = |source| StoreError::Open { path: shown.clone(), source };
        let conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_error)?;
        set_write_ahead_log(&conn).map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_error)?;
        let mut store = SqliteStore { conn, posting: false, importing: false };
        store.migrate(&shown)?;
        Ok(store)
    }

    /// Applies the missing steps in one write transaction taken before the version is read,
    /// so two processes opening a new store at once (the window and a headless phone on one
    /// data folder) do not both run the first step: the second waits and finds it done.
    fn migrate(&mut self, path: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                path: path.to_string(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (step + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn select(
        &mut self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Interaction>, StoreError> {
        let mut statement =
            self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM interactions {clause}"))?;
        let rows = statement.query_map(args, |row| Ok(read(row)))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }
}

fn read(row: &Row<'_>) -> Result<Interaction, StoreError> {
    RawInteraction {
        id: row.get(0)?,
        channel: row.get(1)?,
        direction: row.get(2)?,
        contact: row.get(3)?,
        contact_name: row.get(4)?,
        queue: row.get(5)?,
        call: row.get(6)?,
        state: row.get(7)?,
        held: row.get(8)?,
        disposition: row.get(9)?,
        note: row.get(10)?,
        link_kind: row.get(11)?,
        link_parent: row.get(12)?,
        wrap_up: row.get(13)?,
        case_data: row.get(14)?,
        offered_ms: row.get(15)?,
        accepted_ms: row.get(16)?,
        ended_ms: row.get(17)?,
        done_ms: row.get(18)?,
    }
    .interaction()
}

impl DeskStore for SqliteStore {
    fn next_interaction_id(&mut self) -> Result<u64, StoreError> {
        let max: Option<i64> =
            self.conn.query_row("SELECT MAX(id) FROM interactions", [], |r| r.get(0))?;
        Ok(max.map_or(1, |m| m as u64 + 1))
    }

    fn save_interaction(&mut self, i: &Interaction, at_ms: u64) -> Result<(), StoreError> {
        let r = RawInteraction::of(i)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before: Option<String> = tx
            .query_row("SELECT state FROM interactions WHERE id = ?1", [r.id], |row| row.get(0))
            .optional()?;
        tx.execute(
            &format!(
                "INSERT INTO interactions ({COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
                 ON CONFLICT (id) DO UPDATE SET {UPDATES}"
            ),
            params![
                r.id,
                r.channel,
                r.direction,
                r.contact,
                r.contact_name,
                r.queue,
                r.call,
                r.state,
                r.held,
                r.disposition,
                r.note,
                r.link_kind,
                r.link_parent,
                r.wrap_up,
                r.case_data,
                r.offered_ms,
                r.accepted_ms,
                r.ended_ms,
                r.done_ms,
            ],
        )?;
        if before.as_deref() != Some(r.state.as_str()) {
            tx.execute(
                "INSERT INTO interaction_states (interaction, state, at_ms) VALUES (?1, ?2, ?3)",
                params![r.id, r.state, at_ms as i64],
            )?;
        }
        if self.posting {
            post(&tx, &Parcel::Interaction { row: Box::new(r), at_ms })?;
        }
        tx.commit()?;
        Ok(())
    }

    fn interaction(&mut self, id: InteractionId) -> Result<Option<Interaction>, StoreError> {
        Ok(self.select("WHERE id = ?1", [id.0 as i64])?.pop())
    }

    fn open_interactions(&mut self) -> Result<Vec<Interaction>, StoreError> {
        self.select("WHERE state IN ('offered', 'active', 'wrap-up') ORDER BY id", [])
    }

    fn recent_interactions(&mut self, limit: usize) -> Result<Vec<Interaction>, StoreError> {
        self.select("ORDER BY id DESC LIMIT ?1", [limit.min(i64::MAX as usize) as i64])
    }

    fn state_changes(&mut self, id: InteractionId) -> Result<Vec<(String, u64)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT state, at_ms FROM interaction_states WHERE interaction = ?1 ORDER BY rowid",
        )?;
        let rows = statement.query_map([id.0 as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn save_agent_state(&mut self, agent: &str, status: &AgentStatus) -> Result<(), StoreError> {
        let state = AgentStateRow::of(agent, status);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO agent_states (agent, state, reason, since_ms, busy) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![state.agent, state.state, state.reason, state.since_ms as i64, state.busy],
        )?;
        if self.posting {
            post(&tx, &Parcel::AgentState(state))?;
        }
        tx.commit()?;
        Ok(())
    }
}
