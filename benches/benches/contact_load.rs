//! Team Communicator's index loaded from each store: 100 000 sample contacts imported (one
//! transaction on each backend) and 2 000 agents enrolled, then what a phone starting
//! does — every contact read back, the site's agents and queues read, and the index built
//! and prepared for the first keystroke (`StartingIndex`). Prints each step's time, three
//! runs of the reads.
//!
//! Run: `cargo bench -p earshot-benches --bench contact_load` (starts its own PostgreSQL as
//! the test suite does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use earshot_engine::directory::sample::sample_contacts;
use earshot_engine::directory::{Numbering, SiteAgent, SiteQueue};
use earshot_engine::phone::config::Config;
use earshot_engine::phone::directory_commands::StartingIndex;
use earshot_engine::store::{ContactStore, PostgresStore, SiteStore, SqliteStore};
use earshot_tests::postgres::Postgres;

const CONTACTS: usize = 100_000;
const AGENTS: usize = 2_000;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Imports the sample and enrols the site; prints how long it took.
fn fill<S: ContactStore + SiteStore>(name: &str, store: &mut S) {
    let numbering = Numbering::new("GB").unwrap();
    let started = Instant::now();
    let done = store.import(sample_contacts(CONTACTS), &|c| c.keys(&numbering)).unwrap();
    println!(
        "{name}: imported {CONTACTS} contacts in one transaction in {:.1} s ({} added, {} merged)",
        started.elapsed().as_secs_f64(),
        done.added,
        done.merged
    );
    let queues: Vec<SiteQueue> = (0..50)
        .map(|i| SiteQueue { name: format!("queue{i}"), label: format!("Queue {i}") })
        .collect();
    let started = Instant::now();
    for i in 0..AGENTS {
        let agent = SiteAgent {
            address: format!("sip:agent{i}@site.example"),
            name: format!("Agent {i}"),
            queues: vec![format!("queue{}", i % 50)],
        };
        store.enrol(&agent, &queues[i % 50..i % 50 + 1], 1).unwrap();
    }
    println!("{name}: enrolled {AGENTS} agents in {:.1} s", started.elapsed().as_secs_f64());
}

/// What a starting phone does with the store, three times.
fn load<S: ContactStore + SiteStore>(name: &str, store: &mut S, config: &Config) {
    for run in 1..=3 {
        let started = Instant::now();
        let contacts = store.contacts().unwrap();
        let read = started.elapsed();
        let started = Instant::now();
        let (agents, queues) = store.site().unwrap();
        let site = started.elapsed();
        let started = Instant::now();
        let mut index = StartingIndex::new(config, &contacts);
        index.site(&agents, &queues);
        let built = started.elapsed();
        println!(
            "{name} run {run}: read {} contacts {:.0} ms, site ({} agents, {} queues) {:.1} ms, \
             index built and prepared {:.0} ms; total {:.0} ms",
            contacts.len(),
            ms(read),
            agents.len(),
            queues.len(),
            ms(site),
            ms(built),
            ms(read + site + built)
        );
    }
}

fn main() {
    let mut config = Config::default();
    config.directory.country = Some("GB".into());
    let dir = std::env::temp_dir().join(format!("earshot-contact-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut sqlite = SqliteStore::open(&dir.join("desk.db")).unwrap();
    fill("SQLite", &mut sqlite);
    load("SQLite", &mut sqlite, &config);
    drop(sqlite);
    std::fs::remove_dir_all(&dir).ok();

    let pg = Postgres::start("contact-load");
    let mut team = PostgresStore::connect(&pg.url(), "sip:agent0@site.example").unwrap();
    fill("PostgreSQL", &mut team);
    load("PostgreSQL", &mut team, &config);
}
