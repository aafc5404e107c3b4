//! `earshot` with a window: loads the configuration, starts the phone on the sound card
//! (or the files given), and opens the window (eframe, glow), which remembers its size and
//! position. Without a display it says so and points to `--headless`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use earshot_engine::phone::{Command, start};

use crate::Cli;
use earshot_ui::app::EarshotApp;

pub fn run(cli: &Cli) -> ExitCode {
    let started = Instant::now();
    let path = cli.config_path();
    let (config, demo) = match cli.load_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("earshot: {e}");
            return ExitCode::from(2);
        }
    };
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if !display {
        eprintln!(
            "earshot: no display (neither DISPLAY nor WAYLAND_DISPLAY is set). \
             Run `earshot --headless` to use the phone without a window."
        );
        return ExitCode::from(2);
    }
    let runtime = match crate::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let options = cli.start_options(&config, false);
    let window = config.window.clone();
    let phone = match runtime.block_on(start(config, options)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("earshot: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some((dir, port)) = demo.clone() {
        // The demonstration starts Ready, with its customers calling.
        phone.send(Command::State { state: "ready".into(), reason: None });
        runtime.spawn(earshot_ui::demo::run_line(
            dir,
            port,
            Duration::from_secs(cli.demo_every.max(1)),
        ));
    }
    let saved_to = demo.is_none().then_some(path);
    let native = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Earshot")
            .with_inner_size([420.0, 720.0])
            .with_min_inner_size([320.0, 400.0]),
        persist_window: true,
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let result = eframe::run_native(
        "Earshot",
        native,
        Box::new(move |cc| {
            let mut app = EarshotApp::with_settings(phone, Some(runtime), window, saved_to);
            if std::env::var_os("EARSHOT_STARTUP_TIME").is_some() {
                eprintln!("earshot: window up {} ms after start", started.elapsed().as_millis());
                app.report_first_frame_since(started);
            }
            app.wake_on_events(cc.egui_ctx.clone());
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "earshot: cannot open the window ({e}). Run `earshot --headless` to use the phone without one."
            );
            ExitCode::from(2)
        }
    }
}
