//! The team store's chat transcripts (`ChatStore` for `PostgresStore`): this connection's
//! agent's lines written, any agent's read (a contact's history shows every chat).

use earshot_desk::InteractionId;
use postgres::GenericClient;

use crate::chat::{ChatLine, ChatStore};
use crate::{PostgresStore, StoreError};

/// Writes one line of `agent`'s chat `interaction` (the outbox's delivery uses it too).
pub(crate) fn write_chat_line(
    client: &mut impl GenericClient,
    agent: &str,
    interaction: u64,
    line: &ChatLine,
) -> Result<(), StoreError> {
    client.execute(
        "INSERT INTO chat_lines (agent, interaction, id, sender, text, sent_ms, outgoing, delivery) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (agent, interaction, id) DO UPDATE SET sender = excluded.sender, \
         text = excluded.text, sent_ms = excluded.sent_ms, outgoing = excluded.outgoing, \
         delivery = excluded.delivery",
        &[
            &agent,
            &(interaction as i64),
            &line.id,
            &line.from,
            &line.text,
            &(line.sent_ms as i64),
            &line.outgoing,
            &line.delivery,
        ],
    )?;
    Ok(())
}

impl ChatStore for PostgresStore {
    fn save_chat_line(
        &mut self,
        interaction: InteractionId,
        line: &ChatLine,
    ) -> Result<(), StoreError> {
        let agent = self.agent.clone();
        write_chat_line(&mut self.client, &agent, interaction.0, line)
    }

    fn chat_lines(
        &mut self,
        agent: &str,
        interaction: InteractionId,
    ) -> Result<Vec<ChatLine>, StoreError> {
        let rows = self.client.query(
            "SELECT id, sender, text, sent_ms, outgoing, delivery FROM chat_lines \
             WHERE agent = $1 AND interaction = $2 ORDER BY seq",
            &[&agent, &(interaction.0 as i64)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(ChatLine {
                id: r.try_get(0)?,
                from: r.try_get(1)?,
                text: r.try_get(2)?,
                sent_ms: r.try_get::<_, i64>(3)?.max(0) as u64,
                outgoing: r.try_get(4)?,
                delivery: r.try_get(5)?,
            });
        }
        Ok(out)
    }
}
