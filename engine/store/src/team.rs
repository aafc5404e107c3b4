//! A phone on a team store (DESIGN.md §8): its own interactions and states saved in the
//! embedded SQLite file first — each with a parcel in the outbox, in one transaction — and
//! delivered to the team's PostgreSQL store in order, exactly once, whenever it can be
//! reached. The agent works on while it cannot: nothing is lost, and what waits is
//! counted. Contacts and their history are the team's: read from the team store only.

use std::path::Path;

use earshot_desk::{AgentStatus, Interaction, InteractionId};
use earshot_directory::{
    Contact, ContactId, Identity, KeptList, KeptTarget, PastInteraction, SiteAgent, SiteQueue,
};

use crate::outbox::Parcel;
use crate::postgres::Delivered;
use crate::{
    ChatLine, ChatStore, ContactStore, DeskStore, PostgresStore, SiteStore, SqliteStore, StoreError,
};

/// The most parcels sent to the team store in one transaction.
const BATCH: usize = 200;

/// One agent's store on a team store.
#[derive(Debug)]
pub struct TeamStore {
    local: SqliteStore,
    remote: Option<PostgresStore>,
    url: String,
    agent: String,
    /// The outbox's name in the team store's count of deliveries.
    outbox: String,
    /// Why the team store could not be reached the last time it was tried; `None` while
    /// it can.
    offline: Option<String>,
    /// What deliveries found since the last [`TeamStore::deliver`] reported (deliveries
    /// also run before any read of the team store, so that it reads what this agent did).
    found: Delivery,
}

/// What a round of deliveries did, and where the outbox stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    /// Whether the team store could be reached at the end of the round.
    pub online: bool,
    /// Why not, when it could not.
    pub why: Option<String>,
    /// Parcels applied (or found applied already) in this round.
    pub delivered: usize,
    /// Parcels still waiting.
    pub waiting: usize,
    /// Interactions whose contact was found (or made) as their parcels arrived:
    /// (interaction, contact, whether the contact is new).
    pub matched: Vec<(u64, Contact, bool)>,
    /// Parcels that could not be read back (a damaged file), dropped so that those behind
    /// them go on.
    pub unreadable: Vec<String>,
}

impl TeamStore {
    /// Opens the embedded file at `path` (its outbox with it) and tries the team store at
    /// `url` once; an unreachable team store is no error (see [`TeamStore::is_online`]).
    pub fn open(path: &Path, url: &str, agent: &str) -> Result<TeamStore, StoreError> {
        let mut local = SqliteStore::open(path)?;
        local.post_saves();
        let outbox = local.outbox_name()?;
        let mut store = TeamStore {
            local,
            remote: None,
            url: url.to_owned(),
            agent: agent.to_owned(),
            outbox,
            offline: None,
            found: Delivery::default(),
        };
        store.connect();
        Ok(store)
    }

    /// The embedded file (what this desk keeps for itself only).
    pub fn local_mut(&mut self) -> &mut SqliteStore {
        &mut self.local
    }

    pub fn is_online(&self) -> bool {
        self.remote.as_ref().is_some_and(|r| !r.is_closed())
    }

    /// The connection to the team store, made again if it was lost.
    fn connect(&mut self) -> Option<&mut PostgresStore> {
        if self.remote.as_ref().is_some_and(PostgresStore::is_closed) {
            self.remote = None;
        }
        if self.remote.is_none() {
            match PostgresStore::connect(&self.url, &self.agent) {
                Ok(r) => {
                    self.remote = Some(r);
                    self.offline = None;
                }
                Err(e) => self.offline = Some(e.to_string()),
            }
        }
        self.remote.as_mut()
    }

    /// A query on the team store failed: the connection is dropped if it is gone.
    fn failed(&mut self, e: &StoreError) {
        self.offline = Some(e.to_string());
        if self.remote.as_ref().is_some_and(PostgresStore::is_closed) {
            self.remote = None;
        }
    }

