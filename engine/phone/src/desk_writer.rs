//! The desk's store, written by one thread in order (a note saved as typed must never be
//! overwritten by an older save), reporting a failure as an `error` event. An
//! interaction's save is waited for (a few ms with full sync) before the change is shown,
//! so that what the agent sees typed is on disk when they see it. On a team store
//! (`[store] url`) the same thread delivers the outbox after each write and, while the team
//! store cannot be reached or parcels wait, every couple of seconds; it reports the team
//! store's state as it changes, and the contacts of interactions matched on delivery.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use earshot_desk::{AgentStatus, Interaction, InteractionId};
use earshot_store::{
    ContactStore, Delivery, EmailKeep, EmailKept, SqliteStore, StoreError, Stores, TeamStore,
};

use super::api::Event;
use super::contact_jobs::{Answers, RECENT};
use super::driver::Input;
use super::kept_targets::Kept;
use super::problem::Problem;
use super::site_jobs::{Enrolment, Site, enrol_and_read, read_kept, read_site};

/// How often an unreachable team store is tried again.
const RETRY: Duration = Duration::from_secs(2);
/// How often the site's agents and queues are read again from the team store (agents
/// who joined since).
const SITE_READ: Duration = Duration::from_secs(300);

enum Write {
    /// An interaction, and where to say it is on disk.
    Interaction(Box<Interaction>, u64, mpsc::SyncSender<()>),
    AgentState(AgentStatus),
    /// An email's work in progress kept (or forgotten), in the embedded file.
    Email(u64, Option<EmailKept>),
    /// Any other work on the store (reading contacts, importing them), in turn with the
    /// writes.
    Job(StoreJob),
}

/// Work done on the store's thread: the store, and the agent it writes for.
pub type StoreJob = Box<dyn FnOnce(&mut dyn Stores, &str) + Send>;

/// The writer's end of the store.
#[derive(Debug, Clone)]
pub struct DeskWriter {
    writes: mpsc::Sender<WriteBox>,
}

/// A write on its way (boxed so that the channel's slots stay small).
struct WriteBox(Write);

impl std::fmt::Debug for WriteBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteBox")
    }
}

/// What a phone starting finds in its store.
#[derive(Debug, Default)]
pub struct DeskSaved {
    pub first_id: u64,
    /// Offered, active or in wrap-up when the last run ended.
    pub open: Vec<Interaction>,
    /// The contacts it holds (none yet when the team store could not be reached: they
    /// come once it can, as `Input::Contacts`).
    pub contacts: Vec<earshot_directory::Contact>,
    /// The site's agents and queues, this agent enrolled (likewise: `Input::Site` later).
    pub site: Option<Site>,
    /// The agent's favourites and recent targets.
    pub kept: Kept,
    /// The transcripts of the open chats among `open`, by interaction (the phone takes
    /// those chats up again).
    pub chats: Vec<(u64, Vec<earshot_store::ChatLine>)>,
    /// The email work kept (email_drafts.rs), by interaction (0: a new email).
    pub emails: Vec<(u64, EmailKept)>,
}

/// The store the thread works on.
enum Backend {
    /// This computer only.
    Local(SqliteStore),
    /// The team's, with the outbox in front of it.
    Team {
        store: Box<TeamStore>,
        /// What the agent was last told: online, parcels waiting.
        told: Option<(bool, usize)>,
        /// The team's contacts and site have not been read yet, nor this agent enrolled (it
        /// could not be reached at start).
        unread: bool,
    },
}

impl Backend {
    fn stores(&mut self) -> &mut dyn Stores {
        match self {
            Backend::Local(s) => s,
            Backend::Team { store, .. } => store.as_mut(),
        }
    }

    /// Where this desk keeps its email work (the embedded file, on a team store too).
    fn email(&mut self) -> &mut dyn EmailKeep {
        match self {
            Backend::Local(s) => s,
            Backend::Team { store, .. } => store.as_mut(),
        }
    }

    /// Whether the outbox needs another try later.
    fn behind(&self) -> bool {
        matches!(self, Backend::Team { told: Some((online, waiting)), .. }
            if !*online || *waiting > 0)
    }
}

