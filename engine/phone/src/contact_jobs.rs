//! The driver's side of contacts: reading a contact or its history and importing a file
//! on the store's thread (after the writes before them), answering with events, and
//! handing what changed back to the core's index (`Input::Contacts`).

use std::path::PathBuf;

use earshot_desk::InteractionId;
use earshot_directory::{Contact, Identity, Numbering, read_contacts, write_csv};
use earshot_store::StoreError;
use tokio::sync::mpsc::{UnboundedSender, WeakUnboundedSender};

use super::api::Event;
use super::desk_writer::{DeskWriter, recent_before};
use super::driver::Input;
use super::problem::Problem;

/// How many earlier interactions come with a matched contact (the preview's glance).
pub const RECENT: usize = 5;

/// Where a job's answers go.
#[derive(Debug, Clone)]
pub struct Answers {
    pub events: UnboundedSender<Event>,
    pub inputs: WeakUnboundedSender<Input>,
}

fn unavailable(answers: &Answers) {
    let why = "the desk's store is not open".to_owned();
    let _ = answers.events.send(Event::problem(Problem::ContactStore { why }, None));
}

pub fn read_contact(store: Option<&DeskWriter>, answers: Answers, id: u64) {
    let Some(store) = store else { return unavailable(&answers) };
    store.run(Box::new(move |s, _| {
        let event = match s.contact(id) {
            Ok(Some(contact)) => Event::Contact { contact },
            Ok(None) => Event::problem(Problem::NoContact { id }, None),
            Err(e) => Event::problem(Problem::ContactStore { why: e.to_string() }, None),
        };
        let _ = answers.events.send(event);
    }));
}

pub fn read_history(store: Option<&DeskWriter>, answers: Answers, id: u64, limit: usize) {
    let Some(store) = store else { return unavailable(&answers) };
    store.run(Box::new(move |s, _| {
        let event = match s.contact(id).and_then(|c| Ok((c, s.contact_history(id, None, limit)?))) {
            Ok((Some(_), items)) => Event::ContactHistory { contact: id, items },
            Ok((None, _)) => Event::problem(Problem::NoContact { id }, None),
            Err(e) => Event::problem(Problem::ContactStore { why: e.to_string() }, None),
        };
        let _ = answers.events.send(event);
    }));
}

/// Reads `path` (CSV or vCard) and keeps its contacts; the file is read on the store's
/// thread too, off the async threads.
pub fn import(store: Option<&DeskWriter>, answers: Answers, numbering: Numbering, path: PathBuf) {
    let Some(store) = store else { return unavailable(&answers) };
    store.run(Box::new(move |s, _| {
        let file = path.display().to_string();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let problem = Problem::ImportFailed { file, why: e.to_string() };
                let _ = answers.events.send(Event::problem(problem, None));
                return;
            }
        };
        let read = read_contacts(&bytes, &numbering);
        match s.import(read.contacts, &|c| c.keys(&numbering)) {
            Ok(done) => {
                answers.contacts_known(done.contacts);
                let _ = answers.events.send(Event::ContactsImported {
                    file,
                    added: done.added,
                    merged: done.merged,
                    rejected: read.rejected,
                });
            }
            Err(e) => {
                let problem = Problem::ImportFailed { file, why: e.to_string() };
                let _ = answers.events.send(Event::problem(problem, None));
            }
        }
    }));
}

/// Finds (or makes) the contact interaction `interaction` came from, by `identity` and its
/// `keys`, after the interaction's own save; answers `contact-matched` with its last few
/// interactions. A team store that cannot be reached matches it on delivery instead.
pub fn match_contact(
    store: Option<&DeskWriter>,
    answers: Answers,
    interaction: u64,
    identity: Identity,
    keys: Vec<String>,
) {
    let Some(store) = store else { return };
    store.run(Box::new(move |s, agent| {
        match s.match_interaction(agent, InteractionId(interaction), &identity, &keys) {
            Ok((contact, new)) => {
                let recent = recent_before(s, contact.id, interaction);
                answers.matched(interaction, contact, new, recent);
            }
            Err(StoreError::Offline(_)) => {}
            Err(e) => {
                let problem = Problem::ContactStore { why: e.to_string() };
                let _ = answers.events.send(Event::problem(problem, None));
            }
        }
    }));
}

