//! The agent's state as a presence document: PIDF (RFC 3863) with RPID activities and a
//! note (RFC 4480), PUBLISHed to the site's presence server (RFC 3903) and served to
//! watchers. Ready is `open` with no activity; everything else — Not Ready, After-Call
//! Work, busy at capacity, logged out — is `closed` with the activity that says why, so the
//! site routes with `pres_check_basic(…, "open")` alone. An extension element
//! (`urn:x-earshot:agent`, ignorable per RFC 3863 §4.1.4) carries the exact state, reason
//! and start for Earshot's team view.

use crate::agent::{AgentState, MISSED_OFFER};

pub const CONTENT_TYPE: &str = "application/pidf+xml";

/// The PIDF document for `entity` (the agent's address of record).
pub fn document(entity: &str, state: &AgentState, busy: bool, since_ms: u64) -> String {
    let open = matches!(state, AgentState::Ready) && !busy;
    let activity = match state {
        AgentState::Ready if busy => Some("on-the-phone"),
        AgentState::Ready => None,
        AgentState::AfterCallWork => Some("busy"),
        AgentState::LoggedOut => Some("away"),
        AgentState::NotReady(reason) => Some(activity_for(reason)),
    };
    let note = match state {
        AgentState::Ready if busy => "Busy".to_string(),
        AgentState::Ready => "Ready".to_string(),
        AgentState::AfterCallWork => "After-call work".to_string(),
        AgentState::LoggedOut => "Logged out".to_string(),
        AgentState::NotReady(r) if r.is_empty() => "Not ready".to_string(),
        AgentState::NotReady(r) => format!("Not ready: {r}"),
    };
    let since = rfc3339(since_ms);
    let activities = activity
        .map(|a| format!("<rpid:activities from=\"{since}\"><rpid:{a}/></rpid:activities>"))
        .unwrap_or_default();
    let reason = state.reason().map(|r| format!(" reason=\"{}\"", escape(r))).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <presence xmlns=\"urn:ietf:params:xml:ns:pidf\" \
         xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" \
         xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" \
         xmlns:es=\"urn:x-earshot:agent\" entity=\"{entity}\">\
         <tuple id=\"desk\"><status><basic>{basic}</basic></status>\
         <contact>{entity}</contact><timestamp>{since}</timestamp></tuple>\
         <dm:person id=\"agent\">{activities}<dm:note>{note}</dm:note></dm:person>\
         <es:agent state=\"{state}\"{reason} busy=\"{busy}\" since=\"{since}\" \
         since-ms=\"{since_ms}\"/>\
         </presence>\n",
        entity = escape(entity),
        basic = if open { "open" } else { "closed" },
        note = escape(&note),
        state = state.name(),
    )
}

/// RFC 4480 §3.2 activities for the usual reasons; anything else is `busy`.
fn activity_for(reason: &str) -> &'static str {
    let r = reason.to_lowercase();
    if r == MISSED_OFFER {
        "away"
    } else if r.contains("lunch")
        || r.contains("meal")
        || r.contains("dîner")
        || r.contains("repas")
    {
        "meal"
    } else if r.contains("meeting") || r.contains("réunion") {
        "meeting"
    } else if r.contains("training") || r.contains("formation") {
        "presentation"
    } else {
        "busy"
    }
}

/// XML character data and attribute values (XML 1.0 §2.4): markup characters escaped,
/// characters XML forbids dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Unix ms as an RFC 3339 UTC timestamp (PIDF timestamps, RFC 3863 §4.1.7).
pub fn rfc3339(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        // 2026-12-05T11:00:00.250Z
        assert_eq!(rfc3339(1_796_468_400_250), "2026-12-05T11:00:00.250Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn ready_is_open_and_everything_else_closed() {
        let ready = document("sip:a1@site", &AgentState::Ready, false, 0);
        assert!(ready.contains("<basic>open</basic>") && !ready.contains("rpid:activities"));
        let busy = document("sip:a1@site", &AgentState::Ready, true, 0);
        assert!(busy.contains("<basic>closed</basic>") && busy.contains("<rpid:on-the-phone/>"));
        let lunch = document("sip:a1@site", &AgentState::NotReady("Lunch".into()), false, 0);
        assert!(
            lunch.contains("<rpid:meal/>") && lunch.contains("<dm:note>Not ready: Lunch</dm:note>")
        );
        assert!(lunch.contains("state=\"not-ready\" reason=\"Lunch\""));
        let acw = document("sip:a1@site", &AgentState::AfterCallWork, false, 0);
        assert!(acw.contains("<basic>closed</basic>") && acw.contains("<rpid:busy/>"));
    }

    #[test]
    fn notes_are_escaped() {
        let doc = document(
            "sip:a1@site",
            &AgentState::NotReady("R&D <meeting> \"x\"\u{1}".into()),
            false,
            0,
        );
        assert!(
            doc.contains("Not ready: R&amp;D &lt;meeting&gt; &quot;x&quot;</dm:note>"),
            "{doc}"
        );
        assert!(!doc.contains('\u{1}'));
    }
}
