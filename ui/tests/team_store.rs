//! The team store on the reference site: Kamailio routing a queue, a real PostgreSQL server
//! the test starts, two Earshot agents with `[store] url` on it, SIPp customers.
//!
//! One contact calls twice from one number written two ways (`sip:+442079460000@…` and
//! `sip:02079460000@…;user=phone`): the first call makes a contact (no name yet), the
//! second, taken by the other agent, finds it, with the first agent's disposition and
//! note among its recent interactions; each agent reads the other's in the contact's
//! history. Then PostgreSQL stops mid-shift: an agent takes and wraps up two calls, is
//! told the team store is offline with its writes waiting; PostgreSQL starts again: both
//! interactions arrive once each, in order, and their contacts are matched on delivery.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::site_phones::{site_agent, site_supervisor};
use common::{Headless, temp_dir};
use earshot_engine::desk::InteractionId;
use earshot_engine::store::{DeskStore, PostgresStore};
use earshot_tests::kamailio::{DeskSite, Site};
use earshot_tests::postgres::Postgres;
use earshot_tests::sipp_call_from;
use serde_json::Value;

fn agent(dir: &std::path::Path, user: &str, site: &Site, store: &str) -> Headless {
    let more = format!(
        "[directory]\ncountry = \"GB\"\n[store]\nurl = \"{store}\"\n\
         [desk]\noffer_timeout_s = 10\n\
         dispositions = [{{ code = \"resolved\", label = \"Resolved\" }}, \
         {{ code = \"callback\", label = \"Call back\" }}]\n\
         [desk.queues.support]\nlabel = \"Support\"\n"
    );
    site_agent(dir, user, site, &more)
}

/// A supervisor watching the agents through the site: an agent's state is known to the
/// site (and its queue) once the supervisor sees it.
fn supervisor(dir: &std::path::Path, site: &Site) -> Headless {
    site_supervisor(dir, site, "[monitoring]\nagents = [\"1001\", \"1002\"]\n")
}

/// `a` (agent `user`) goes to `want`, and the site knows it.
fn state(a: &mut Headless, sup: &mut Headless, user: &str, words: &str, want: &str) {
    a.send(&format!("state {words}"));
    a.wait_for(want, |e| e["event"] == "agent-state" && e["state"] == want);
    let from = sup.seen.len();
    let aor = format!("sip:{user}@earshot.test");
    let is = |e: &Value| e["event"] == "agent" && e["agent"] == aor.as_str() && e["state"] == want;
    let _ = sup.saw(|_| false);
    if !sup.seen.iter().skip(from.saturating_sub(1)).any(|(_, e)| is(e)) {
        sup.wait_for(&format!("{user} {want}"), is);
    }
}

fn offered(e: &Value) -> bool {
    e["event"] == "interaction" && e["state"] == "offered"
}

/// `a` takes the queue call from `caller`: accepted, the customer hangs up, wrapped up
/// with `code` and `note`; returns the interaction's id.
fn take_call(
    runtime: &tokio::runtime::Runtime,
    site: &Site,
    a: &mut Headless,
    caller: &str,
    code: &str,
    note: &str,
) -> u64 {
    let call = sipp_call_from("uac_queue_from.xml", "support", &site.addr.to_string(), caller);
    let (_, offer) = a.wait_for("the offer", offered);
    let id = offer["id"].as_u64().unwrap();
    a.send(&format!("accept {id}"));
    a.wait_for("wrap-up", |e| {
        e["event"] == "interaction" && e["id"] == id && e["state"] == "wrap-up"
    });
    let (code_out, out) = runtime.block_on(call.finish(30));
    assert_eq!(code_out, Some(0), "the customer reached the agent:\n{out}");
    a.send(&format!("dispose {id} {code}"));
    a.send(&format!("note {id} {note}"));
    a.send(&format!("done {id}"));
    a.wait_for("done", |e| e["event"] == "interaction" && e["id"] == id && e["state"] == "done");
    id
}

