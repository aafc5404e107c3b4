//! The embedded store's site directory and kept targets (`SiteStore` for `SqliteStore`):
//! on a desk without a team store, the site is what this phone enrolled.

use earshot_directory::{KeptList, KeptTarget, RECENT_KEPT, SiteAgent, SiteQueue};
use rusqlite::params;

use crate::site::{KeptRow, agent_of, kept_of, queues_text};
use crate::{SiteStore, SqliteStore, StoreError};

impl SiteStore for SqliteStore {
    fn enrol(
        &mut self,
        agent: &SiteAgent,
        queues: &[SiteQueue],
        at_ms: u64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO site_agents (address, name, queues, seen_ms) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (address) DO UPDATE SET name = excluded.name, \
             queues = excluded.queues, seen_ms = excluded.seen_ms",
            params![agent.address, agent.name, queues_text(agent)?, at_ms as i64],
        )?;
        for q in queues {
            tx.execute(
                "INSERT INTO site_queues (name, label) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET label = excluded.label",
                params![q.name, q.label],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn site(&mut self) -> Result<(Vec<SiteAgent>, Vec<SiteQueue>), StoreError> {
        let mut statement =
            self.conn.prepare("SELECT address, name, queues FROM site_agents ORDER BY address")?;
        let agents = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)))?
            .map(|row| row.map(|(a, n, q)| agent_of(a, n, &q)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut statement =
            self.conn.prepare("SELECT name, label FROM site_queues ORDER BY name")?;
        let queues = statement
            .query_map([], |r| Ok(SiteQueue { name: r.get(0)?, label: r.get(1)? }))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((agents, queues))
    }

    fn keep_target(
        &mut self,
        agent: &str,
        list: KeptList,
        target: &KeptTarget,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO kept_targets (agent, list, address, kind, id, name, at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (agent, list, address) DO UPDATE \
             SET kind = excluded.kind, id = excluded.id, name = excluded.name, \
             at_ms = excluded.at_ms",
            params![
                agent,
                list.as_str(),
                target.address,
                target.kind.map(|k| k.as_str()),
                target.id,
                target.name,
                target.at_ms as i64
            ],
        )?;
        if list == KeptList::Recent {
            tx.execute(
                "DELETE FROM kept_targets WHERE agent = ?1 AND list = ?2 AND address NOT IN \
                 (SELECT address FROM kept_targets WHERE agent = ?1 AND list = ?2 \
                  ORDER BY at_ms DESC, address LIMIT ?3)",
                params![agent, list.as_str(), RECENT_KEPT as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn drop_target(
        &mut self,
        agent: &str,
        list: KeptList,
        address: &str,
    ) -> Result<bool, StoreError> {
        let gone = self.conn.execute(
            "DELETE FROM kept_targets WHERE agent = ?1 AND list = ?2 AND address = ?3",
            params![agent, list.as_str(), address],
        )?;
        Ok(gone > 0)
    }

    fn kept_targets(&mut self, agent: &str, list: KeptList) -> Result<Vec<KeptTarget>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT address, kind, id, name, at_ms FROM kept_targets \
             WHERE agent = ?1 AND list = ?2 ORDER BY at_ms DESC, address",
        )?;
        let rows = statement
            .query_map(params![agent, list.as_str()], |r| {
                let row: KeptRow = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                Ok(kept_of(row))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
