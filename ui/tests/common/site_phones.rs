//! Earshot phones registered on the reference site (Kamailio, `tests/src/kamailio.rs`) for
//! the site tests: an agent (`sip:USER@earshot.test`, its password from
//! `deploy/kamailio/users.cfg`) with more configuration of the test's, and supervisor 2001.

use earshot_tests::headless::Headless;
use earshot_tests::kamailio::Site;

/// Agent `user` on `site`, with `more` configuration (TOML tables after its account),
/// registered.
pub fn site_agent(dir: &std::path::Path, user: &str, site: &Site, more: &str) -> Headless {
    let config = format!(
        "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"agent-{user}\"\n\
         outbound_proxy = \"{}\"\nexpires = 300\n{more}",
        site.addr
    );
    registered(Headless::start_with(dir, &format!("agent-{user}"), r#"["PCMU"]"#, &config, &[]))
}

/// Supervisor 2001 on `site`, with `more` configuration, registered.
pub fn site_supervisor(dir: &std::path::Path, site: &Site, more: &str) -> Headless {
    let config = format!(
        "[[accounts]]\naor = \"sip:2001@earshot.test\"\npassword = \"supervisor-2001\"\n\
         outbound_proxy = \"{}\"\nexpires = 300\n{more}",
        site.addr
    );
    registered(Headless::start_with(dir, "supervisor", r#"["PCMU"]"#, &config, &[]))
}

fn registered(mut phone: Headless) -> Headless {
    phone.wait_for("registered", |e| e["event"] == "registration" && e["state"] == "registered");
    phone
}