    /// Delivers every waiting parcel it can, oldest first, stopping at the first the team
    /// store does not take (tried again next round); reports what was delivered since the
    /// last report. Errors are the embedded file's only.
    pub fn deliver(&mut self) -> Result<Delivery, StoreError> {
        self.deliver_waiting()?;
        let mut round = std::mem::take(&mut self.found);
        round.waiting = self.local.parcels_waiting()?;
        round.online = self.is_online();
        round.why = self.offline.clone().filter(|_| !round.online);
        Ok(round)
    }

    fn deliver_waiting(&mut self) -> Result<(), StoreError> {
        loop {
            let batch = self.local.next_parcels(BATCH)?;
            let Some(&(last, _)) = batch.last() else { return Ok(()) };
            let (mut parcels, mut unreadable) = (Vec::new(), Vec::new());
            for (seq, parcel) in batch {
                match parcel {
                    Ok(p) => parcels.push((seq, p)),
                    Err(e) => unreadable.push(e.to_string()),
                }
            }
            let outbox = self.outbox.clone();
            let Some(remote) = self.connect() else { return Ok(()) };
            let delivered = match remote.deliver(&outbox, &parcels) {
                Ok(d) => d,
                Err(e) => {
                    self.failed(&e);
                    return Ok(());
                }
            };
            for ((_, parcel), what) in parcels.iter().zip(delivered) {
                if let (Parcel::Match { interaction, .. }, Delivered::Applied(Some((c, new)))) =
                    (parcel, what)
                {
                    self.found.matched.push((*interaction, c, new));
                }
            }
            self.local.parcels_delivered(last)?;
            self.found.delivered += parcels.len();
            self.found.unreadable.extend(unreadable);
        }
    }

    /// The team store, or why it cannot be reached; what waits in the outbox is delivered
    /// first, so that what is read or linked there includes this agent's latest work.
    fn team(&mut self) -> Result<&mut PostgresStore, StoreError> {
        self.deliver_waiting()?;
        if self.connect().is_none() {
            let why = self.offline.clone().unwrap_or_default();
            return Err(StoreError::Offline(why));
        }
        self.remote.as_mut().ok_or_else(|| StoreError::Offline(String::new()))
    }

    /// Runs `f` on the team store; a failure marks it offline.
    fn on_team<T>(
        &mut self,
        f: impl FnOnce(&mut PostgresStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = f(self.team()?);
        if let Err(e) = &result {
            self.failed(e);
        }
        result
    }
}

impl DeskStore for TeamStore {
    /// One more than any of this agent's interactions, here or in the team store (a new
    /// file on a known agent's desk goes on from the team's numbers).
    fn next_interaction_id(&mut self) -> Result<u64, StoreError> {
        let local = self.local.next_interaction_id()?;
        let team = self.on_team(PostgresStore::next_interaction_id).unwrap_or(1);
        Ok(local.max(team))
    }

    fn save_interaction(&mut self, i: &Interaction, at_ms: u64) -> Result<(), StoreError> {
        self.local.save_interaction(i, at_ms)
    }

    fn interaction(&mut self, id: InteractionId) -> Result<Option<Interaction>, StoreError> {
        self.local.interaction(id)
    }

    fn open_interactions(&mut self) -> Result<Vec<Interaction>, StoreError> {
        self.local.open_interactions()
    }

    fn recent_interactions(&mut self, limit: usize) -> Result<Vec<Interaction>, StoreError> {
        self.local.recent_interactions(limit)
    }

    fn state_changes(&mut self, id: InteractionId) -> Result<Vec<(String, u64)>, StoreError> {
        self.local.state_changes(id)
    }

    fn save_agent_state(&mut self, agent: &str, status: &AgentStatus) -> Result<(), StoreError> {
        self.local.save_agent_state(agent, status)
    }
}

impl ContactStore for TeamStore {
    fn save_contact(
        &mut self,
        contact: &Contact,
        keys: &[String],
    ) -> Result<ContactId, StoreError> {
        self.on_team(|t| t.save_contact(contact, keys))
    }

    fn contact(&mut self, id: ContactId) -> Result<Option<Contact>, StoreError> {
        self.on_team(|t| t.contact(id))
    }

    fn contacts(&mut self) -> Result<Vec<Contact>, StoreError> {
        self.on_team(PostgresStore::contacts)
    }

