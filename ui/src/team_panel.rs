//! The supervisor's tab: the agents watched (from their dialog events) with presence,
//! desk state (Ready, Not Ready and why, After-Call Work, time in state) and calls; for an agent in a call, Listen, Whisper and Barge; for an agent between calls,
//! "Monitor next call"; for each of our monitoring calls, the mode to switch to and Stop;
//! each agent's chats, followed (followed_chats.rs); and a field to watch another agent. The panel only asks; the phone decides.

use earshot_engine::phone::{CallId, Command};
use eframe::egui;

use crate::desk_panel::unix_ms;
use crate::followed_chats::FollowedChats;
use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::PhoneView;
use crate::style::{self, GAP, agent_tone};
use crate::time_text::clock_text;
use crate::top_bar::{dot, state_text};
use egui_material_icons::MaterialIcon;

/// The monitoring modes: the phone's name, the label's key, the icon.
const MODES: [(&str, &str, MaterialIcon); 3] = [
    ("listen", "mode-listen", icons::ICON_HEARING),
    ("whisper", "mode-whisper", icons::ICON_RECORD_VOICE_OVER),
    ("barge", "mode-barge", icons::ICON_CAMPAIGN),
];

/// How a presence reads.
fn presence_text(tr: &Translator, presence: &str) -> String {
    match presence {
        "online" | "offline" => tr.t(&format!("presence-{presence}")),
        other => other.to_owned(),
    }
}

/// What the tab holds between frames: the agent being typed, the chats followed.
#[derive(Debug, Default)]
pub struct TeamPanel {
    agent: String,
    chats: FollowedChats,
}

impl TeamPanel {
    /// Draws the tab; returns the command a button asked for.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        view: &PhoneView,
    ) -> Option<Command> {
        let mut command = None;
        for (&id, (agent, mode)) in &view.monitoring {
            if let Some(c) = monitoring_controls(ui, tr, id, agent, mode) {
                command = Some(c);
            }
        }
        if view.team.is_empty() {
            ui.weak(tr.t("team-none"));
        }
        for (agent, (presence, calls)) in &view.team {
            let state = view.team_states.get(agent);
            style::card(ui).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_wrapped(|ui| {
                    let tone = state.map_or(style::Tone::Quiet, |d| agent_tone(&d.state, d.busy));
                    dot(ui, tone);
                    ui.strong(agent);
                    ui.weak(presence_text(tr, presence));
                });
                if let Some(d) = state {
                    let since = if d.since_ms > 0 {
                        format!(" · {}", clock_text(unix_ms().saturating_sub(d.since_ms)))
                    } else {
                        String::new()
                    };
                    ui.label(format!("{}{since}", state_text(tr, d)));
                }
                if let Some(c) = self.chats.show(ui, tr, view, agent) {
                    command = Some(c);
                }
                let monitored = view.monitoring.values().any(|(a, _)| a == agent);
                let answered: Vec<_> = calls.iter().filter(|c| c.state == "confirmed").collect();
                for c in calls {
                    let key = if c.incoming { "team-call-from" } else { "team-call-to" };
                    ui.label(tr.t_with(
                        key,
                        &[("remote", Arg::Text(&c.remote)), ("state", Arg::Text(&c.state))],
                    ));
                }
                if monitored {
                    return;
                }
                ui.horizontal_wrapped(|ui| {
                    if answered.is_empty() {
                        let label = tr.t("team-monitor-next");
                        if presence == "online"
                            && icons::button(ui, icons::ICON_VISIBILITY, &label, None).clicked()
                        {
                            command = Some(Command::MonitorNext {
                                agent: agent.clone(),
                                mode: "listen".into(),
                            });
                        }
                        return;
                    }
                    for (mode, key, glyph) in MODES {
                        if icons::button(ui, glyph, &tr.t(key), None).clicked() {
                            command =
                                Some(Command::Monitor { agent: agent.clone(), mode: mode.into() });
                        }
                    }
                });
            });
            ui.add_space(GAP);
        }
        ui.add_space(GAP);
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.agent)
                    .hint_text(tr.t("team-watch-hint"))
                    .desired_width(200.0),
            )
            .accessible_name(tr.t("team-watch-name"));
            let agent = self.agent.trim().to_owned();
            if icons::button(ui, icons::ICON_GROUP_ADD, &tr.t("team-watch"), None).clicked()
                && !agent.is_empty()
            {
                command = Some(Command::Watch { agent });
                self.agent.clear();
            }
        });
        command
    }
}

/// One monitoring call: whom, the mode (click another to switch), Stop.
fn monitoring_controls(
    ui: &mut egui::Ui,
    tr: &Translator,
    id: CallId,
    agent: &str,
    mode: &str,
) -> Option<Command> {
    let mut command = None;
    style::alert_card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.strong(tr.t_with("team-monitoring", &[("agent", Arg::Text(agent))]));
        ui.horizontal_wrapped(|ui| {
            for (m, key, glyph) in MODES {
                if icons::toggle(ui, mode == m, glyph, &tr.t(key)).clicked() && mode != m {
                    command = Some(Command::MonitorMode { id, mode: m.into() });
                }
            }
            let stop = icons::button_toned(
                ui,
                icons::ICON_STOP_CIRCLE,
                &tr.t("action-stop"),
                None,
                Some(style::Tone::Bad),
                true,
            );
            if stop.clicked() {
                command = Some(Command::Unmonitor { id });
            }
        });
    });
    ui.add_space(GAP);
    command
}
