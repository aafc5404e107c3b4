//! Team Communicator and contacts in the window (egui_kittest), over a real phone on a
//! team store (a real PostgreSQL server the test starts, holding a contact): typing
//! `mull` finds Jürgen Müller; his card opens and a name typed there is saved in the team
//! store; a call from his number (SIPp, written another way) shows his name and his
//! earlier interactions in the preview and beside the context; the team store stopped
//! shows "offline" with the writes waiting in the top bar, and the badge goes once it is
//! back and everything is delivered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::desk_window::{queue_agent, unnamed_controls, until, window};
use common::temp_dir;
use earshot_engine::desk::case::{Origin, Source};
use earshot_engine::desk::{
    CaseData, Channel, Direction, Interaction, InteractionId, State, WrapUpMode,
};
use earshot_engine::directory::{Contact, IdentityKind, Numbering, SiteAgent};
use earshot_engine::store::{ContactStore, DeskStore, PostgresStore, SiteStore};
use earshot_tests::postgres::Postgres;
use egui_kittest::kittest::Queryable;

/// An earlier call of another agent with the contact, wrapped up with a note.
fn earlier_call(team: &mut PostgresStore, contact: u64, at_ms: u64) {
    let i = Interaction {
        id: InteractionId(1),
        channel: Channel::Voice,
        direction: Direction::Inbound,
        contact: "+44 20 7946 0000".into(),
        contact_name: None,
        queue: Some("support".into()),
        call: Some(1),
        case: CaseData::build(&[Source::new(Origin::Header, "Account-Id", "A-981")], &[]),
        state: State::Done,
        held: false,
        disposition: Some("callback".into()),
        note: "refund promised by Friday".into(),
        link: None,
        wrap_up: WrapUpMode::Optional,
        offered_ms: at_ms,
        accepted_ms: Some(at_ms + 1_000),
        ended_ms: Some(at_ms + 90_000),
        done_ms: Some(at_ms + 95_000),
    };
    team.save_interaction(&i, at_ms).unwrap();
    team.link_interaction("sip:1002@earshot.test", InteractionId(1), contact).unwrap();
}

