//! The shared real-process harness (`earshot-tests`: headless.rs, voices.rs) as the ui
//! tests use it, and what each monitoring mode must mix (modes.rs).
#![allow(dead_code, unused_imports)]

pub mod modes;

pub use earshot_tests::headless::*;
pub use earshot_tests::voices::*;
