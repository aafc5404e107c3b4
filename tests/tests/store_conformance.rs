//! The store's conformance suite: what every backend (`DeskStore` and `ContactStore`) must
//! do — interactions saved and read back with their states logged once each, open and
//! recent ones found, contacts with their identity keys, merges, and a contact's history
//! across agents, newest first and paged. The same suite runs on the embedded SQLite file
//! and on a real PostgreSQL server the test starts (two agents sharing it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_engine::desk::case::{Origin, Source};
use earshot_engine::desk::{
    AgentState, AgentStatus, CaseData, Channel, Direction, Interaction, InteractionId, Link,
    LinkKind, State, WrapUpMode,
};
use earshot_engine::directory::{
    Contact, IdentityKind, KeptList, KeptTarget, Numbering, RECENT_KEPT, SiteAgent, SiteQueue,
    TargetKind,
};
use earshot_engine::store::{
    ChatLine, ChatStore, ContactStore, DeskStore, PostgresStore, SiteStore, SqliteStore, TeamStore,
};
use earshot_tests::postgres::Postgres;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("earshot-contacts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn interaction(
    id: u64,
    contact: &str,
    offered_ms: u64,
    disposition: &str,
    note: &str,
) -> Interaction {
    Interaction {
        id: InteractionId(id),
        channel: Channel::Voice,
        direction: Direction::Inbound,
        contact: contact.into(),
        contact_name: None,
        queue: Some("billing".into()),
        call: Some(id),
        case: CaseData::default(),
        state: State::Done,
        held: false,
        disposition: Some(disposition.into()),
        note: note.into(),
        link: None,
        wrap_up: WrapUpMode::Optional,
        offered_ms,
        accepted_ms: Some(offered_ms + 2_000),
        ended_ms: Some(offered_ms + 62_000),
        done_ms: Some(offered_ms + 70_000),
    }
}

/// The desk's part of the suite: any backend, fresh.
fn desk_conformance<S: DeskStore>(store: &mut S) {
    assert_eq!(store.next_interaction_id().unwrap(), 1);
    let mut i = interaction(7, "sip:+15145550123@example.com", 1_796_468_400_000, "", "");
    i.state = State::Offered;
    i.disposition = None;
    i.accepted_ms = None;
    i.ended_ms = None;
    i.done_ms = None;
    i.contact_name = Some("Zoë Tremblay".into());
    i.link = Some(Link { kind: LinkKind::Consultation, parent: InteractionId(1) });
    i.case = CaseData::build(
        &[
            Source::new(Origin::Caller, "caller", "+15145550123"),
            Source::new(Origin::Header, "Account-Id", "A-77 & \"quoted\""),
        ],
        &[],
    );
    store.save_interaction(&i, 10).unwrap();
    assert_eq!(store.interaction(InteractionId(7)).unwrap().as_ref(), Some(&i));
    assert_eq!(store.next_interaction_id().unwrap(), 8);
    // Typed as it goes: saves without a change of state log nothing new.
    i.state = State::Active;
    i.accepted_ms = Some(1_796_468_402_000);
    store.save_interaction(&i, 20).unwrap();
    i.note = "refund promised".into();
    store.save_interaction(&i, 21).unwrap();
    i.state = State::WrapUp;
    store.save_interaction(&i, 30).unwrap();
    assert_eq!(store.interaction(InteractionId(7)).unwrap().unwrap().note, "refund promised");
    let states = store.state_changes(InteractionId(7)).unwrap();
    assert_eq!(states, [("offered".into(), 10), ("active".into(), 20), ("wrap-up".into(), 30)]);
    let mut done = interaction(8, "sip:b@example.com", 1_796_468_500_000, "resolved", "");
    done.state = State::Done;
    store.save_interaction(&done, 40).unwrap();
    let open: Vec<u64> = store.open_interactions().unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(open, [7]);
    let recent: Vec<u64> = store.recent_interactions(5).unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(recent, [8, 7]);
    assert_eq!(store.interaction(InteractionId(99)).unwrap(), None);
    let status = AgentStatus { state: AgentState::Ready, since_ms: 50, next: None, busy: false };
    store.save_agent_state("sip:agent@site", &status).unwrap();
}