#[test]
fn team_communicator_contact_card_history_and_offline_badge_in_the_window() {
    let mut pg = Postgres::start("window");
    let n = Numbering::new("GB").unwrap();
    let mut team = PostgresStore::connect(&pg.url(), "sip:1002@earshot.test").unwrap();
    let muller = Contact::new("J. Müller")
        .with(IdentityKind::Phone, "+44 20 7946 0000")
        .with(IdentityKind::Email, "jm@example.de");
    let id = team.save_contact(&muller, &muller.keys(&n)).unwrap();
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            as u64;
    earlier_call(&mut team, id, now_ms - 2 * 86_400_000);
    // A colleague whose phone enrolled in the team store (and is not running now).
    let bob = SiteAgent {
        address: "sip:1002@earshot.test".into(),
        name: "Bob Builder".into(),
        queues: vec!["support".into()],
    };
    team.enrol(&bob, &[], now_ms).unwrap();

    let dir = temp_dir("team-window");
    let peers = tokio::runtime::Runtime::new().unwrap();
    let _enter = peers.enter();
    let mut config = queue_agent(&dir, "Support", Vec::new());
    config.directory.country = Some("GB".into());
    config.store.url = Some(pg.url());
    config.desk.dispositions = vec![earshot_engine::desk::wrap_up::Disposition {
        code: "callback".into(),
        label: "Call back".into(),
        group: String::new(),
        key: None,
    }];
    let mut harness = window(config, [460.0, 1200.0]);
    until(&mut harness, "the desk", |h| h.state().view.agent_state.is_some());
    until(&mut harness, "the team store", |h| h.state().view.team_store.is_some());

    // Ctrl+K, then `mull`: Müller among the contacts, with his organisation's or number.
    harness.key_press_modifiers(eframe::egui::Modifiers::CTRL, eframe::egui::Key::K);
    harness.run_steps(2);
    let field = harness.get_by_label("Search or dial");
    field.type_text("mull");
    until(&mut harness, "the results", |h| h.query_by_label("J. Müller").is_some());
    harness.get_by_label("Contacts");
    harness.get_by_label("Call J. Müller");
    let unnamed = unnamed_controls(&harness);
    assert!(unnamed.is_empty(), "controls without a name: {unnamed:?}");

    // Starred: a favourite, under the box once it is empty again, with the colleague the
    // team store knows found by name.
    harness.get_by_label("Add J. Müller to favourites").click();
    until(&mut harness, "the favourite", |h| {
        h.state().view.favourites.first().is_some_and(|f| f.name == "J. Müller")
    });
    harness.get_by_label("Search or dial").focus();
    harness.run_steps(1);
    for _ in "mull".chars() {
        harness.key_press(eframe::egui::Key::Backspace);
    }
    until(&mut harness, "favourites and recent", |h| {
        h.query_by_label("Favourites and recent").is_some()
    });
    harness.get_by_label("Favourites");
    harness.get_by_label("Remove J. Müller from favourites");
    harness.get_by_label("Search or dial").type_text("bob");
    until(&mut harness, "the colleague", |h| h.query_by_label("Bob Builder").is_some());
    harness.get_by_label("Agents");
    harness.get_by_label("Call Bob Builder");
    harness.get_by_label("Search or dial").focus();
    harness.run_steps(1);
    for _ in "bob".chars() {
        harness.key_press(eframe::egui::Key::Backspace);
    }
    harness.run_steps(2);

    // His card; named properly there, and the team store has it.
    harness.get_by_label("Card of J. Müller").click();
    until(&mut harness, "the card", |h| h.query_by_label("Contact's name").is_some());
    until(&mut harness, "his identities", |h| h.query_by_label("jm@example.de").is_some());
    until(&mut harness, "his history", |h| {
        h.query_by_label_contains("refund promised by Friday").is_some()
    });
    // An earlier interaction opens onto its case data.
    assert!(harness.query_by_label("A-981").is_none());
    harness.get_by_label_contains("· Call · 1002").click();
    until(&mut harness, "its case data", |h| h.query_by_label("A-981").is_some());
    harness.get_by_label("Contact's name").focus();
    harness.run_steps(1);
    for _ in "J. Müller".chars() {
        harness.key_press(eframe::egui::Key::Backspace);
    }
    harness.get_by_label("Contact's name").type_text("Jürgen Müller");
    harness.run_steps(2);
    harness.get_by_label("Save").click();
    until(&mut harness, "the name saved", |h| {
        h.state().view.contact.as_ref().is_some_and(|c| c.name == "Jürgen Müller")
    });
    assert_eq!(team.contact(id).unwrap().unwrap().name, "Jürgen Müller");
    harness.get_by_label("Close").click();
    harness.run_steps(2);

    // He calls from his number written nationally: his name and his history, at a glance.
    harness.key_press_modifiers(
        eframe::egui::Modifiers::CTRL | eframe::egui::Modifiers::SHIFT,
        eframe::egui::Key::R,
    );
    until(&mut harness, "Ready", |h| {
        h.state().view.agent_state.as_ref().is_some_and(|s| s.state == "ready")
    });
    let listen = harness.state().view.uri.clone();
    let target = listen.trim_start_matches("sip:").split('@').nth(1).unwrap().to_owned();
    let call = earshot_tests::sipp_call_from(
        "uac_queue_from.xml",
        "support",
        &target,
        "sip:02079460000@customer.example;user=phone",
    );
    until(&mut harness, "the preview", |h| h.query_by_label("Accept").is_some());
    until(&mut harness, "his name", |h| {
        h.query_by_label_contains("Incoming call from Jürgen Müller").is_some()
    });
    // In the preview, and beside the context of the interaction selected.
    until(&mut harness, "the glance", |h| {
        h.query_all_by_label_contains(
            "1 earlier interaction this week · last: Support — Call back: refund promised by Friday",
        )
        .count()
            == 2
    });

    // The team store stops: accepting is written locally and waits; the top bar says so.
    pg.stop();
    harness.get_by_label("Accept").click();
    until(&mut harness, "offline", |h| h.query_by_label_contains("Team store offline").is_some());
    until(&mut harness, "history beside the context", |h| {
        h.query_by_label("Earlier with this contact").is_some()
    });
    let (code, out) = peers.block_on(call.finish(30));
    assert_eq!(code, Some(0), "the customer's call went through:\n{out}");
    pg.start_again();
    until(&mut harness, "back online", |h| {
        h.state().view.team_store.as_ref().is_some_and(|s| s.online && s.waiting == 0)
    });
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("Team store offline").is_none());
    // What the agent did meanwhile is in the team store, linked to Müller.
    let agent = harness.state().view.uri.clone();
    let mut mine = PostgresStore::connect(&pg.url(), &agent).unwrap();
    let arrived = mine.interaction(InteractionId(1)).unwrap().expect("the call, delivered");
    assert_eq!(arrived.state, State::WrapUp, "{arrived:?}");
    let history = mine.contact_history(id, None, 10).unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].agent, agent);
    harness.state().quit();
    std::fs::remove_dir_all(&dir).ok();
}
