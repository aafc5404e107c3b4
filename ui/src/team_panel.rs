//! The supervisor's tab: the agents watched (from their dialog events) with presence,
//! desk state (Ready, Not Ready and why, After-Call Work, time in state) and calls; for an agent in a call, Listen, Whisper and Barge; for an agent between calls,
//! "Monitor next call"; for each of our monitoring calls, the mode to switch to and Stop;
//! and a field to watch another agent. The panel only asks; the phone decides.

use earshot_engine::phone::{CallId, Command};
use eframe::egui;

use crate::desk_panel::{clock_text, state_text, unix_ms};
use crate::model::PhoneView;

const MODES: [(&str, &str); 3] = [("listen", "Listen"), ("whisper", "Whisper"), ("barge", "Barge")];

/// What the tab holds between frames: the agent being typed.
#[derive(Debug, Default)]
pub struct TeamPanel {
    agent: String,
}

impl TeamPanel {
    /// Draws the tab; returns the command a button asked for.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &PhoneView) -> Option<Command> {
        let mut command = None;
        for (&id, (agent, mode)) in &view.monitoring {
            if let Some(c) = monitoring_controls(ui, id, agent, mode) {
                command = Some(c);
            }
        }
        if view.team.is_empty() {
            ui.label("No agents watched");
        }
        for (agent, (presence, calls)) in &view.team {
            ui.separator();
            ui.horizontal(|ui| {
                ui.strong(agent);
                ui.weak(presence);
            });
            if let Some(d) = view.team_states.get(agent) {
                let since = if d.since_ms > 0 {
                    format!(" · {}", clock_text(unix_ms().saturating_sub(d.since_ms)))
                } else {
                    String::new()
                };
                ui.label(format!("{}{since}", state_text(d)));
            }
            let monitored = view.monitoring.values().any(|(a, _)| a == agent);
            let answered: Vec<_> = calls.iter().filter(|c| c.state == "confirmed").collect();
            for c in calls {
                ui.label(format!(
                    "{} {} · {}",
                    if c.incoming { "from" } else { "to" },
                    c.remote,
                    c.state
                ));
            }
            if monitored {
                continue;
            }
            ui.horizontal(|ui| {
                if answered.is_empty() {
                    if presence == "online" && ui.button("Monitor next call").clicked() {
                        command = Some(Command::MonitorNext {
                            agent: agent.clone(),
                            mode: "listen".into(),
                        });
                    }
                    return;
                }
                for (mode, label) in MODES {
                    if ui.button(label).clicked() {
                        command =
                            Some(Command::Monitor { agent: agent.clone(), mode: mode.into() });
                    }
                }
            });
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.agent)
                    .hint_text("agent number or sip:…")
                    .desired_width(200.0),
            );
            let agent = self.agent.trim().to_owned();
            if ui.button("Watch").clicked() && !agent.is_empty() {
                command = Some(Command::Watch { agent });
                self.agent.clear();
            }
        });
        command
    }
}

/// One monitoring call: whom, the mode (click another to switch), Stop.
fn monitoring_controls(ui: &mut egui::Ui, id: CallId, agent: &str, mode: &str) -> Option<Command> {
    let mut command = None;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(format!("Monitoring {agent}"));
        ui.horizontal(|ui| {
            for (m, label) in MODES {
                if ui.selectable_label(mode == m, label).clicked() && mode != m {
                    command = Some(Command::MonitorMode { id, mode: m.into() });
                }
            }
            if ui.button("Stop").clicked() {
                command = Some(Command::Unmonitor { id });
            }
        });
    });
    command
}
