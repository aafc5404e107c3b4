//! Team Communicator: one box at the top of the desk (Ctrl+K from anywhere) to reach
//! people — colleagues with their live state, queues, customers — found as the agent types
//! (the phone's index answers each keystroke), grouped, best first, each with what can be
//! done with it now: Call with no call up; Consult, Transfer and Conference with one; a
//! customer's card. Enter acts on the first result, or dials what was typed when nothing
//! matches. The box holds only what is typed and which card is open; the phone decides.

use earshot_engine::desk::DeskConfig;
use earshot_engine::directory::{Hit, TargetKind};
use earshot_engine::phone::{CallId, CallState, Command};
use eframe::egui::{self, RichText};
use jiff::tz::TimeZone;

use crate::i18n::{Arg, Translator};
use crate::icons::{self, announce_as};
use crate::model::PhoneView;
use crate::style::{self, FIELD_WIDTH, GAP, Tone, agent_tone, colour};
use crate::top_bar::dot;

/// What the box holds between frames.
#[derive(Debug, Default)]
pub struct TeamCommunicator {
    /// What is typed.
    pub text: String,
    /// The last text searched for.
    asked: String,
    /// The contact whose card is open, and its name as being edited.
    pub card: Option<u64>,
    card_name: String,
    /// A conference asked from a result: the call it joins, and the address consulted
    /// (joined once that call is up).
    conference: Option<(CallId, String)>,
    /// The favourites and recent targets show under the empty box (opened by focusing
    /// it, closed by Escape, Close or an action taken from it).
    pub at_hand: bool,
    /// The chat the agent works on (selected and active): a colleague found here can be
    /// consulted about it or handed it.
    pub chat: Option<u64>,
    /// A new email asked for from a result: the address it goes to (the desk opens its
    /// composer).
    pub email_to: Option<String>,
}

/// How many of each list show under the empty box.
const AT_HAND_SHOWN: usize = 8;

/// The address to call a result at: an agent's or a queue's own, a contact's first
/// number or SIP address (a number written with spaces and dashes, dialled as digits).
pub fn dial_address(hit: &Hit) -> Option<String> {
    match hit.kind {
        TargetKind::Agent | TargetKind::Queue => Some(hit.id.clone()),
        TargetKind::Contact => hit.addresses.iter().find_map(|a| {
            let lower = a.to_ascii_lowercase();
            if lower.starts_with("sip:") || lower.starts_with("sips:") {
                Some(a.clone())
            } else if lower.starts_with("tel:") || !a.contains('@') {
                let digits: String = a
                    .trim_start_matches("tel:")
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+' || *c == '*' || *c == '#')
                    .collect();
                (!digits.is_empty()).then_some(digits)
            } else {
                None
            }
        }),
    }
}

/// Whether what is typed is itself something to dial: an address (`sip:`, `sips:`,
/// `tel:`) or a number (digits with the usual `+ - ( ) . * #` and spaces).
pub fn dialable(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    ["sip:", "sips:", "tel:"].iter().any(|p| lower.starts_with(p))
        || lower.chars().any(|c| c.is_ascii_digit())
            && lower.chars().all(|c| c.is_ascii_digit() || " +-().*#".contains(c))
}

/// A result's star: in the favourites or not, as the phone last said; a click asks for
/// the other.
fn star(
    ui: &mut egui::Ui,
    tr: &Translator,
    view: &PhoneView,
    address: &str,
    name: &str,
) -> Option<Command> {
    let on = view.favourites.iter().any(|f| dial_address(f).as_deref() == Some(address));
    let who = Arg::Text(name);
    let (glyph, key) = if on {
        (icons::ICON_STAR, "search-unfavourite-who")
    } else {
        (icons::ICON_STAR, "search-favourite-who")
    };
    let tone = if on { Some(Tone::Busy) } else { Some(Tone::Quiet) };
    let response = ui.add(egui::Button::new(icons::icon(ui, glyph, tone)).frame(false));
    let spoken = tr.t_with(key, &[("who", who)]);
    announce_as(&response, egui::Role::Button, true, &spoken, None);
    let response = response.on_hover_text(&spoken);
    response.clicked().then(|| {
        let address = address.to_owned();
        if on { Command::Unfavourite { address } } else { Command::Favourite { address } }
    })
}

