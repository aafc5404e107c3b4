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

use earshot_engine::desk::config::QueueConfig;
use earshot_engine::phone::api::{CaseFieldView, InteractionView, ScreenPopView};
use earshot_engine::phone::config::WindowSettings;
use earshot_engine::phone::{AudioChoice, Config, StartOptions, start};
use earshot_ui::app::EarshotApp;
use earshot_ui::model::AgentStateView;
use egui_kittest::Harness;

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
    }
}

fn frames(language: &str) {
    let dir = std::env::temp_dir().join(format!("earshot-frame-bench-{}", std::process::id()));
    let mut config = Config {
        user: "agent".into(),
        codecs: vec!["PCMU".into()],
        sip: earshot_engine::phone::config::SipSettings {
            address: Some("127.0.0.1".parse().unwrap()),
            ..Default::default()
        },
        data_dir: Some(dir.join("data")),
        ..Config::default()
    };
    config.desk.queues.insert("support".into(), QueueConfig::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let options = StartOptions {
        audio: AudioChoice { no_card: true, ..AudioChoice::default() },
        ..StartOptions::default()
    };
    let phone = runtime.block_on(start(config, options)).unwrap();
    let settings = WindowSettings { language: Some(language.into()), ..WindowSettings::default() };
    let app = EarshotApp::with_settings(phone, Some(runtime), settings, None);
    let mut harness = Harness::builder()
        .with_size([420.0, 900.0])
        .build_ui_state(|ui, app: &mut EarshotApp| app.show(ui), app);
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.state().view.agent_state.is_none() {
        assert!(Instant::now() < deadline, "the desk did not start");
        harness.step();
    }
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
