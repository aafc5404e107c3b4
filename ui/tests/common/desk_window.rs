//! The desk window over a real phone, headless (egui_kittest): the phone's configuration
//! on loopback, the window started in a language, stepped until something shows, and the
//! check that every control has a name a screen reader can say.

use std::time::{Duration, Instant};

use earshot_engine::phone::config::WindowSettings;
use earshot_engine::phone::{AudioChoice, Config, StartOptions, start};
use earshot_ui::app::EarshotApp;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

/// A PCMU phone for `user` on 127.0.0.1 (first free port), its history under `dir`.
pub fn loopback_config(dir: &std::path::Path, user: &str) -> Config {
    Config {
        user: user.into(),
        codecs: vec!["PCMU".into()],
        sip: earshot_engine::phone::config::SipSettings {
            address: Some("127.0.0.1".parse().unwrap()),
            ..Default::default()
        },
        data_dir: Some(dir.join(format!("{user}-data"))),
        ..Config::default()
    }
}

/// An agent on loopback with the queue `support` (shown as `label`, wrap-up mandatory,
/// with `screen_pops`).
pub fn queue_agent(
    dir: &std::path::Path,
    label: &str,
    screen_pops: Vec<earshot_engine::desk::config::ScreenPopConfig>,
) -> Config {
    use earshot_engine::desk::config::QueueConfig;
    use earshot_engine::desk::wrap_up::WrapUpMode;
    let mut config = loopback_config(dir, "agent");
    let queue = QueueConfig {
        label: Some(label.into()),
        wrap_up: WrapUpMode::Mandatory,
        screen_pops,
        ..QueueConfig::default()
    };
    config.desk.queues.insert("support".into(), queue);
    config
}

/// The window over a phone started with `config` on no sound card, `size` pixels big, in
/// English whatever the machine's locale.
pub fn window(config: Config, size: [f32; 2]) -> Harness<'static, EarshotApp> {
    window_in("en", config, size)
}

/// [`window`] in the language `language`.
pub fn window_in(language: &str, config: Config, size: [f32; 2]) -> Harness<'static, EarshotApp> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let options = StartOptions {
        audio: AudioChoice { no_card: true, ..AudioChoice::default() },
        ..StartOptions::default()
    };
    let phone = runtime.block_on(start(config, options)).unwrap();
    let settings = WindowSettings { language: Some(language.into()), ..WindowSettings::default() };
    let app = EarshotApp::with_settings(phone, Some(runtime), settings, None);
    Harness::builder().with_size(size).build_ui_state(|ui, app: &mut EarshotApp| app.show(ui), app)
}

/// The controls a screen reader could not name: buttons, fields, drop-downs, links and
/// choices without a label (their own, or the text that labels them); a placeholder
/// does not count, it goes as the agent types.
pub fn unnamed_controls(harness: &Harness<'_, EarshotApp>) -> Vec<String> {
    use eframe::egui::accesskit::Role;
    harness
        .query_all_by(|n| {
            matches!(
                n.role(),
                Role::Button
                    | Role::TextInput
                    | Role::MultilineTextInput
                    | Role::PasswordInput
                    | Role::ComboBox
                    | Role::CheckBox
                    | Role::RadioButton
                    | Role::Link
                    | Role::Slider
            ) && n.label().is_none_or(|l| l.trim().is_empty())
        })
        .map(|n| format!("{:?} {:?}", n.accesskit_node().role(), n.accesskit_node().value()))
        .collect()
}

/// Steps the window until `ready` holds (bounded: 10 s).
pub fn until(
    harness: &mut Harness<'_, EarshotApp>,
    what: &str,
    ready: impl Fn(&Harness<'_, EarshotApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready(harness) {
        assert!(
            Instant::now() < deadline,
            "window: no {what} within 10 s; view: {:?}",
            harness.state().view
        );
        std::thread::sleep(Duration::from_millis(30));
        harness.step();
    }
}
