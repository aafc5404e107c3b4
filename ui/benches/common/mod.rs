//! What the window benchmarks share: the window (headless, egui_kittest) over a real
//! phone on loopback with the queue `support`, no sound card, stepped until its desk has
//! started.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::path::Path;
use std::time::{Duration, Instant};

use earshot_engine::desk::config::QueueConfig;
use earshot_engine::phone::config::WindowSettings;
use earshot_engine::phone::{AudioChoice, Config, StartOptions, start};
use earshot_ui::app::EarshotApp;
use egui_kittest::Harness;

/// The window in `language` over an agent's phone whose history goes under `dir`.
#[allow(dead_code)] // each benchmark uses one of the two
pub fn window_over_phone(dir: &Path, language: &str) -> Harness<'static, EarshotApp> {
    window_over_phone_with(dir, language, |_| {})
}

/// As [`window_over_phone`], with the phone's configuration changed by `configure` first.
pub fn window_over_phone_with(
    dir: &Path,
    language: &str,
    configure: impl FnOnce(&mut Config),
) -> Harness<'static, EarshotApp> {
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
    configure(&mut config);
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
    harness
}
