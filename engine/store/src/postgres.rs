//! The team store: one PostgreSQL database for a site's agents (DESIGN.md §8), behind the
//! same traits as the embedded store (`DeskStore`, `ContactStore`). Each agent's
//! interactions are keyed by the agent and its own number; contacts and their history are
//! the team's. The schema is migrated in code under an advisory lock (two agents starting
//! at once do not both migrate). The `postgres` crate (synchronous, on the store's own
//! thread); every change is one transaction.

use earshot_desk::{AgentStatus, Interaction, InteractionId};
use earshot_directory::{Contact, ContactId, Identity, PastInteraction};
use postgres::{Client, GenericClient, NoTls, Row, Transaction};

use crate::outbox::{AgentStateRow, Parcel};
use crate::raw::{COLUMNS, CONTACT_COLUMNS, RawContact, RawInteraction, UPDATES, past_fields};
use crate::{ContactStore, DeskStore, StoreError};

/// The schema, one step per entry; `earshot_schema.version` counts the steps applied.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE interactions (
        seq BIGSERIAL UNIQUE,
        agent TEXT NOT NULL,
        id BIGINT NOT NULL,
        channel TEXT NOT NULL,
        direction TEXT NOT NULL,
        contact TEXT NOT NULL,
        contact_name TEXT,
        queue TEXT,
        call BIGINT,
        state TEXT NOT NULL,
        held BOOLEAN NOT NULL,
        disposition TEXT,
        note TEXT NOT NULL,
        link_kind TEXT,
        link_parent BIGINT,
        wrap_up TEXT NOT NULL,
        case_data TEXT NOT NULL,
        offered_ms BIGINT NOT NULL,
        accepted_ms BIGINT,
        ended_ms BIGINT,
        done_ms BIGINT,
        contact_id BIGINT,
        PRIMARY KEY (agent, id)
    );
    CREATE INDEX interactions_open ON interactions (agent, state)
        WHERE state IN ('offered', 'active', 'wrap-up');
    CREATE INDEX interactions_by_contact ON interactions (contact_id, offered_ms);
    CREATE TABLE interaction_states (
        seq BIGSERIAL PRIMARY KEY,
        agent TEXT NOT NULL,
        interaction BIGINT NOT NULL,
        state TEXT NOT NULL,
        at_ms BIGINT NOT NULL
    );
    CREATE INDEX interaction_states_by_interaction ON interaction_states (agent, interaction);
    CREATE TABLE agent_states (
        agent TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        since_ms BIGINT NOT NULL,
        busy BOOLEAN NOT NULL
    );
    CREATE INDEX agent_states_by_agent ON agent_states (agent, since_ms);
    CREATE TABLE contacts (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL,
        organisation TEXT NOT NULL,
        identities TEXT NOT NULL,
        fields TEXT NOT NULL
    );
    CREATE TABLE contact_keys (
        key TEXT NOT NULL,
        contact BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        PRIMARY KEY (key, contact)
    );
    CREATE INDEX contact_keys_by_contact ON contact_keys (contact);",
    // A contact's history is read newest first with the row's number breaking ties: the
    // index gives it in that order (the first one made PostgreSQL sort every row of the
    // contact: 15 ms for a page of a contact with 10 000 interactions). And the last
    // parcel applied from each phone's outbox (outbox.rs).
    "DROP INDEX interactions_by_contact;
    CREATE INDEX interactions_by_contact ON interactions (contact_id, offered_ms DESC, seq DESC);
    CREATE TABLE outbox_delivered (
        agent TEXT NOT NULL,
        outbox TEXT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (agent, outbox)
    );",
    // Team Communicator's site directory and each agent's kept targets (site.rs).
    crate::site::SCHEMA,
    // Chat transcripts (chat.rs).
    crate::chat::POSTGRES_SCHEMA,
];

/// Any number for the advisory lock the migration takes ("earshot" on a phone keypad).
const MIGRATION_LOCK: i64 = 3_277_468;

