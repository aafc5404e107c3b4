//! Wrap-up save latency (criterion): one keystroke of a note saved to the desk's SQLite
//! store as the phone saves it (one immediate transaction, WAL, synchronous=FULL: the
//! save is on disk when it returns), on a note of 60 and of 1 500 characters, and a change
//! of state (which also logs the change). The desk waits for this before it shows a
//! change, so it is the time from a keystroke to "saved".
//!
//! Run: `cargo bench -p earshot-benches --bench desk_store` (uses the temporary folder's
//! disk; the figure is that disk's sync time).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use earshot_engine::desk::case::{Origin, Source};
use earshot_engine::desk::{
    CaseData, Channel, Direction, Interaction, InteractionId, State, WrapUpMode,
};
use earshot_store::{DeskStore, SqliteStore};

fn interaction() -> Interaction {
    Interaction {
        id: InteractionId(1),
        channel: Channel::Voice,
        direction: Direction::Inbound,
        contact: "sip:+15145550123@example.com".into(),
        contact_name: Some("Zoë Tremblay".into()),
        queue: Some("support".into()),
        call: Some(3),
        case: CaseData::build(
            &[
                Source::new(Origin::Caller, "caller", "+15145550123"),
                Source::new(Origin::Header, "Account-Id", "A-77 & Co"),
                Source::new(Origin::UserToUser, "User-to-User", "Order 42"),
            ],
            &[],
        ),
        state: State::WrapUp,
        held: false,
        disposition: Some("resolved".into()),
        note: String::new(),
        link: None,
        wrap_up: WrapUpMode::Mandatory,
        offered_ms: 1_796_468_400_000,
        accepted_ms: Some(1_796_468_402_000),
        ended_ms: Some(1_796_468_500_000),
        done_ms: None,
    }
}

fn saves(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("earshot-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = SqliteStore::open(&dir.join("desk.sqlite")).unwrap();
    let mut i = interaction();
    store.save_interaction(&i, 0).unwrap();
    let mut g = c.benchmark_group("desk store");
    for len in [60usize, 1500] {
        let text: String = "The customer wants the refund sent to the card ending 4242. "
            .chars()
            .cycle()
            .take(len)
            .collect();
        let mut at = 0u64;
        g.bench_function(format!("note keystroke, {len} characters"), |b| {
            b.iter(|| {
                at += 1;
                i.note.clone_from(&text);
                i.note.push(if at.is_multiple_of(2) { 'a' } else { 'b' });
                store.save_interaction(&i, at).unwrap();
            })
        });
    }
    let mut at = 1_000_000u64;
    g.bench_function("state change (logged)", |b| {
        b.iter(|| {
            at += 1;
            i.state = if at.is_multiple_of(2) { State::WrapUp } else { State::Active };
            store.save_interaction(&i, at).unwrap();
        })
    });
    g.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, saves);
criterion_main!(benches);
