//! The outbox after an outage: a phone on the team store (TeamStore: its SQLite file in
//! front of a real PostgreSQL server the benchmark starts) takes 500 calls while the
//! server is stopped — each saved six times through its life, as the desk saves it, with an
//! agent state between calls — then the server comes back and one round delivers
//! everything. Prints how long the saves took offline, how many parcels waited, and the
//! delivery rate (parcels and interactions per second), each parcel its own transaction.
//!
//! Run: `cargo bench -p earshot-benches --bench outbox_delivery`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;

use earshot_engine::desk::{AgentState, AgentStatus, InteractionId};
use earshot_engine::store::{DeskStore, PostgresStore, TeamStore};
use earshot_tests::desk_calls::call_saves;
use earshot_tests::postgres::Postgres;

const CALLS: u64 = 500;
const AGENT: &str = "sip:1001@site";

/// Call `id` through its life (six saves) and the agent Ready after it.
fn take_call(store: &mut TeamStore, id: u64) {
    let at = 1_796_000_000_000 + id * 300_000;
    let from = format!("sip:+4420794{id:05}@site");
    let note = "customer asked for a refund; promised by Friday";
    for (i, at) in call_saves(id, &from, at, "callback", note) {
        store.save_interaction(&i, at).unwrap();
    }
    let ready =
        AgentStatus { state: AgentState::Ready, since_ms: at + 63_000, next: None, busy: false };
    store.save_agent_state(AGENT, &ready).unwrap();
}

fn main() {
    let mut pg = Postgres::start("outbox-bench");
    let dir = std::env::temp_dir().join(format!("earshot-outbox-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = TeamStore::open(&dir.join("desk.sqlite"), &pg.url(), AGENT).unwrap();
    assert!(store.is_online());
    pg.stop();
    let started = Instant::now();
    for id in 1..=CALLS {
        take_call(&mut store, id);
    }
    let offline = started.elapsed();
    let round = store.deliver().unwrap();
    assert!(!round.online);
    let waiting = round.waiting;
    println!(
        "offline: {CALLS} calls saved in {:.2} s ({:.2} ms a save, each with its parcel); {waiting} parcels waiting",
        offline.as_secs_f64(),
        offline.as_secs_f64() * 1e3 / (CALLS * 7) as f64
    );
    pg.start_again();
    let started = Instant::now();
    let round = store.deliver().unwrap();
    let took = started.elapsed().as_secs_f64();
    assert!(round.online && round.waiting == 0, "{round:?}");
    assert_eq!(round.delivered, waiting);
    println!(
        "back: {} parcels delivered in {took:.2} s: {:.0} parcels/s, {:.0} interactions/s",
        round.delivered,
        round.delivered as f64 / took,
        CALLS as f64 / took
    );
    let mut team = PostgresStore::connect(&pg.url(), AGENT).unwrap();
    assert_eq!(team.recent_interactions(1).unwrap()[0].id.0, CALLS);
    assert_eq!(team.state_changes(InteractionId(CALLS)).unwrap().len(), 4);
    drop(store);
    std::fs::remove_dir_all(&dir).ok();
}
