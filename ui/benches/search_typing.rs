//! Typing in Team Communicator's box with 100 000 contacts in the store: the window over a
//! real phone whose SQLite file holds them (loaded at start into the phone's index), Ctrl+K,
//! then queries typed one character at a time. For each keystroke: the time until the
//! results for what is now typed are in the window (the key into egui, the `search`
//! command to the phone, the index's answer, the `results` event back, one frame), and the
//! time of every frame stepped meanwhile (layout and tessellation of the result list).
//! Median, 99th percentile and worst printed; also the store's import and the phone's start.
//!
//! `cargo bench -p earshot-ui --bench search_typing` (release build).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::time::{Duration, Instant};

mod common;

use earshot_engine::directory::Numbering;
use earshot_engine::directory::sample::sample_contacts;
use earshot_engine::store::{ContactStore, SqliteStore};
use egui_kittest::kittest::Queryable;

const CONTACTS: usize = 100_000;
/// What the agent types, a character at a time (names, a number, an address).
const QUERIES: &[&str] =
    &["jürgen müller", "tremblay", "020 7946 0012", "marie.3", "cote", "o'brien ac"];

fn percentiles(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let n = times.len();
    println!(
        "{what} ({n}): median {:.2} ms, p99 {:.2} ms, worst {:.2} ms",
        ms(times[n / 2]),
        ms(times[(n * 99 / 100).min(n - 1)]),
        ms(times[n - 1])
    );
}

fn main() {
    let dir = std::env::temp_dir().join(format!("earshot-search-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let numbering = Numbering::default();
    let started = Instant::now();
    let mut store = SqliteStore::open(&dir.join("data").join("desk.db")).unwrap();
    let done = store.import(sample_contacts(CONTACTS), &|c| c.keys(&numbering)).unwrap();
    drop(store);
    println!(
        "imported {} contacts in one transaction: {:.1} s",
        done.added,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let mut harness = common::window_over_phone(&dir, "en");
    println!("phone and window started with them: {:.1} s", started.elapsed().as_secs_f64());
    harness.key_press_modifiers(eframe::egui::Modifiers::CTRL, eframe::egui::Key::K);
    harness.run_steps(2);
    let (mut answers, mut frames) = (Vec::new(), Vec::new());
    for query in QUERIES {
        harness.get_by_label("Search or dial").focus();
        harness.run_steps(1);
        // Clear what the last query left.
        for _ in 0..40 {
            harness.key_press(eframe::egui::Key::Backspace);
        }
        harness.run_steps(2);
        let mut typed = String::new();
        for c in query.chars() {
            typed.push(c);
            let pressed = Instant::now();
            harness.get_by_label("Search or dial").type_text(&c.to_string());
            let deadline = pressed + Duration::from_secs(5);
            loop {
                let frame = Instant::now();
                harness.step();
                frames.push(frame.elapsed());
                let shown =
                    harness.state().view.search.as_ref().is_some_and(|(q, _)| q == typed.trim());
                if shown {
                    // The frame that draws them.
                    let frame = Instant::now();
                    harness.step();
                    frames.push(frame.elapsed());
                    answers.push(pressed.elapsed());
                    break;
                }
                assert!(Instant::now() < deadline, "no results for {typed:?}");
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
    println!("{} contacts in the index, {} keystrokes:", done.added, answers.len());
    percentiles("  keystroke to its results in the window", answers);
    percentiles("  frames while typing", frames);
    harness.state().quit();
    std::fs::remove_dir_all(&dir).ok();
}
