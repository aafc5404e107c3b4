//! An interaction's contact at a glance, for the preview and the context panel: its name
//! once someone gave it one, and its earlier interactions with the team — one line
//! ("2 earlier interactions this week · last: Billing — Call back: refund promised") and,
//! beside the context, the list (when, channel, agent, queue, disposition, note) with the
//! way to its whole history.

use earshot_engine::desk::DeskConfig;
use earshot_engine::directory::PastInteraction;
use earshot_engine::phone::Command;
use eframe::egui::{self, RichText};
use jiff::tz::TimeZone;

use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::ContactMatch;
use crate::preview::queue_label;
use crate::style::{GAP, Tone};
use crate::time_text::moment_text;

const WEEK_MS: u64 = 7 * 24 * 3600 * 1000;
/// The longest a note shows in the one-line glance.
const NOTE_CHARS: usize = 60;

/// The contact's name, if it has one.
pub fn name(m: &ContactMatch) -> Option<&str> {
    Some(m.contact.name.as_str()).filter(|n| !n.trim().is_empty())
}

/// A disposition code as the agent's catalogue words it.
fn disposition_label(tr: &Translator, config: &DeskConfig, code: &str) -> String {
    let label =
        config.dispositions.iter().find(|d| d.code == code).map_or(code, |d| d.label.as_str());
    tr.configured("disposition", label)
}

/// "Billing — Call back: refund promised" (the note cut to `note_chars`).
fn outcome(tr: &Translator, config: &DeskConfig, p: &PastInteraction, note_chars: usize) -> String {
    let queue =
        p.queue.as_deref().map_or_else(|| tr.t("preview-direct"), |q| queue_label(config, q));
    let mut text = queue;
    if let Some(code) = p.disposition.as_deref().filter(|c| !c.is_empty()) {
        text.push_str(" — ");
        text.push_str(&disposition_label(tr, config, code));
    }
    let note = p.note.trim();
    if note.is_empty() {
        return text;
    }
    let mut cut: String = note.chars().take(note_chars).collect();
    if note.chars().count() > note_chars {
        cut.push('…');
    }
    tr.t_with("contact-outcome-note", &[("what", Arg::Text(&text)), ("note", Arg::Text(&cut))])
}

/// The one line: how often the team dealt with the contact lately and how it last ended.
pub fn glance(tr: &Translator, config: &DeskConfig, m: &ContactMatch, now_ms: u64) -> String {
    let Some(last) = m.recent.first() else {
        return tr.t(if m.new { "contact-new" } else { "contact-first" });
    };
    let this_week =
        m.recent.iter().filter(|p| now_ms.saturating_sub(p.started_ms) < WEEK_MS).count();
    let how_often = if this_week > 0 {
        tr.t_with("contact-recent-week", &[("count", Arg::Number(this_week as f64))])
    } else {
        tr.t("contact-recent-older")
    };
    let last = outcome(tr, config, last, NOTE_CHARS);
    tr.t_with("contact-glance", &[("often", Arg::Text(&how_often)), ("last", Arg::Text(&last))])
}

/// The earlier interactions, newest first, and "Whole history"; returns the command it
/// asked for.
pub fn recent_list(
    ui: &mut egui::Ui,
    tr: &Translator,
    config: &DeskConfig,
    zone: &TimeZone,
    m: &ContactMatch,
    now_ms: u64,
) -> Option<Command> {
    let mut command = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(icons::icon(ui, icons::ICON_HISTORY, Some(Tone::Accent)));
        ui.label(RichText::new(tr.t("contact-history-title")).small().strong());
        ui.weak(glance(tr, config, m, now_ms));
    });
    for p in &m.recent {
        past_item(ui, tr, config, zone, p, now_ms);
    }
    if !m.recent.is_empty() {
        let whole =
            icons::button(ui, icons::ICON_MANAGE_SEARCH, &tr.t("contact-whole-history"), None);
        if whole.clicked() {
            command = Some(Command::ContactHistory { id: m.contact.id, limit: 50 });
        }
    }
    command
}

/// One earlier interaction: when, channel and agent on a line that opens onto its case
/// data; how it ended below.
pub fn past_item(
    ui: &mut egui::Ui,
    tr: &Translator,
    config: &DeskConfig,
    zone: &TimeZone,
    p: &PastInteraction,
    now_ms: u64,
) {
    ui.add_space(GAP / 2.0);
    let when = moment_text(tr, zone, p.started_ms as i64, now_ms as i64);
    let channel = crate::desk_panel::channel_text(tr, &p.channel);
    let title = format!("{when} · {channel} · {}", agent_name(&p.agent));
    let header = egui::CollapsingHeader::new(RichText::new(title).small())
        .id_salt(("past", p.id, &p.agent, p.agent_interaction))
        .default_open(false);
    header.show(ui, |ui| {
        if p.case.is_empty() {
            ui.weak(RichText::new(tr.t("contact-no-case")).small());
            return;
        }
        egui::Grid::new(("past-case", p.id, &p.agent)).num_columns(2).spacing([12.0, 2.0]).show(
            ui,
            |ui| {
                for f in &p.case {
                    ui.weak(RichText::new(&f.label).small());
                    ui.label(RichText::new(&f.value).small());
                    ui.end_row();
                }
            },
        );
    });
    ui.label(RichText::new(outcome(tr, config, p, 200)).small());
}

/// An agent's address as a short name: its user part (`sip:1001@site` → 1001).
pub fn agent_name(agent: &str) -> &str {
    let user = agent.trim_start_matches("sips:").trim_start_matches("sip:");
    user.split('@').next().unwrap_or(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_engine::directory::Contact;

    fn past(started_ms: u64, queue: &str, disposition: &str, note: &str) -> PastInteraction {
        PastInteraction {
            id: 1,
            agent: "sip:1001@site".into(),
            agent_interaction: 1,
            channel: "voice".into(),
            direction: "inbound".into(),
            state: "done".into(),
            queue: Some(queue.into()),
            started_ms,
            duration_ms: Some(60_000),
            disposition: Some(disposition.into()),
            note: note.into(),
            quality: None,
            case: Vec::new(),
        }
    }

    #[test]
    fn the_glance_counts_the_week_and_words_the_last_outcome() {
        let config = DeskConfig {
            dispositions: vec![earshot_engine::desk::wrap_up::Disposition {
                code: "callback".into(),
                label: "Call back".into(),
                group: String::new(),
                key: None,
            }],
            ..DeskConfig::default()
        };
        let now = 100 * WEEK_MS;
        let m = ContactMatch {
            contact: Contact::new("Jürgen Müller"),
            new: false,
            recent: vec![
                past(now - 3_600_000, "billing", "callback", "refund promised"),
                past(now - 2 * 86_400_000, "billing", "resolved", ""),
                past(now - 3 * WEEK_MS, "billing", "resolved", ""),
            ],
        };
        let en = Translator::new("en");
        assert_eq!(
            glance(&en, &config, &m, now),
            "2 earlier interactions this week · last: billing — Call back: refund promised"
        );
        let fr = Translator::new("fr-CA");
        assert_eq!(
            glance(&fr, &config, &m, now),
            "2 interactions précédentes cette semaine · dernière : billing — Call back : refund promised"
        );
        let new = ContactMatch { contact: Contact::default(), new: true, recent: Vec::new() };
        assert_eq!(glance(&en, &config, &new, now), "New contact: no earlier interactions");
        assert_eq!(name(&new), None);
        assert_eq!(name(&m), Some("Jürgen Müller"));
        assert_eq!(agent_name("sip:1001@earshot.test"), "1001");
    }
}
