//! The chat panel of the desk (DESIGN.md §7 "Chat"): the selected chat's transcript —
//! each message with its sender, time and delivery mark (sending, sent: reached the
//! server, delivered, read, failed with why) —, the customer typing, why the chat ended;
//! the compose box (Enter sends, Shift+Enter a new line; typing tells the phone, which
//! tells a peer that understands is-composing), quick replies from the configuration,
//! End chat. What arrives is shown as text, never interpreted (no markup, no escapes).

use std::collections::BTreeMap;

use earshot_engine::phone::Command;
use earshot_engine::phone::api::InteractionView;
use eframe::egui::{self, RichText};

use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::{ChatLine, ChatLog, PhoneView};
use crate::style::{self, GAP, Tone, colour};

/// The tallest the transcript grows before it scrolls.
const TRANSCRIPT_HEIGHT: f32 = 280.0;

/// The compose boxes' drafts (kept per chat while the agent works on others) and what the
/// phone was told was seen.
#[derive(Debug, Default)]
pub struct ChatPanel {
    quick_replies: Vec<String>,
    drafts: BTreeMap<u64, String>,
    /// The chat last told seen (`chat-read`), and how many lines it had then.
    seen: Option<(u64, usize)>,
    /// A chat just opened: its compose box takes the keyboard.
    focus_compose: bool,
}

impl ChatPanel {
    pub fn new(quick_replies: Vec<String>) -> ChatPanel {
        ChatPanel { quick_replies, ..ChatPanel::default() }
    }

    /// Chat `i`'s transcript and compose box; what the agent asked for.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        zone: &jiff::tz::TimeZone,
        view: &PhoneView,
        i: &InteractionView,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let empty = ChatLog::default();
        let log = view.chats.get(&i.id).unwrap_or(&empty);
        // Shown: the phone is told it was seen (unread cleared, read notices sent); a chat
        // opened again, or with new lines, shows its newest.
        let jump = self.seen != Some((i.id, log.lines.len()));
        if self.seen.is_none_or(|(shown, _)| shown != i.id) {
            self.focus_compose = true;
        }
        if jump {
            self.seen = Some((i.id, log.lines.len()));
            if i.state != "offered" {
                commands.push(Command::ChatRead { id: i.id });
            }
        }
        let who = i.contact_name.clone().unwrap_or_else(|| i.contact.clone());
        egui::ScrollArea::vertical()
            .id_salt(("transcript", i.id))
            .max_height(TRANSCRIPT_HEIGHT)
            .stick_to_bottom(true)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                if log.lines.is_empty() {
                    ui.weak(tr.t("chat-no-messages"));
                }
                for line in &log.lines {
                    let sender = sender_name(tr, view, i, line, &who);
                    message(ui, tr, zone, line, &sender);
                }
                if jump {
                    ui.scroll_to_cursor(Some(egui::Align::BOTTOM));
                }
            });
        if log.peer_typing {
            ui.weak(tr.t_with("chat-typing", &[("who", Arg::Text(&who))]));
        }
        if let Some(reason) = &log.ended {
            let why = tr.t(&format!("chat-ended-{reason}"));
            ui.label(RichText::new(why).color(colour(ui, Tone::Quiet)));
        }
        let summary = i.chat.clone().unwrap_or_default();
        if summary.conference {
            // The consulted side writes to the customer too: it must know.
            let hosting = view.interactions.values().any(|x| {
                x.link
                    .as_ref()
                    .is_some_and(|(kind, parent)| kind == "conference" && *parent == i.id)
            });
            let key = if hosting { "chat-conference-host" } else { "chat-conference-guest" };
            ui.label(RichText::new(tr.t(key)).color(colour(ui, Tone::Accent)));
        }
        if summary.transferring {
            ui.label(RichText::new(tr.t("chat-transferring")).color(colour(ui, Tone::Quiet)));
        }
        if i.state == "active" {
            ui.add_space(GAP);
            commands.extend(self.compose(ui, tr, i.id));
            commands.extend(handover_actions(ui, tr, view, i));
        }
        commands
    }

    /// The compose box, quick replies and End chat of active chat `id`.
    fn compose(&mut self, ui: &mut egui::Ui, tr: &Translator, id: u64) -> Vec<Command> {
        let mut commands = Vec::new();
        let edit_id = egui::Id::unique(("compose", id));
        // Enter sends; Shift+Enter is a new line (taken before the box sees the key).
        let focused = ui.memory(|m| m.has_focus(edit_id));
        // (consume_key matches Shift+Enter too: Shift is checked first.)
        let send_now = focused
            && ui.input_mut(|i| {
                !i.modifiers.shift && i.consume_key(egui::Modifiers::NONE, egui::Key::Enter)
            });
        let draft = self.drafts.entry(id).or_default();
        let label = tr.t("chat-compose");
        let edit = ui
            .add(
                egui::TextEdit::multiline(draft)
                    .id(edit_id)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY)
                    .hint_text(tr.t("chat-compose-hint")),
            )
            .accessible_name(label);
        if std::mem::take(&mut self.focus_compose) {
            edit.request_focus();
        }
        if edit.changed() && !draft.trim().is_empty() {
            commands.push(Command::Typing { id });
        }
        let mut send = send_now;
        ui.horizontal_wrapped(|ui| {
            let sendable = !draft.trim().is_empty();
            if icons::button_enabled(
                ui,
                sendable,
                icons::ICON_SEND,
                &tr.t("chat-send"),
                Some("Enter"),
            )
            .clicked()
            {
                send = true;
            }
            for reply in &self.quick_replies {
                // A long reply shows its start; its button is named by the whole of it.
                let mut shown: String = reply.chars().take(40).collect();
                if shown.len() < reply.len() {
                    shown.push('…');
                }
                let b = icons::button(ui, icons::ICON_BOLT, &shown, None).on_hover_text(reply);
                icons::announce_as(&b, egui::Role::Button, true, reply, None);
                if b.clicked() {
                    commands.push(Command::Say { id, text: reply.clone() });
                }
            }
            if icons::button(ui, icons::ICON_LOGOUT, &tr.t("chat-end"), None).clicked() {
                commands.push(Command::ChatEnd { id });
            }
        });
        if send && !draft.trim().is_empty() {
            // The text as typed, its last line break (if Enter slipped in) dropped.
            let text = draft.trim_end_matches(['\n', '\r']).to_owned();
            draft.clear();
            commands.push(Command::Say { id, text });
            ui.memory_mut(|m| m.request_focus(edit_id));
        }
        commands
    }
}