/// The `contact-matched` event of interaction `id`.
fn matched(a: &mut Headless, id: u64) -> Value {
    let (_, m) =
        a.saw_or_wait("its contact", |e| e["event"] == "contact-matched" && e["interaction"] == id);
    m
}

/// 1002 finds 1001 — enrolled in the team store by its phone, configured nowhere on 1002's —
/// with its live state from the site's presence server, follows its changes, and keeps it
/// as a favourite; calling a queue puts it first among the recent targets.
fn colleagues_from_the_team_store(a1: &mut Headless, a2: &mut Headless, sup: &mut Headless) {
    let colleague = "sip:1001@earshot.test";
    a2.send("search 1001");
    let (_, r) = a2.wait_for("results", |e| e["event"] == "results" && e["query"] == "1001");
    let hit = &r["items"][0];
    assert_eq!((hit["kind"].as_str(), hit["id"].as_str()), (Some("agent"), Some(colleague)), "{r}");
    assert_eq!(hit["detail"], "support", "its queues: {r}");
    let is = |want: &'static str| {
        move |e: &Value| e["event"] == "colleague" && e["agent"] == colleague && e["state"] == want
    };
    let (_, c) = a2.saw_or_wait("1001 not ready", is("not-ready"));
    assert_eq!(c["reason"], "Break", "{c}");
    state(a1, sup, "1001", "ready", "ready");
    a2.saw_or_wait("1001 ready", is("ready"));
    a2.send("search 1001");
    a2.wait_for("results with its state", |e| {
        e["event"] == "results" && e["items"][0]["state"] == "ready"
    });
    state(a1, sup, "1001", "not-ready Break", "not-ready");
    a2.saw_or_wait("1001 not ready again", is("not-ready"));

    a2.send(&format!("favourite {colleague}"));
    let (_, t) =
        a2.wait_for("targets", |e| e["event"] == "targets" && e["favourites"][0].is_object());
    let fav = &t["favourites"][0];
    assert_eq!((fav["kind"].as_str(), fav["id"].as_str()), (Some("agent"), Some(colleague)), "{t}");
    assert_eq!(fav["state"], "not-ready", "with its live state: {t}");
    a2.send("unfavourite sip:nobody@earshot.test");
    a2.wait_for("not a favourite", |e| {
        e["event"] == "error" && e["problem"]["code"] == "not-favourite"
    });
}

