//! What this desk keeps of the email it is working (DESIGN.md §7 "Email"), so that a
//! restart takes it up again as it was: for each open email interaction, the Message-IDs
//! of the messages claimed into the agent's folder for it (the server keeps the messages;
//! this says which belong to which interaction), and the answer being written, saved as it
//! is typed. Interaction 0 holds the new email being written before it is sent. Kept in
//! the embedded file only (on a team store too): it is this desk's work in progress, not
//! the team's record — the interaction, disposition and note are, as for every channel.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{SqliteStore, StoreError, TeamStore};

/// One email interaction's work in progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailKept {
    /// The messages claimed for it (Message-IDs, without angle brackets).
    pub message_ids: Vec<String>,
    /// What the agent is writing, as the phone describes it (JSON); `None`: nothing.
    pub draft: Option<String>,
}

/// The interaction number that holds the new email being written.
pub const NEW_EMAIL: u64 = 0;

pub trait EmailKeep: Send {
    /// Keeps interaction `interaction`'s work (replacing what was kept); `None` forgets it.
    fn keep_email(&mut self, interaction: u64, kept: Option<&EmailKept>) -> Result<(), StoreError>;
    /// Everything kept, by interaction.
    fn kept_emails(&mut self) -> Result<Vec<(u64, EmailKept)>, StoreError>;
}

/// The embedded file's table (one migration step).
pub(crate) const SQLITE_SCHEMA: &str = "CREATE TABLE email_work (
        interaction INTEGER PRIMARY KEY,
        message_ids TEXT NOT NULL,
        draft TEXT
    );";

impl EmailKeep for SqliteStore {
    fn keep_email(&mut self, interaction: u64, kept: Option<&EmailKept>) -> Result<(), StoreError> {
        match kept {
            Some(k) => {
                let ids = serde_json::to_string(&k.message_ids)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                self.conn.execute(
                    "INSERT INTO email_work (interaction, message_ids, draft) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (interaction) DO UPDATE SET message_ids = excluded.message_ids, \
                     draft = excluded.draft",
                    params![interaction as i64, ids, k.draft],
                )?;
            }
            None => {
                self.conn.execute(
                    "DELETE FROM email_work WHERE interaction = ?1",
                    [interaction as i64],
                )?;
            }
        }
        Ok(())
    }

    fn kept_emails(&mut self) -> Result<Vec<(u64, EmailKept)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT interaction, message_ids, draft FROM email_work ORDER BY interaction",
        )?;
        let rows = statement
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (interaction, ids, draft) in rows {
            let message_ids = serde_json::from_str(&ids)
                .map_err(|e| StoreError::Corrupt(format!("email {interaction}'s messages: {e}")))?;
            out.push((interaction.max(0) as u64, EmailKept { message_ids, draft }));
        }
        Ok(out)
    }
}

impl SqliteStore {
    /// Interaction `interaction`'s kept work, if any.
    pub fn kept_email(&mut self, interaction: u64) -> Result<Option<EmailKept>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT message_ids, draft FROM email_work WHERE interaction = ?1",
                [interaction as i64],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()?;
        let Some((ids, draft)) = row else { return Ok(None) };
        let message_ids =
            serde_json::from_str(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Some(EmailKept { message_ids, draft }))
    }
}

/// On a team store, in the embedded file, like everything this desk has open.
impl EmailKeep for TeamStore {
    fn keep_email(&mut self, interaction: u64, kept: Option<&EmailKept>) -> Result<(), StoreError> {
        self.local_mut().keep_email(interaction, kept)
    }

    fn kept_emails(&mut self) -> Result<Vec<(u64, EmailKept)>, StoreError> {
        self.local_mut().kept_emails()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (SqliteStore, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("earshot-email-kept-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("desk.sqlite");
        (SqliteStore::open(&path).unwrap(), path)
    }

    #[test]
    fn kept_work_survives_reopening_and_is_replaced_then_forgotten() {
        let (mut s, path) = store();
        let draft = r#"{"mode":"reply","text":"Dear Anna, ünïcode ✓"}"#;
        let kept = EmailKept {
            message_ids: vec!["a@x".into(), "b'\"@y".into()],
            draft: Some(draft.into()),
        };
        s.keep_email(7, Some(&kept)).unwrap();
        s.keep_email(NEW_EMAIL, Some(&EmailKept { message_ids: vec![], draft: Some("{}".into()) }))
            .unwrap();
        drop(s);
        let mut s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.kept_email(7).unwrap(), Some(kept.clone()));
        assert_eq!(s.kept_emails().unwrap().len(), 2);
        let newer = EmailKept { message_ids: vec!["a@x".into()], draft: None };
        s.keep_email(7, Some(&newer)).unwrap();
        assert_eq!(s.kept_email(7).unwrap(), Some(newer));
        s.keep_email(7, None).unwrap();
        assert_eq!(s.kept_email(7).unwrap(), None);
        assert_eq!(
            s.kept_emails().unwrap(),
            vec![(NEW_EMAIL, EmailKept { message_ids: vec![], draft: Some("{}".into()) })]
        );
    }
}
