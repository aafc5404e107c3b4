//! The team store's site directory and kept targets (`SiteStore` for `PostgresStore`):
//! every phone of the site enrols itself here, so each agent finds every colleague.

use earshot_directory::{KeptList, KeptTarget, RECENT_KEPT, SiteAgent, SiteQueue};

use crate::site::{agent_of, kept_of, queues_text};
use crate::{PostgresStore, SiteStore, StoreError};

impl SiteStore for PostgresStore {
    fn enrol(
        &mut self,
        agent: &SiteAgent,
        queues: &[SiteQueue],
        at_ms: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO site_agents (address, name, queues, seen_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (address) DO UPDATE SET name = excluded.name, \
             queues = excluded.queues, seen_ms = excluded.seen_ms",
            &[&agent.address, &agent.name, &queues_text(agent)?, &(at_ms as i64)],
        )?;
        for q in queues {
            tx.execute(
                "INSERT INTO site_queues (name, label) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET label = excluded.label",
                &[&q.name, &q.label],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn site(&mut self) -> Result<(Vec<SiteAgent>, Vec<SiteQueue>), StoreError> {
        let rows = self
            .client
            .query("SELECT address, name, queues FROM site_agents ORDER BY address", &[])?;
        let mut agents = Vec::with_capacity(rows.len());
        for r in rows {
            let queues: String = r.try_get(2)?;
            agents.push(agent_of(r.try_get(0)?, r.try_get(1)?, &queues));
        }
        let rows = self.client.query("SELECT name, label FROM site_queues ORDER BY name", &[])?;
        let queues = rows
            .iter()
            .map(|r| Ok(SiteQueue { name: r.try_get(0)?, label: r.try_get(1)? }))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((agents, queues))
    }

    fn keep_target(
        &mut self,
        agent: &str,
        list: KeptList,
        target: &KeptTarget,
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO kept_targets (agent, list, address, kind, id, name, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (agent, list, address) DO UPDATE \
             SET kind = excluded.kind, id = excluded.id, name = excluded.name, \
             at_ms = excluded.at_ms",
            &[
                &agent,
                &list.as_str(),
                &target.address,
                &target.kind.map(|k| k.as_str()),
                &target.id,
                &target.name,
                &(target.at_ms as i64),
            ],
        )?;
        if list == KeptList::Recent {
            tx.execute(
                "DELETE FROM kept_targets WHERE agent = $1 AND list = $2 AND address NOT IN \
                 (SELECT address FROM kept_targets WHERE agent = $1 AND list = $2 \
                  ORDER BY at_ms DESC, address LIMIT $3)",
                &[&agent, &list.as_str(), &(RECENT_KEPT as i64)],
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
        let gone = self.client.execute(
            "DELETE FROM kept_targets WHERE agent = $1 AND list = $2 AND address = $3",
            &[&agent, &list.as_str(), &address],
        )?;
        Ok(gone > 0)
    }

    fn kept_targets(&mut self, agent: &str, list: KeptList) -> Result<Vec<KeptTarget>, StoreError> {
        let rows = self.client.query(
            "SELECT address, kind, id, name, at_ms FROM kept_targets \
             WHERE agent = $1 AND list = $2 ORDER BY at_ms DESC, address",
            &[&agent, &list.as_str()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(kept_of((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                )))
            })
            .collect()
    }
}
