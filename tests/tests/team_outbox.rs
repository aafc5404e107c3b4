//! The team store goes away mid-shift: a phone on it (TeamStore: its SQLite file and outbox
//! in front of a real PostgreSQL server the test starts) takes and wraps up two calls while
//! the server is stopped, is restarted itself meanwhile, and once the server is back
//! every write arrives once, in order; the contact of a call taken offline is found on
//! delivery. And a parcel delivered twice (a crash between the team store's commit and
//! the outbox's) is applied once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_engine::desk::{AgentState, AgentStatus, InteractionId};
use earshot_engine::directory::{Contact, IdentityKind, Numbering};
use earshot_engine::store::outbox::{AgentStateRow, Parcel};
use earshot_engine::store::postgres::Delivered;
use earshot_engine::store::{ContactStore, DeskStore, PostgresStore, StoreError, TeamStore};
use earshot_tests::desk_calls::call_saves;
use earshot_tests::postgres::Postgres;

const AGENT: &str = "sip:1001@site";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("earshot-outbox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Call `id` from `from` taken through its life, each step saved as the desk saves it.
fn take_call<S: DeskStore>(store: &mut S, id: u64, from: &str, at_ms: u64, note: &str) {
    for (i, at) in call_saves(id, from, at_ms, "resolved", note) {
        store.save_interaction(&i, at).unwrap();
    }
}

fn states(store: &mut PostgresStore, id: u64) -> Vec<String> {
    store.state_changes(InteractionId(id)).unwrap().into_iter().map(|(s, _)| s).collect()
}

#[test]
fn the_team_store_stopped_mid_shift_loses_nothing_and_gets_each_write_once_in_order() {
    let mut pg = Postgres::start("outage");
    let dir = temp_dir("outage");
    let path = dir.join("desk.sqlite");
    let n = Numbering::new("GB").unwrap();
    let mut store = TeamStore::open(&path, &pg.url(), AGENT).unwrap();
    let known = Contact::new("Jürgen Müller").with(IdentityKind::Phone, "+44 20 7946 0000");
    let known_id = store.save_contact(&known, &known.keys(&n)).unwrap();
    take_call(&mut store, 1, "sip:+442079460000@site", 1_000_000, "before the outage");
    let round = store.deliver().unwrap();
    assert!(round.online && round.waiting == 0, "{round:?}");

    pg.stop();
    // Two calls taken and wrapped up while the team store is gone; the agent goes Not
    // Ready between them. The second caller is someone new: matched on delivery.
    take_call(&mut store, 2, "020 7946 0000", 2_000_000, "refund promised, offline");
    let away = AgentStatus {
        state: AgentState::NotReady("break".into()),
        since_ms: 2_100_000,
        next: None,
        busy: false,
    };
    store.save_agent_state(AGENT, &away).unwrap();
    take_call(&mut store, 3, "sip:someone.new@site", 3_000_000, "new caller, offline");
    let (identity, key) = n.identify("sip:someone.new@site").unwrap();
    let matched = store.match_interaction(AGENT, InteractionId(3), &identity, &[key]);
    assert!(matches!(matched, Err(StoreError::Offline(_))), "{matched:?}");
    assert!(matches!(store.contact(known_id), Err(StoreError::Offline(_))));
    let round = store.deliver().unwrap();
    eprintln!("offline: {round:?}");
    assert!(!round.online && round.why.is_some(), "{round:?}");
    assert_eq!(round.waiting, 6 + 1 + 6 + 1, "two calls' saves, a state and a match");
    // What the agent did is kept here meanwhile, and survives the phone restarting.
    drop(store);
    let mut store = TeamStore::open(&path, &pg.url(), AGENT).unwrap();
    assert!(!store.is_online());
    assert_eq!(
        store.interaction(InteractionId(2)).unwrap().unwrap().note,
        "refund promised, offline"
    );
    assert_eq!(store.next_interaction_id().unwrap(), 4);

    pg.start_again();
    let round = store.deliver().unwrap();
    eprintln!("back: {round:?}");
    assert!(round.online && round.waiting == 0 && round.why.is_none(), "{round:?}");
    assert_eq!(round.delivered, 14);
    assert!(round.unreadable.is_empty());
    let [(interaction, contact, new)] = &round.matched[..] else { panic!("{round:?}") };
    assert_eq!((*interaction, *new, contact.identities.clone()), (3, true, vec![identity]));

    // Once each, in order: every state of each call logged once, notes as typed last.
    let mut team = PostgresStore::connect(&pg.url(), AGENT).unwrap();
    let ids: Vec<u64> = team.recent_interactions(10).unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(ids, [3, 2, 1]);
    for id in [1, 2, 3] {
        assert_eq!(states(&mut team, id), ["offered", "active", "wrap-up", "done"], "call {id}");
    }
    let two = team.interaction(InteractionId(2)).unwrap().unwrap();
    assert_eq!(
        (two.note.as_str(), two.disposition.as_deref()),
        ("refund promised, offline", Some("resolved"))
    );
    let history = team.contact_history(contact.id, None, 10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].note, "new caller, offline");
    // A second round finds nothing to do.
    let again = store.deliver().unwrap();
    assert_eq!((again.delivered, again.waiting), (0, 0));

    // A parcel delivered twice is applied once; the next one after it is applied.
    let parcel = |since_ms| {
        Parcel::AgentState(AgentStateRow {
            agent: AGENT.into(),
            state: "ready".into(),
            reason: None,
            since_ms,
            busy: false,
        })
    };
    let applied = Delivered::Applied(None);
    assert_eq!(
        team.deliver("crashed-phone", &[(1, parcel(1))]).unwrap(),
        std::slice::from_ref(&applied)
    );
    let again = team.deliver("crashed-phone", &[(1, parcel(1)), (2, parcel(2))]).unwrap();
    assert_eq!(again, [Delivered::AlreadyThere, applied]);
    drop(store);
    std::fs::remove_dir_all(&dir).ok();
}
