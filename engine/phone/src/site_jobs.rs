//! The driver's side of Team Communicator's site and lists: the phone enrols its agent
//! (address, name, queues) in the store and reads the site's agents and queues when the
//! store opens — on a team store, again once it can be reached — and keeps the agent's
//! favourites and recent targets as the core changes them.

use earshot_directory::{KeptList, KeptTarget, SiteAgent, SiteQueue};
use earshot_store::{StoreError, Stores};

use super::api::Event;
use super::config::Config;
use super::contact_jobs::Answers;
use super::desk_writer::DeskWriter;
use super::driver::Input;
use super::kept_targets::Kept;
use super::problem::Problem;

/// What the phone enrols: its agent as configured, and its queues.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub agent: SiteAgent,
    pub queues: Vec<SiteQueue>,
}

impl Enrolment {
    /// The agent at `address` as `config` has it: its display name (else the user part of
    /// its address) and the desk's queues with their labels.
    pub fn of(config: &Config, address: &str) -> Enrolment {
        let user = address.trim_start_matches("sips:").trim_start_matches("sip:");
        let user = user.split(['@', ';']).next().unwrap_or(user);
        let name = config.display_name.clone().filter(|n| !n.trim().is_empty());
        let queues: Vec<SiteQueue> = config
            .desk
            .queues
            .iter()
            .map(|(name, q)| SiteQueue {
                name: name.clone(),
                label: q.label.clone().unwrap_or_else(|| name.clone()),
            })
            .collect();
        Enrolment {
            agent: SiteAgent {
                address: address.to_owned(),
                name: name.unwrap_or_else(|| user.to_owned()),
                queues: queues.iter().map(|q| q.name.clone()).collect(),
            },
            queues,
        }
    }
}

/// The site as the store has it after enrolling: its agents and queues.
pub type Site = (Vec<SiteAgent>, Vec<SiteQueue>);

/// Enrols the agent and reads the site.
pub fn enrol_and_read(
    store: &mut dyn Stores,
    enrolment: &Enrolment,
    at_ms: u64,
) -> Result<Site, StoreError> {
    store.enrol(&enrolment.agent, &enrolment.queues, at_ms)?;
    read_site(store, enrolment)
}

/// The site's agents but this one, and its queues.
pub fn read_site(store: &mut dyn Stores, enrolment: &Enrolment) -> Result<Site, StoreError> {
    let (mut agents, queues) = store.site()?;
    agents.retain(|a| a.address != enrolment.agent.address);
    Ok((agents, queues))
}

/// The agent's lists as the store keeps them (empty, and said, if they cannot be read).
pub fn read_kept(store: &mut dyn Stores, agent: &str, answers: &Answers) -> Kept {
    let read = store.kept_targets(agent, KeptList::Favourite).and_then(|favourites| {
        Ok(Kept { favourites, recent: store.kept_targets(agent, KeptList::Recent)? })
    });
    read.unwrap_or_else(|e| {
        let problem = Problem::ContactStore { why: e.to_string() };
        let _ = answers.events.send(Event::problem(problem, None));
        Kept::default()
    })
}

/// Keeps `target` in the agent's `list`.
pub fn keep(store: Option<&DeskWriter>, answers: Answers, list: KeptList, target: KeptTarget) {
    let Some(store) = store else { return };
    store.run(Box::new(move |s, agent| {
        if let Err(e) = s.keep_target(agent, list, &target) {
            let problem = Problem::ContactStore { why: e.to_string() };
            let _ = answers.events.send(Event::problem(problem, None));
        }
    }));
}

/// Takes the target at `address` out of the agent's `list`.
pub fn drop_target(store: Option<&DeskWriter>, answers: Answers, list: KeptList, address: String) {
    let Some(store) = store else { return };
    store.run(Box::new(move |s, agent| {
        if let Err(e) = s.drop_target(agent, list, &address) {
            let problem = Problem::ContactStore { why: e.to_string() };
            let _ = answers.events.send(Event::problem(problem, None));
        }
    }));
}

impl Answers {
    /// Hands the site's agents and queues to the core's index.
    pub fn site_known(&self, site: Site) {
        if let Some(inputs) = self.inputs.upgrade() {
            let _ = inputs.send(Input::Site(site));
        }
    }
}
