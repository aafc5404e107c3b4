//! The window's frame time with five busy chats (issue 16): the window (egui_kittest,
//! headless) over a real phone with room for five chats, five customers on real Earshot
//! phones (headless, peer to peer) writing to the support queue, all five chats accepted;
//! then, while each customer writes twice a second (with emoji and Arabic, now and then a
//! long paragraph) and the agent's selected chat scrolls, 600 frames are stepped and
//! timed. Each frame is the window's whole CPU work in egui — layout, text shaping,
//! tessellation — without a GPU. Prints the median, 99th percentile and worst frame, and
//! the messages the window showed while measured.
//!
//! `cargo build --release -p earshot-ui --bin earshot && cargo bench -p earshot-ui --bench
//! chat_frames`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;

use earshot_tests::headless::Headless;
use egui_kittest::kittest::Queryable;

const CHATS: usize = 5;
const WARM_UP: usize = 60;
const FRAMES: usize = 600;
/// Between two messages of one customer.
const EVERY: Duration = Duration::from_millis(500);

fn main() {
    let dir = std::env::temp_dir().join(format!("earshot-chat-frames-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut harness = common::window_over_phone_with(&dir, "en", |c| {
        c.desk.capacity.chat = CHATS;
    });
    harness.get_by_label("Ready").click();
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.state().view.agent_state.as_ref().is_none_or(|s| s.state != "ready") {
        assert!(Instant::now() < deadline, "not Ready");
        harness.step();
    }
    let host = harness.state().view.uri.split('@').nth(1).unwrap().to_owned();
    let queue = format!("sip:support@{host}");

    // Five customers, each accepted as its offer shows (and active before the next).
    let mut customers = Vec::new();
    for n in 1..=CHATS {
        let mut c = Headless::start(&dir, &format!("customer{n}"), r#"["PCMU"]"#, &[]);
        c.send(&format!("chat {queue} Hello, I am customer {n} 👋"));
        let deadline = Instant::now() + Duration::from_secs(10);
        let offered = |h: &egui_kittest::Harness<'_, earshot_ui::app::EarshotApp>| {
            h.state().view.interactions.values().find(|i| i.state == "offered").map(|i| i.id)
        };
        let id = loop {
            if let Some(id) = offered(&harness) {
                break id;
            }
            assert!(Instant::now() < deadline, "customer {n}'s chat was not offered");
            harness.step();
        };
        harness.run_steps(2);
        harness.get_by_label("Accept").click();
        let deadline = Instant::now() + Duration::from_secs(10);
        while harness.state().view.interactions.get(&id).is_none_or(|i| i.state != "active") {
            assert!(Instant::now() < deadline, "customer {n}'s chat was not accepted");
            harness.step();
        }
        customers.push(c);
    }

    // They write, each from its own thread, until the measurement is over.
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = customers
        .into_iter()
        .enumerate()
        .map(|(n, mut c)| {
            let (stop, queue) = (stop.clone(), queue.clone());
            std::thread::spawn(move || {
                let mut k = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    k += 1;
                    let text = if k.is_multiple_of(7) {
                        format!("Message {k}: {}", "a long paragraph about the order — ".repeat(12))
                    } else {
                        format!("Message {k} from customer {} 📦 — مرحبا", n + 1)
                    };
                    c.send(&format!("chat {queue} {text}"));
                    std::thread::sleep(EVERY);
                }
                c.quit();
            })
        })
        .collect();
    let lines = |h: &egui_kittest::Harness<'_, earshot_ui::app::EarshotApp>| -> usize {
        h.state().view.chats.values().map(|c| c.lines.len()).sum()
    };
    let before = lines(&harness);
    let mut times = Vec::with_capacity(FRAMES);
    for n in 0..WARM_UP + FRAMES {
        let start = Instant::now();
        harness.step();
        if n >= WARM_UP {
            times.push(start.elapsed());
        }
        // About 60 frames a second, as a window would draw them.
        std::thread::sleep(Duration::from_millis(16).saturating_sub(start.elapsed()));
    }
    let shown = lines(&harness) - before;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{CHATS} busy chats ({shown} messages arrived while measured), {FRAMES} frames: \
         median {:.2} ms, p99 {:.2} ms, worst {:.2} ms",
        ms(times[FRAMES / 2]),
        ms(times[FRAMES * 99 / 100]),
        ms(times[FRAMES - 1])
    );
    harness.state().quit();
    std::fs::remove_dir_all(&dir).ok();
}
