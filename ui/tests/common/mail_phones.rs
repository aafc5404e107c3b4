//! Earshot agents on the test mail site (earshot_tests::mail_site): the queue's shared
//! mailbox over IMAP with STARTTLS and SMTP submission with STARTTLS (or the implicit-TLS
//! ports), trusting the site's test CA; what email tests look for in events.

use std::path::Path;

use earshot_tests::headless::Headless;
use earshot_tests::mail_site::MailSite;
use serde_json::Value;

/// How the agent reaches the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// imap:// and smtp:// (STARTTLS on both).
    StartTls,
    /// imaps:// and smtps:// (TLS from the start).
    ImplicitTls,
}

/// The `[desk]` and `[email]` of an agent on the support queue's mailbox.
pub fn email_config(site: &MailSite, ports: Ports, capacity: u32, desk_more: &str) -> String {
    site.agent_config(ports == Ports::ImplicitTls, capacity, desk_more)
}

/// An agent on the mail site (peer to peer for SIP), Ready, its mailbox online.
pub fn mail_agent(
    dir: &Path,
    user: &str,
    site: &MailSite,
    ports: Ports,
    capacity: u32,
) -> Headless {
    let more = email_config(site, ports, capacity, "");
    let mut a = Headless::start_with(dir, user, r#"["PCMU"]"#, &more, &[]);
    a.wait_for("mailbox online", |e| e["event"] == "mailbox" && e["online"] == true);
    a.send("state ready");
    a.wait_for("ready", |e| e["event"] == "agent-state" && e["state"] == "ready");
    a
}

/// An email interaction in `state`.
pub fn email_interaction(e: &Value, state: &str) -> bool {
    e["event"] == "interaction" && e["channel"] == "email" && e["state"] == state
}

/// An `email` event of interaction `id` whose subject contains `subject`.
pub fn email_of(e: &Value, id: u64, subject: &str) -> bool {
    e["event"] == "email"
        && e["interaction"] == id
        && e["subject"].as_str().is_some_and(|s| s.contains(subject))
}
