//! The history tab: the most recent calls from the phone's SQLite history, newest first —
//! direction, party, when, how long, how it ended and its quality — with a button to call
//! the party back.

use earshot_engine::phone::Command;
use earshot_engine::phone::history::Outcome;
use eframe::egui;

use crate::model::PhoneView;

/// Draws the tab; returns the command a button asked for.
pub fn show(ui: &mut egui::Ui, view: &PhoneView) -> Option<Command> {
    let mut command = None;
    if ui.button("Refresh").clicked() {
        command = Some(Command::History { limit: 50 });
    }
    if view.history.is_empty() {
        ui.label("No calls yet");
        return command;
    }
    // Two lines a call, to fit the compact window: who, then when, how and the button.
    for c in &view.history {
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(if c.incoming { "in" } else { "out" });
            ui.strong(&c.remote);
        });
        ui.horizontal(|ui| {
            let mos = c.mos.map(|m| format!(" · MOS {m:.1}")).unwrap_or_default();
            let (time, how) = (when(c.started_ms), outcome(c.outcome, c.duration_s()));
            ui.weak(format!("{time} UTC · {how}{mos}"));
            if ui.small_button("Call back").clicked() {
                command = Some(Command::Call { uri: c.remote.clone() });
            }
        });
    }
    command
}

fn outcome(o: Outcome, duration_s: f64) -> String {
    match o {
        Outcome::Answered => {
            let s = duration_s.round() as u64;
            format!("{}:{:02}", s / 60, s % 60)
        }
        Outcome::Missed => "missed".into(),
        Outcome::Rejected => "rejected".into(),
        Outcome::Cancelled => "cancelled".into(),
        Outcome::Failed => "failed".into(),
    }
}

/// A Unix-millisecond time as `YYYY-MM-DD HH:MM` (UTC).
fn when(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", rest / 3600, rest % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_outcomes_read_well() {
        assert_eq!(when(0), "1970-01-01 00:00");
        // 2026-11-24 10:30:00 UTC.
        assert_eq!(when(1_795_516_200_000), "2026-11-24 10:30");
        assert_eq!(when(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(outcome(Outcome::Answered, 125.4), "2:05");
        assert_eq!(outcome(Outcome::Missed, 0.0), "missed");
    }
}
