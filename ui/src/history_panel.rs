//! The history tab: the most recent calls from the phone's SQLite history, newest first —
//! direction, party, when (in the agent's time zone and language), how long, how it ended
//! and its quality — with a button to call the party back.

use earshot_engine::phone::Command;
use earshot_engine::phone::history::Outcome;
use eframe::egui;

use jiff::tz::TimeZone;

use crate::i18n::Translator;
use crate::icons;
use crate::model::PhoneView;
use crate::style;
use crate::time_text::{clock_text, moment_text};

/// Draws the tab; returns the command a button asked for.
pub fn show(
    ui: &mut egui::Ui,
    tr: &Translator,
    zone: &TimeZone,
    view: &PhoneView,
    now_ms: i64,
) -> Option<Command> {
    let mut command = None;
    if icons::button(ui, icons::ICON_REFRESH, &tr.t("history-refresh"), None).clicked() {
        command = Some(Command::History { limit: 50 });
    }
    if view.history.is_empty() {
        ui.weak(tr.t("history-none"));
        return command;
    }
    // Two lines a call, to fit the compact window: who, then when, how and the button.
    for c in &view.history {
        ui.separator();
        ui.horizontal(|ui| {
            let (glyph, key) = if c.incoming {
                (icons::ICON_CALL_RECEIVED, "history-in")
            } else {
                (icons::ICON_CALL_MADE, "history-out")
            };
            let tone = (c.outcome != Outcome::Answered).then_some(style::Tone::Bad);
            ui.label(icons::icon(ui, glyph, tone));
            ui.label(tr.t(key));
            ui.strong(&c.remote);
        });
        ui.horizontal(|ui| {
            let mos = c.mos.map(|m| format!(" · MOS {m:.1}")).unwrap_or_default();
            let time = moment_text(tr, zone, c.started_ms, now_ms);
            let how = outcome(tr, c.outcome, c.duration_s());
            ui.weak(format!("{time} · {how}{mos}"));
            if icons::button(ui, icons::ICON_PHONE_CALLBACK, &tr.t("history-call-back"), None)
                .clicked()
            {
                command = Some(Command::Call { uri: c.remote.clone() });
            }
        });
    }
    command
}

fn outcome(tr: &Translator, o: Outcome, duration_s: f64) -> String {
    match o {
        Outcome::Answered => clock_text((duration_s.max(0.0).round() as u64) * 1000),
        Outcome::Missed => tr.t("outcome-missed"),
        Outcome::Rejected => tr.t("outcome-rejected"),
        Outcome::Cancelled => tr.t("outcome-cancelled"),
        Outcome::Failed => tr.t("outcome-failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_well() {
        let tr = Translator::new("en");
        assert_eq!(outcome(&tr, Outcome::Answered, 125.4), "2:05");
        assert_eq!(outcome(&tr, Outcome::Missed, 0.0), "missed");
        assert_eq!(outcome(&Translator::new("fr-CA"), Outcome::Missed, 0.0), "manqué");
    }
}
