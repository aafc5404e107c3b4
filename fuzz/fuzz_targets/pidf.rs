//! Fuzzes the presence document reader (PIDF, RFC 3863): no input may panic, and what a
//! document yields stays within the reader's bounds whatever it holds.
#![no_main]

use earshot_sip::event_package::pidf::{MAX_ITEMS, Pidf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Pidf::parse(data) else { return };
    assert!(p.notes.len() <= MAX_ITEMS && p.activities.len() <= MAX_ITEMS);
    assert!(p.extensions.len() <= MAX_ITEMS);
    assert!(p.entity.len() <= data.len() * 3);
});
