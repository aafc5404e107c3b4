//! Fuzzes the dialog event package's body (RFC 4235): no input may panic, and whatever
//! parses must print to XML that parses to the same document.
#![no_main]

use earshot_sip::event_package::dialog_info::DialogInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(info) = DialogInfo::parse(data) else { return };
    let mut again = DialogInfo::parse(info.to_xml().as_bytes()).expect("printed dialog-info parses");
    // Identities are trimmed when read; what was read is what is printed.
    again.dialogs.iter_mut().zip(&info.dialogs).for_each(|(a, b)| assert_eq!(a, b));
    assert_eq!(again.dialogs.len(), info.dialogs.len());
    assert_eq!((again.version, again.full, &again.entity), (info.version, info.full, &info.entity));
});