/// One agent's connection to the team store.
pub struct PostgresStore {
    pub(crate) client: Client,
    /// Inside an import's own transaction: contacts are written without one of their own.
    importing: bool,
    /// The agent whose interactions this connection writes and reads (its address of
    /// record).
    pub(crate) agent: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("agent", &self.agent).finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgresql://user@host:port/db`, or the key=value form) for
    /// `agent`, and brings the schema up to date.
    /// A connection that cannot be made within 3 s (unless the URL says otherwise) fails:
    /// the phone works on from its outbox and tries again.
    pub fn connect(url: &str, agent: &str) -> Result<PostgresStore, StoreError> {
        let mut config: postgres::Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(3));
        }
        let client = config.connect(NoTls)?;
        let mut store = PostgresStore { client, agent: agent.to_owned(), importing: false };
        store.migrate()?;
        Ok(store)
    }

    /// Whether the connection is gone (the server stopped, the network failed): the
    /// caller connects again.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Applies `parcels` (numbered, oldest first) of outbox `outbox` — a phone's, for this
    /// connection's agent — in one transaction with the count of applied parcels, skipping
    /// any applied before: each is applied exactly once, in order. For each parcel, what
    /// became of it (a match applied gives the contact found or made, and whether it is
    /// new).
    pub fn deliver(
        &mut self,
        outbox: &str,
        parcels: &[(i64, Parcel)],
    ) -> Result<Vec<Delivered>, StoreError> {
        let agent = self.agent.clone();
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO outbox_delivered (agent, outbox, seq) VALUES ($1, $2, 0) \
             ON CONFLICT DO NOTHING",
            &[&agent, &outbox],
        )?;
        let mut done: i64 = tx
            .query_one(
                "SELECT seq FROM outbox_delivered WHERE agent = $1 AND outbox = $2 FOR UPDATE",
                &[&agent, &outbox],
            )?
            .try_get(0)?;
        let mut out = Vec::with_capacity(parcels.len());
        for (seq, parcel) in parcels {
            if *seq <= done {
                out.push(Delivered::AlreadyThere);
                continue;
            }
            let matched = match parcel {
                Parcel::Interaction { row, at_ms } => {
                    write_interaction(&mut tx, &agent, row, *at_ms)?;
                    None
                }
                Parcel::AgentState(state) => {
                    write_agent_state(&mut tx, state)?;
                    None
                }
                Parcel::Match { agent, interaction, identity, keys } => {
                    Some(match_in(&mut tx, agent, *interaction, identity, keys)?)
                }
                Parcel::ChatLine { interaction, line } => {
                    crate::postgres_chat::write_chat_line(&mut tx, &agent, *interaction, line)?;
                    None
                }
            };
            done = *seq;
            out.push(Delivered::Applied(matched));
        }
        tx.execute(
            "UPDATE outbox_delivered SET seq = $3 WHERE agent = $1 AND outbox = $2",
            &[&agent, &outbox, &done],
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// Brings the planner's statistics up to date (`ANALYZE`), as autovacuum does on its
    /// own within a minute or so: after a bulk load (an import, a migration from another
    /// system) so that a contact's history is read from its index at once.
    pub fn refresh_statistics(&mut self) -> Result<(), StoreError> {
        self.client
            .batch_execute("ANALYZE interactions; ANALYZE contacts; ANALYZE contact_keys")?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS earshot_schema (version INTEGER NOT NULL)")?;
        let version: i32 = match tx.query_opt("SELECT version FROM earshot_schema", &[])? {
            Some(row) => row.try_get(0)?,
            None => {
                tx.execute("INSERT INTO earshot_schema (version) VALUES (0)", &[])?;
                0
            }
        };
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: "the team store".into(),
                found: i64::from(version),
                known: MIGRATIONS.len(),
            });
        }
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.batch_execute(sql)?;
            tx.execute("UPDATE earshot_schema SET version = $1", &[&((step + 1) as i32)])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn select(
        &mut self,
        clause: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Interaction>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM interactions WHERE agent = $1 {clause}");
        let mut all: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&self.agent];
        all.extend_from_slice(args);
        let rows = self.client.query(sql.as_str(), &all)?;
        rows.iter().map(read).collect()
    }
}