impl DeskWriter {
    /// Opens the store at `path` — in front of the team store at `team_url` when there is
    /// one — reads what a starting desk needs, and starts the writer thread; `agent` names
    /// the agent in the state log and the team store.
    ///
    /// All of it on the writer's own thread: the team store's client runs a runtime of its
    /// own, which may not be started from the phone's.
    pub fn open(
        path: &Path,
        team_url: Option<&str>,
        enrolment: Enrolment,
        answers: Answers,
    ) -> Result<(DeskWriter, DeskSaved), StoreError> {
        let (writes, queue) = mpsc::channel::<WriteBox>();
        let (opened, saved) = mpsc::sync_channel(1);
        let (path, team_url) = (path.to_owned(), team_url.map(str::to_owned));
        let spawned =
            std::thread::Builder::new().name("desk-store".into()).spawn(
                move || match open_backend(&path, team_url.as_deref(), &enrolment, &answers) {
                    Ok((backend, saved)) => {
                        let _ = opened.send(Ok(saved));
                        write_in_turn(backend, &enrolment, &queue, &answers);
                    }
                    Err(e) => {
                        let _ = opened.send(Err(e));
                    }
                },
            );
        if let Err(e) = spawned {
            return Err(StoreError::Corrupt(format!("cannot start the store's writer: {e}")));
        }
        let saved = saved.recv().unwrap_or_else(|_| {
            Err(StoreError::Corrupt("the store's writer stopped while opening it".into()))
        })?;
        Ok((DeskWriter { writes }, saved))
    }

    /// Saves the interaction and returns once it is on disk (or after a second at most):
    /// what the agent is shown next (a note as typed) is then kept whatever happens to the
    /// process. One writer keeps the saves in order.
    pub fn save_interaction(&self, i: Box<Interaction>, at_ms: u64) {
        let (saved, on_disk) = mpsc::sync_channel(1);
        if self.writes.send(WriteBox(Write::Interaction(i, at_ms, saved))).is_ok() {
            let _ = on_disk.recv_timeout(Duration::from_secs(1));
        }
    }

    /// Keeps (or forgets) email `interaction`'s work in progress.
    pub fn keep_email(&self, interaction: u64, kept: Option<EmailKept>) {
        let _ = self.writes.send(WriteBox(Write::Email(interaction, kept)));
    }

    pub fn save_agent_state(&self, s: AgentStatus) {
        let _ = self.writes.send(WriteBox(Write::AgentState(s)));
    }

    /// Runs `job` on the store's thread, after the writes before it; false if the writer
    /// has stopped.
    pub fn run(&self, job: StoreJob) -> bool {
        self.writes.send(WriteBox(Write::Job(job))).is_ok()
    }
}

