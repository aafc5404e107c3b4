//! Headless phones with accounts on the reference site (Kamailio from `deploy/`, started
//! on loopback): each registers with digest authentication, A calls B by its number
//! through the proxy and they hear each other; a wrong password is reported as a failed
//! registration and that phone carries on — until the password is corrected in the
//! settings, after which it registers and takes calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::{AGENT, CUSTOMER, Headless, heard, party_with, temp_dir};
use earshot_tests::kamailio::Site;
use earshot_tests::netns::Netns;

fn account(user: &str, password: &str, proxy: std::net::SocketAddr) -> String {
    format!(
        "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"{password}\"\n\
         outbound_proxy = \"{proxy}\"\nexpires = 300\n"
    )
}

#[test]
fn agents_register_and_call_each_other_by_number_through_the_site() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let dir = temp_dir("site");
    let registered =
        |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    let mut a = party_with(
        &dir,
        "alice",
        CUSTOMER,
        "en-gb",
        30.0,
        &account("1001", "agent-1001", site.addr),
        &[],
    );
    let mut b = party_with(
        &dir,
        "bob",
        AGENT,
        "en-us",
        30.0,
        &account("1002", "agent-1002", site.addr),
        &["--auto-answer"],
    );
    let mut wrong =
        party_with(&dir, "mallory", AGENT, "en-us", 5.0, &account("1003", "wrong", site.addr), &[]);
    a.phone.wait_for("registered", registered);
    b.phone.wait_for("registered", registered);
    assert_eq!(a.phone.uri, "sip:1001@earshot.test");
    let (_, failed) = wrong.phone.wait_for("failed", |e| e["event"] == "registration");
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["status"], 401, "{failed}");
    a.phone.send("call 1002");
    a.phone.wait_state(1, "active");
    let (_, incoming) = b.phone.wait_for("incoming", |e| e["event"] == "incoming-call");
    assert_eq!(incoming["from"], "sip:1001@earshot.test", "{incoming}");
    b.phone.wait_state(1, "active");
    let talking = Instant::now() + Duration::from_secs(1);
    std::thread::sleep(Duration::from_secs(4));
    a.phone.send("hangup 1");
    b.phone.wait_state(1, "ended");
    // The agent with the wrong password corrects it in the settings (the window sends
    // the same command): registered, callable by number, and the file keeps the account.
    wrong.phone.send(&format!(
        r#"{{"command":"set-account","account":{{"aor":"sip:1003@earshot.test","password":"agent-1003","outbound_proxy":"{}","expires":300}}}}"#,
        site.addr
    ));
    let (_, account) = wrong.phone.wait_for("account", |e| e["event"] == "account");
    assert_eq!(account["account"]["aor"], "sip:1003@earshot.test", "{account}");
    wrong.phone.wait_for("registered after the fix", registered);
    a.phone.send("call 1003");
    let (_, incoming) = wrong.phone.wait_for("incoming", |e| e["event"] == "incoming-call");
    assert_eq!(incoming["from"], "sip:1001@earshot.test", "{incoming}");
    a.phone.wait_for("1003 rings", |e| {
        e["event"] == "call-state" && e["id"] == 2 && e["state"] == "ringing"
    });
    a.phone.send("hangup 2");
    wrong.phone.wait_state(1, "ended");
    let saved = std::fs::read_to_string(dir.join("mallory.toml")).unwrap();
    let saved = earshot_engine::phone::Config::parse(&saved, &dir.join("mallory.toml")).unwrap();
    assert_eq!(saved.accounts.len(), 1, "{saved:?}");
    assert_eq!(saved.accounts[0].password, "agent-1003");
    wrong.phone.send("list");
    let (a, b, _) = (a.finish(), b.finish(), wrong.finish());
    let (ab, ba) = (heard(&b, &a, talking, 2.5), heard(&a, &b, talking, 2.5));
    eprintln!("through the site: B hears A {ab:.2}, A hears B {ba:.2}");
    // One voice heard alone: 0.6-1.0 (a start-up delay cut inside the window lowers it),
    // against 0.05 or less for speech not heard (see common::heard).
    assert!(ab > 0.5 && ba > 0.5, "each hears the other");
    drop(site);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// RFC 5626 keep-alives over TCP through the real site: Kamailio answers each CRLF ping
