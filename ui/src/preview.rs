//! The preview of each offered interaction ("Aperçu de l'interaction"), floating over
//! whatever the agent is doing: channel, contact, queue, time waited, the countdown of a
//! routed offer, the case fields, Accept and Decline with their keys. A screen reader
//! announces it at once (an assertive live region), with the keys to answer it.

use earshot_engine::desk::DeskConfig;
use earshot_engine::phone::Command;
use earshot_engine::phone::api::InteractionView;
use eframe::egui::{self, RichText};

use crate::contact_glance;
use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::{CallRow, ContactMatch, PhoneView};
use crate::style::{self, BIG_ICON_SIZE, GAP, Tone, colour};
use crate::time_text::clock_text;

/// The widest a preview gets (it sits over the window, under the top bar).
const PREVIEW_WIDTH: f32 = 380.0;
/// How far below the window's top the previews float (clear of the state bar).
const PREVIEW_TOP: f32 = 96.0;

/// How long a routed offer has before it is withdrawn (none for a direct call).
pub fn offer_left_ms(config: &DeskConfig, i: &InteractionView, now_ms: u64) -> Option<u64> {
    i.queue.as_ref()?;
    let until = i.offered_ms + config.offer_timeout_s * 1000;
    Some(until.saturating_sub(now_ms))
}

/// A queue's label (its configured one, else its address).
pub fn queue_label(config: &DeskConfig, queue: &str) -> String {
    config.queues.get(queue).and_then(|q| q.label.clone()).unwrap_or(queue.to_owned())
}

/// Draws the previews of offered interactions and the toast of a ringing call that has
/// no interaction, over the window; returns what Accept, Decline or Reject asked for.
pub fn show(
    ctx: &egui::Context,
    tr: &Translator,
    config: &DeskConfig,
    view: &PhoneView,
    now_ms: u64,
) -> Vec<Command> {
    let offered: Vec<&InteractionView> =
        view.interactions.values().filter(|i| i.state == "offered").collect();
    let ringing = view
        .incoming()
        .filter(|c| !view.interactions.values().any(|i| i.call == Some(c.id)))
        .cloned();
    let mut commands = Vec::new();
    if offered.is_empty() && ringing.is_none() {
        return commands;
    }
    let width = (ctx.content_rect().width() - 2.0 * style::SECTION_GAP).min(PREVIEW_WIDTH);
    egui::Area::new(egui::Id::unique("previews"))
        .order(egui::Order::Foreground)
        .anchor(egui::Align2::CENTER_TOP, [0.0, PREVIEW_TOP])
        .show(ctx, |ui| {
            ui.set_width(width);
            for i in offered {
                let contact = view.contacts_of.get(&i.id);
                let lines = email_first_lines(view, i.id);
                commands.extend(offer(ui, tr, config, i, contact, lines.as_deref(), now_ms));
                ui.add_space(GAP);
            }
            if let Some(c) = ringing {
                commands.extend(toast(ui, tr, &c));
            }
        });
    commands
}