/// The store opened, and what a starting desk needs from it.
#[allow(clippy::disallowed_methods)]
fn open_backend(
    path: &Path,
    team_url: Option<&str>,
    enrolment: &Enrolment,
    answers: &Answers,
) -> Result<(Backend, DeskSaved), StoreError> {
    let agent = enrolment.agent.address.as_str();
    let mut backend = match team_url {
        None => Backend::Local(SqliteStore::open(path)?),
        Some(url) => Backend::Team {
            store: Box::new(TeamStore::open(path, url, agent)?),
            told: None,
            unread: false,
        },
    };
    let read = backend.stores().contacts().and_then(|contacts| {
        let site = enrol_and_read(backend.stores(), enrolment, unix_ms(SystemTime::now()))?;
        Ok((contacts, site))
    });
    let (contacts, site) = match read {
        Ok((c, s)) => (c, Some(s)),
        Err(StoreError::Offline(_)) => {
            if let Backend::Team { unread, .. } = &mut backend {
                *unread = true;
            }
            (Vec::new(), None)
        }
        Err(e) => return Err(e),
    };
    let stores = backend.stores();
    let first_id = stores.next_interaction_id()?;
    let open = stores.open_interactions()?;
    let mut chats = Vec::new();
    for i in open.iter().filter(|i| i.channel == earshot_desk::Channel::Chat) {
        chats.push((i.id.0, stores.chat_lines(agent, i.id)?));
    }
    let kept = read_kept(stores, agent, answers);
    let emails = backend.email().kept_emails()?;
    Ok((backend, DeskSaved { first_id, open, contacts, site, kept, chats, emails }))
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The writer thread: each write in turn; on a team store, the outbox delivered after each
/// and retried while behind. The driver's thread: it reads the clock.
#[allow(clippy::disallowed_methods)]
fn write_in_turn(
    mut backend: Backend,
    enrolment: &Enrolment,
    queue: &mpsc::Receiver<WriteBox>,
    answers: &Answers,
) {
    let agent = enrolment.agent.address.as_str();
    let team = matches!(backend, Backend::Team { .. });
    let mut next_try = Instant::now();
    let mut next_site_read = Instant::now() + SITE_READ;
    if team {
        deliver(&mut backend, enrolment, answers);
    }
    loop {
        let wake = if backend.behind() { next_try.min(next_site_read) } else { next_site_read };
        let write = if team {
            match queue.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(w) => Some(w),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match queue.recv() {
                Ok(w) => Some(w),
                Err(_) => break,
            }
        };
        if let Some(WriteBox(w)) = write {
            let done = match w {
                Write::Interaction(i, at_ms, saved) => {
                    let done = backend.stores().save_interaction(&i, at_ms);
                    let _ = saved.try_send(());
                    done
                }
                Write::AgentState(s) => backend.stores().save_agent_state(agent, &s),
                Write::Job(job) => {
                    job(backend.stores(), agent);
                    Ok(())
                }
                Write::Email(i, kept) => backend.email().keep_email(i, kept.as_ref()),
            };
            if let Err(e) = done {
                let problem = Problem::DeskNotSaved { why: e.to_string() };
                let _ = answers.events.send(Event::problem(problem, None));
            }
        }
        if team && Instant::now() >= next_site_read {
            next_site_read = Instant::now() + SITE_READ;
            if let Backend::Team { store, unread: false, .. } = &mut backend
                && let Ok(site) = read_site(store.as_mut(), enrolment)
            {
                answers.site_known(site);
            }
        }
        // Online: deliver what was just written. Behind: only every RETRY (a team store
        // that does not answer costs its connection timeout at each try).
        if team && (!backend.behind() || Instant::now() >= next_try) {
            deliver(&mut backend, enrolment, answers);
            next_try = Instant::now() + RETRY;
        }
    }
}

/// A round of deliveries, and what it tells the agent and the core.
#[allow(clippy::disallowed_methods)]
fn deliver(backend: &mut Backend, enrolment: &Enrolment, answers: &Answers) {
    let Backend::Team { store, told, unread } = backend else { return };
    let round = match store.deliver() {
        Ok(r) => r,
        Err(e) => {
            let problem = Problem::DeskNotSaved { why: e.to_string() };
            let _ = answers.events.send(Event::problem(problem, None));
            return;
        }
    };
    let Delivery { online, why, waiting, matched, unreadable, .. } = round;
    for why in unreadable {
        let _ = answers.events.send(Event::problem(Problem::DeskNotSaved { why }, None));
    }
    if online && *unread {
        let now = unix_ms(SystemTime::now());
        let read = store
            .contacts()
            .and_then(|all| Ok((all, enrol_and_read(store.as_mut(), enrolment, now)?)));
        if let Ok((all, site)) = read {
            *unread = false;
            answers.contacts_known(all);
            answers.site_known(site);
        }
    }
    for (interaction, contact, new) in matched {
        let recent = recent_before(store.as_mut(), contact.id, interaction);
        answers.matched(interaction, contact, new, recent);
    }
    if *told != Some((online, waiting)) {
        *told = Some((online, waiting));
        let _ = answers.events.send(Event::TeamStore { online, waiting, why });
    }
}

/// The contact's last few interactions before `interaction` (of this agent) was offered.
pub fn recent_before(
    store: &mut dyn Stores,
    contact: u64,
    interaction: u64,
) -> Vec<earshot_directory::PastInteraction> {
    let before = store.interaction(InteractionId(interaction)).ok().flatten().map(|i| i.offered_ms);
    store.contact_history(contact, before, RECENT).unwrap_or_default()
}

impl Answers {
    /// Hands contacts to the core's index.
    pub fn contacts_known(&self, contacts: Vec<earshot_directory::Contact>) {
        if let Some(inputs) = self.inputs.upgrade() {
            let _ = inputs.send(Input::Contacts(contacts));
        }
    }

    /// Tells of an interaction's contact (a new one goes into the index too).
    pub fn matched(
        &self,
        interaction: u64,
        contact: earshot_directory::Contact,
        new: bool,
        recent: Vec<earshot_directory::PastInteraction>,
    ) {
        if new {
            self.contacts_known(vec![contact.clone()]);
        }
        let _ = self.events.send(Event::ContactMatched { interaction, contact, new, recent });
    }
}
