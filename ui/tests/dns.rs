//! Servers found by DNS (RFC 3263): the site `earshot.test` is published by a DNS server on
//! loopback (dnsmasq) with a NAPTR record pointing to `_sip._udp.earshot.test`, whose SRV
//! records name two Kamailio instances — the preferred one stopped. Phones whose accounts
//! name only the domain register through the other, and call each other by number through
//! it; the failover time is printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Instant;

use common::{Headless, temp_dir};
use earshot_tests::dns::Dns;
use earshot_tests::kamailio::Site;

fn account(user: &str, dns: std::net::SocketAddr) -> String {
    format!(
        "dns_servers = [\"{dns}\"]\n\n[[accounts]]\naor = \"sip:{user}@earshot.test\"\n\
         password = \"agent-{user}\"\nexpires = 300\n"
    )
}

#[test]
fn phones_register_and_call_through_the_second_server_when_the_first_is_down() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let stopped = runtime.block_on(Site::start());
    let up = runtime.block_on(Site::start());
    let dns = runtime.block_on(Dns::start(&[
        "--naptr-record=earshot.test,10,10,S,SIP+D2U,,_sip._udp.earshot.test".into(),
        format!(
            "--srv-host=_sip._udp.earshot.test,sip1.earshot.test,{},10,50",
            stopped.addr.port()
        ),
        format!("--srv-host=_sip._udp.earshot.test,sip2.earshot.test,{},20,50", up.addr.port()),
        "--host-record=sip1.earshot.test,127.0.0.1".into(),
        "--host-record=sip2.earshot.test,127.0.0.1".into(),
    ]));
    drop(stopped);
    let dir = temp_dir("dns");
    let registered =
        |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    let started = Instant::now();
    let mut a = Headless::start_with(&dir, "alice", r#"["PCMU"]"#, &account("1001", dns.addr), &[]);
    let mut b = Headless::start_with(
        &dir,
        "bob",
        r#"["PCMU"]"#,
        &account("1002", dns.addr),
        &["--auto-answer"],
    );
    let (at, _) = a.wait_for("registered through the second server", registered);
    b.wait_for("registered", registered);
    let failover = at.duration_since(started).as_secs_f64();
    // The call goes to the server that answered last (the stopped one is tried last now).
    let dialled = Instant::now();
    a.send("call 1002");
    let (_, incoming) = b.wait_for("the call through the site", |e| e["event"] == "incoming-call");
    assert_eq!(incoming["from"], "sip:1001@earshot.test", "{incoming}");
    let answered = a.wait_state(1, "active");
    eprintln!(
        "DNS failover: registered through the second server {failover:.2} s after start; \
         a call by number answered {:.2} s after it was dialled",
        answered.duration_since(dialled).as_secs_f64()
    );
    assert!(failover < 8.0, "failover took {failover:.2} s");
    a.send("hangup 1");
    b.wait_state(1, "ended");
    a.quit();
    b.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}
