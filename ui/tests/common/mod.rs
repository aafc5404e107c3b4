//! The shared real-process harness (`earshot-tests`: headless.rs, voices.rs) as the ui
//! tests use it, what each monitoring mode must mix (modes.rs), and the desk window over a
//! real phone (desk_window.rs), what chat tests look for in events (chat_events.rs).
#![allow(dead_code, unused_imports)]

pub mod chat_events;
pub mod desk_window;
pub mod mail_phones;
pub mod modes;
pub mod site_phones;

pub use earshot_tests::headless::*;
pub use earshot_tests::voices::*;
