//! The desk in the window: the list of interactions (channel icon, contact, state, timer)
//! and the selected one's context panel — case data (editable where the rules allow),
//! screen-pop links, the disposition picker (search, groups, a key each), the note saved
//! as it is typed, and Done — and the desk's keys. The agent's state is in the top bar
//! (top_bar.rs), offers in their previews (preview.rs). The panel holds only what is
//! being typed; the phone decides and reports.

use std::collections::BTreeMap;

use earshot_engine::desk::DeskConfig;
use earshot_engine::desk::wrap_up::{Disposition, search};
use earshot_engine::phone::Command;
use earshot_engine::phone::api::InteractionView;
use eframe::egui::{self, AtomExt, RichText};

use crate::contact_glance;
use crate::i18n::{Arg, Translator, slug};
use crate::icons;
use crate::model::{ContactMatch, PhoneView};
use crate::preview::queue_label;
use crate::style::{self, GAP, SECTION_GAP, colour, interaction_tone};
use crate::time_text::clock_text;

/// What the desk holds between frames.
#[derive(Debug, Default)]
pub struct DeskPanel {
    /// Reasons, dispositions, offer time-outs: the configuration the phone runs with.
    pub config: DeskConfig,
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

/// How an interaction's state reads.
pub fn interaction_state_text(tr: &Translator, state: &str) -> String {
    match state {
        "offered" | "active" | "wrap-up" | "done" | "declined" | "missed" | "abandoned"
        | "transferred" => tr.t(&format!("interaction-{state}")),
        other => other.to_owned(),
    }
}

/// How a channel is named.
pub fn channel_text(tr: &Translator, channel: &str) -> String {
    match channel {
        "voice" | "chat" | "email" => tr.t(&format!("channel-{channel}")),
        other => other.to_owned(),
    }
}

/// The catalogue in the agent's language (labels and groups translated where the
/// language has them, else as configured), so that the picker shows and searches what
/// the agent reads.
pub fn translated_catalogue(tr: &Translator, catalogue: &[Disposition]) -> Vec<Disposition> {
    catalogue
        .iter()
        .map(|d| Disposition {
            label: tr
                .lookup(&format!("disposition-{}", slug(&d.code)))
                .unwrap_or_else(|| d.label.clone()),
            group: tr
                .lookup(&format!("disposition-group-{}", slug(&d.group)))
                .unwrap_or_else(|| d.group.clone()),
            ..d.clone()
        })
        .collect()
}

impl DeskPanel {
    pub fn new(config: DeskConfig) -> DeskPanel {
        DeskPanel { config, ..DeskPanel::default() }
    }

    /// The interaction selected in the list.
    pub fn selected(&self) -> Option<u64> {
        self.selected
    }

    /// Selects interaction `id` (one the agent has just accepted: worked on next).
    pub fn select(&mut self, id: u64) {
        self.selected = Some(id);
    }

    /// The reasons offered for Not Ready.
    pub fn reasons(&self) -> &[String] {
        &self.config.not_ready_reasons
    }

    /// The interactions the agent is working on (offered, active, wrap-up), then the
    /// finished ones of this run, newest first; a click selects one.
    pub fn list(&mut self, ui: &mut egui::Ui, tr: &Translator, view: &PhoneView, now_ms: u64) {
        if view.interactions.is_empty() {
            ui.weak(tr.t("interactions-none"));
            return;
        }
        // A finished interaction stays selected only while nothing else needs the agent.
        let newest_open = view.interactions.values().rev().find(|i| open(i)).map(|i| i.id);
        let selected_open =
            self.selected.and_then(|id| view.interactions.get(&id)).is_some_and(open);
        if !selected_open && newest_open.is_some()
            || self.selected.is_none_or(|id| !view.interactions.contains_key(&id))
        {
            self.selected = newest_open;
        }
        let (working, finished): (Vec<_>, Vec<_>) =
            view.interactions.values().rev().partition(|i| open(i));
        for i in working.iter().chain(finished.iter().take(10)) {
            let who = view
                .contacts_of
                .get(&i.id)
                .and_then(contact_glance::name)
                .or(i.contact_name.as_deref())
                .unwrap_or(&i.contact);
            let mut state = interaction_state_text(tr, &i.state);
            if i.held {
                state.push_str(&format!(", {}", tr.t("interaction-on-hold")));
            }
            let mut text = tr.t_with(
                "interaction-row",
                &[
                    ("channel", Arg::Text(&channel_text(tr, &i.channel))),
                    ("who", Arg::Text(who)),
                    ("state", Arg::Text(&state)),
                ],
            );
            if open(i) {
                // A chat's customer waiting for an answer counts from their oldest unanswered
                // message; anything else from its answer (or offer).
                let waiting = i.chat.as_ref().and_then(|c| c.waiting_since_ms);
                let since = waiting.or(i.accepted_ms).unwrap_or(i.offered_ms);
                text.push_str(&format!(" · {}", clock_text(now_ms.saturating_sub(since))));
            }
            if self.selected != Some(i.id)
                && let Some(badge) = crate::chat_panel::unread_badge(tr, i)
            {
                text.push_str(&format!(" · {badge}"));
            }
            let selected = self.selected == Some(i.id);
            let tone = interaction_tone(&i.state);
            let row = ui.add(
                egui::Button::selectable(
                    selected,
                    (
                        icons::icon(ui, icons::channel_icon(&i.channel), Some(tone)),
                        RichText::new(&text).atom_shrink(true),
                    ),
                )
                .min_size(egui::vec2(ui.available_width(), 0.0))
                .wrap(),
            );
            row.widget_info(|| {
                egui::WidgetInfo::selected(egui::Role::Button, true, selected, &text)
            });
            if row.clicked() {
                self.selected = Some(i.id);
            }
        }
    }

