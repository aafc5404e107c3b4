//! The SQLite store: interactions round-trip with their case data, note, disposition and
//! link; state changes are logged once each; open interactions are found again; a schema
//! newer than this build is refused; and a writer killed with SIGKILL in the middle of
//! saving a note as it is typed leaves the last complete save.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use earshot_desk::case::{Origin, Source};
use earshot_desk::{
    AgentState, AgentStatus, CaseData, Channel, Direction, Interaction, InteractionId, Link,
    LinkKind, State, WrapUpMode,
};
use earshot_store::{DeskStore, SqliteStore, StoreError};

/// A fresh directory for one test (removed by the test when it passes).
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("earshot-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sample(id: u64) -> Interaction {
    Interaction {
        id: InteractionId(id),
        channel: Channel::Voice,
        direction: Direction::Inbound,
        contact: "sip:+15145550123@example.com".into(),
        contact_name: Some("Zoë Tremblay".into()),
        queue: Some("support".into()),
        call: Some(3),
        case: CaseData::build(
            &[
                Source::new(Origin::Caller, "caller", "+15145550123"),
                Source::new(Origin::Header, "Account-Id", "A-77 & \"quoted\""),
            ],
            &[],
        ),
        state: State::Offered,
        held: false,
        disposition: None,
        note: String::new(),
        link: Some(Link { kind: LinkKind::Consultation, parent: InteractionId(1) }),
        wrap_up: WrapUpMode::Mandatory,
        offered_ms: 1_796_468_400_000,
        accepted_ms: None,
        ended_ms: None,
        done_ms: None,
    }
}

#[test]
fn interactions_round_trip_and_log_their_states() {
    let dir = temp_dir("round-trip");
    let path = dir.join("desk.sqlite");
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.next_interaction_id().unwrap(), 1);
    let mut i = sample(7);
    store.save_interaction(&i, 100).unwrap();
    i.state = State::Active;
    i.accepted_ms = Some(1_796_468_402_000);
    store.save_interaction(&i, 200).unwrap();
    i.note = "Customer asks about the March invoice — é, ü".into();
    store.save_interaction(&i, 300).unwrap();
    i.state = State::WrapUp;
    i.disposition = Some("resolved".into());
    store.save_interaction(&i, 400).unwrap();
    drop(store);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.interaction(InteractionId(7)).unwrap(), Some(i.clone()));
    assert_eq!(store.next_interaction_id().unwrap(), 8);
    assert_eq!(
        store.state_changes(InteractionId(7)).unwrap(),
        [("offered".to_string(), 100), ("active".into(), 200), ("wrap-up".into(), 400)]
    );
    let mut done = sample(8);
    done.state = State::Done;
    store.save_interaction(&done, 500).unwrap();
    let open: Vec<u64> = store.open_interactions().unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(open, [7]);
    let recent: Vec<u64> = store.recent_interactions(10).unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(recent, [8, 7]);
    let status = AgentStatus {
        state: AgentState::NotReady("Lunch".into()),
        since_ms: 9,
        next: None,
        busy: false,
    };
    store.save_agent_state("sip:agent1@site", &status).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = temp_dir("too-new");
    let path = dir.join("desk.sqlite");
    drop(SqliteStore::open(&path).unwrap());
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::TooNew { found: 99, .. }) => {}
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The child side of the kill test: saves the note one more character at a time, as an
/// agent types, until it is killed.
#[test]
#[ignore = "the child process of a_kill_while_typing_leaves_the_last_complete_save"]
fn typist() {
    let Ok(path) = std::env::var("EARSHOT_STORE_TYPIST") else { return };
    let mut store = SqliteStore::open(std::path::Path::new(&path)).unwrap();
    let mut i = sample(1);
    i.state = State::WrapUp;
    let text = "The customer wants the refund sent to the card ending 4242. ".repeat(50);
    for (n, c) in text.chars().enumerate() {
        i.note.push(c);
        store.save_interaction(&i, n as u64).unwrap();
    }
}

#[test]
// A real child process is killed: its progress is waited for on the real clock.
#[allow(clippy::disallowed_methods)]
fn a_kill_while_typing_leaves_the_last_complete_save() {
    let dir = temp_dir("kill");
    let path = dir.join("desk.sqlite");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "typist", "--ignored", "--test-threads=1"])
        .env("EARSHOT_STORE_TYPIST", &path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has saved a while (bounded wait).
    let start = Instant::now();
    let saved = loop {
        std::thread::sleep(Duration::from_millis(20));
        if let Ok(mut s) = SqliteStore::open(&path)
            && let Ok(Some(i)) = s.interaction(InteractionId(1))
            && i.note.chars().count() > 40
        {
            break i.note.chars().count();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the typist saved nothing");
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    let i = store.interaction(InteractionId(1)).unwrap().unwrap();
    let text = "The customer wants the refund sent to the card ending 4242. ".repeat(50);
    assert!(i.note.chars().count() >= saved, "nothing saved before the kill is lost");
    assert!(text.starts_with(&i.note), "a whole save, not a torn one: {:?}", i.note);
    assert_eq!(i.state, State::WrapUp);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn processes_opening_a_new_store_at_once_each_find_it_whole() {
    // Two writers opening one new file at once (the window and a headless phone on one
    // data folder) must not both create the schema: each opens, and each save is kept.
    let dir = temp_dir("race");
    for round in 0..20 {
        let path = dir.join(format!("desk-{round}.sqlite"));
        let openers: Vec<_> = (0..4u64)
            .map(|n| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut store = SqliteStore::open(&path).expect("each opener gets the store");
                    store.save_interaction(&sample(n + 1), n).unwrap();
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        for n in 1..=4 {
            assert!(store.interaction(InteractionId(n)).unwrap().is_some(), "round {round}: {n}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
