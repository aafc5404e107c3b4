//! Fuzzes contact import (CSV and vCard, `earshot_directory::read_contacts`) and the
//! identity keys of whatever it reads: no file may panic; every contact read is written
//! out as CSV and read back whole; an identity's key, when it has one, is stable.
#![no_main]

use earshot_engine::directory::{Identity, Numbering, read_contacts, write_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(numbering) = Numbering::new("GB") else { return };
    let read = read_contacts(data, &numbering);
    for c in &read.contacts {
        for i in &c.identities {
            if let Some(key) = numbering.key(i) {
                // A key read again as an address of its own kind names the same.
                let again = numbering.key(&Identity::new(i.kind, i.value.clone()));
                assert_eq!(again.as_deref(), Some(key.as_str()));
            }
        }
    }
    if let Ok(csv) = write_csv(&read.contacts) {
        let back = read_contacts(&csv, &numbering);
        assert_eq!(back.contacts.len() + back.rejected.len(), read.contacts.len());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = numbering.identify(text);
    }
});
