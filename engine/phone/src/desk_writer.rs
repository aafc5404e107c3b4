//! The desk's store, written by one thread in order (a note saved as typed must never be
//! overwritten by an older save), reporting a failure as an `error` event. An
//! interaction's save is waited for (a few ms with full sync) before the change is shown,
//! so that what the agent sees typed is on disk when they see it.

use std::path::Path;
use std::sync::mpsc;

use earshot_desk::{AgentStatus, Interaction};
use earshot_store::{ContactStore, DeskStore, SqliteStore, StoreError};
use tokio::sync::mpsc::UnboundedSender;

use super::api::Event;
use super::problem::Problem;

enum Write {
    /// An interaction, and where to say it is on disk.
    Interaction(Box<Interaction>, u64, mpsc::SyncSender<()>),
    AgentState(AgentStatus),
    /// Any other work on the store (reading contacts, importing them), in turn with the
    /// writes.
    Job(StoreJob),
}

/// Work done on the store's thread.
pub type StoreJob = Box<dyn FnOnce(&mut SqliteStore) + Send>;

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
    /// The contacts it holds.
    pub contacts: Vec<earshot_directory::Contact>,
}

impl DeskWriter {
    /// Opens the store at `path`, reads what a starting desk needs, and starts the writer
    /// thread; `agent` names the agent in the state log.
    pub fn open(
        path: &Path,
        agent: String,
        events: UnboundedSender<Event>,
    ) -> Result<(DeskWriter, DeskSaved), StoreError> {
        let mut store = SqliteStore::open(path)?;
        let saved = DeskSaved {
            first_id: store.next_interaction_id()?,
            open: store.open_interactions()?,
            contacts: store.contacts()?,
        };
        let (writes, queue) = mpsc::channel::<WriteBox>();
        let spawned = std::thread::Builder::new().name("desk-store".into()).spawn(move || {
            for WriteBox(w) in queue {
                let done = match w {
                    Write::Interaction(i, at_ms, saved) => {
                        let done = store.save_interaction(&i, at_ms);
                        let _ = saved.try_send(());
                        done
                    }
                    Write::AgentState(s) => store.save_agent_state(&agent, &s),
                    Write::Job(job) => {
                        job(&mut store);
                        Ok(())
                    }
                };
                if let Err(e) = done {
                    let problem = Problem::DeskNotSaved { why: e.to_string() };
                    let _ = events.send(Event::problem(problem, None));
                }
            }
        });
        if let Err(e) = spawned {
            return Err(StoreError::Corrupt(format!("cannot start the store's writer: {e}")));
        }
        Ok((DeskWriter { writes }, saved))
    }

    /// Saves the interaction and returns once it is on disk (or after a second at most):
    /// what the agent is shown next (a note as typed) is then kept whatever happens to the
    /// process. One writer keeps the saves in order.
    pub fn save_interaction(&self, i: Box<Interaction>, at_ms: u64) {
        let (saved, on_disk) = mpsc::sync_channel(1);
        if self.writes.send(WriteBox(Write::Interaction(i, at_ms, saved))).is_ok() {
            let _ = on_disk.recv_timeout(std::time::Duration::from_secs(1));
        }
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
