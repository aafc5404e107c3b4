//! The phone core's thin async driver: runs [`Phone`] on the SIP transport driver's sockets
//! and timers, stamps each input with the clock, and does what the core hands back —
//! events to the agent's channel, DNS lookups on tasks (answers come back as inputs), the
//! history and the configuration file off the async threads.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use earshot_sip::SipUri;
use earshot_sip::target::Target;
use earshot_sip::transport::Core;
use earshot_sip::ua::UserAgent;
use tokio::sync::mpsc;

use super::api::{Command, Event};
use super::chat_jobs;
use super::config_file;
use super::contact_jobs;
use super::core::Phone;
use super::effect::Effect;
use super::history::History;
use super::locating::Locator;
use super::problem::Problem;
use super::site_jobs;

/// What other tasks send the running phone.
#[derive(Debug)]
pub enum Input {
    /// A command from the agent (the window, the headless script).
    Command(Command),
    /// DNS answered a lookup the core asked for.
    Located { name: SipUri, found: Result<Vec<Target>, String> },
    /// Contacts the store now holds (an import): for the core's index.
    Contacts(Vec<earshot_directory::Contact>),
    /// A contact merged into another, to take out of the index.
    ContactGone(u64),
    /// The site's agents and queues as the store has them (at start, or once the team
    /// store could be reached): for the core's index.
    Site(super::site_jobs::Site),
    /// A mailbox task's report (mailbox_task.rs).
    Mail(super::mailbox_task::MailReport),
}

/// The phone core and what its effects need.
pub struct PhoneDriver {
    pub phone: Phone,
    pub events: mpsc::UnboundedSender<Event>,
    /// Where DNS answers go (weak: the phone stops when the agent's handle is dropped).
    pub inputs: mpsc::WeakUnboundedSender<Input>,
    /// Where finished calls are kept (none if the database could not be opened).
    pub history: Option<Arc<Mutex<History>>>,
    /// The configuration file, where settings changed while running are written.
    pub config_path: Option<PathBuf>,
    /// Finds servers given by name (RFC 3263); none if DNS could not be set up.
    pub locator: Option<Locator>,
    /// When to look at the default route next (when the address follows it).
    pub next_route_check: Option<Instant>,
    /// The desk's store (none if it could not be opened).
    pub desk_store: Option<super::desk_writer::DeskWriter>,
    /// Open screen-pop links in the system browser (the window; not headless).
    pub open_links: bool,
    /// The email channel's mailbox tasks (none configured: empty).
    pub mail: super::mail_jobs::MailDriver,
}

/// How often the driver looks whether the host's default route moved.
const ROUTE_CHECK: Duration = Duration::from_secs(2);

/// The wall clock, read by the driver for each input (the history's times).
#[allow(clippy::disallowed_methods)]
fn wall() -> SystemTime {
    SystemTime::now()
}

impl PhoneDriver {
    /// Where a store job's answers go.
    fn answers(&self) -> contact_jobs::Answers {
        contact_jobs::Answers { events: self.events.clone(), inputs: self.inputs.clone() }
    }

    /// Passes the core's events on and does its effects.
    fn flush(&mut self) {
        // Effects first: a change saved (the desk's store) before it is shown.
        while let Some(effect) = self.phone.poll_effect() {
            self.effect(effect);
        }
        while let Some(e) = self.phone.poll_event() {
            let _ = self.events.send(e);
        }
    }

