//! Team Communicator and contacts in the phone core: the search index (queues from the
//! desk's configuration, watched agents with their live state, contacts as the store hands
//! them over), `search` answered at once from memory, and contact reads and imports handed
//! to the driver as effects (the store is I/O).

use earshot_directory::{Contact, Directory, Numbering, SiteAgent, SiteQueue, Target, TargetKind};

use super::api::Event;
use super::config::Config;
use super::core::Phone;
use super::effect::Effect;
use super::errors::CommandError;
use super::kept_targets::Kept;
use super::problem::Problem;

/// The site's numbering as configured; a country that is not one is reported and the
/// numbering falls back to numbers written with their country code.
pub fn numbering_of(config: &Config) -> (Numbering, Option<Problem>) {
    match config.directory.country.as_deref() {
        None => (Numbering::default(), None),
        Some(c) => match Numbering::new(c) {
            Ok(n) => (n, None),
            Err(e) => (Numbering::default(), Some(Problem::Directory { why: e.to_string() })),
        },
    }
}

/// How a contact is found in the index.
pub fn contact_target(c: &Contact) -> Target {
    Target {
        kind: TargetKind::Contact,
        id: c.id.to_string(),
        name: c.name.clone(),
        addresses: c.identities.iter().map(|i| i.value.clone()).collect(),
        detail: c.organisation.clone(),
    }
}

/// Team Communicator's index as a phone starts with it: the site's queues and watched
/// agents, the store's contacts, sorted for the first keystroke, and what was wrong with
/// the configured numbering. Built before the media loop starts (the first number read
/// loads the numbering plan: 0.3 s in a release build, over a second in a debug one), so
/// that `ready` stays the moment the phone's audio files start.
#[derive(Debug)]
pub struct StartingIndex {
    pub directory: Directory,
    pub problem: Option<Problem>,
    /// The agent's favourites and recent targets.
    pub kept: Kept,
}

impl StartingIndex {
    pub fn new(config: &Config, contacts: &[Contact]) -> StartingIndex {
        let (numbering, problem) = numbering_of(config);
        // The numbering plan is loaded now, whatever the contacts are (numbers written
        // with their country code go into the index without it).
        let _ = numbering.e164("020 7946 0000");
        let mut directory = site_directory(config, numbering);
        for c in contacts {
            directory.put(contact_target(c));
        }
        directory.prepare();
        StartingIndex { directory, problem, kept: Kept::default() }
    }

    /// The site's agents and queues, as the store has them.
    pub fn site(&mut self, agents: &[SiteAgent], queues: &[SiteQueue]) {
        put_site(&mut self.directory, agents, queues);
    }
}

fn put_site(d: &mut Directory, agents: &[SiteAgent], queues: &[SiteQueue]) {
    for a in agents {
        d.put(a.target());
    }
    for q in queues {
        d.put(q.target());
    }
    d.prepare();
}

/// The index for `config`: its queues and the agents it watches.
fn site_directory(config: &Config, numbering: Numbering) -> Directory {
    let mut d = Directory::new(numbering);
    for (name, q) in &config.desk.queues {
        d.put(Target {
            kind: TargetKind::Queue,
            id: name.clone(),
            name: q.label.clone().unwrap_or_else(|| name.clone()),
            addresses: Vec::new(),
            detail: name.clone(),
        });
    }
    for agent in &config.monitoring.agents {
        d.put(agent_target(agent));
    }
    d
}

fn agent_target(agent: &str) -> Target {
    let user = agent.trim_start_matches("sip:").trim_start_matches("sips:");
    let user = user.split('@').next().unwrap_or(user);
    Target {
        kind: TargetKind::Agent,
        id: agent.to_owned(),
        name: user.to_owned(),
        addresses: vec![agent.to_owned()],
        detail: String::new(),
    }
}

impl Phone {
    /// The site's numbering (for the driver's imports).
    pub fn numbering(&self) -> Numbering {
        self.directory.numbering().clone()
    }

    /// `search TEXT`: the best matches of each group, at once.
    pub(super) fn search(&mut self, text: String) {
        let items = self.directory.search(&text, earshot_directory::search::PER_GROUP);
        self.follow_results(&items);
        self.emit(Event::Results { query: text, items });
    }

    pub(super) fn read_contact(&mut self, id: u64) {
        self.effects.push_back(Effect::ReadContact(id));
    }

    pub(super) fn read_contact_history(&mut self, id: u64, limit: usize) {
        self.effects.push_back(Effect::ReadContactHistory { id, limit });
    }

    pub(super) fn import_contacts(&mut self, file: String) {
        self.effects.push_back(Effect::ImportContacts(file.into()));
    }

    /// `merge-contacts KEEP GONE`: two different contacts, merged by the store.
    pub(super) fn merge_contacts(&mut self, keep: u64, gone: u64) -> Result<(), CommandError> {
        if keep == gone {
            return Err(CommandError::MergeSelf(keep));
        }
        self.effects.push_back(Effect::MergeContacts { keep, gone });
        Ok(())
    }

    /// The site's agents and queues the store has now: into the index.
    pub fn site_known(&mut self, agents: &[SiteAgent], queues: &[SiteQueue]) {
        put_site(&mut self.directory, agents, queues);
    }

    /// A contact merged into another: out of the index.
    pub fn contact_gone(&mut self, id: u64) {
        self.directory.remove(TargetKind::Contact, &id.to_string());
    }

    /// Contacts the store has now (at start, after an import or an edit): into the index.
    pub fn contacts_known(&mut self, contacts: &[Contact]) {
        for c in contacts {
            self.directory.put(contact_target(c));
        }
        // Sorted now, not at the agent's first keystroke.
        self.directory.prepare();
    }

    /// Keeps the index's agents as the phone reports them: a watched agent's state shows
    /// in its results.
    pub(super) fn follow_in_directory(&mut self, e: &Event) {
        if let Event::Agent { agent, state, busy, .. } = e {
            if !self.directory.contains(TargetKind::Agent, agent) {
                self.directory.put(agent_target(agent));
            }
            let state = state.as_ref().map(|s| if *busy { "busy".to_owned() } else { s.clone() });
            self.directory.set_state(TargetKind::Agent, agent, state);
        }
    }
}
