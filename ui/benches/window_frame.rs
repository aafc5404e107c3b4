//! The window's frame time with a busy desk: 20 interactions listed (one offered with its
//! preview, one active with case data, links and the disposition picker, two in wrap-up,
//! sixteen finished) over a real phone, in English and in French. Each frame is the
//! window's whole CPU work in egui — layout, text shaping, tessellation — stepped
//! headless (egui_kittest, no GPU): 300 frames after 30 to warm the caches, with the
//! median, 99th percentile and worst printed.
//!
//! `cargo bench -p earshot-ui --bench window_frame` (release build).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

mod common;

use earshot_engine::phone::api::{CaseFieldView, InteractionView, ScreenPopView};
use earshot_ui::model::AgentStateView;

const LISTED: u64 = 20;
const WARM_UP: usize = 30;
const FRAMES: usize = 300;

/// Interaction `id` in `state`, with a customer's case data.
fn interaction(id: u64, state: &str, now_ms: u64) -> InteractionView {
    let field = |name: &str, value: &str, editable: bool| CaseFieldView {
        name: name.into(),
        label: name.into(),
        value: value.into(),
        editable,
        hidden: false,
    };
    InteractionView {
        id,
        channel: if id.is_multiple_of(5) { "chat".into() } else { "voice".into() },
        state: state.into(),
        direction: "inbound".into(),
        contact: format!("sip:+1514555{id:04}@site.example"),
        contact_name: Some(format!("Customer {id}")),
        queue: Some("support".into()),
        case: BTreeMap::new(),
        fields: vec![
            field("Account", &format!("A-{id}"), false),
            field("Segment", "gold", false),
            field("Ticket", &format!("T-{}", 4000 + id), true),
            field("Reason", "Refund for a damaged parcel", false),
        ],
        call: None,
        held: false,
        disposition: None,
        note: String::new(),
        wrap_up: "mandatory".into(),
        may_finish: false,
        link: None,
        offered_ms: now_ms - (LISTED - id) * 60_000,
        accepted_ms: Some(now_ms - (LISTED - id) * 60_000 + 5_000),
        ended_ms: None,
        done_ms: None,
        screen_pops: vec![ScreenPopView {
            label: "CRM".into(),
            url: Some(format!("https://crm.example/find?account=A-{id}")),
            problem: None,
        }],
        chat: None,
    }
}

fn frames(language: &str) {
    let dir = std::env::temp_dir().join(format!("earshot-frame-bench-{}", std::process::id()));
    let mut harness = common::window_over_phone(&dir, language);
    let now_ms = earshot_ui::desk_panel::unix_ms();
    {
        let view = &mut harness.state_mut().view;
        view.agent_state = Some(AgentStateView {
            state: "ready".into(),
            reason: None,
            since_ms: now_ms - 95_000,
            next: None,
            busy: true,
        });
        for id in 1..=LISTED {
            let state = match id {
                20 => "offered",
                19 => "active",
                17 | 18 => "wrap-up",
                _ => "done",
            };
            view.interactions.insert(id, interaction(id, state, now_ms));
        }
    }
    harness.state_mut().desk.selected = Some(19);
    let mut times = Vec::with_capacity(FRAMES);
    for n in 0..WARM_UP + FRAMES {
        let start = Instant::now();
        harness.step();
        if n >= WARM_UP {
            times.push(start.elapsed());
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{language}: frame with {LISTED} interactions over {FRAMES} frames: median {:.2} ms, \
         p99 {:.2} ms, worst {:.2} ms",
        ms(times[FRAMES / 2]),
        ms(times[FRAMES * 99 / 100]),
        ms(times[FRAMES - 1])
    );
    harness.state().quit();
    std::fs::remove_dir_all(&dir).ok();
}

fn main() {
    for language in ["en", "fr-CA"] {
        frames(language);
    }
}