/// with a pong, so nothing fails while it runs; once the site is gone, the lost flow is
/// noticed (the connection closes; a silent one would miss its pong within 10 s) and the
/// phone says so and registers again (which then fails).
#[test]
fn a_tcp_registration_is_kept_alive_and_a_lost_site_is_noticed() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let dir = temp_dir("keepalive");
    let more = format!(
        "keepalive_s = 1\n[[accounts]]\naor = \"sip:1001@earshot.test\"\npassword = \"agent-1001\"\n\
         outbound_proxy = \"{}\"\ntransport = \"tcp\"\nexpires = 300\n",
        site.addr
    );
    let mut phone = Headless::start_with(&dir, "alice", r#"["PCMU"]"#, &more, &[]);
    phone.wait_for("registered", |e| e["event"] == "registration" && e["state"] == "registered");
    // A ping a second for 12 s: a pong missing from any of the first ones would have
    // failed the flow (10 s wait) by now.
    std::thread::sleep(Duration::from_secs(12));
    let failed = |e: &serde_json::Value| {
        e["event"] == "error"
            && e["message"].as_str().is_some_and(|m| m.contains("registering again"))
    };
    assert!(!phone.saw(failed), "a keep-alive failed while the site was up");
    let gone = Instant::now();
    drop(site);
    let (noticed, e) = phone.wait_for("the lost flow", failed);
    let took = noticed.duration_since(gone);
    assert!(e["message"].as_str().unwrap().contains("connection to the registrar closed"), "{e}");
    assert!(took <= Duration::from_secs(13), "noticed after {took:?}");
    phone.wait_for("registration failed", |e| {
        e["event"] == "registration" && e["state"] == "failed"
    });
    eprintln!("lost site noticed after {:.1} s", took.as_secs_f64());
    phone.quit();
}

/// The agent's network moves (its default route goes from one address to another and the
/// old address disappears, as when a laptop leaves Wi-Fi for a cable): within the route
/// check the phone says where it is now, registers its new Contact in place of the old,
/// and a customer's call through the site reaches it there. In a network namespace of the
/// test's own, so the machine's network is never touched.
#[test]
fn a_phone_whose_route_moves_registers_again_and_is_reached_at_the_new_address() {
    let netns = Netns::create("moving").unwrap_or_else(|e| panic!("{e}"));
    netns.ip(&["addr", "add", "10.1.0.2/32", "dev", "lo"]);
    netns.ip(&["addr", "add", "10.2.0.2/32", "dev", "lo"]);
    netns.ip(&["route", "add", "default", "dev", "lo", "src", "10.1.0.2"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start_in(Some(&netns)));
    let dir = temp_dir("moving");
    let registered =
        |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    // The agent's address follows the route (no `address` in its [sip]).
    let mut agent = Headless::start_in(
        Some(&netns),
        &dir,
        "agent",
        r#"["PCMU"]"#,
        &account("1002", "agent-1002", site.addr),
        &["--auto-answer"],
    );
    assert!(agent.listen.starts_with("10.1.0.2:"), "listens at {}", agent.listen);
    agent.wait_for("registered", registered);
    let customer = format!("address = \"127.0.0.1\"\n{}", account("1001", "agent-1001", site.addr));
    let mut caller =
        Headless::start_in(Some(&netns), &dir, "customer", r#"["PCMU"]"#, &customer, &[]);
    caller.wait_for("registered", registered);

    let moved = Instant::now();
    netns.ip(&["route", "replace", "default", "dev", "lo", "src", "10.2.0.2"]);
    netns.ip(&["addr", "del", "10.1.0.2/32", "dev", "lo"]);
    let (seen, ready) = agent.wait_for("the new address", |e| {
        e["event"] == "ready" && e["listen"].as_str().is_some_and(|l| l.starts_with("10.2.0.2:"))
    });
    assert_eq!(ready["uri"], "sip:1002@earshot.test", "{ready}");
    let (again, _) = agent.wait_for("registered again", registered);
    eprintln!(
        "route moved: new address seen after {:.1} s, registered after {:.1} s",
        seen.duration_since(moved).as_secs_f64(),
        again.duration_since(moved).as_secs_f64()
    );
    caller.send("call 1002");
    agent.wait_for("the call", |e| e["event"] == "incoming-call");
    agent.wait_state(1, "active");
    caller.wait_state(1, "active");
    caller.send("hangup 1");
    agent.wait_state(1, "ended");
    agent.quit();
    caller.quit();
    drop(site);
}