/// The directory's part of the suite: any backend, with no contacts yet.
fn contact_conformance<S: DeskStore + ContactStore>(store: &mut S) {
    let n = Numbering::new("GB").unwrap();
    // A contact saved, read back, found by any of its identities' keys.
    let muller = Contact::new("Jürgen Müller")
        .with(IdentityKind::Phone, "+44 20 7946 0000")
        .with(IdentityKind::Email, "JM@Example.de");
    let id = store.save_contact(&muller, &muller.keys(&n)).unwrap();
    assert!(id > 0);
    let back = store.contact(id).unwrap().unwrap();
    assert_eq!(back, Contact { id, ..muller.clone() });
    for address in ["020 7946 0000", "sip:+442079460000@site", "JM@example.DE"] {
        let (_, key) = n.identify(address).unwrap();
        assert_eq!(store.contact_by_key(&key).unwrap(), Some(id), "{address}");
    }
    assert_eq!(store.contact_by_key("tel:+15145550199").unwrap(), None);
    assert_eq!(store.contact(id + 1000).unwrap(), None);

    // Changed: its keys change with it.
    let mut changed = back.clone();
    changed.identities.retain(|i| i.kind != IdentityKind::Email);
    changed.fields.insert("Segment".into(), "gold".into());
    assert_eq!(store.save_contact(&changed, &changed.keys(&n)).unwrap(), id);
    assert_eq!(store.contact_by_key("mailto:JM@example.de").unwrap(), None);
    assert_eq!(store.contact(id).unwrap().unwrap().fields["Segment"], "gold");

    // Two interactions with it, by two of its numbers' formats; one with someone else.
    let mut with_case =
        interaction(11, "sip:+442079460000@site", 1_000_000, "resolved", "refund promised");
    with_case.case =
        CaseData::build(&[Source::new(Origin::Header, "Account-Id", "A-77 & Co")], &[]);
    store.save_interaction(&with_case, 1).unwrap();
    store
        .save_interaction(
            &interaction(12, "020 7946 0000", 2_000_000, "callback", "call back Friday"),
            2,
        )
        .unwrap();
    store
        .save_interaction(&interaction(13, "sip:other@site", 3_000_000, "resolved", ""), 3)
        .unwrap();
    store.link_interaction(AGENT, InteractionId(11), id).unwrap();
    store.link_interaction(AGENT, InteractionId(12), id).unwrap();
    // A later save of the interaction (its note edited) keeps the link.
    let mut edited =
        interaction(12, "020 7946 0000", 2_000_000, "callback", "call back Friday 3 pm");
    edited.state = State::Done;
    store.save_interaction(&edited, 4).unwrap();
    let history = store.contact_history(id, None, 10).unwrap();
    let seen: Vec<(u64, &str, &str)> = history
        .iter()
        .map(|h| (h.agent_interaction, h.disposition.as_deref().unwrap_or(""), h.note.as_str()))
        .collect();
    assert_eq!(
        seen,
        [(12, "callback", "call back Friday 3 pm"), (11, "resolved", "refund promised")]
    );
    let first = &history[1];
    assert_eq!(
        (first.agent.as_str(), first.channel.as_str(), first.queue.as_deref()),
        (AGENT, "voice", Some("billing"))
    );
    assert_eq!((first.started_ms, first.duration_ms), (1_000_000, Some(60_000)));
    // Its case data comes with it, to read without opening it elsewhere.
    let case: Vec<(&str, &str)> =
        first.case.iter().map(|f| (f.label.as_str(), f.value.as_str())).collect();
    assert_eq!(case, [("Account-Id", "A-77 & Co")]);
    // Paged: one at a time, older than the last seen.
    let page = store.contact_history(id, None, 1).unwrap();
    assert_eq!(page.len(), 1);
    let next = store.contact_history(id, Some(page[0].started_ms), 1).unwrap();
    assert_eq!(next[0].agent_interaction, 11);
    assert!(store.contact_history(id, Some(next[0].started_ms), 1).unwrap().is_empty());

    // A second contact made from an unknown number, merged into the first.
    let unknown = Contact::new("").with(IdentityKind::Phone, "07700 900123");
    let other = store.save_contact(&unknown, &unknown.keys(&n)).unwrap();
    assert_ne!(other, id);
    store.link_interaction(AGENT, InteractionId(13), other).unwrap();
    let mut merged = store.contact(id).unwrap().unwrap();
    merged.absorb(&store.contact(other).unwrap().unwrap());
    store.merge_contacts(id, other, &merged, &merged.keys(&n)).unwrap();
    assert_eq!(store.contact(other).unwrap(), None);
    let (_, key) = n.identify("07700 900123").unwrap();
    assert_eq!(store.contact_by_key(&key).unwrap(), Some(id));
    assert_eq!(store.contact_history(id, None, 10).unwrap().len(), 3);
    let all = store.contacts().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].identities.len(), 2);

    // Interactions matched as they come: a known number in yet another format finds the
    // contact; an unknown address makes a contact without a name, found again next time.
    store.save_interaction(&interaction(14, "tel:+44-20-7946-0000", 5_000_000, "", ""), 6).unwrap();
    let (identity, key) = n.identify("tel:+44-20-7946-0000").unwrap();
    let (found, new) =
        store.match_interaction(AGENT, InteractionId(14), &identity, &[key]).unwrap();
    assert_eq!((found.id, new), (id, false));
    assert_eq!(store.contact_history(id, None, 1).unwrap()[0].agent_interaction, 14);
    for (i, at) in [(15, 6_000_000), (16, 7_000_000)] {
        store.save_interaction(&interaction(i, "sip:New.Caller@Site", at, "", ""), 7).unwrap();
    }
    let (identity, key) = n.identify("sip:New.Caller@Site").unwrap();
    let keys = [key];
    let (made, new) = store.match_interaction(AGENT, InteractionId(15), &identity, &keys).unwrap();
    assert!(new && made.name.is_empty() && made.id != id, "{made:?}");
    assert_eq!(made.identities, std::slice::from_ref(&identity));
    let (again, new) = store.match_interaction(AGENT, InteractionId(16), &identity, &keys).unwrap();
    assert_eq!((again.id, new), (made.id, false));
    let history: Vec<u64> = store
        .contact_history(made.id, None, 10)
        .unwrap()
        .iter()
        .map(|h| h.agent_interaction)
        .collect();
    assert_eq!(history, [16, 15]);
}

