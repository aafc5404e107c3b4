//! The top bar: the agent's state in its colour with the reason and the time in state,
//! what comes next ("then Not Ready — Lunch"), our address and registration, and the
//! controls that change the state (Ready, Not Ready with a reason, Log out), each with
//! its shortcut shown.

use earshot_engine::phone::Command;
use eframe::egui::{self, RichText};

use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::{AgentStateView, PhoneView};
use crate::style::{self, DOT_RADIUS, GAP, Tone, agent_tone, colour};
use crate::time_text::clock_text;

/// How the agent's state reads: "Ready", "Not Ready — Lunch", "After-call work", …
pub fn state_text(tr: &Translator, s: &AgentStateView) -> String {
    let name = match s.state.as_str() {
        "ready" if s.busy => tr.t("state-ready-busy"),
        "ready" => tr.t("state-ready"),
        "not-ready" => tr.t("state-not-ready"),
        "after-call-work" => tr.t("state-after-call-work"),
        "logged-out" => tr.t("state-logged-out"),
        other => other.to_owned(),
    };
    match &s.reason {
        Some(r) => tr.t_with(
            "state-with-reason",
            &[("state", Arg::Text(&name)), ("reason", Arg::Text(&tr.configured("reason", r)))],
        ),
        None => name,
    }
}

/// The time in state between interactions: seconds in the first minute ("0:42"), then
/// minutes ("12 min", "1 h 05"), so that an idle window repaints once a minute.
pub fn state_clock(tr: &Translator, ms: u64) -> String {
    let minutes = ms / 60_000;
    match minutes {
        0 => clock_text(ms),
        1..60 => tr.t_with("clock-minutes", &[("minutes", Arg::Number(minutes as f64))]),
        _ => tr.t_with(
            "clock-hours",
            &[
                ("hours", Arg::Number((minutes / 60) as f64)),
                ("minutes", Arg::Text(&format!("{:02}", minutes % 60))),
            ],
        ),
    }
}

/// A filled dot in `tone`'s colour (drawn: not every font has U+25CF).
pub fn dot(ui: &mut egui::Ui, tone: Tone) {
    let size = egui::vec2(2.0 * DOT_RADIUS + 2.0, 2.0 * DOT_RADIUS + 2.0);
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), DOT_RADIUS, colour(ui, tone));
}

/// How the registration reads ("Registered", "Registration failed (401 Unauthorized)").
fn registration_text(tr: &Translator, registration: &str) -> String {
    match registration {
        "registered" => tr.t("registration-registered"),
        "registering" => tr.t("registration-registering"),
        "unregistered" => tr.t("registration-unregistered"),
        other => match other.strip_prefix("failed (").and_then(|d| d.strip_suffix(')')) {
            Some(detail) => tr.t_with("registration-failed", &[("detail", Arg::Text(detail))]),
            None => tr.t_with("registration-other", &[("state", Arg::Text(other))]),
        },
    }
}

/// The team store's state when it is not simply there: offline with the writes that wait
/// (why on hover), or catching up.
fn team_store(ui: &mut egui::Ui, tr: &Translator, view: &PhoneView) {
    let Some(s) = &view.team_store else { return };
    let waiting = Arg::Number(s.waiting as f64);
    let (glyph, tone, text) = match (s.online, s.waiting) {
        (false, _) => (
            icons::ICON_CLOUD_OFF,
            Tone::Bad,
            tr.t_with("team-store-offline", &[("waiting", waiting)]),
        ),
        (true, 0) => return,
        (true, _) => (
            icons::ICON_CLOUD_UPLOAD,
            Tone::Busy,
            tr.t_with("team-store-sending", &[("waiting", waiting)]),
        ),
    };
    let badge = ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = GAP;
        ui.label(icons::icon(ui, glyph, Some(tone)));
        ui.label(RichText::new(&text).small().strong().color(colour(ui, tone)))
    });
    if let Some(why) = &s.why {
        badge.inner.on_hover_text(tr.t_with("team-store-why", &[("why", Arg::Text(why))]));
    }
}

/// Draws the bar; returns the state change a control asked for.
pub fn show(
    ui: &mut egui::Ui,
    tr: &Translator,
    view: &PhoneView,
    reasons: &[String],
    now_ms: u64,
    minutes: bool,
) -> Option<Command> {
    let mut command = None;
    style::card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| match &view.agent_state {
            Some(s) => {
                let tone = agent_tone(&s.state, s.busy);
                dot(ui, tone);
                ui.label(RichText::new(state_text(tr, s)).strong().color(colour(ui, tone)));
                let in_state = now_ms.saturating_sub(s.since_ms);
                let time = if minutes { state_clock(tr, in_state) } else { clock_text(in_state) };
                ui.label(RichText::new(format!("· {time}")).monospace())
                    .on_hover_text(tr.t("state-time"));
                if let Some(next) = &s.next {
                    ui.weak(tr.t_with("state-then", &[("next", Arg::Text(next))]));
                }
            }
            None => {
                ui.weak(tr.t("desk-starting"));
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = GAP;
            ui.weak(tr.t_with("you-are", &[("uri", Arg::Text(&view.uri))]));
            if !view.registration.is_empty() {
                let tone = if view.registration == "registered" { Tone::Good } else { Tone::Bad };
                ui.label(
                    RichText::new(registration_text(tr, &view.registration))
                        .small()
                        .color(colour(ui, tone)),
                );
            }
            team_store(ui, tr, view);
        });
        ui.add_space(GAP);
        ui.horizontal_wrapped(|ui| {
            let ready = icons::button_toned(
                ui,
                icons::ICON_CHECK_CIRCLE,
                &tr.t("action-ready"),
                Some(&tr.keys("R")),
                Some(Tone::Good),
                true,
            );
            if ready.clicked() {
                command = Some(Command::State { state: "ready".into(), reason: None });
            }
            // Not Ready opens the reasons; one more click sets it.
            let label = tr.t("action-not-ready");
            let first = reasons.first().map(|r| tr.configured("reason", r)).unwrap_or_default();
            let menu = ui.menu_button(
                (icons::icon(ui, icons::ICON_DO_NOT_DISTURB_ON, Some(Tone::Bad)), label.as_str()),
                |ui| {
                    for r in reasons {
                        if ui.button(tr.configured("reason", r)).clicked() {
                            command = Some(Command::State {
                                state: "not-ready".into(),
                                reason: Some(r.clone()),
                            });
                            ui.close();
                        }
                    }
                },
            );
            let shortcut = tr.t_with("not-ready-first-reason", &[("reason", Arg::Text(&first))]);
            icons::announce_as(&menu.response, egui::Role::Button, true, &label, Some(&shortcut));
            menu.response.on_hover_text(shortcut);
            if icons::button(ui, icons::ICON_LOGOUT, &tr.t("action-log-out"), None).clicked() {
                command = Some(Command::State { state: "logout".into(), reason: None });
            }
        });
    });
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_clock_counts_minutes_after_the_first() {
        let en = Translator::new("en");
        assert_eq!(state_clock(&en, 42_000), "0:42");
        assert_eq!(state_clock(&en, 12 * 60_000 + 5_000), "12 min");
        assert_eq!(state_clock(&en, 65 * 60_000), "1 h 05");
        assert_eq!(state_clock(&Translator::new("fr-CA"), 65 * 60_000), "1 h 05");
    }
}
