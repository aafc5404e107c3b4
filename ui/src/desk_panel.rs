//! The desk in the window: the agent's state bar (state, reason, time in state; Ready, Not
//! Ready with a reason, Log out), the preview of each offered interaction (channel,
//! contact, queue, time waited, case fields, the countdown of a routed offer, Accept and
//! Decline), the list of interactions with their state, and the selected one's context
//! panel: case data (editable where the rules allow), screen-pop links, the disposition
//! picker (search, groups, a key each), the note saved as it is typed, and Done. The panel
//! holds only what is being typed; the phone decides and reports.

use std::collections::BTreeMap;

use earshot_engine::desk::DeskConfig;
use earshot_engine::desk::wrap_up::search;
use earshot_engine::phone::Command;
use earshot_engine::phone::api::InteractionView;
use eframe::egui;

use crate::model::{AgentStateView, PhoneView};

/// What the desk holds between frames.
#[derive(Debug, Default)]
pub struct DeskPanel {
    /// Reasons, dispositions, offer time-outs: the configuration the phone runs with.
    config: DeskConfig,
    /// The interaction the context panel shows.
    pub selected: Option<u64>,
    /// Notes as typed, by interaction (each change is sent at once).
    notes: BTreeMap<u64, String>,
    /// Case fields being edited, by interaction and field (sent on Enter or leaving).
    edits: BTreeMap<(u64, String), String>,
    /// The disposition picker's search.
    search: String,
}

