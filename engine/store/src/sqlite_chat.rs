//! The embedded store's chat transcripts (`ChatStore` for `SqliteStore`); on a team store
//! each line saved is also put in the outbox, in the same transaction.

use earshot_desk::InteractionId;
use rusqlite::params;

use crate::chat::{ChatLine, ChatStore};
use crate::outbox::{Parcel, post};
use crate::{SqliteStore, StoreError};

impl ChatStore for SqliteStore {
    fn save_chat_line(
        &mut self,
        interaction: InteractionId,
        line: &ChatLine,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Kept in the order first saved (a line saved again keeps its place).
        tx.execute(
            "INSERT INTO chat_lines (interaction, id, sender, text, sent_ms, outgoing, delivery, seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM chat_lines WHERE interaction = ?1)) \
             ON CONFLICT (interaction, id) DO UPDATE SET sender = excluded.sender, \
             text = excluded.text, sent_ms = excluded.sent_ms, outgoing = excluded.outgoing, \
             delivery = excluded.delivery",
            params![
                interaction.0 as i64,
                line.id,
                line.from,
                line.text,
                line.sent_ms as i64,
                line.outgoing,
                line.delivery
            ],
        )?;
        if self.posting {
            post(&tx, &Parcel::ChatLine { interaction: interaction.0, line: line.clone() })?;
        }
        tx.commit()?;
        Ok(())
    }

    fn chat_lines(
        &mut self,
        _agent: &str,
        interaction: InteractionId,
    ) -> Result<Vec<ChatLine>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, sender, text, sent_ms, outgoing, delivery FROM chat_lines \
             WHERE interaction = ?1 ORDER BY seq",
        )?;
        let rows = statement
            .query_map([interaction.0 as i64], |r| {
                Ok(ChatLine {
                    id: r.get(0)?,
                    from: r.get(1)?,
                    text: r.get(2)?,
                    sent_ms: r.get::<_, i64>(3)?.max(0) as u64,
                    outgoing: r.get(4)?,
                    delivery: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