/// Who wrote `line` of chat `i`: "You", the chat's peer (`who`), or — in a conference,
/// a consultation or a chat handed over — the colleague or customer by name or address.
fn sender_name(
    tr: &Translator,
    view: &PhoneView,
    i: &InteractionView,
    line: &ChatLine,
    who: &str,
) -> String {
    if line.from == view.uri || (line.outgoing && line.from.is_empty()) {
        return tr.t("chat-you");
    }
    if line.from == i.contact || (!line.outgoing && line.from.is_empty()) {
        return who.to_owned();
    }
    // A colleague's interaction with us names them.
    let named = view
        .interactions
        .values()
        .find(|x| x.contact == line.from && x.contact_name.is_some())
        .and_then(|x| x.contact_name.clone());
    named.unwrap_or_else(|| {
        let user = line.from.split_once(':').map_or(line.from.as_str(), |(_, r)| r);
        user.split('@').next().unwrap_or(user).to_owned()
    })
}

/// For a customer's active chat with a consultation going on: add the consulted colleague
/// to the chat (a conference), or hand them the chat (a transfer).
fn handover_actions(
    ui: &mut egui::Ui,
    tr: &Translator,
    view: &PhoneView,
    i: &InteractionView,
) -> Vec<Command> {
    let mut commands = Vec::new();
    let consults: Vec<&InteractionView> = view
        .interactions
        .values()
        .filter(|x| x.channel == "chat" && x.state == "active")
        .filter(|x| {
            x.link.as_ref().is_some_and(|(kind, parent)| {
                *parent == i.id && (kind == "consultation" || kind == "conference")
            })
        })
        .collect();
    if consults.is_empty() {
        return commands;
    }
    ui.horizontal_wrapped(|ui| {
        for k in consults {
            // Ids of their own: a transcript that grows above does not move them.
            ui.push_id(("handover", k.id), |ui| handover_buttons(ui, tr, i, k, &mut commands));
        }
    });
    commands
}

