//! Earshot's window (egui): the view model rebuilt from the phone's events, and the app
//! that renders it in the agent's language. The `earshot` binary (main.rs) opens it, or
//! runs `--headless`.

pub mod app;
pub mod call_panel;
pub mod chat_panel;
pub mod contact_glance;
pub mod demo;
pub mod desk_panel;
pub mod email_composer;
pub mod email_model;
pub mod email_panel;
pub mod file_chooser;
pub mod followed_chats;
pub mod fonts;
pub mod history_panel;
pub mod i18n;
pub mod icons;
pub mod model;
pub mod notify;
pub mod preview;
pub mod settings_panel;
pub mod style;
pub mod team_communicator;
pub mod team_panel;
pub mod time_text;
pub mod top_bar;
