//! The monitoring modes' audio check shared by the three-voice tests (customer X, agent
//! Y, supervisor Z): the agent and supervisor phones on the reference site, the mode
//! windows the supervisor walks through, and who must (and must not) hear whom in each.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{Party, Voice, heard, party_with, trace};

/// The supervisor's voice: a third sentence and voice (correlates with the other two at
/// 0.05 or less, see [`heard`]).
pub const SUPERVISOR: &str = "Supervisor here. Please offer the customer a refund for the \
                              late delivery and note the new address in the account.";

/// "No trace" of a voice: [`trace`] below this — what is left of the earpiece once the
/// voices that belong in it are taken out, correlated with the voice, relative to the
/// whole earpiece. The voice then carries less than 0.15² = 2.3 % of the earpiece's
/// energy (−16.5 dB; a voice mixed in at a like level reaches 0.5–0.7). Taking the
/// rightful voices out first matters: the plain correlation of an earpiece holding only
/// the agent with the supervisor's sentence reached 0.11–0.14 at some alignments (two
/// en-us voices), too close to the threshold to tell a leak.
pub const NO_TRACE: f64 = 0.15;
/// A voice that is heard: well above any chance correlation.
pub const HEARD: f64 = 0.3;

fn account(user: &str, password: &str, proxy: std::net::SocketAddr) -> String {
    format!(
        "[[accounts]]\naor = \"sip:{user}@earshot.test\"\npassword = \"{password}\"\n\
         outbound_proxy = \"{proxy}\"\nexpires = 300\n"
    )
}

/// Agent 1001 (voice Y, answers by itself, supervisor 2001 allowed, the site's proxy
/// trusted) and supervisor 2001 (voice Z, watching 1001), both registered at `proxy`.
pub fn agent_and_supervisor(dir: &Path, proxy: std::net::SocketAddr) -> (Party, Party) {
    let registered =
        |e: &serde_json::Value| e["event"] == "registration" && e["state"] == "registered";
    let mut agent = party_with(
        dir,
        "agent",
        super::AGENT,
        "en-us",
        40.0,
        &format!(
            "{}[monitoring]\nsupervisors = [\"sip:2001@earshot.test\"]\n\
             trusted_proxies = [\"127.0.0.1\"]\n",
            account("1001", "agent-1001", proxy)
        ),
        &["--auto-answer"],
    );
    let mut supervisor = party_with(
        dir,
        "supervisor",
        SUPERVISOR,
        "en-us+f3",
        40.0,
        &format!(
            "{}[monitoring]\nagents = [\"1001\"]\n",
            account("2001", "supervisor-2001", proxy)
        ),
        &[],
    );
    agent.phone.wait_for("registered", registered);
    supervisor.phone.wait_for("registered", registered);
    (agent, supervisor)
}

/// With the supervisor's monitoring call 1 up in listen mode: switches it to whisper and
/// then barge, 4 s in each mode; returns each mode and when its window starts (800 ms
/// after the mode was confirmed).
pub fn walk_through_modes(supervisor: &mut Party) -> Vec<(&'static str, Instant)> {
    let mut windows = Vec::new();
    for (i, mode) in ["listen", "whisper", "barge"].into_iter().enumerate() {
        if i > 0 {
            supervisor.phone.send(&format!("monitor-mode 1 {mode}"));
        }
        supervisor
            .phone
            .saw_or_wait("the mode", |e| e["event"] == "monitoring" && e["mode"] == mode);
        windows.push((mode, Instant::now() + Duration::from_millis(800)));
        std::thread::sleep(Duration::from_millis(4000));
    }
    windows
}

/// Who hears whom in each mode's window: the supervisor hears X and Y and never Z come
/// back; listen: the customer hears Y and no trace of Z, the agent X and no Z; whisper:
/// the agent hears X and Z, the customer still no Z; barge: everyone hears everyone.
pub fn assert_modes(windows: &[(&str, Instant)], x: &Voice, y: &Voice, z: &Voice) {
    // The better of two 1.5 s halves: a jitter buffer that moves its delay inside a
    // window lowers a single correlation over all of it (and for "no trace" the larger
    // value is the stricter one).
    let h = |listener, speaker, from: Instant| {
        let half = |at| heard(listener, speaker, at, 1.5);
        half(from).max(half(from + Duration::from_millis(1500)))
    };
    for &(mode, from) in windows {
        let (sup_x, sup_y) = (h(z, x, from), h(z, y, from));
        let cust_y = h(x, y, from);
        let agent_x = h(y, x, from);
        // The larger of the two halves' traces, with what belongs in each earpiece in this
        // mode taken out first.
        let t = |listener, absent, present: &[&Voice]| {
            let half = |at| trace(listener, absent, present, at, 1.5);
            half(from).max(half(from + Duration::from_millis(1500)))
        };
        let sup_z = t(z, z, &[x, y]);
        let (cust_z, agent_z) = match mode {
            "barge" => (h(x, z, from), h(y, z, from)),
            "whisper" => (t(x, z, &[y]), h(y, z, from)),
            _ => (t(x, z, &[y]), t(y, z, &[x])),
        };
        eprintln!(
            "{mode}: supervisor hears X {sup_x:.2} Y {sup_y:.2}, trace of Z {sup_z:.2}; customer \
             hears Y {cust_y:.2} Z {cust_z:.2}; agent hears X {agent_x:.2} Z {agent_z:.2}"
        );
        assert!(sup_x > HEARD && sup_y > HEARD, "{mode}: the supervisor hears both sides");
        assert!(sup_z < NO_TRACE, "{mode}: the supervisor never hears themselves");
        assert!(cust_y > HEARD, "{mode}: the customer hears the agent");
        assert!(agent_x > HEARD, "{mode}: the agent hears the customer");
        match mode {
            "listen" => {
                assert!(cust_z < NO_TRACE, "listen: no trace of Z at the customer");
                assert!(agent_z < NO_TRACE, "listen: no trace of Z at the agent");
            }
            "whisper" => {
                assert!(cust_z < NO_TRACE, "whisper: no trace of Z at the customer");
                assert!(agent_z > HEARD, "whisper: the agent hears Z");
            }
            _ => {
                assert!(cust_z > HEARD, "barge: the customer hears Z");
                assert!(agent_z > HEARD, "barge: the agent hears Z");
                // The measure finds a voice that is there once the others are taken out.
                let found = t(x, z, &[y]);
                eprintln!("barge: trace of Z at the customer, Y taken out: {found:.2}");
                assert!(found > HEARD, "the trace measure sees a voice that is mixed in");
            }
        }
    }
}