/// What became of a parcel delivered.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivered {
    /// Applied now; for a match, the contact and whether it is new.
    Applied(Option<(Contact, bool)>),
    /// Applied before (the phone stopped before it could drop it): skipped.
    AlreadyThere,
}

/// `ContactStore::match_interaction` inside `tx`: the lookup, the new contact and the link
/// are one transaction.
fn match_in(
    tx: &mut Transaction<'_>,
    agent: &str,
    interaction: u64,
    identity: &Identity,
    keys: &[String],
) -> Result<(Contact, bool), StoreError> {
    let link = |tx: &mut Transaction<'_>, contact: i64| {
        tx.execute(
            "UPDATE interactions SET contact_id = $1 WHERE agent = $2 AND id = $3",
            &[&contact, &agent, &(interaction.min(i64::MAX as u64) as i64)],
        )
    };
    for key in keys {
        let row = tx.query_opt(
            format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = \
                 (SELECT MIN(contact) FROM contact_keys WHERE key = $1)"
            )
            .as_str(),
            &[key],
        )?;
        if let Some(row) = row {
            let contact = read_contact(&row)?;
            link(tx, contact.id as i64)?;
            return Ok((contact, false));
        }
    }
    let mut contact = Contact { identities: vec![identity.clone()], ..Contact::default() };
    contact.id = write_contact(tx, &contact, keys)?;
    link(tx, contact.id as i64)?;
    Ok((contact, true))
}

fn read(row: &Row) -> Result<Interaction, StoreError> {
    RawInteraction {
        id: row.try_get(0)?,
        channel: row.try_get(1)?,
        direction: row.try_get(2)?,
        contact: row.try_get(3)?,
        contact_name: row.try_get(4)?,
        queue: row.try_get(5)?,
        call: row.try_get(6)?,
        state: row.try_get(7)?,
        held: row.try_get(8)?,
        disposition: row.try_get(9)?,
        note: row.try_get(10)?,
        link_kind: row.try_get(11)?,
        link_parent: row.try_get(12)?,
        wrap_up: row.try_get(13)?,
        case_data: row.try_get(14)?,
        offered_ms: row.try_get(15)?,
        accepted_ms: row.try_get(16)?,
        ended_ms: row.try_get(17)?,
        done_ms: row.try_get(18)?,
    }
    .interaction()
}

impl DeskStore for PostgresStore {
    fn next_interaction_id(&mut self) -> Result<u64, StoreError> {
        let row = self
            .client
            .query_one("SELECT MAX(id) FROM interactions WHERE agent = $1", &[&self.agent])?;
        let max: Option<i64> = row.try_get(0)?;
        Ok(max.map_or(1, |m| m as u64 + 1))
    }

    fn save_interaction(&mut self, i: &Interaction, at_ms: u64) -> Result<(), StoreError> {
        let r = RawInteraction::of(i)?;
        let agent = self.agent.clone();
        let mut tx = self.client.transaction()?;
        write_interaction(&mut tx, &agent, &r, at_ms)?;
        tx.commit()?;
        Ok(())
    }

    fn interaction(&mut self, id: InteractionId) -> Result<Option<Interaction>, StoreError> {
        Ok(self.select("AND id = $2", &[&(id.0 as i64)])?.pop())
    }

    fn open_interactions(&mut self) -> Result<Vec<Interaction>, StoreError> {
        self.select("AND state IN ('offered', 'active', 'wrap-up') ORDER BY id", &[])
    }

    fn recent_interactions(&mut self, limit: usize) -> Result<Vec<Interaction>, StoreError> {
        self.select("ORDER BY id DESC LIMIT $2", &[&(limit.min(i64::MAX as usize) as i64)])
    }

    fn state_changes(&mut self, id: InteractionId) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = self.client.query(
            "SELECT state, at_ms FROM interaction_states WHERE agent = $1 AND interaction = $2 \
             ORDER BY seq",
            &[&self.agent, &(id.0 as i64)],
        )?;
        rows.iter()
            .map(|r| Ok((r.try_get::<_, String>(0)?, r.try_get::<_, i64>(1)? as u64)))
            .collect()
    }

    fn save_agent_state(&mut self, agent: &str, status: &AgentStatus) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        write_agent_state(&mut tx, &AgentStateRow::of(agent, status))?;
        tx.commit()?;
        Ok(())
    }
}