    fn effect(&mut self, effect: Effect) {
        match effect {
            Effect::Locate { name, transports } => {
                let Some(inputs) = self.inputs.upgrade() else { return };
                let Some(mut locator) = self.locator.clone() else {
                    let found = Err("DNS is not available on this machine".to_owned());
                    let _ = inputs.send(Input::Located { name, found });
                    return;
                };
                tokio::spawn(async move {
                    let found = locator.locate(&name, &transports).await.map_err(|e| e.to_string());
                    let _ = inputs.send(Input::Located { name, found });
                });
            }
            Effect::Record(row) => {
                let Some(history) = self.history.clone() else { return };
                let events = self.events.clone();
                // SQLite off the async threads (DESIGN.md §2).
                tokio::task::spawn_blocking(move || {
                    let written = history
                        .lock()
                        .map_err(|e| e.to_string())
                        .and_then(|mut h| h.record(&row).map_err(|e| e.to_string()));
                    if let Err(why) = written {
                        let problem = Problem::HistoryNotWritten { why };
                        let _ = events.send(Event::problem(problem, None));
                    }
                });
            }
            Effect::ReadHistory { limit } => {
                let events = self.events.clone();
                let Some(history) = self.history.clone() else {
                    let _ = events.send(Event::problem(Problem::NoHistory, None));
                    return;
                };
                tokio::task::spawn_blocking(move || {
                    let read = history
                        .lock()
                        .map_err(|e| e.to_string())
                        .and_then(|h| h.recent(limit).map_err(|e| e.to_string()));
                    let _ = events.send(match read {
                        Ok(calls) => Event::History { calls },
                        Err(why) => Event::problem(Problem::HistoryNotRead { why }, None),
                    });
                });
            }
            Effect::SaveAudio(audio) => {
                if let Some(path) = &self.config_path
                    && let Err(e) = config_file::save_audio(path, &audio)
                {
                    let problem = Problem::DevicesNotSaved { why: e.to_string() };
                    let _ = self.events.send(Event::problem(problem, None));
                }
            }
            Effect::SaveInteraction(i, at_ms) => {
                if let Some(store) = &self.desk_store {
                    store.save_interaction(i, at_ms);
                }
            }
            Effect::SaveChatLine { interaction, line } => {
                chat_jobs::save_line(self.desk_store.as_ref(), self.answers(), interaction, line);
            }
            Effect::KeepEmail { interaction, kept } => {
                if let Some(store) = &self.desk_store {
                    store.keep_email(interaction, kept);
                }
            }
            Effect::ReadTranscript { agent, interaction } => {
                chat_jobs::read(self.desk_store.as_ref(), self.answers(), agent, interaction);
            }
            Effect::SaveAgentState(status) => {
                if let Some(store) = &self.desk_store {
                    store.save_agent_state(status);
                }
            }
            Effect::ReadContact(id) => {
                contact_jobs::read_contact(self.desk_store.as_ref(), self.answers(), id);
            }
            Effect::ReadContactHistory { id, limit } => {
                contact_jobs::read_history(self.desk_store.as_ref(), self.answers(), id, limit);
            }
            Effect::MatchContact { interaction, identity, keys } => {
                let answers = self.answers();
                let store = self.desk_store.as_ref();
                contact_jobs::match_contact(store, answers, interaction, identity, keys);
            }
            Effect::ExportContacts(path) => {
                contact_jobs::export(self.desk_store.as_ref(), self.answers(), path);
            }
            Effect::SaveContact(contact) => {
                let numbering = self.phone.numbering();
                let store = self.desk_store.as_ref();
                contact_jobs::save(store, self.answers(), numbering, *contact);
            }
            Effect::NameContact { id, name } => {
                let numbering = self.phone.numbering();
                contact_jobs::rename(self.desk_store.as_ref(), self.answers(), numbering, id, name);
            }
            Effect::MergeContacts { keep, gone } => {
                let numbering = self.phone.numbering();
                let store = self.desk_store.as_ref();
                contact_jobs::merge(store, self.answers(), numbering, keep, gone);
            }
            Effect::ImportContacts(path) => {
                let numbering = self.phone.numbering();
                contact_jobs::import(self.desk_store.as_ref(), self.answers(), numbering, path);
            }
            Effect::KeepTarget { list, target } => {
                site_jobs::keep(self.desk_store.as_ref(), self.answers(), list, target);
            }
            Effect::DropTarget { list, address } => {
                site_jobs::drop_target(self.desk_store.as_ref(), self.answers(), list, address);
            }
            Effect::Mail(effect) => self.mail.effect(*effect, &self.inputs),
            Effect::OpenUrl(url) => {
                if self.open_links {
                    let events = self.events.clone();
                    // The browser is started off the async threads.
                    tokio::task::spawn_blocking(move || {
                        if let Err(e) = webbrowser::open(&url) {
                            let problem = Problem::CannotOpenLink { url, why: e.to_string() };
                            let _ = events.send(Event::problem(problem, None));
                        }
                    });
                }
            }
            Effect::SaveAccount(account) => {
                if let Some(path) = &self.config_path
                    && let Err(e) = config_file::save_account(path, account.as_ref())
                {
                    let problem = Problem::AccountNotSaved { why: e.to_string() };
                    let _ = self.events.send(Event::problem(problem, None));
                }
            }
        }
    }
}

impl Core for PhoneDriver {
    type Input = Input;

    fn agent(&mut self) -> &mut UserAgent {
        self.phone.agent()
    }

    fn input(&mut self, input: Input, now: Instant) {
        match input {
            Input::Command(c) => self.phone.command(c, now, wall()),
            Input::Located { name, found } => self.phone.located(&name, found, now, wall()),
            Input::Contacts(contacts) => self.phone.contacts_known(&contacts),
            Input::ContactGone(id) => self.phone.contact_gone(id),
            Input::Site((agents, queues)) => self.phone.site_known(&agents, &queues),
            Input::Mail(report) => self.phone.mail_input(report, now, wall()),
        }
    }

    fn settle(&mut self, now: Instant) {
        self.phone.settle(now, wall());
        self.flush();
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        [self.phone.poll_timeout(), self.next_route_check].into_iter().flatten().min()
    }

    fn timeout(&mut self, now: Instant) {
        self.phone.timeout(now, wall());
        if let Some(at) = self.next_route_check
            && now >= at
        {
            self.next_route_check = Some(now + ROUTE_CHECK);
            let ip = super::start::default_address();
            if ip != self.phone.address() {
                self.phone.address_changed(ip, now, wall());
            }
        }
    }

    fn finished(&mut self, now: Instant) -> bool {
        let done = self.phone.finished(now);
        self.flush();
        done
    }

    fn inputs_closed(&mut self, now: Instant) {
        self.phone.command(Command::Quit, now, wall());
        self.phone.stop_now(now);
        self.flush();
    }
}
