//! The window, headless (egui_kittest), with a real phone behind it and real peers on
//! loopback: a call comes in and the toast's Accept answers it; Hold and Resume change
//! the call's state at both ends; a URI typed into the transfer field and Transfer send
//! the caller to a third phone (blind transfer), after which the window shows no calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::{Headless, temp_dir};
use earshot_engine::phone::{AudioChoice, Config, StartOptions, start};
use earshot_ui::app::EarshotApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// Steps the window until `ready` holds (bounded: 10 s).
fn until(
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

#[test]
fn accept_hold_resume_and_transfer_from_the_window() {
    let dir = temp_dir("window");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = Config {
        user: "agent".into(),
        codecs: vec!["PCMU".into()],
        sip: earshot_engine::phone::config::SipSettings {
            address: Some("127.0.0.1".parse().unwrap()),
            port: None,
        },
        data_dir: Some(dir.join("agent-data")),
        ..Config::default()
    };
    let options = StartOptions {
        audio: AudioChoice { no_card: true, ..AudioChoice::default() },
        ..StartOptions::default()
    };
    let phone = runtime.block_on(start(config, options)).unwrap();
    let app = EarshotApp::new(phone, Some(runtime));
    let mut harness = Harness::builder()
        .with_size([380.0, 640.0])
        .build_ui_state(|ui, app: &mut EarshotApp| app.show(ui), app);
    until(&mut harness, "address", |h| !h.state().view.uri.is_empty());
    let ours = harness.state().view.uri.clone();
    harness.get_by_label_contains(&format!("You: {ours}"));

    let mut caller = Headless::start(&dir, "caller", r#"["PCMU"]"#, &[]);
    let target = Headless::start(&dir, "target", r#"["PCMU"]"#, &["--auto-answer"]);
    caller.send(&format!("call {ours}"));
    until(&mut harness, "toast", |h| h.query_by_label("Accept").is_some());
    harness.get_by_label_contains("Incoming call from sip:caller@127.0.0.1");
    harness.get_by_label("Accept").click();
    harness.run_steps(2);
    caller.wait_state(1, "active");
    until(&mut harness, "talking", |h| h.query_by_label_contains("talking").is_some());
    assert!(harness.query_by_label("Accept").is_none(), "the toast is gone");

    harness.get_by_label("Hold").click();
    harness.run_steps(2);
    caller.wait_state(1, "remote-held");
    until(&mut harness, "on hold", |h| h.query_by_label_contains("on hold").is_some());
    harness.get_by_label("Resume").click();
    harness.run_steps(2);
    caller.wait_state(1, "active");
    until(&mut harness, "talking again", |h| h.query_by_label_contains("talking").is_some());

    // Blind transfer: type the third phone's address, press Transfer.
    let fields = harness.get_all_by_role(eframe::egui::accesskit::Role::TextInput).count();
    assert_eq!(fields, 2, "the dial field and the transfer field");
    let transfer_field =
        harness.get_all_by_role(eframe::egui::accesskit::Role::TextInput).last().unwrap();
    transfer_field.focus();
    transfer_field.type_text(&target.uri);
    harness.run_steps(2);
    harness.get_by_label("Transfer").click();
    harness.run_steps(2);
    caller.wait_state(2, "active");
    caller.wait_state(1, "ended");
    until(&mut harness, "no calls", |h| h.query_by_label("No calls").is_some());
    harness.state().quit();
    caller.quit();
    target.quit();
    std::fs::remove_dir_all(&dir).ok();
}