/// Saves interaction row `r` of `agent` inside `tx`, logging a change of state at `at_ms`.
fn write_interaction(
    tx: &mut Transaction<'_>,
    agent: &str,
    r: &RawInteraction,
    at_ms: u64,
) -> Result<(), StoreError> {
    let before: Option<String> = tx
        .query_opt(
            "SELECT state FROM interactions WHERE agent = $1 AND id = $2 FOR UPDATE",
            &[&agent, &r.id],
        )?
        .map(|row| row.try_get(0))
        .transpose()?;
    tx.execute(
        format!(
            "INSERT INTO interactions (agent, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
             ON CONFLICT (agent, id) DO UPDATE SET {UPDATES}"
        )
        .as_str(),
        &[
            &agent,
            &r.id,
            &r.channel,
            &r.direction,
            &r.contact,
            &r.contact_name,
            &r.queue,
            &r.call,
            &r.state,
            &r.held,
            &r.disposition,
            &r.note,
            &r.link_kind,
            &r.link_parent,
            &r.wrap_up,
            &r.case_data,
            &r.offered_ms,
            &r.accepted_ms,
            &r.ended_ms,
            &r.done_ms,
        ],
    )?;
    if before.as_deref() != Some(r.state.as_str()) {
        tx.execute(
            "INSERT INTO interaction_states (agent, interaction, state, at_ms) \
             VALUES ($1, $2, $3, $4)",
            &[&agent, &r.id, &r.state, &(at_ms.min(i64::MAX as u64) as i64)],
        )?;
    }
    Ok(())
}

fn write_agent_state(tx: &mut Transaction<'_>, s: &AgentStateRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO agent_states (agent, state, reason, since_ms, busy) VALUES ($1, $2, $3, $4, $5)",
        &[&s.agent, &s.state, &s.reason, &(s.since_ms.min(i64::MAX as u64) as i64), &s.busy],
    )?;
    Ok(())
}

fn read_contact(row: &Row) -> Result<Contact, StoreError> {
    RawContact {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        organisation: row.try_get(2)?,
        identities: row.try_get(3)?,
        fields: row.try_get(4)?,
    }
    .contact()
}

fn write_contact(
    tx: &mut impl GenericClient,
    contact: &Contact,
    keys: &[String],
) -> Result<ContactId, StoreError> {
    let r = RawContact::of(contact)?;
    let id: i64 = if contact.id == 0 {
        tx.query_one(
            "INSERT INTO contacts (name, organisation, identities, fields) VALUES ($1, $2, $3, $4) \
             RETURNING id",
            &[&r.name, &r.organisation, &r.identities, &r.fields],
        )?
        .try_get(0)?
    } else {
        let id = r.id;
        tx.execute(
            "INSERT INTO contacts (id, name, organisation, identities, fields) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             organisation = excluded.organisation, identities = excluded.identities, \
             fields = excluded.fields",
            &[&id, &r.name, &r.organisation, &r.identities, &r.fields],
        )?;
        id
    };
    tx.execute("DELETE FROM contact_keys WHERE contact = $1", &[&id])?;
    for key in keys {
        tx.execute(
            "INSERT INTO contact_keys (key, contact) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[key, &id],
        )?;
    }
    Ok(id as u64)
}

impl ContactStore for PostgresStore {
    fn save_contact(
        &mut self,
        contact: &Contact,
        keys: &[String],
    ) -> Result<ContactId, StoreError> {
        if self.importing {
            return write_contact(&mut self.client, contact, keys);
        }
        let mut tx = self.client.transaction()?;
        let id = write_contact(&mut tx, contact, keys)?;
        tx.commit()?;
        Ok(id)
    }