/// Writes every contact to `path` as CSV (written beside it first, then renamed: a
/// failure leaves no half file).
pub fn export(store: Option<&DeskWriter>, answers: Answers, path: PathBuf) {
    let Some(store) = store else { return unavailable(&answers) };
    store.run(Box::new(move |s, _| {
        let file = path.display().to_string();
        let written = s.contacts().map_err(|e| e.to_string()).and_then(|all| {
            let bytes = write_csv(&all).map_err(|e| e.to_string())?;
            let partial = path.with_extension("csv.part");
            std::fs::write(&partial, bytes)
                .and_then(|()| std::fs::rename(&partial, &path))
                .map_err(|e| e.to_string())?;
            Ok(all.len())
        });
        let event = match written {
            Ok(count) => Event::ContactsExported { file, count },
            Err(why) => Event::problem(Problem::ExportFailed { file, why }, None),
        };
        let _ = answers.events.send(event);
    }));
}

/// Saves `contact` as given (a new one when its id is 0) with its identities' keys.
pub fn save(store: Option<&DeskWriter>, answers: Answers, numbering: Numbering, contact: Contact) {
    let Some(store) = store else { return unavailable(&answers) };
    store.run(Box::new(move |s, _| {
        let keys = contact.keys(&numbering);
        match s.save_contact(&contact, &keys) {
            Ok(id) => answers.saved(Contact { id, ..contact }),
            Err(e) => answers.store_failed(&e),
        }
    }));
}

/// Gives contact `id` the name `name`.
pub fn rename(
    store: Option<&DeskWriter>,
    answers: Answers,
    numbering: Numbering,
    id: u64,
    name: String,
) {
    let Some(store) = store else { return unavailable(&answers) };
    store.run(Box::new(move |s, _| {
        let mut contact = match s.contact(id) {
            Ok(Some(c)) => c,
            Ok(None) => {
                let _ = answers.events.send(Event::problem(Problem::NoContact { id }, None));
                return;
            }
            Err(e) => return answers.store_failed(&e),
        };
        contact.name = name.trim().to_owned();
        match s.save_contact(&contact, &contact.keys(&numbering)) {
            Ok(_) => answers.saved(contact),
            Err(e) => answers.store_failed(&e),
        }
    }));
}

/// Takes contact `gone` into `keep` (`Contact::absorb`: identities and fields not already
/// there, the name if `keep` has none), with its interactions.
pub fn merge(
    store: Option<&DeskWriter>,
    answers: Answers,
    numbering: Numbering,
    keep: u64,
    gone: u64,
) {
    let Some(store) = store else { return unavailable(&answers) };
    store.run(Box::new(move |s, _| {
        let (mut kept, merged) = match (s.contact(keep), s.contact(gone)) {
            (Ok(Some(k)), Ok(Some(g))) => (k, g),
            (Ok(None), _) => {
                let _ = answers.events.send(Event::problem(Problem::NoContact { id: keep }, None));
                return;
            }
            (_, Ok(None)) => {
                let _ = answers.events.send(Event::problem(Problem::NoContact { id: gone }, None));
                return;
            }
            (Err(e), _) | (_, Err(e)) => return answers.store_failed(&e),
        };
        kept.absorb(&merged);
        match s.merge_contacts(keep, gone, &kept, &kept.keys(&numbering)) {
            Ok(()) => {
                if let Some(inputs) = answers.inputs.upgrade() {
                    let _ = inputs.send(Input::ContactGone(gone));
                }
                answers.contacts_known(vec![kept.clone()]);
                let _ = answers.events.send(Event::ContactsMerged { contact: kept, gone });
            }
            Err(e) => answers.store_failed(&e),
        }
    }));
}

impl Answers {
    /// A contact saved: into the index, and told.
    fn saved(&self, contact: Contact) {
        self.contacts_known(vec![contact.clone()]);
        let _ = self.events.send(Event::Contact { contact });
    }

    fn store_failed(&self, e: &StoreError) {
        let problem = Problem::ContactStore { why: e.to_string() };
        let _ = self.events.send(Event::problem(problem, None));
    }
}
