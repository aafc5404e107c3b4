//! Team Communicator's lists and colleagues in the phone core, on a virtual clock (phones
//! in memory, tests/net): a call, a consultation and a transfer put their targets first
//! among the recent ones, as the directory knows them; favourites come and go and are
//! kept in the store; a colleague a search shows is followed by a presence subscription,
//! and a phone that does not serve its presence to us (peer to peer, not a supervisor)
//! leaves its state unknown, not asked again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod net;

use std::time::Duration;

use earshot_directory::{Hit, KeptList, SiteAgent, TargetKind};
use earshot_phone::Effect;
use earshot_phone::api::{Command, Event};
use net::{Net, config};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The last `targets` event of phone `n`.
fn targets(net: &Net, n: usize) -> (Vec<Hit>, Vec<Hit>) {
    net.nodes[n]
        .events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Targets { favourites, recent } => Some((favourites.clone(), recent.clone())),
            _ => None,
        })
        .expect("a targets event")
}

fn kept(net: &Net, n: usize, list: KeptList) -> Vec<String> {
    net.nodes[n]
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::KeepTarget { list: l, target } if *l == list => Some(target.address.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn calls_and_transfers_are_recent_targets_and_favourites_are_kept() {
    let mut net = Net::new();
    let (a, b, c) = (net.add(config("alice")), net.add(config("bob")), net.add(config("carol")));
    let (start_favourites, start_recent) = targets(&net, a);
    assert!(start_favourites.is_empty() && start_recent.is_empty(), "told at start");
    // Carol is a colleague the site knows: the recent entry is her, by name.
    let carol = net.uri(c);
    let agent = SiteAgent { address: carol.clone(), name: "Carol Agent".into(), queues: vec![] };
    net.nodes[b].phone.site_known(std::slice::from_ref(&agent), &[]);

    let (_, bobs) = net.talk(a, b);
    let (_, recent) = targets(&net, a);
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].addresses, [net.uri(b)], "alice called bob");
    net.command(b, Command::Transfer { id: bobs, uri: carol.clone() });
    net.advance(ms(100));
    let (_, recent) = targets(&net, b);
    assert_eq!(recent[0].kind, TargetKind::Agent);
    assert_eq!((recent[0].id.as_str(), recent[0].name.as_str()), (carol.as_str(), "Carol Agent"));
    assert_eq!(kept(&net, b, KeptList::Recent), std::slice::from_ref(&carol));

    // A favourite, again (once in the list), then out of it.
    net.command(b, Command::Favourite { address: carol.clone() });
    net.command(b, Command::Favourite { address: "+44 20 7946 0000".into() });
    net.command(b, Command::Favourite { address: carol.clone() });
    let (favourites, _) = targets(&net, b);
    let names: Vec<&str> = favourites.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["Carol Agent", "+44 20 7946 0000"]);
    assert_eq!(kept(&net, b, KeptList::Favourite).len(), 3, "each kept in the store");
    net.command(b, Command::Unfavourite { address: carol.clone() });
    assert_eq!(targets(&net, b).0.len(), 1);
    assert!(net.nodes[b].effects.iter().any(|e| matches!(
        e,
        Effect::DropTarget { list: KeptList::Favourite, address } if *address == carol
    )));
    net.command(b, Command::Unfavourite { address: carol.clone() });
    assert_eq!(net.nodes[b].errors(), [format!("{carol} is not a favourite")]);
}

#[test]
fn a_colleague_shown_by_a_search_is_followed_and_a_refusal_is_not_asked_again() {
    let mut net = Net::new();
    let (a, b) = (net.add(config("alice")), net.add(config("bob")));
    let bob = net.uri(b);
    let agent = SiteAgent { address: bob.clone(), name: "Bob Agent".into(), queues: vec![] };
    net.nodes[a].phone.site_known(std::slice::from_ref(&agent), &[]);
    net.command(a, Command::Search { text: "bob".into() });
    net.advance(ms(100));
    // Bob's phone serves its presence only to its supervisors: 403, so unknown.
    let told: Vec<&Event> = net.nodes[a]
        .events
        .iter()
        .filter(|e| matches!(e, Event::Colleague { agent, .. } if *agent == bob))
        .collect();
    assert!(
        matches!(told.last(), Some(Event::Colleague { state: None, .. })),
        "refused, its state unknown: {told:?}"
    );
    let asked = told.len();
    net.advance(Duration::from_secs(60));
    net.command(a, Command::Search { text: "bob agent".into() });
    net.advance(ms(100));
    let again = net.nodes[a]
        .events
        .iter()
        .filter(|e| matches!(e, Event::Colleague { agent, .. } if *agent == bob))
        .count();
    assert_eq!(again, asked, "a refusal is not asked again");
}
