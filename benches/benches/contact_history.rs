//! A contact's history on both stores: 10 000 interactions with one contact (among
//! 20 000 in all, by 10 agents on PostgreSQL), then the first page (20, newest first),
//! a page 5 000 interactions back, and the whole history; and how fast the interactions
//! were written. Prints median and worst of 50 runs of each query.
//!
//! Run: `cargo bench -p earshot-benches --bench contact_history` (starts its own
//! PostgreSQL as the test suite does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use earshot_engine::desk::{
    CaseData, Channel, Direction, Interaction, InteractionId, State, WrapUpMode,
};
use earshot_engine::directory::{Contact, IdentityKind, Numbering};
use earshot_engine::store::{ContactStore, DeskStore, PostgresStore, SqliteStore};
use earshot_tests::postgres::Postgres;

const WITH_CONTACT: u64 = 10_000;
const OTHERS: u64 = 10_000;

fn interaction(id: u64, offered_ms: u64) -> Interaction {
    Interaction {
        id: InteractionId(id),
        channel: if id.is_multiple_of(3) { Channel::Chat } else { Channel::Voice },
        direction: Direction::Inbound,
        contact: "sip:+442079460000@site".into(),
        contact_name: Some("Jürgen Müller".into()),
        queue: Some("billing".into()),
        call: Some(id),
        case: CaseData::default(),
        state: State::Done,
        held: false,
        disposition: Some("resolved".into()),
        note: format!("interaction {id}: refund promised"),
        link: None,
        wrap_up: WrapUpMode::Optional,
        offered_ms,
        accepted_ms: Some(offered_ms + 3_000),
        ended_ms: Some(offered_ms + 180_000),
        done_ms: Some(offered_ms + 200_000),
    }
}

/// Fills `stores` (one per agent, round robin): returns the contact and the write rate.
fn fill<S: DeskStore + ContactStore>(stores: &mut [(S, String)]) -> (u64, f64) {
    let n = Numbering::new("GB").unwrap();
    let c = Contact::new("Jürgen Müller").with(IdentityKind::Phone, "+44 20 7946 0000");
    let contact = stores[0].0.save_contact(&c, &c.keys(&n)).unwrap();
    let started = Instant::now();
    let agents = stores.len() as u64;
    for k in 0..WITH_CONTACT + OTHERS {
        let (store, agent) = &mut stores[(k % agents) as usize];
        let id = k / agents + 1;
        store.save_interaction(&interaction(id, 1_700_000_000_000 + k * 60_000), k).unwrap();
        if k.is_multiple_of(2) {
            store.link_interaction(agent, InteractionId(id), contact).unwrap();
        }
    }
    (contact, (WITH_CONTACT + OTHERS) as f64 / started.elapsed().as_secs_f64())
}

fn time<F: FnMut() -> usize>(mut f: F) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..50 {
        let t = Instant::now();
        rows = f();
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], *times.last().unwrap(), rows)
}

fn report<S: ContactStore>(name: &str, store: &mut S, contact: u64, rate: f64) {
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{name}: {:.0} interactions written per second (each saved and, one in two, linked)",
        rate
    );
    let all = store.contact_history(contact, None, usize::MAX).unwrap();
    assert_eq!(all.len() as u64, WITH_CONTACT);
    let deep = all[5_000].started_ms;
    for (what, before, limit) in [
        ("first page (20)", None, 20),
        ("a page 5 000 back (20)", Some(deep), 20),
        ("all 10 000", None, usize::MAX),
    ] {
        let (median, worst, rows) =
            time(|| store.contact_history(contact, before, limit).unwrap().len());
        println!("  {what:<24} median {:>9}  worst {:>9}  ({rows} rows)", ms(median), ms(worst));
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("earshot-bench-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut sqlite =
        [(SqliteStore::open(&dir.join("desk.sqlite")).unwrap(), "sip:agent@site".to_owned())];
    let (contact, rate) = fill(&mut sqlite);
    report("SQLite (one agent, full sync)", &mut sqlite[0].0, contact, rate);

    let pg = Postgres::start("bench-history");
    let mut team: Vec<(PostgresStore, String)> = (0..10)
        .map(|a| {
            let agent = format!("sip:agent{a}@site");
            (PostgresStore::connect(&pg.url(), &agent).unwrap(), agent)
        })
        .collect();
    let (contact, rate) = fill(&mut team);
    // What autovacuum does within a minute of a bulk load: without statistics the planner
    // sorts every row of the contact (10 ms) instead of reading the index in order.
    team[0].0.refresh_statistics().unwrap();
    report("PostgreSQL (10 agents, fsync off)", &mut team[0].0, contact, rate);
    drop(team);
    drop(pg);
    std::fs::remove_dir_all(&dir).ok();
}