const AGENT: &str = "sip:agent@site";

fn site_agent(address: &str, name: &str, queues: &[&str]) -> SiteAgent {
    SiteAgent {
        address: address.into(),
        name: name.into(),
        queues: queues.iter().map(|q| (*q).to_owned()).collect(),
    }
}

fn kept(address: &str, kind: Option<TargetKind>, name: &str, at_ms: u64) -> KeptTarget {
    KeptTarget { address: address.into(), kind, id: address.into(), name: name.into(), at_ms }
}

/// The site's agents and queues as phones enrol them, and an agent's favourites and
/// targets reached lately.
fn site_conformance<S: SiteStore>(store: &mut S) {
    let support = SiteQueue { name: "support".into(), label: "Support".into() };
    store
        .enrol(&site_agent(AGENT, "Alice Agent", &["support"]), std::slice::from_ref(&support), 1)
        .unwrap();
    let billing = SiteQueue { name: "billing".into(), label: "Billing".into() };
    let bob = site_agent("sip:bob@site", "Bob Builder", &["billing", "support"]);
    store.enrol(&bob, &[billing.clone(), support.clone()], 2).unwrap();
    // Enrolling again replaces the agent's name and queues, and a queue's label.
    let renamed = SiteQueue { name: "support".into(), label: "Customer support".into() };
    let alice = site_agent(AGENT, "Alice Q. Agent", &["support", "billing"]);
    store.enrol(&alice, std::slice::from_ref(&renamed), 3).unwrap();
    let (agents, queues) = store.site().unwrap();
    assert_eq!(agents, [alice, bob]);
    assert_eq!(queues, [billing, renamed]);

    // Favourites: newest first, again updates, dropped once; each agent has its own.
    let fav = KeptList::Favourite;
    store
        .keep_target(AGENT, fav, &kept("sip:bob@site", Some(TargetKind::Agent), "Bob", 10))
        .unwrap();
    store
        .keep_target(AGENT, fav, &kept("support", Some(TargetKind::Queue), "Support", 11))
        .unwrap();
    store.keep_target(AGENT, fav, &kept("+442079460000", None, "", 12)).unwrap();
    store
        .keep_target(AGENT, fav, &kept("sip:bob@site", Some(TargetKind::Agent), "Bob B", 13))
        .unwrap();
    let list = store.kept_targets(AGENT, fav).unwrap();
    let addresses: Vec<&str> = list.iter().map(|k| k.address.as_str()).collect();
    assert_eq!(addresses, ["sip:bob@site", "+442079460000", "support"]);
    assert_eq!(list[0], kept("sip:bob@site", Some(TargetKind::Agent), "Bob B", 13));
    assert_eq!(list[1].kind, None);
    assert!(store.drop_target(AGENT, fav, "support").unwrap());
    assert!(!store.drop_target(AGENT, fav, "support").unwrap());
    assert_eq!(store.kept_targets(AGENT, fav).unwrap().len(), 2);
    assert!(store.kept_targets("sip:bob@site", fav).unwrap().is_empty());
    assert!(store.kept_targets(AGENT, KeptList::Recent).unwrap().is_empty());

    // Recent targets: the newest RECENT_KEPT, one entry per address.
    for n in 0..RECENT_KEPT as u64 + 5 {
        let t = kept(&format!("sip:{}@site", n % (RECENT_KEPT as u64 + 3)), None, "", 100 + n);
        store.keep_target(AGENT, KeptList::Recent, &t).unwrap();
    }
    let recent = store.kept_targets(AGENT, KeptList::Recent).unwrap();
    assert_eq!(recent.len(), RECENT_KEPT);
    assert_eq!(recent[0].address, "sip:1@site");
    assert_eq!(recent[0].at_ms, 100 + RECENT_KEPT as u64 + 4);
    assert!(recent.windows(2).all(|w| w[0].at_ms > w[1].at_ms));
    assert_eq!(store.kept_targets(AGENT, fav).unwrap().len(), 2, "favourites untouched");
}

