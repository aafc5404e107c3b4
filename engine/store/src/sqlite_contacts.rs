//! The embedded store's contacts (`ContactStore` for `SqliteStore`): a row per contact with
//! its identities and fields as JSON, a row per identity key, and the contact each
//! interaction was with. Every change is one transaction.

use earshot_desk::InteractionId;
use earshot_directory::{Contact, ContactId, PastInteraction};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::contacts::import_each;
use crate::raw::{CONTACT_COLUMNS, RawContact, past_fields};
use crate::{ContactStore, Imported, SqliteStore, StoreError};

fn read_contact(row: &Row<'_>) -> Result<Contact, StoreError> {
    RawContact {
        id: row.get(0)?,
        name: row.get(1)?,
        organisation: row.get(2)?,
        identities: row.get(3)?,
        fields: row.get(4)?,
    }
    .contact()
}

/// Writes `contact` (a new row when its id is 0) and its keys, inside the transaction `tx`
/// is in.
fn write_contact(
    tx: &Connection,
    contact: &Contact,
    keys: &[String],
) -> Result<ContactId, StoreError> {
    let r = RawContact::of(contact)?;
    let id = if contact.id == 0 {
        tx.execute(
            "INSERT INTO contacts (name, organisation, identities, fields) VALUES (?1, ?2, ?3, ?4)",
            params![r.name, r.organisation, r.identities, r.fields],
        )?;
        tx.last_insert_rowid() as u64
    } else {
        tx.execute(
            "INSERT INTO contacts (id, name, organisation, identities, fields) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             organisation = excluded.organisation, identities = excluded.identities, \
             fields = excluded.fields",
            params![r.id, r.name, r.organisation, r.identities, r.fields],
        )?;
        contact.id
    };
    tx.execute("DELETE FROM contact_keys WHERE contact = ?1", [id as i64])?;
    for key in keys {
        tx.execute(
            "INSERT OR IGNORE INTO contact_keys (key, contact) VALUES (?1, ?2)",
            params![key, id as i64],
        )?;
    }
    Ok(id)
}

impl ContactStore for SqliteStore {
    fn save_contact(
        &mut self,
        contact: &Contact,
        keys: &[String],
    ) -> Result<ContactId, StoreError> {
        if self.importing {
            return write_contact(&self.conn, contact, keys);
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = write_contact(&tx, contact, keys)?;
        tx.commit()?;
        Ok(id)
    }

    /// In one transaction: a file of 100 000 contacts is one sync to disk, not 100 000.
    fn import(
        &mut self,
        contacts: Vec<Contact>,
        keys: &dyn Fn(&Contact) -> Vec<String>,
    ) -> Result<Imported, StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.importing = true;
        let done = import_each(self, contacts, keys);
        self.importing = false;
        match done {
            Ok(d) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(d)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn contact(&mut self, id: ContactId) -> Result<Option<Contact>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?1"))?;
        let row = statement.query_row([id as i64], |r| Ok(read_contact(r))).optional()?;
        row.transpose()
    }

    fn contacts(&mut self) -> Result<Vec<Contact>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(&format!("SELECT {CONTACT_COLUMNS} FROM contacts ORDER BY id"))?;
        let rows = statement.query_map([], |r| Ok(read_contact(r)))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    fn contact_by_key(&mut self, key: &str) -> Result<Option<ContactId>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT MIN(contact) FROM contact_keys WHERE key = ?1")?;
        let id: Option<i64> = statement.query_row([key], |r| r.get(0))?;
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
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut merged = merged.clone();
        merged.id = keep;
        write_contact(&tx, &merged, keys)?;
        tx.execute(
            "UPDATE interactions SET contact_id = ?1 WHERE contact_id = ?2",
            params![keep as i64, gone as i64],
        )?;
        tx.execute("DELETE FROM contact_keys WHERE contact = ?1", [gone as i64])?;
        tx.execute("DELETE FROM contacts WHERE id = ?1", [gone as i64])?;
        tx.commit()?;
        Ok(())
    }

    fn link_interaction(
        &mut self,
        agent: &str,
        id: InteractionId,
        contact: ContactId,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE interactions SET contact_id = ?1, agent = ?2 WHERE id = ?3",
            params![contact as i64, agent, id.0 as i64],
        )?;
        Ok(())
    }

    fn contact_history(
        &mut self,
        contact: ContactId,
        before_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<PastInteraction>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, agent, channel, direction, state, queue, offered_ms, accepted_ms, \
             ended_ms, disposition, note, case_data FROM interactions \
             WHERE contact_id = ?1 AND offered_ms < ?2 ORDER BY offered_ms DESC, id DESC LIMIT ?3",
        )?;
        let before = before_ms.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = statement.query_map(params![contact as i64, before, limit], |r| {
            let id = r.get::<_, i64>(0)? as u64;
            let accepted: Option<i64> = r.get(7)?;
            let ended: Option<i64> = r.get(8)?;
            Ok(PastInteraction {
                id,
                agent: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                agent_interaction: id,
                channel: r.get(2)?,
                direction: r.get(3)?,
                state: r.get(4)?,
                queue: r.get(5)?,
                started_ms: r.get::<_, i64>(6)? as u64,
                duration_ms: accepted.zip(ended).map(|(a, e)| e.saturating_sub(a) as u64),
                disposition: r.get(9)?,
                note: r.get(10)?,
                quality: None,
                case: past_fields(&r.get::<_, String>(11)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
