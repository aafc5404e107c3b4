//! What Team Communicator needs kept beside contacts (DESIGN.md §7 "Directory"): the
//! site's agents and queues — each phone enrols itself, its name and its queues, so that
//! every colleague finds it — and each agent's favourites and targets reached lately.

use earshot_directory::{KeptList, KeptTarget, SiteAgent, SiteQueue};

use crate::StoreError;

pub trait SiteStore: Send {
    /// Records `agent` as its phone is configured now (its name and queues replace what
    /// was kept) and its `queues` (a queue's label replaces the one kept), at `at_ms`.
    fn enrol(
        &mut self,
        agent: &SiteAgent,
        queues: &[SiteQueue],
        at_ms: u64,
    ) -> Result<(), StoreError>;
    /// Every agent and queue of the site, by address and by name.
    fn site(&mut self) -> Result<(Vec<SiteAgent>, Vec<SiteQueue>), StoreError>;
    /// Puts `target` in `agent`'s `list` (again: its time and name are updated). The
    /// recent list keeps the [`earshot_directory::RECENT_KEPT`] newest.
    fn keep_target(
        &mut self,
        agent: &str,
        list: KeptList,
        target: &KeptTarget,
    ) -> Result<(), StoreError>;
    /// Takes the target reached at `address` out of `agent`'s `list`; whether it was there.
    fn drop_target(
        &mut self,
        agent: &str,
        list: KeptList,
        address: &str,
    ) -> Result<bool, StoreError>;
    /// `agent`'s `list`, newest first.
    fn kept_targets(&mut self, agent: &str, list: KeptList) -> Result<Vec<KeptTarget>, StoreError>;
}

/// The tables, one migration step on each backend (SQLite reads BIGINT as INTEGER).
pub(crate) const SCHEMA: &str = "CREATE TABLE site_agents (
        address TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        queues TEXT NOT NULL,
        seen_ms BIGINT NOT NULL
    );
    CREATE TABLE site_queues (
        name TEXT PRIMARY KEY,
        label TEXT NOT NULL
    );
    CREATE TABLE kept_targets (
        agent TEXT NOT NULL,
        list TEXT NOT NULL,
        address TEXT NOT NULL,
        kind TEXT,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        PRIMARY KEY (agent, list, address)
    );";

/// A kept target's row as both backends hold it: address, kind, id, name, time.
pub(crate) type KeptRow = (String, Option<String>, String, String, i64);

pub(crate) fn kept_of(row: KeptRow) -> KeptTarget {
    let (address, kind, id, name, at_ms) = row;
    KeptTarget {
        address,
        kind: kind.as_deref().and_then(earshot_directory::TargetKind::parse),
        id,
        name,
        at_ms: at_ms.max(0) as u64,
    }
}

/// An agent's queues as both backends keep them (a JSON list).
pub(crate) fn queues_text(agent: &SiteAgent) -> Result<String, StoreError> {
    serde_json::to_string(&agent.queues).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn agent_of(address: String, name: String, queues: &str) -> SiteAgent {
    // A list that does not read is no reason to lose the agent.
    let queues = serde_json::from_str(queues).unwrap_or_default();
    SiteAgent { address, name, queues }
}