fn line(id: &str, text: &str, outgoing: bool, delivery: &str) -> ChatLine {
    ChatLine {
        id: id.into(),
        from: if outgoing { AGENT.into() } else { "sip:ann@customer.example".into() },
        text: text.into(),
        sent_ms: 1_800_000_000_000,
        outgoing,
        delivery: delivery.into(),
    }
}

/// Chat transcripts: lines kept in the order first saved, a line saved again (its delivery
/// moved) updated in place, any text kept byte for byte, each chat apart.
fn chat_conformance<S: ChatStore>(store: &mut S) {
    let hello = "Hello 👋 — مرحبا <b>now</b>\n\u{1b}[31m  two  spaces";
    store.save_chat_line(InteractionId(7), &line("in-1", hello, false, "delivered")).unwrap();
    store.save_chat_line(InteractionId(7), &line("out-1-5", "On it", true, "sending")).unwrap();
    store
        .save_chat_line(InteractionId(8), &line("in-1", "other chat", false, "delivered"))
        .unwrap();
    store.save_chat_line(InteractionId(7), &line("out-1-5", "On it", true, "read")).unwrap();
    let failed = line("out-2-9", "too late", true, "failed: 480 Temporarily Unavailable");
    store.save_chat_line(InteractionId(7), &failed).unwrap();
    let got = store.chat_lines(AGENT, InteractionId(7)).unwrap();
    assert_eq!(
        got,
        [line("in-1", hello, false, "delivered"), line("out-1-5", "On it", true, "read"), failed]
    );
    assert_eq!(store.chat_lines(AGENT, InteractionId(8)).unwrap().len(), 1);
    assert!(store.chat_lines(AGENT, InteractionId(99)).unwrap().is_empty());
}

