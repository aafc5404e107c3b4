//! Supervisor monitoring through the reference site (Kamailio from `deploy/`, on
//! loopback). The team view: the agent shows its calls (dialog event package, RFC 4235) to
//! its supervisor's phone — authenticated by the proxy, which asserts the identity (RFC
//! 3325) — and to nobody else: another authenticated user's phone is refused (403), and so
//! is a SUBSCRIBE sent straight to the agent with a forged P-Asserted-Identity; each
//! refusal is a `security` event. An agent not registered shows offline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::{Headless, temp_dir};
use earshot_sip::event_package::dialog_info::CONTENT_TYPE;
use earshot_tests::kamailio::Site;

fn account(user: &str, proxy: std::net::SocketAddr) -> String {
    account_with(user, &format!("agent-{user}"), proxy)
}

fn account_with(user: &str, password: &str, proxy: std::net::SocketAddr) -> String {
    format!(
        "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"{password}\"\n\
         outbound_proxy = \"{proxy}\"\nexpires = 300\n"
    )
}

#[test]
fn the_agent_shows_its_calls_to_its_supervisor_and_to_nobody_else() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let dir = temp_dir("watch");
    let registered =
        |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    let monitoring = "[monitoring]\nsupervisors = [\"sip:2001@earshot.test\"]\n\
                      trusted_proxies = [\"127.0.0.1\"]\n";
    let heard = dir.join("agent-heard.wav");
    let mut agent = Headless::start_with(
        &dir,
        "agent",
        r#"["PCMU"]"#,
        &format!("{}{monitoring}", account("1001", site.addr)),
        &["--auto-answer", "--audio-out", heard.to_str().unwrap()],
    );
    let customer_heard = dir.join("customer-heard.wav");
    let mut customer = Headless::start_with(
        &dir,
        "customer",
        r#"["PCMU"]"#,
        &account("1002", site.addr),
        &["--audio-out", customer_heard.to_str().unwrap()],
    );
    agent.wait_for("registered", registered);
    customer.wait_for("registered", registered);

    // The supervisor's phone follows agent 1001 from the start (its team): accepted
    // through the site, and told of no calls yet.
    let mut supervisor = Headless::start_with(
        &dir,
        "supervisor",
        r#"["PCMU"]"#,
        &format!(
            "{}[monitoring]\nagents = [\"1001\"]\n",
            account_with("2001", "supervisor-2001", site.addr)
        ),
        &["--audio-out", dir.join("supervisor-heard.wav").to_str().unwrap()],
    );
    let agent_event = |e: &serde_json::Value| e["event"] == "agent";
    let (_, online) = supervisor.wait_for("agent online", agent_event);
    eprintln!("{online}");
    assert_eq!(online["agent"], "sip:1001@earshot.test", "{online}");
    assert_eq!(online["presence"], "online", "{online}");
    assert_eq!(online["calls"].as_array().map(Vec::len), Some(0), "{online}");

    // A call comes in and is answered: the supervisor sees it confirmed, with the
    // dialog's identifiers (what a monitoring INVITE's Join names).
    customer.send("call 1001");
    let (_, busy) = supervisor
        .wait_for("the agent's call", |e| agent_event(e) && e["calls"][0]["state"] == "confirmed");
    eprintln!("{busy}");
    let call = &busy["calls"][0];
    assert_eq!(call["incoming"], true, "the agent was called: {busy}");
    assert!(call["remote"].as_str().unwrap().contains("1002"), "{busy}");
    assert!(call["call_id"].is_string() && call["local_tag"].is_string(), "{busy}");
    assert!(call["remote_tag"].is_string(), "{busy}");

    // The call ends: no calls left.
    customer.send("hangup 1");
    supervisor.wait_for("the call gone", |e| {
        agent_event(e) && e["calls"].as_array().is_some_and(Vec::is_empty)
    });

    // Another agent, authenticated by the site but no supervisor of 1001: refused (403).
    let mut other = Headless::start_with(
        &dir,
        "other",
        r#"["PCMU"]"#,
        &account("1003", site.addr),
        &["--audio-out", dir.join("other-heard.wav").to_str().unwrap()],
    );
    other.wait_for("registered", registered);
    other.send("watch 1001");
    let (_, refused) = other.wait_for("refused", agent_event);
    eprintln!("1003 watching 1001: {refused}");
    assert_eq!(refused["presence"], "refused", "{refused}");
    let (_, refused) = agent.wait_for("security event", |e| e["event"] == "security");
    eprintln!("{refused}");
    assert!(refused["message"].as_str().unwrap().contains("sip:1003@earshot.test"), "{refused}");

    // An agent not registered shows offline.
    supervisor.send("watch 1003-nobody");
    let (_, offline) = supervisor
        .wait_for("offline", |e| agent_event(e) && e["agent"] == "sip:1003-nobody@earshot.test");
    assert_eq!(offline["presence"], "offline", "{offline}");

    // Straight to the agent, from another address, claiming to be the supervisor.
    let spoofer = UdpSocket::bind("127.0.0.2:0").unwrap();
    spoofer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let me = spoofer.local_addr().unwrap();
    let subscribe = format!(
        "SUBSCRIBE sip:1001@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKspoof1;rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:2001@earshot.test>;tag=spoof\r\nTo: <sip:1001@earshot.test>\r\n\
         Call-ID: spoof-1@{me}\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:2001@{me}>\r\nEvent: dialog\r\n\
         Accept: {CONTENT_TYPE}\r\nExpires: 600\r\nP-Asserted-Identity: <sip:2001@earshot.test>\r\n\
         Content-Length: 0\r\n\r\n",
        to = agent.listen
    );
    spoofer.send_to(subscribe.as_bytes(), &agent.listen).unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = spoofer.recv_from(&mut buf).expect("an answer to the forged SUBSCRIBE");
    let answer = String::from_utf8_lossy(&buf[..n]);
    eprintln!("forged SUBSCRIBE: {}", answer.lines().next().unwrap_or_default());
    assert!(answer.starts_with("SIP/2.0 403"), "{answer}");
    let (_, refused) = agent.wait_for("second security event", |e| {
        e["event"] == "security" && e["message"].as_str().unwrap().contains("127.0.0.2")
    });
    assert!(refused["message"].as_str().unwrap().contains("no identity"), "{refused}");
    agent.quit();
    customer.quit();
    supervisor.quit();
    other.quit();
    drop(site);
    std::fs::remove_dir_all(&dir).unwrap();
}