/// Unix milliseconds now (the window reads the clock; the desk takes it as input).
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// "4:05" for 245 s; "1:02:03" past the hour.
pub fn clock_text(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// How the agent's state reads: "Ready", "Not Ready — Lunch", "After-call work", …
pub fn state_text(s: &AgentStateView) -> String {
    let name = match s.state.as_str() {
        "ready" if s.busy => "Ready (busy)",
        "ready" => "Ready",
        "not-ready" => "Not Ready",
        "after-call-work" => "After-call work",
        "logged-out" => "Logged out",
        other => other,
    };
    match &s.reason {
        Some(r) => format!("{name} — {r}"),
        None => name.to_owned(),
    }
}

/// How an interaction's state reads in the list.
pub fn interaction_state_text(state: &str) -> &str {
    match state {
        "offered" => "offered",
        "active" => "active",
        "wrap-up" => "wrap-up",
        "done" => "done",
        "declined" => "declined",
        "missed" => "missed",
        "abandoned" => "abandoned",
        "transferred" => "transferred",
        other => other,
    }
}

fn channel_text(channel: &str) -> &str {
    match channel {
        "voice" => "call",
        "chat" => "chat",
        "email" => "email",
        other => other,
    }
}

impl DeskPanel {
    pub fn new(config: DeskConfig) -> DeskPanel {
        DeskPanel { config, ..DeskPanel::default() }
    }

    /// The reasons offered for Not Ready.
    pub fn reasons(&self) -> &[String] {
        &self.config.not_ready_reasons
    }

    /// The agent's state and the controls that change it, one click each.
    pub fn state_bar(&self, ui: &mut egui::Ui, view: &PhoneView, now_ms: u64) -> Option<Command> {
        let mut command = None;
        ui.horizontal_wrapped(|ui| match &view.agent_state {
            Some(s) => {
                let colour = match s.state.as_str() {
                    "ready" if !s.busy => egui::Color32::from_rgb(0x2e, 0x9e, 0x4f),
                    "ready" | "after-call-work" => egui::Color32::from_rgb(0xd0, 0x8c, 0x1c),
                    "not-ready" => egui::Color32::from_rgb(0xc8, 0x3c, 0x3c),
                    _ => ui.visuals().weak_text_color(),
                };
                // A dot in the state's colour (drawn: not every font has U+25CF).
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                ui.painter().circle_filled(rect.center(), 5.0, colour);
                ui.strong(state_text(s));
                ui.weak(clock_text(now_ms.saturating_sub(s.since_ms)));
                if let Some(next) = &s.next {
                    ui.weak(format!("then {next}"));
                }
            }
            None => {
                ui.weak("Desk starting");
            }
        });
        ui.horizontal_wrapped(|ui| {
            if ui.button("Ready").on_hover_text("Ctrl+Shift+R").clicked() {
                command = Some(Command::State { state: "ready".into(), reason: None });
            }
            // Not Ready opens the reasons; one more click sets it.
            ui.menu_button("Not Ready", |ui| {
                for r in &self.config.not_ready_reasons {
                    if ui.button(r).clicked() {
                        command = Some(Command::State {
                            state: "not-ready".into(),
                            reason: Some(r.clone()),
                        });
                        ui.close();
                    }
                }
            })
            .response
            .on_hover_text("Ctrl+Shift+N: the first reason");
            if ui.button("Log out").clicked() {
                command = Some(Command::State { state: "logout".into(), reason: None });
            }
        });
        command
    }

    /// The previews of offered interactions, on top of whatever the agent is doing.
    pub fn previews(&self, ui: &mut egui::Ui, view: &PhoneView, now_ms: u64) -> Vec<Command> {
        let mut commands = Vec::new();
        for i in view.interactions.values().filter(|i| i.state == "offered") {
            egui::Frame::group(ui.style())
                .fill(ui.visuals().selection.bg_fill.gamma_multiply(0.3))
                .show(ui, |ui| {
                    let who = i.contact_name.as_deref().unwrap_or(&i.contact);
                    let what = match i.channel.as_str() {
                        "voice" => format!("Incoming call from {who}"),
                        other => format!("Incoming {other} from {who}"),
                    };
                    ui.strong(what);
                    let waited = clock_text(now_ms.saturating_sub(i.offered_ms));
                    let by = i.queue.as_deref().map(|q| self.queue_label(q)).unwrap_or_default();
                    let mut line = if by.is_empty() {
                        format!("direct · waiting {waited}")
                    } else {
                        format!("{by} · waiting {waited}")
                    };
                    if let Some(left) = self.offer_left_ms(i, now_ms) {
                        line.push_str(&format!(" · withdrawn in {} s", left.div_ceil(1000)));
                    }
                    ui.label(line);
                    for f in i.fields.iter().filter(|f| !f.hidden) {
                        ui.label(format!("{}: {}", f.label, f.value));
                    }
                    ui.horizontal(|ui| {
                        if ui.button("Accept").on_hover_text("Ctrl+Shift+A").clicked() {
                            commands.push(Command::Accept { id: i.id });
                        }
                        if ui.button("Decline").on_hover_text("Ctrl+Shift+D").clicked() {
                            commands.push(Command::Decline { id: i.id });
                        }
                    });
                });
        }
        commands
    }

    /// A queue's label (its configured one, else its address).
    fn queue_label(&self, queue: &str) -> String {
        self.config.queues.get(queue).and_then(|q| q.label.clone()).unwrap_or(queue.to_owned())
    }

    /// How long a routed offer has before it is withdrawn (none for a direct call).
    pub fn offer_left_ms(&self, i: &InteractionView, now_ms: u64) -> Option<u64> {
        i.queue.as_ref()?;
        let until = i.offered_ms + self.config.offer_timeout_s * 1000;
        Some(until.saturating_sub(now_ms))
    }

    /// The interactions the agent is working on (offered, active, wrap-up), then the
    /// finished ones of this run, newest first; a click selects one.
    pub fn list(&mut self, ui: &mut egui::Ui, view: &PhoneView, now_ms: u64) {
        if view.interactions.is_empty() {
            ui.weak("No interactions yet");
            return;
        }
        if self.selected.is_none_or(|id| !view.interactions.contains_key(&id)) {
            self.selected = view.interactions.values().rev().find(|i| open(i)).map(|i| i.id);
        }
        let (working, finished): (Vec<_>, Vec<_>) =
            view.interactions.values().rev().partition(|i| open(i));
        for i in working.iter().chain(finished.iter().take(10)) {
            let who = i.contact_name.as_deref().unwrap_or(&i.contact);
            let since = i.accepted_ms.unwrap_or(i.offered_ms);
            let time = if open(i) {
                format!(" · {}", clock_text(now_ms.saturating_sub(since)))
            } else {
                String::new()
            };
            let text = format!(
                "#{} {} {} — {}{}{}",
                i.id,
                channel_text(&i.channel),
                who,
                interaction_state_text(&i.state),
                if i.held { ", on hold" } else { "" },
                time
            );
            if ui.selectable_label(self.selected == Some(i.id), text).clicked() {
                self.selected = Some(i.id);
            }
        }
    }

    /// The selected interaction's context: case data, links, disposition, note, Done.
    pub fn context(&mut self, ui: &mut egui::Ui, view: &PhoneView) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(i) = self.selected.and_then(|id| view.interactions.get(&id)) else {
            return commands;
        };
        let id = i.id;
        ui.separator();
        ui.strong(format!("Interaction #{id} — {}", interaction_state_text(&i.state)));
        if let Some((kind, parent)) = &i.link {
            ui.weak(format!("{kind} of #{parent}"));
        }
        let shown: Vec<_> = i.fields.iter().filter(|f| !f.hidden).collect();
        if !shown.is_empty() {
            egui::Grid::new(("case", id)).num_columns(2).spacing([12.0, 4.0]).show(ui, |ui| {
                for f in shown {
                    ui.label(&f.label);
                    if f.editable && open(i) {
                        let key = (id, f.name.clone());
                        let text = self.edits.entry(key.clone()).or_insert_with(|| f.value.clone());
                        let field = ui.add(
                            egui::TextEdit::singleline(text).desired_width(180.0).id_salt((
                                "case-field",
                                id,
                                &f.name,
                            )),
                        );
                        let field = field.on_hover_text(format!("{} (editable)", f.label));
                        if field.lost_focus() && *text != f.value {
                            commands.push(Command::Case {
                                id,
                                field: f.name.clone(),
                                value: text.clone(),
                            });
                        } else if !field.has_focus() && *text != f.value && !field.changed() {
                            // What the phone holds wins once the edit has gone.
                            text.clone_from(&f.value);
                        }
                    } else {
                        ui.label(&f.value);
                    }
                    ui.end_row();
                }
            });
        }
        for pop in &i.screen_pops {
            match &pop.url {
                Some(url) => {
                    ui.hyperlink_to(&pop.label, url);
                }
                None => {
                    ui.add_enabled(false, egui::Button::new(&pop.label)).on_disabled_hover_text(
                        pop.problem.clone().unwrap_or_else(|| "no link".into()),
                    );
                }
            }
        }
        if matches!(i.state.as_str(), "active" | "wrap-up") {
            commands.extend(self.wrap_up(ui, i));
        }
        commands
    }

    /// The disposition picker, the note and Done.
    fn wrap_up(&mut self, ui: &mut egui::Ui, i: &InteractionView) -> Vec<Command> {
        let mut commands = Vec::new();
        let id = i.id;
        ui.separator();
        let chosen = i.disposition.as_deref().and_then(|code| {
            self.config.dispositions.iter().find(|d| d.code == code).map(|d| d.label.as_str())
        });
        ui.horizontal(|ui| {
            ui.label("Disposition:");
            match (chosen, &i.disposition) {
                (Some(label), _) => ui.strong(label),
                (None, Some(code)) => ui.strong(code),
                (None, None) => ui.weak(if i.wrap_up == "mandatory" { "required" } else { "none" }),
            };
        });
        ui.add(
            egui::TextEdit::singleline(&mut self.search)
                .hint_text("search codes")
                .desired_width(200.0)
                .id_salt("disposition-search"),
        );
        let typing = ui.ctx().memory(|m| m.focused().is_some());
        let found = search(&self.config.dispositions, &self.search);
        let mut group = None;
        for d in found {
            if group != Some(d.group.as_str()) && !d.group.is_empty() {
                ui.weak(&d.group);
            }
            group = Some(d.group.as_str());
            let key = d.key.map(|k| format!(" ({k})")).unwrap_or_default();
            let picked = i.disposition.as_deref() == Some(d.code.as_str());
            let by_key = !typing
                && d.key
                    .and_then(key_of)
                    .is_some_and(|k| ui.input_mut(|inp| inp.consume_key(egui::Modifiers::ALT, k)));
            if ui.selectable_label(picked, format!("{}{key}", d.label)).clicked() || by_key {
                commands.push(Command::Dispose { id, code: d.code.clone() });
            }
        }
        ui.label("Note:");
        let note = self.notes.entry(id).or_insert_with(|| i.note.clone());
        let field = ui.add(
            egui::TextEdit::multiline(note)
                .desired_rows(3)
                .desired_width(f32::INFINITY)
                .hint_text("what happened, what was promised")
                .id_salt(("note", id)),
        );
        if field.changed() {
            commands.push(Command::Note { id, text: note.clone() });
        }
        if i.state == "wrap-up" {
            let done = ui
                .add_enabled(i.may_finish, egui::Button::new("Done"))
                .on_hover_text("Ctrl+Shift+E")
                .on_disabled_hover_text("choose a disposition first");
            if done.clicked() {
                commands.push(Command::Done { id });
            }
            if i.wrap_up == "time-boxed" {
                ui.weak("Ready again when the wrap-up time is up");
            }
        }
        commands
    }

    /// The keys that work from anywhere in the window: accept and decline the oldest
    /// offer, Ready, Not Ready (first reason), Done for the selected interaction.
    pub fn shortcuts(&self, ui: &egui::Ui, view: &PhoneView) -> Vec<Command> {
        let mut commands = Vec::new();
        let pressed = |key| {
            ui.input_mut(|i| i.consume_key(egui::Modifiers::CTRL | egui::Modifiers::SHIFT, key))
        };
        let offered = view.interactions.values().find(|i| i.state == "offered").map(|i| i.id);
        if let Some(id) = offered {
            if pressed(egui::Key::A) {
                commands.push(Command::Accept { id });
            }
            if pressed(egui::Key::D) {
                commands.push(Command::Decline { id });
            }
        }
        if pressed(egui::Key::R) {
            commands.push(Command::State { state: "ready".into(), reason: None });
        }
        if pressed(egui::Key::N)
            && let Some(reason) = self.config.not_ready_reasons.first()
        {
            commands
                .push(Command::State { state: "not-ready".into(), reason: Some(reason.clone()) });
        }
        if let Some(i) = self.selected.and_then(|id| view.interactions.get(&id))
            && i.state == "wrap-up"
            && i.may_finish
            && pressed(egui::Key::E)
        {
            commands.push(Command::Done { id: i.id });
        }
        commands
    }

    /// Forgets what was typed for interactions that are finished.
    pub fn tidy(&mut self, view: &PhoneView) {
        let finished = |id: &u64| view.interactions.get(id).is_none_or(|i| !open(i));
        self.notes.retain(|id, _| !finished(id));
        self.edits.retain(|(id, _), _| !finished(id));
    }
}

/// Offered, active or in wrap-up: the agent still has work on it.
pub fn open(i: &InteractionView) -> bool {
    matches!(i.state.as_str(), "offered" | "active" | "wrap-up")
}

/// The egui key for a disposition's key character (digits and letters).
fn key_of(c: char) -> Option<egui::Key> {
    egui::Key::from_name(&c.to_ascii_uppercase().to_string())
}