#[test]
fn sqlite_passes_the_store_suite() {
    let dir = temp_dir("suite");
    let mut store = SqliteStore::open(&dir.join("desk.sqlite")).unwrap();
    desk_conformance(&mut store);
    contact_conformance(&mut store);
    site_conformance(&mut store);
    chat_conformance(&mut store);
    // And it is all still there after reopening.
    drop(store);
    let mut again = SqliteStore::open(&dir.join("desk.sqlite")).unwrap();
    assert_eq!(again.contacts().unwrap().len(), 2);
    assert_eq!(again.site().unwrap().0.len(), 2);
    assert_eq!(again.kept_targets(AGENT, KeptList::Favourite).unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

/// On PostgreSQL: the same suite; a second agent on the same database has interactions of
/// its own numbered from 1 and sees the first agent's in the contact's history.
#[test]
fn postgresql_passes_the_store_suite() {
    let pg = Postgres::start("suite");
    let mut store = PostgresStore::connect(&pg.url(), AGENT).unwrap();
    desk_conformance(&mut store);
    contact_conformance(&mut store);
    site_conformance(&mut store);
    chat_conformance(&mut store);
    let mut other = PostgresStore::connect(&pg.url(), "sip:other-agent@site").unwrap();
    assert_eq!(other.next_interaction_id().unwrap(), 1, "each agent numbers its own");
    assert!(other.open_interactions().unwrap().is_empty());
    let contact = other.contacts().unwrap()[0].id;
    other
        .save_interaction(
            &interaction(1, "020 7946 0000", 4_000_000, "resolved", "second agent"),
            5,
        )
        .unwrap();
    other.link_interaction("sip:other-agent@site", InteractionId(1), contact).unwrap();
    let history = store.contact_history(contact, None, 10).unwrap();
    let agents: Vec<&str> = history.iter().map(|h| h.agent.as_str()).collect();
    assert_eq!(agents, [AGENT, "sip:other-agent@site", AGENT, AGENT, AGENT]);
    assert_eq!(history[1].note, "second agent");
    // The second agent sees the site the first enrolled, and the first agent's chats.
    assert_eq!(other.site().unwrap().0.len(), 2);
    assert_eq!(other.chat_lines(AGENT, InteractionId(7)).unwrap().len(), 3);
    assert!(other.chat_lines("sip:other-agent@site", InteractionId(7)).unwrap().is_empty());
    // A third connection migrating an up-to-date schema changes nothing.
    drop(PostgresStore::connect(&pg.url(), AGENT).unwrap());
    assert_eq!(store.recent_interactions(10).unwrap().len(), 8);
}

/// A phone on the team store (its SQLite file and outbox in front of PostgreSQL): the same
/// suite, and everything it wrote is in the team store, each state logged once.
#[test]
fn a_phone_on_the_team_store_passes_the_store_suite() {
    let pg = Postgres::start("team-suite");
    let dir = temp_dir("team-suite");
    let mut store = TeamStore::open(&dir.join("desk.sqlite"), &pg.url(), AGENT).unwrap();
    assert!(store.is_online());
    desk_conformance(&mut store);
    contact_conformance(&mut store);
    site_conformance(&mut store);
    chat_conformance(&mut store);
    let round = store.deliver().unwrap();
    assert!(round.online && round.waiting == 0, "{round:?}");
    let mut team = PostgresStore::connect(&pg.url(), AGENT).unwrap();
    assert_eq!(team.recent_interactions(10).unwrap().len(), 8);
    let states = team.state_changes(InteractionId(7)).unwrap();
    assert_eq!(states, [("offered".into(), 10), ("active".into(), 20), ("wrap-up".into(), 30)]);
    assert_eq!(team.interaction(InteractionId(7)).unwrap().unwrap().note, "refund promised");
    // The transcript went through the outbox, each line as last saved.
    let lines = team.chat_lines(AGENT, InteractionId(7)).unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1].delivery, "read");
    // The site is the team's; kept targets stay on this desk.
    assert_eq!(team.site().unwrap().0.len(), 2);
    assert!(team.kept_targets(AGENT, KeptList::Favourite).unwrap().is_empty());
    drop(store);
    std::fs::remove_dir_all(&dir).ok();
}