/// One offered interaction's card.
fn offer(
    ui: &mut egui::Ui,
    tr: &Translator,
    config: &DeskConfig,
    i: &InteractionView,
    contact: Option<&ContactMatch>,
    email_lines: Option<&str>,
    now_ms: u64,
) -> Vec<Command> {
    let mut commands = Vec::new();
    style::alert_card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        // The name the team gave the contact, else the one its call carried.
        let who = contact
            .and_then(contact_glance::name)
            .or(i.contact_name.as_deref())
            .unwrap_or(&i.contact);
        let what = match i.channel.as_str() {
            "chat" => tr.t_with("preview-chat", &[("who", Arg::Text(who))]),
            "email" => tr.t_with("preview-email", &[("who", Arg::Text(who))]),
            _ => tr.t_with("preview-voice", &[("who", Arg::Text(who))]),
        };
        let by = i.queue.as_deref().map(|q| queue_label(config, q));
        ui.horizontal(|ui| {
            let glyph = icons::channel_icon(&i.channel);
            ui.label(glyph.rich_text().size(BIG_ICON_SIZE).color(colour(ui, Tone::Busy)));
            ui.vertical(|ui| {
                ui.weak(tr.t("preview-title"));
                let title = ui.label(RichText::new(&what).strong().size(16.0));
                // Announced as it appears, with the keys that answer it.
                let queue = by.clone().unwrap_or_else(|| tr.t("preview-direct"));
                let announcement = tr.t_with(
                    "announce-offer",
                    &[("what", Arg::Text(&what)), ("queue", Arg::Text(&queue))],
                );
                ui.ctx().accesskit_node_builder(title.id, |node| {
                    node.set_live(egui::accesskit::Live::Assertive);
                    node.set_description(announcement);
                });
            });
        });
        let waited = clock_text(now_ms.saturating_sub(i.offered_ms));
        let waiting = tr.t_with("preview-waiting", &[("time", Arg::Text(&waited))]);
        let mut line = format!("{} · {waiting}", by.unwrap_or_else(|| tr.t("preview-direct")));
        if let Some(left) = offer_left_ms(config, i, now_ms) {
            let seconds = left.div_ceil(1000) as f64;
            line.push_str(" · ");
            line.push_str(&tr.t_with("preview-withdrawn", &[("seconds", Arg::Number(seconds))]));
        }
        ui.label(line);
        if let Some(m) = contact {
            ui.horizontal_wrapped(|ui| {
                ui.label(icons::icon(ui, icons::ICON_HISTORY, Some(Tone::Accent)));
                ui.label(contact_glance::glance(tr, config, m, now_ms));
            });
        }
        // A chat shows what the customer wrote first (as text: nothing in it is acted on).
        if let Some(first) = i.chat.as_ref().and_then(|c| c.first.as_deref()) {
            ui.add_space(GAP);
            ui.label(RichText::new(tr.t("chat-first-message")).small().strong());
            let shown: String = first
                .chars()
                .take(280)
                .map(|c| if c.is_control() && c != '\n' { '\u{fffd}' } else { c })
                .collect();
            ui.add(egui::Label::new(RichText::new(shown).italics()).wrap());
        }
        // An email shows its first lines (its quoted tail left out).
        if let Some(lines) = email_lines {
            ui.add_space(GAP);
            ui.label(RichText::new(tr.t("email-first-lines")).small().strong());
            ui.add(egui::Label::new(RichText::new(lines).italics()).wrap());
        }
        let fields: Vec<_> = i.fields.iter().filter(|f| !f.hidden).collect();
        if !fields.is_empty() {
            ui.add_space(GAP);
            egui::Grid::new(("preview-case", i.id))
                .num_columns(2)
                .spacing([12.0, 2.0])
                .min_row_height(18.0)
                .show(ui, |ui| {
                    for f in fields {
                        ui.weak(&f.label);
                        ui.label(&f.value);
                        ui.end_row();
                    }
                });
        }
        ui.add_space(GAP);
        let (accept, decline) =
            answer_buttons(ui, tr, ("action-decline", icons::ICON_CLOSE), true, &i.channel);
        if accept {
            commands.push(Command::Accept { id: i.id });
        }
        if decline {
            commands.push(Command::Decline { id: i.id });
        }
    });
    commands
}

/// A ringing call the desk has no interaction for, with Accept and Reject.
fn toast(ui: &mut egui::Ui, tr: &Translator, c: &CallRow) -> Vec<Command> {
    let mut commands = Vec::new();
    style::alert_card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        let what = tr.t_with("incoming-call", &[("who", Arg::Text(&c.remote))]);
        let title = ui.label(RichText::new(&what).strong());
        ui.ctx().accesskit_node_builder(title.id, |node| {
            node.set_live(egui::accesskit::Live::Assertive);
        });
        let (accept, reject) =
            answer_buttons(ui, tr, ("action-reject", icons::ICON_CALL_END), false, "voice");
        if accept {
            commands.push(Command::Answer { id: c.id });
        }
        if reject {
            commands.push(Command::Reject { id: c.id, status: None });
        }
    });
    commands
}

/// Accept (green, Ctrl+Shift+A) and the refusal `no` (its label's key and icon; red,
/// Ctrl+Shift+D when `keyed`) side by side: which was clicked.
fn answer_buttons(
    ui: &mut egui::Ui,
    tr: &Translator,
    (no_key, no_icon): (&str, egui_material_icons::MaterialIcon),
    keyed: bool,
    channel: &str,
) -> (bool, bool) {
    ui.horizontal(|ui| {
        let accept = icons::button_toned(
            ui,
            icons::channel_icon(channel),
            &tr.t("action-accept"),
            Some(&tr.keys("A")),
            Some(Tone::Good),
            true,
        );
        let keys = keyed.then(|| tr.keys("D"));
        let no =
            icons::button_toned(ui, no_icon, &tr.t(no_key), keys.as_deref(), Some(Tone::Bad), true);
        (accept.clicked(), no.clicked())
    })
    .inner
}

/// The first lines of email `id`'s newest message, without its quoted tail, as text.
fn email_first_lines(view: &PhoneView, id: u64) -> Option<String> {
    let m = view.emails.get(&id)?.messages.last()?;
    let written = earshot_engine::mail::quoting::unquoted(&m.text);
    let lines: Vec<&str> =
        written.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).take(3).collect();
    let shown: String = lines
        .join("\n")
        .chars()
        .take(280)
        .map(|c| if c.is_control() && c != '\n' { '\u{fffd}' } else { c })
        .collect();
    (!shown.is_empty()).then_some(shown)
}