    /// The selected interaction's context: who and what, case data, links, disposition,
    /// note, Done.
    pub fn context(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        zone: &jiff::tz::TimeZone,
        view: &PhoneView,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(i) = self.selected.and_then(|id| view.interactions.get(&id)) else {
            return commands;
        };
        let contact = view.contacts_of.get(&i.id);
        ui.add_space(GAP);
        style::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            commands = self.context_inside(ui, tr, i, contact);
        });
        // Beside the context: the contact's earlier interactions with the team.
        if let Some(m) = contact {
            ui.add_space(GAP);
            style::card(ui).show(ui, |ui| {
                ui.set_width(ui.available_width());
                let now_ms = unix_ms();
                commands.extend(contact_glance::recent_list(ui, tr, &self.config, zone, m, now_ms));
            });
        }
        commands
    }

    fn context_inside(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        i: &InteractionView,
        contact: Option<&ContactMatch>,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let id = i.id;
        let who = contact
            .and_then(contact_glance::name)
            .or(i.contact_name.as_deref())
            .unwrap_or(&i.contact);
        ui.horizontal_wrapped(|ui| {
            let tone = interaction_tone(&i.state);
            ui.label(icons::icon(ui, icons::channel_icon(&i.channel), Some(tone)));
            ui.label(RichText::new(who).strong().size(15.0));
            ui.label(RichText::new(interaction_state_text(tr, &i.state)).color(colour(ui, tone)));
        });
        let mut about = vec![format!("#{id}"), channel_text(tr, &i.channel)];
        if let Some(q) = &i.queue {
            about.push(queue_label(&self.config, q));
        }
        ui.weak(about.join(" · "));
        if let Some((kind, parent)) = &i.link {
            let parent = parent.to_string();
            let text = match kind.as_str() {
                "consultation" => tr.t_with("link-consultation", &[("parent", Arg::Text(&parent))]),
                "transfer" => tr.t_with("link-transfer", &[("parent", Arg::Text(&parent))]),
                other => tr.t_with(
                    "link-other",
                    &[("kind", Arg::Text(other)), ("parent", Arg::Text(&parent))],
                ),
            };
            ui.weak(text);
        }
        let shown: Vec<_> = i.fields.iter().filter(|f| !f.hidden).collect();
        if !shown.is_empty() {
            ui.add_space(GAP);
            ui.label(RichText::new(tr.t("case-data")).small().strong());
            egui::Grid::new(("case", id))
                .num_columns(2)
                .spacing([12.0, 2.0])
                .min_row_height(20.0)
                .show(ui, |ui| {
                    for f in shown {
                        let name = ui.weak(&f.label);
                        if f.editable && open(i) {
                            let key = (id, f.name.clone());
                            let text =
                                self.edits.entry(key.clone()).or_insert_with(|| f.value.clone());
                            let field =
                                ui.add(
                                    egui::TextEdit::singleline(text)
                                        .desired_width(180.0)
                                        .id_salt(("case-field", id, &f.name)),
                                );
                            let field = field.labelled_by(name.id).on_hover_text(
                                tr.t_with("case-editable", &[("label", Arg::Text(&f.label))]),
                            );
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
        if !i.screen_pops.is_empty() {
            ui.add_space(GAP);
            ui.horizontal_wrapped(|ui| {
                for pop in &i.screen_pops {
                    match &pop.url {
                        Some(url) => {
                            ui.label(icons::icon(ui, icons::ICON_OPEN_IN_NEW, None));
                            ui.hyperlink_to(&pop.label, url);
                        }
                        None => {
                            let problem = pop.problem.clone().unwrap_or_default();
                            icons::button_enabled(
                                ui,
                                false,
                                icons::ICON_LINK_OFF,
                                &pop.label,
                                None,
                            )
                            .on_disabled_hover_text(
                                tr.t_with(
                                    "screen-pop-no-link",
                                    &[("problem", Arg::Text(&problem))],
                                ),
                            );
                        }
                    }
                }
            });
        }
        if matches!(i.state.as_str(), "active" | "wrap-up") {
            commands.extend(self.wrap_up(ui, tr, i));
        }
        commands
    }

    /// The disposition picker, the note and Done.
    fn wrap_up(&mut self, ui: &mut egui::Ui, tr: &Translator, i: &InteractionView) -> Vec<Command> {
        let mut commands = Vec::new();
        let id = i.id;
        ui.add_space(SECTION_GAP / 2.0);
        ui.separator();
        let catalogue = translated_catalogue(tr, &self.config.dispositions);
        let chosen = i.disposition.as_deref().map(|code| {
            catalogue
                .iter()
                .find(|d| d.code == code)
                .map_or_else(|| tr.configured("disposition", code), |d| d.label.clone())
        });
        ui.horizontal(|ui| {
            ui.label(RichText::new(tr.t("disposition")).strong());
            match chosen {
                Some(label) => {
                    ui.label(RichText::new(label).strong().color(colour(ui, style::Tone::Good)))
                }
                None if i.wrap_up == "mandatory" => ui.label(
                    RichText::new(tr.t("disposition-required")).color(colour(ui, style::Tone::Bad)),
                ),
                None => ui.weak(tr.t("disposition-none")),
            };
        });
        ui.horizontal(|ui| {
            ui.label(icons::icon(ui, icons::ICON_SEARCH, None));
            ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text(tr.t("disposition-search"))
                    .desired_width(200.0)
                    .id_salt("disposition-search"),
            )
            .accessible_name(tr.t("disposition-search"));
        });
        let typing = ui.ctx().memory(|m| m.focused().is_some());
        let found = search(&catalogue, &self.search);
        // Each group's codes as chips on wrapped rows, under the group's name.
        let mut groups: Vec<(&str, Vec<&Disposition>)> = Vec::new();
        for d in found {
            match groups.last_mut() {
                Some((g, codes)) if *g == d.group.as_str() => codes.push(d),
                _ => groups.push((d.group.as_str(), vec![d])),
            }
        }
        for (group, codes) in groups {
            if !group.is_empty() {
                ui.label(RichText::new(group).small().color(ui.visuals().weak_text_color()));
            }
            ui.horizontal_wrapped(|ui| {
                for d in codes {
                    let picked = i.disposition.as_deref() == Some(d.code.as_str());
                    let by_key = !typing
                        && d.key.and_then(key_of).is_some_and(|k| {
                            ui.input_mut(|inp| inp.consume_key(egui::Modifiers::ALT, k))
                        });
                    let keys = d.key.map(|k| format!("Alt+{k}"));
                    let weak = ui.visuals().weak_text_color();
                    let row = match &keys {
                        Some(k) => ui.add(egui::Button::selectable(
                            picked,
                            (RichText::new(&d.label), RichText::new(k).small().color(weak)),
                        )),
                        None => ui.add(egui::Button::selectable(picked, RichText::new(&d.label))),
                    };
                    row.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::Button, true, picked, &d.label)
                    });
                    if let Some(k) = keys {
                        ui.ctx().accesskit_node_builder(row.id, |node| node.set_description(k));
                    }
                    if row.clicked() || by_key {
                        commands.push(Command::Dispose { id, code: d.code.clone() });
                    }
                }
            });
        }
        ui.add_space(GAP);
        let label = ui.label(RichText::new(tr.t("note")).strong());
        let note = self.notes.entry(id).or_insert_with(|| i.note.clone());
        let field = ui.add(
            egui::TextEdit::multiline(note)
                .desired_rows(3)
                .desired_width(f32::INFINITY)
                .hint_text(tr.t("note-hint"))
                .id_salt(("note", id)),
        );
        let field = field.labelled_by(label.id);
        if field.changed() {
            commands.push(Command::Note { id, text: note.clone() });
        }
        if i.state == "wrap-up" {
            ui.add_space(GAP);
            let done = icons::button_toned(
                ui,
                icons::ICON_TASK_ALT,
                &tr.t("action-done"),
                Some(&tr.keys("E")),
                i.may_finish.then_some(style::Tone::Good),
                i.may_finish,
            )
            .on_disabled_hover_text(tr.t("done-needs-disposition"));
            if done.clicked() {
                commands.push(Command::Done { id });
            }
            if i.wrap_up == "time-boxed" {
                ui.weak(tr.t("wrap-up-time-boxed"));
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