    /// In one transaction of the team store (none of the file while it is away).
    fn import(
        &mut self,
        contacts: Vec<Contact>,
        keys: &dyn Fn(&Contact) -> Vec<String>,
    ) -> Result<crate::Imported, StoreError> {
        self.on_team(|t| t.import(contacts, keys))
    }

    fn contact_by_key(&mut self, key: &str) -> Result<Option<ContactId>, StoreError> {
        self.on_team(|t| t.contact_by_key(key))
    }

    fn merge_contacts(
        &mut self,
        keep: ContactId,
        gone: ContactId,
        merged: &Contact,
        keys: &[String],
    ) -> Result<(), StoreError> {
        self.on_team(|t| t.merge_contacts(keep, gone, merged, keys))
    }

    fn link_interaction(
        &mut self,
        agent: &str,
        id: InteractionId,
        contact: ContactId,
    ) -> Result<(), StoreError> {
        self.on_team(|t| t.link_interaction(agent, id, contact))
    }

    /// At once when nothing waits in the outbox and the team store is there; otherwise
    /// the match is posted behind the interaction's own parcel and this answers
    /// [`StoreError::Offline`]: the contact comes with the delivery
    /// ([`Delivery::matched`]).
    fn match_interaction(
        &mut self,
        agent: &str,
        id: InteractionId,
        identity: &Identity,
        keys: &[String],
    ) -> Result<(Contact, bool), StoreError> {
        self.deliver_waiting()?;
        if self.is_online() && self.local.parcels_waiting()? == 0 {
            match self.on_team(|t| t.match_interaction(agent, id, identity, keys)) {
                Err(StoreError::Postgres(_) | StoreError::Offline(_)) => {}
                other => return other,
            }
        }
        self.local.post(&Parcel::Match {
            agent: agent.to_owned(),
            interaction: id.0,
            identity: identity.clone(),
            keys: keys.to_vec(),
        })?;
        Err(StoreError::Offline(self.offline.clone().unwrap_or_default()))
    }

    fn contact_history(
        &mut self,
        contact: ContactId,
        before_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<PastInteraction>, StoreError> {
        self.on_team(|t| t.contact_history(contact, before_ms, limit))
    }
}

/// This agent's transcripts are written to the embedded file with a parcel for the team
/// store; read from the team store (any agent's), or from the file while it is away (this
/// agent's own).
impl ChatStore for TeamStore {
    fn save_chat_line(
        &mut self,
        interaction: InteractionId,
        line: &ChatLine,
    ) -> Result<(), StoreError> {
        self.local.save_chat_line(interaction, line)
    }

    fn chat_lines(
        &mut self,
        agent: &str,
        interaction: InteractionId,
    ) -> Result<Vec<ChatLine>, StoreError> {
        match self.on_team(|t| t.chat_lines(agent, interaction)) {
            Err(StoreError::Postgres(_) | StoreError::Offline(_)) if agent == self.agent => {
                self.local.chat_lines(agent, interaction)
            }
            other => other,
        }
    }
}

/// The site's agents and queues are the team's (read and enrolled on the team store; an
/// error while it is away, enrolment tried again when it is back); kept targets are this
/// desk's, in the embedded file, so that they are there offline too.
impl SiteStore for TeamStore {
    fn enrol(
        &mut self,
        agent: &SiteAgent,
        queues: &[SiteQueue],
        at_ms: u64,
    ) -> Result<(), StoreError> {
        self.on_team(|t| t.enrol(agent, queues, at_ms))
    }

    fn site(&mut self) -> Result<(Vec<SiteAgent>, Vec<SiteQueue>), StoreError> {
        self.on_team(PostgresStore::site)
    }

    fn keep_target(
        &mut self,
        agent: &str,
        list: KeptList,
        target: &KeptTarget,
    ) -> Result<(), StoreError> {
        self.local.keep_target(agent, list, target)
    }

    fn drop_target(
        &mut self,
        agent: &str,
        list: KeptList,
        address: &str,
    ) -> Result<bool, StoreError> {
        self.local.drop_target(agent, list, address)
    }

    fn kept_targets(&mut self, agent: &str, list: KeptList) -> Result<Vec<KeptTarget>, StoreError> {
        self.local.kept_targets(agent, list)
    }
}
