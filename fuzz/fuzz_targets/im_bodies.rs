//! Fuzzes the instant-messaging bodies a MESSAGE may carry: the is-composing indication
//! (RFC 3994), CPIM (RFC 3862) and IMDN notifications (RFC 5438), and what one agent's
//! phone hands another (a transcript, a relayed message). No input may panic; whatever
//! reads is written back and read again to the same thing.
#![no_main]

use earshot_sip::im::cpim::Cpim;
use earshot_sip::im::imdn::{Notification, Wanted};
use earshot_sip::im::iscomposing::IsComposing;
use earshot_engine::chat::handover;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(lines) = handover::read_transcript(data) {
        let messages: Vec<_> =
            lines.iter().cloned().enumerate().map(|(n, l)| handover::handed_message(n, l)).collect();
        assert_eq!(handover::read_transcript(&handover::transcript_body(&messages)), Ok(lines));
    }
    if let Ok((author, _, text)) = handover::read_relayed(data) {
        let again = handover::relayed(&author, None, "sip:x@y", &text, 0);
        let _ = handover::read_relayed(&again.body);
    }
    if let Ok(c) = IsComposing::parse(data) {
        assert_eq!(IsComposing::parse(c.to_xml().as_bytes()).as_ref(), Ok(&c));
    }
    if let Ok(m) = Cpim::parse(data) {
        assert_eq!(Cpim::parse(&m.to_bytes()).as_ref(), Ok(&m));
        if let Some(w) = m.ns_header(earshot_sip::im::cpim::IMDN_NS, "Disposition-Notification") {
            let _ = Wanted::parse(w);
        }
    }
    if let Ok(n) = Notification::parse(data) {
        let again = Notification::parse(n.to_xml().as_bytes());
        // A status is written as an element name: one that is not a name does not come back.
        if n.status.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !n.status.is_empty() {
            assert_eq!(again.as_ref(), Ok(&n));
        }
    }
});
