//! Fuzzes what a user or a file hands the phone: headless command lines and configuration
//! files. No input may panic; a line that parses prints as a command that parses back to
//! itself through the API's serde form.
#![no_main]

use earshot_engine::phone::script::parse_line;
use earshot_engine::phone::{Command, Config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for line in text.lines() {
        if let Ok(Some(c)) = parse_line(line) {
            let json = serde_json::to_string(&c).expect("a command serialises");
            let back: Command = serde_json::from_str(&json).expect("and reads back");
            assert_eq!(back, c);
        }
    }
    let _ = Config::parse(text, std::path::Path::new("fuzz.toml"));
});