/// How an agent's live state reads in a result.
fn agent_state_text(tr: &Translator, state: &str) -> String {
    match state {
        "ready" => tr.t("state-ready"),
        "not-ready" => tr.t("state-not-ready"),
        "after-call-work" => tr.t("state-after-call-work"),
        "logged-out" | "offline" => tr.t("state-logged-out"),
        "busy" => tr.t("search-busy"),
        other => other.to_owned(),
    }
}

/// A result's button: `text` shown, `spoken` (the action and whom) to a screen reader.
fn action(
    ui: &mut egui::Ui,
    glyph: egui_material_icons::MaterialIcon,
    text: &str,
    spoken: &str,
) -> bool {
    let response =
        ui.add(egui::Button::new((icons::icon(ui, glyph, None), RichText::new(text).small())));
    announce_as(&response, egui::Role::Button, true, spoken, None);
    response.clicked()
}

impl TeamCommunicator {
    /// The box, its results and the open card; `target` is the call Consult, Transfer and
    /// Conference act on. Returns what the agent asked for.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        (config, zone): (&DeskConfig, &TimeZone),
        view: &PhoneView,
        target: Option<CallId>,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        self.join_conference(view, &mut commands);
        let focus = ui.input_mut(|i| i.consume_key(egui::Modifiers::CTRL, egui::Key::K));
        let results = self.results(view);
        let mut enter = false;
        ui.horizontal(|ui| {
            let width = (ui.available_width() - 110.0).clamp(120.0, FIELD_WIDTH + 60.0);
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.text)
                        .hint_text(tr.t("dial-hint"))
                        .desired_width(width),
                )
                .accessible_name(tr.t("dial-name"));
            if focus {
                field.request_focus();
            }
            if focus || field.gained_focus() || field.clicked() {
                self.at_hand = true;
            }
            if field.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                if self.text.is_empty() {
                    self.at_hand = false;
                }
                self.text.clear();
            }
            enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let enter_key = tr.t("key-enter");
            let call = icons::button(ui, icons::ICON_CALL, &tr.t("action-call"), Some(&enter_key));
            enter |= call.clicked();
        });
        let typed = self.text.trim().to_owned();
        if typed != self.asked {
            self.asked = typed.clone();
            if !typed.is_empty() {
                commands.push(Command::Search { text: typed.clone() });
            }
        }
        if enter && !typed.is_empty() {
            // An address or a number is dialled as typed; a name calls the best match.
            let best = results.first().and_then(dial_address).filter(|_| !dialable(&typed));
            commands.push(Command::Call { uri: best.unwrap_or_else(|| typed.clone()) });
        }
        if !typed.is_empty() {
            commands.extend(self.result_list(ui, tr, &results, target, view));
        } else if self.at_hand {
            let taken = self.at_hand_list(ui, tr, target, view);
            // An action taken from the list closes it (a star keeps it open).
            if taken
                .iter()
                .any(|c| !matches!(c, Command::Favourite { .. } | Command::Unfavourite { .. }))
            {
                self.at_hand = false;
            }
            commands.extend(taken);
        }
        commands.extend(self.contact_card(ui, tr, (config, zone), view));
        commands
    }

    /// The phone's answer to what is typed now (none while it is on its way).
    fn results(&self, view: &PhoneView) -> Vec<Hit> {
        match &view.search {
            Some((query, items)) if *query == self.text.trim() => items.clone(),
            _ => Vec::new(),
        }
    }

    /// The favourites and the targets reached lately, each with its actions.
    fn at_hand_list(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        target: Option<CallId>,
        view: &PhoneView,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        ui.add_space(GAP);
        style::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(RichText::new(tr.t("search-at-hand-name")).strong());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if icons::button(ui, icons::ICON_CLOSE, &tr.t("action-close"), None).clicked() {
                        self.at_hand = false;
                    }
                });
            });
            if view.favourites.is_empty() && view.recent.is_empty() {
                ui.weak(tr.t("search-at-hand-empty"));
                return;
            }
            for (heading, hits) in
                [("search-favourites", &view.favourites), ("search-recent", &view.recent)]
            {
                if hits.is_empty() {
                    continue;
                }
                ui.label(RichText::new(tr.t(heading)).small().strong());
                for hit in hits.iter().take(AT_HAND_SHOWN) {
                    commands.extend(self.result_row(ui, tr, hit, target, view));
                }
            }
        });
        commands
    }

    fn result_list(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        results: &[Hit],
        target: Option<CallId>,
        view: &PhoneView,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        ui.add_space(GAP);
        style::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            if results.is_empty() {
                ui.weak(tr.t("search-nothing"));
                return;
            }
            let mut kind = None;
            for hit in results {
                if kind != Some(hit.kind) {
                    kind = Some(hit.kind);
                    let heading = match hit.kind {
                        TargetKind::Agent => tr.t("search-agents"),
                        TargetKind::Queue => tr.t("search-queues"),
                        TargetKind::Contact => tr.t("search-contacts"),
                    };
                    ui.label(RichText::new(heading).small().strong());
                }
                commands.extend(self.result_row(ui, tr, hit, target, view));
            }
        });
        commands
    }

    /// One result: who, its state or how to reach it, and its actions.
    fn result_row(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        hit: &Hit,
        target: Option<CallId>,
        view: &PhoneView,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let address = dial_address(hit);
        let name = if hit.name.trim().is_empty() {
            address.clone().unwrap_or_else(|| hit.id.clone())
        } else {
            hit.name.clone()
        };
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = GAP;
            let glyph = match hit.kind {
                TargetKind::Agent => icons::ICON_SUPPORT_AGENT,
                TargetKind::Queue => icons::ICON_GROUPS,
                TargetKind::Contact => icons::ICON_PERSON,
            };
            ui.label(icons::icon(ui, glyph, Some(Tone::Quiet)));
            ui.label(RichText::new(&name).strong());
            if let Some(state) = &hit.state {
                let tone = if state == "busy" { Tone::Busy } else { agent_tone(state, false) };
                dot(ui, tone);
                ui.label(
                    RichText::new(agent_state_text(tr, state)).small().color(colour(ui, tone)),
                );
            }
            let detail = match hit.kind {
                TargetKind::Contact if !hit.detail.is_empty() => hit.detail.clone(),
                _ => hit.addresses.first().cloned().unwrap_or_default(),
            };
            if !detail.is_empty() && detail != name {
                ui.weak(RichText::new(detail).small());
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = GAP;
            let who = Arg::Text(&name);
            if let (Some(chat), Some(uri), TargetKind::Agent) = (self.chat, &address, hit.kind) {
                let spoken = tr.t_with("search-chat-consult-who", &[("who", who)]);
                if action(ui, icons::ICON_FORUM, &tr.t("action-chat-consult"), &spoken) {
                    commands.push(Command::ChatConsult { id: chat, target: uri.clone() });
                }
                let spoken = tr.t_with("search-chat-transfer-who", &[("who", who)]);
                if action(ui, icons::ICON_MOVE_ITEM, &tr.t("action-chat-transfer"), &spoken) {
                    commands.push(Command::ChatTransfer { id: chat, target: uri.clone() });
                }
            }
            let email = hit.addresses.iter().find(|a| {
                let lower = a.to_ascii_lowercase();
                a.contains('@') && !lower.starts_with("sip:") && !lower.starts_with("sips:")
            });
            if let (Some(email), false) = (email, view.mailboxes.is_empty()) {
                let spoken = tr.t_with("search-email-who", &[("who", who)]);
                if action(ui, icons::ICON_MAIL, &tr.t("action-email"), &spoken) {
                    self.email_to = Some(email.trim_start_matches("mailto:").to_owned());
                }
            }
            if let (Some(uri), TargetKind::Agent) = (&address, hit.kind) {
                let spoken = tr.t_with("search-chat-who", &[("who", who)]);
                if action(ui, icons::ICON_CHAT, &tr.t("action-chat"), &spoken) {
                    commands.push(Command::ChatOpen { uri: uri.clone() });
                }
            }
            if let Some(uri) = &address {
                let live = target.filter(|id| view.calls.contains_key(id));
                match live {
                    None => {
                        let spoken = tr.t_with("search-call-who", &[("who", who)]);
                        if action(ui, icons::ICON_CALL, &tr.t("action-call"), &spoken) {
                            commands.push(Command::Call { uri: uri.clone() });
                        }
                    }
                    Some(id) => {
                        let spoken = tr.t_with("search-consult-who", &[("who", who)]);
                        if action(ui, icons::ICON_PHONE_CALLBACK, &tr.t("action-consult"), &spoken)
                        {
                            commands.push(Command::Consult { id, uri: uri.clone() });
                        }
                        let spoken = tr.t_with("search-transfer-who", &[("who", who)]);
                        if action(
                            ui,
                            icons::ICON_PHONE_FORWARDED,
                            &tr.t("action-transfer"),
                            &spoken,
                        ) {
                            commands.push(Command::Transfer { id, uri: uri.clone() });
                        }
                        let spoken = tr.t_with("search-conference-who", &[("who", who)]);
                        if action(ui, icons::ICON_CALL_MERGE, &tr.t("action-conference"), &spoken) {
                            commands.push(Command::Consult { id, uri: uri.clone() });
                            self.conference = Some((id, uri.clone()));
                        }
                    }
                }
            }
            if let Some(address) = &address {
                commands.extend(star(ui, tr, view, address, &name));
            }
            if hit.kind == TargetKind::Contact
                && let Ok(id) = hit.id.parse::<u64>()
            {
                match self.card {
                    Some(open) if open != id => {
                        let spoken = tr.t_with("search-merge-who", &[("who", who)]);
                        if action(ui, icons::ICON_MERGE, &tr.t("action-merge-into-card"), &spoken) {
                            commands.push(Command::MergeContacts { keep: open, gone: id });
                        }
                    }
                    _ => {
                        let spoken = tr.t_with("search-card-who", &[("who", who)]);
                        if action(
                            ui,
                            icons::ICON_CONTACT_PHONE,
                            &tr.t("action-contact-card"),
                            &spoken,
                        ) {
                            commands.extend(self.open_card(id, &hit.name));
                        }
                    }
                }
            }
        });
        ui.add_space(GAP);
        commands
    }

    /// Opens contact `id`'s card: the phone is asked for it and its history.
    pub fn open_card(&mut self, id: u64, name: &str) -> Vec<Command> {
        self.card = Some(id);
        self.card_name = name.to_owned();
        vec![Command::Contact { id }, Command::ContactHistory { id, limit: 20 }]
    }

    /// The open card: its name (editable), organisation, identities and fields, and its
    /// history with the team.
    fn contact_card(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        (config, zone): (&DeskConfig, &TimeZone),
        view: &PhoneView,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(id) = self.card else { return commands };
        let contact = view.contact.as_ref().filter(|c| c.id == id);
        ui.add_space(GAP);
        style::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(icons::icon(ui, icons::ICON_CONTACT_PHONE, Some(Tone::Accent)));
                ui.label(RichText::new(tr.t("contact-card")).strong());
                if icons::button(ui, icons::ICON_CLOSE, &tr.t("action-close"), None).clicked() {
                    self.card = None;
                }
            });
            let Some(contact) = contact else {
                ui.weak(tr.t("contact-loading"));
                return;
            };
            ui.horizontal(|ui| {
                let field = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.card_name)
                            .hint_text(tr.t("contact-name-hint"))
                            .desired_width(FIELD_WIDTH),
                    )
                    .accessible_name(tr.t("contact-name"));
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let changed = self.card_name.trim() != contact.name;
                let save = icons::button_enabled(
                    ui,
                    changed,
                    icons::ICON_SAVE,
                    &tr.t("action-save"),
                    None,
                );
                if changed && (save.clicked() || enter) {
                    commands
                        .push(Command::NameContact { id, name: self.card_name.trim().to_owned() });
                }
            });
            if !contact.organisation.is_empty() {
                ui.weak(&contact.organisation);
            }
            egui::Grid::new(("contact-card", id)).num_columns(2).spacing([12.0, 2.0]).show(
                ui,
                |ui| {
                    for identity in &contact.identities {
                        ui.weak(tr.t(&format!("identity-{}", identity.kind.as_str())));
                        ui.label(&identity.value);
                        ui.end_row();
                    }
                    for (name, value) in &contact.fields {
                        ui.weak(name);
                        ui.label(value);
                        ui.end_row();
                    }
                },
            );
            ui.weak(RichText::new(tr.t("contact-merge-help")).small());
            if let Some((_, items)) = view.contact_history.as_ref().filter(|(c, _)| *c == id) {
                ui.add_space(GAP);
                ui.label(RichText::new(tr.t("contact-history-title")).small().strong());
                if items.is_empty() {
                    ui.weak(tr.t("contact-first"));
                }
                let now_ms = crate::desk_panel::unix_ms();
                for p in items {
                    crate::contact_glance::past_item(ui, tr, config, zone, p, now_ms);
                }
            }
        });
        commands
    }

    /// Joins the call a Conference was asked from with the consultation, once it is up.
    fn join_conference(&mut self, view: &PhoneView, commands: &mut Vec<Command>) {
        let Some((first, uri)) = &self.conference else { return };
        if !view.calls.contains_key(first) {
            self.conference = None;
            return;
        }
        let user = uri.trim_start_matches("sips:").trim_start_matches("sip:");
        let user = user.split('@').next().unwrap_or(user).to_owned();
        let consulted = view.calls.values().find(|c| {
            c.id != *first && c.state == CallState::Active && c.remote.contains(user.as_str())
        });
        if let Some(c) = consulted {
            commands.push(Command::Conference { ids: vec![*first, c.id] });
            self.conference = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(kind: TargetKind, id: &str, addresses: &[&str]) -> Hit {
        Hit {
            kind,
            id: id.into(),
            name: "x".into(),
            addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
            detail: String::new(),
            state: None,
            score: 1,
        }
    }

    #[test]
    fn each_result_is_dialled_at_its_own_address() {
        let agent = hit(TargetKind::Agent, "sip:1001@site", &[]);
        assert_eq!(dial_address(&agent).as_deref(), Some("sip:1001@site"));
        assert_eq!(
            dial_address(&hit(TargetKind::Queue, "support", &[])).as_deref(),
            Some("support")
        );
        let contact = hit(TargetKind::Contact, "7", &["jm@example.de", "+44 (20) 7946-0000"]);
        assert_eq!(dial_address(&contact).as_deref(), Some("+442079460000"));
        let sip = hit(TargetKind::Contact, "8", &["sip:Marie@Site"]);
        assert_eq!(dial_address(&sip).as_deref(), Some("sip:Marie@Site"));
        assert_eq!(dial_address(&hit(TargetKind::Contact, "9", &["a@b.c"])), None);
        for typed in ["sip:", "sips:bob@site", "TEL:+1", "+44 (20) 7946-0000", "1001", "*72#"] {
            assert!(dialable(typed), "{typed}");
        }
        for typed in ["mull", "jm@example.de", "bill", "", "+", "room 101"] {
            assert!(!dialable(typed), "{typed}");
        }
    }
}