    /// The whole file in one transaction: all of it, or (on any failure) none of it.
    fn import(
        &mut self,
        contacts: Vec<Contact>,
        keys: &dyn Fn(&Contact) -> Vec<String>,
    ) -> Result<crate::Imported, StoreError> {
        self.client.batch_execute("BEGIN")?;
        self.importing = true;
        let done = crate::contacts::import_each(self, contacts, keys);
        self.importing = false;
        match done {
            Ok(d) => {
                self.client.batch_execute("COMMIT")?;
                Ok(d)
            }
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK");
                Err(e)
            }
        }
    }

    fn contact(&mut self, id: ContactId) -> Result<Option<Contact>, StoreError> {
        let row = self.client.query_opt(
            format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1").as_str(),
            &[&(id as i64)],
        )?;
        row.as_ref().map(read_contact).transpose()
    }

    fn contacts(&mut self) -> Result<Vec<Contact>, StoreError> {
        let rows = self
            .client
            .query(format!("SELECT {CONTACT_COLUMNS} FROM contacts ORDER BY id").as_str(), &[])?;
        rows.iter().map(read_contact).collect()
    }

    fn contact_by_key(&mut self, key: &str) -> Result<Option<ContactId>, StoreError> {
        let row = self
            .client
            .query_one("SELECT MIN(contact) FROM contact_keys WHERE key = $1", &[&key])?;
        let id: Option<i64> = row.try_get(0)?;
        Ok(id.map(|i| i as u64))
    }

    fn merge_contacts(
        &mut self,
        keep: ContactId,
        gone: ContactId,
        merged: &Contact,
        keys: &[String],
    ) -> Result<(), StoreError> {
        if keep == gone {
            return Ok(());
        }
        let mut tx = self.client.transaction()?;
        let mut merged = merged.clone();
        merged.id = keep;
        write_contact(&mut tx, &merged, keys)?;
        tx.execute(
            "UPDATE interactions SET contact_id = $1 WHERE contact_id = $2",
            &[&(keep as i64), &(gone as i64)],
        )?;
        tx.execute("DELETE FROM contacts WHERE id = $1", &[&(gone as i64)])?;
        tx.commit()?;
        Ok(())
    }

    fn match_interaction(
        &mut self,
        agent: &str,
        id: InteractionId,
        identity: &Identity,
        keys: &[String],
    ) -> Result<(Contact, bool), StoreError> {
        let mut tx = self.client.transaction()?;
        let found = match_in(&mut tx, agent, id.0, identity, keys)?;
        tx.commit()?;
        Ok(found)
    }

    fn link_interaction(
        &mut self,
        agent: &str,
        id: InteractionId,
        contact: ContactId,
    ) -> Result<(), StoreError> {
        self.client.execute(
            "UPDATE interactions SET contact_id = $1 WHERE agent = $2 AND id = $3",
            &[&(contact as i64), &agent, &(id.0 as i64)],
        )?;
        Ok(())
    }

    fn contact_history(
        &mut self,
        contact: ContactId,
        before_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<PastInteraction>, StoreError> {
        let before = before_ms.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        let rows = self.client.query(
            "SELECT seq, agent, id, channel, direction, state, queue, offered_ms, accepted_ms, \
             ended_ms, disposition, note, case_data FROM interactions \
             WHERE contact_id = $1 AND offered_ms < $2 ORDER BY offered_ms DESC, seq DESC LIMIT $3",
            &[&(contact as i64), &before, &(limit.min(i64::MAX as usize) as i64)],
        )?;
        rows.iter()
            .map(|r| {
                let accepted: Option<i64> = r.try_get(8)?;
                let ended: Option<i64> = r.try_get(9)?;
                Ok(PastInteraction {
                    id: r.try_get::<_, i64>(0)? as u64,
                    agent: r.try_get(1)?,
                    agent_interaction: r.try_get::<_, i64>(2)? as u64,
                    channel: r.try_get(3)?,
                    direction: r.try_get(4)?,
                    state: r.try_get(5)?,
                    queue: r.try_get(6)?,
                    started_ms: r.try_get::<_, i64>(7)? as u64,
                    duration_ms: accepted.zip(ended).map(|(a, e)| e.saturating_sub(a) as u64),
                    disposition: r.try_get(10)?,
                    note: r.try_get(11)?,
                    quality: None,
                    case: past_fields(&r.try_get::<_, String>(12)?),
                })
            })
            .collect()
    }
}
