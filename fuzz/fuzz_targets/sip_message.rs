//! Fuzzes the datagram parser: no input may panic, and whatever parses must print to bytes
//! that parse again to the same body and the same typed headers.
#![no_main]

use earshot_sip::message::{Message, parse_datagram};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = parse_datagram(data) else { return };
    let h = m.headers();
    let typed = (h.vias(), h.from(), h.to(), h.cseq(), h.contacts(), h.routes(), h.content_type());
    let _ = (h.record_routes(), h.expires(), h.event(), h.subscription_state(), h.max_forwards());
    if let Message::Request(r) = &m {
        let _ = r.uri.to_string();
    }
    let printed = m.to_bytes();
    let again = parse_datagram(&printed).expect("a printed message must parse again");
    assert_eq!(m.body(), again.body());
    let h2 = again.headers();
    let typed2 =
        (h2.vias(), h2.from(), h2.to(), h2.cseq(), h2.contacts(), h2.routes(), h2.content_type());
    assert_eq!(typed, typed2);
});