#[test]
fn two_agents_share_a_contacts_history_and_an_outage_of_the_team_store_loses_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let mut pg = Postgres::start("site");
    let site =
        runtime.block_on(Site::start_desk(DeskSite { queue_wait_s: 10, offer_timeout_ms: 10_000 }));
    let dir = temp_dir("team-store");
    let url = pg.url();
    let mut a1 = agent(&dir, "1001", &site, &url);
    let mut a2 = agent(&dir, "1002", &site, &url);
    let mut sup = supervisor(&dir, &site);
    for a in [&mut a1, &mut a2] {
        let (_, s) = a.saw_or_wait("team store", |e| e["event"] == "team-store");
        assert_eq!((s["online"].as_bool(), s["waiting"].as_u64()), (Some(true), Some(0)), "{s}");
    }

    // The first call, to 1001, from a number nobody knows: a contact without a name.
    state(&mut a1, &mut sup, "1001", "ready", "ready");
    let first = take_call(
        &runtime,
        &site,
        &mut a1,
        "sip:+442079460000@customer.example",
        "callback",
        "refund promised",
    );
    let m = matched(&mut a1, first);
    assert_eq!((m["new"].as_bool(), m["contact"]["name"].as_str()), (Some(true), Some("")), "{m}");
    assert_eq!(m["recent"].as_array().map(Vec::len), Some(0), "{m}");
    let contact = m["contact"]["id"].as_u64().unwrap();
    state(&mut a1, &mut sup, "1001", "not-ready Break", "not-ready");

    // The second, to 1002, from the same number written nationally: the same contact, with
    // 1001's call among its recent ones.
    state(&mut a2, &mut sup, "1002", "ready", "ready");
    let second = take_call(
        &runtime,
        &site,
        &mut a2,
        "sip:02079460000@customer.example;user=phone",
        "resolved",
        "refund sent",
    );
    let m = matched(&mut a2, second);
    assert_eq!(
        (m["new"].as_bool(), m["contact"]["id"].as_u64()),
        (Some(false), Some(contact)),
        "{m}"
    );
    let recent = &m["recent"][0];
    assert_eq!(recent["agent"], "sip:1001@earshot.test", "{m}");
    assert_eq!(
        (recent["disposition"].as_str(), recent["note"].as_str()),
        (Some("callback"), Some("refund promised"))
    );
    assert_eq!(recent["queue"], "support");
    state(&mut a2, &mut sup, "1002", "not-ready Break", "not-ready");

    // Each reads the other's in the contact's history, newest first.
    for a in [&mut a1, &mut a2] {
        a.send(&format!("contact-history {contact}"));
        let (_, h) = a.wait_for("history", |e| e["event"] == "contact-history");
        let items: Vec<(&str, &str, &str)> = h["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["agent"].as_str().unwrap(),
                    i["disposition"].as_str().unwrap_or(""),
                    i["note"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            items,
            [
                ("sip:1002@earshot.test", "resolved", "refund sent"),
                ("sip:1001@earshot.test", "callback", "refund promised")
            ]
        );
    }

    colleagues_from_the_team_store(&mut a1, &mut a2, &mut sup);

    // PostgreSQL stops mid-shift: 1001 takes and wraps up two calls.
    pg.stop();
    let before = a1.seen.len();
    state(&mut a1, &mut sup, "1001", "ready", "ready");
    let third = take_call(
        &runtime,
        &site,
        &mut a1,
        "sip:+442079460000@customer.example",
        "resolved",
        "offline one",
    );
    let fourth = take_call(
        &runtime,
        &site,
        &mut a1,
        "sip:+447700900123@customer.example",
        "callback",
        "offline two",
    );
    let _ = a1.saw(|_| false);
    let offline = a1
        .seen
        .iter()
        .skip(before)
        .find(|(_, e)| e["event"] == "team-store" && e["online"] == false);
    let (_, offline) = offline.cloned().unwrap_or_else(|| {
        a1.wait_for("offline", |e| e["event"] == "team-store" && e["online"] == false)
    });
    eprintln!("while PostgreSQL is stopped: {offline}");
    assert!(!a1.saw(|e| e["event"] == "contact-matched"
        && (e["interaction"] == third || e["interaction"] == fourth)));
    pg.start_again();
    let (_, back) = a1.wait_for("online again", |e| {
        e["event"] == "team-store" && e["online"] == true && e["waiting"] == 0
    });
    eprintln!("back: {back}");
    let m = matched(&mut a1, third);
    assert_eq!(
        (m["new"].as_bool(), m["contact"]["id"].as_u64()),
        (Some(false), Some(contact)),
        "{m}"
    );
    assert_eq!(m["recent"][0]["note"], "refund sent", "{m}");
    assert_eq!(matched(&mut a1, fourth)["new"], true);

    // In the team store: once each, in order, each state logged once.
    let mut team = PostgresStore::connect(&url, "sip:1001@earshot.test").unwrap();
    let ids: Vec<u64> = team.recent_interactions(10).unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(ids, [fourth, third, first]);
    for id in [third, fourth] {
        let states: Vec<String> =
            team.state_changes(InteractionId(id)).unwrap().into_iter().map(|(s, _)| s).collect();
        assert_eq!(states, ["offered", "active", "wrap-up", "done"], "interaction {id}");
        let i = team.interaction(InteractionId(id)).unwrap().unwrap();
        assert!(i.note.starts_with("offline"), "{i:?}");
    }
    for a in [a1, a2, sup] {
        a.quit();
    }
    drop(site);
    pg.stop();
    std::fs::remove_dir_all(&dir).ok();
}