/// Add to the chat and Hand the chat, for consultation `k` about chat `i`.
fn handover_buttons(
    ui: &mut egui::Ui,
    tr: &Translator,
    i: &InteractionView,
    k: &InteractionView,
    commands: &mut Vec<Command>,
) {
    let name = k.contact_name.clone().unwrap_or_else(|| k.contact.clone());
    let who = [("who", Arg::Text(&name))];
    let joined = k.link.as_ref().is_some_and(|(kind, _)| kind == "conference");
    if !joined
        && icons::button(ui, icons::ICON_GROUP_ADD, &tr.t_with("chat-add-colleague", &who), None)
            .clicked()
    {
        commands.push(Command::ChatConference { id: i.id, consult: k.id });
    }
    if icons::button(ui, icons::ICON_MOVE_ITEM, &tr.t_with("chat-transfer-to", &who), None)
        .clicked()
    {
        commands.push(Command::ChatTransfer { id: i.id, target: k.contact.clone() });
    }
}

/// One message: sender and time on a line, the text under it, and for ours the delivery.
fn message(
    ui: &mut egui::Ui,
    tr: &Translator,
    zone: &jiff::tz::TimeZone,
    line: &ChatLine,
    sender: &str,
) {
    let at = time_of_day(zone, line.sent_ms);
    ui.add_space(GAP / 2.0);
    ui.horizontal_wrapped(|ui| {
        // A supervisor's coaching: for the agent only, marked so.
        let coaching = line.delivery == "coaching";
        let tone = match (coaching, line.outgoing) {
            (true, _) => Tone::Busy,
            (false, true) => Tone::Accent,
            (false, false) => Tone::Good,
        };
        let sender = if coaching {
            format!("{} · {sender}", tr.t("chat-coaching"))
        } else {
            sender.to_owned()
        };
        ui.label(RichText::new(sender).strong().color(colour(ui, tone)));
        ui.weak(&at);
        if line.outgoing {
            let (glyph, tone, key) = match line.delivery.as_str() {
                "sending" => (icons::ICON_SCHEDULE, Tone::Quiet, "chat-sending"),
                "delivered" => (icons::ICON_DONE_ALL, Tone::Quiet, "chat-delivered"),
                "read" => (icons::ICON_DONE_ALL, Tone::Accent, "chat-read"),
                "failed" => (icons::ICON_ERROR, Tone::Bad, "chat-failed"),
                _ => (icons::ICON_CHECK, Tone::Quiet, "chat-sent"),
            };
            let words = tr.t(key);
            let mark = ui.label(icons::icon(ui, glyph, Some(tone)));
            let mark = match &line.why {
                Some(why) => mark.on_hover_text(format!("{words}: {why}")),
                None => mark.on_hover_text(&words),
            };
            icons::announce_as(&mark, egui::Role::Label, true, &words, None);
            if line.delivery == "failed" {
                let why = line.why.clone().unwrap_or_default();
                ui.label(
                    RichText::new(format!("{words} {why}")).small().color(colour(ui, Tone::Bad)),
                );
            }
        }
    });
    // Plain text: markup, escapes and control characters are shown, never acted on.
    let text: String = line
        .text
        .chars()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { '\u{fffd}' } else { c })
        .collect();
    ui.add(egui::Label::new(RichText::new(text).size(14.0)).wrap().selectable(true));
}

/// "14:05" in the agent's zone.
fn time_of_day(zone: &jiff::tz::TimeZone, ms: u64) -> String {
    match jiff::Timestamp::from_millisecond(ms as i64) {
        Ok(t) => {
            let z = t.to_zoned_datetime(zone.clone());
            format!("{}:{:02}", z.hour(), z.minute())
        }
        Err(_) => String::new(),
    }
}

/// The unread badge of an interaction row ("2 new"), if it has unread messages.
pub fn unread_badge(tr: &Translator, i: &InteractionView) -> Option<String> {
    let n = i.chat.as_ref()?.unread;
    (n > 0).then(|| tr.t_with("chat-unread", &[("count", Arg::Number(f64::from(n)))]))
}

/// Lays out a chat's panel in a card (for the desk).
pub fn card(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> Vec<Command>) -> Vec<Command> {
    let mut commands = Vec::new();
    style::card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        commands = add(ui);
    });
    commands
}
