//! Earshot's window (egui): the view model rebuilt from the phone's events, and the app
//! that renders it. The `earshot` binary (main.rs) opens it, or runs `--headless`.

pub mod app;
pub mod desk_panel;
pub mod history_panel;
pub mod model;
pub mod settings_panel;
pub mod team_panel;
