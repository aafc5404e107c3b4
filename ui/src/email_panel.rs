//! The email panel of the desk (DESIGN.md §7 "Email"): the selected email's thread — the
//! newest message open, earlier ones folded, quoted text folded under each, links listed,
//! attachments with their size and a Save button — and, while it is worked, its composer
//! (email_composer.rs), kept as typed; what became of the last send (sending, sent,
//! refused with the server's words). The phone adds the signature and the quote; what
//! arrives is shown as text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use earshot_engine::mail::quoting;
use earshot_engine::phone::Command;
use earshot_engine::phone::api::InteractionView;
use eframe::egui::{self, RichText};

use crate::email_composer::{Composer, DraftSaver};
use crate::email_model::{EmailItem, EmailLog};
use crate::file_chooser::{Chosen, FileChooser};
use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::PhoneView;
use crate::style::{GAP, Tone, colour};
use crate::time_text::moment_text;

/// The tallest the thread grows before it scrolls.
const THREAD_HEIGHT: f32 = 360.0;

/// The composers, by interaction, and where attachments are saved.
#[derive(Debug)]
pub struct EmailPanel {
    composers: BTreeMap<u64, Composer>,
    /// Drafts given to the phone as typed.
    pub drafts: DraftSaver,
    /// The drafts given back after a restart already put in their composers.
    restored: BTreeSet<u64>,
    /// An attachment being saved: its email, message and index, and where (the chooser).
    saving: Option<(u64, String, u32, FileChooser)>,
    pub save_folder: String,
    /// Each email's newest message when last shown: a newer one opens (and folds the
    /// rest) once; otherwise the agent's own unfolding stays.
    newest_shown: BTreeMap<u64, String>,
}

impl Default for EmailPanel {
    fn default() -> Self {
        let folder = std::env::var("HOME")
            .map(|h| format!("{h}/Downloads"))
            .unwrap_or_else(|_| "/tmp".into());
        EmailPanel {
            composers: BTreeMap::new(),
            drafts: DraftSaver::default(),
            restored: BTreeSet::new(),
            saving: None,
            save_folder: folder,
            newest_shown: BTreeMap::new(),
        }
    }
}

impl EmailPanel {
    /// Email `i`'s thread and, while active, its composer; what the agent asked for.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        zone: &jiff::tz::TimeZone,
        view: &PhoneView,
        i: &InteractionView,
        now_ms: i64,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let empty = EmailLog::default();
        let log = view.emails.get(&i.id).unwrap_or(&empty);
        if let Some(subject) = log.messages.last().map(|m| m.subject.clone()) {
            ui.label(RichText::new(subject).strong());
        }
        egui::ScrollArea::vertical()
            .id_salt(("thread", i.id))
            .max_height(THREAD_HEIGHT)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                if log.messages.is_empty() {
                    ui.weak(tr.t("email-no-messages"));
                }
                let newest = log.messages.len().saturating_sub(1);
                let newest_id =
                    log.messages.last().map(|m| m.message_id.clone()).unwrap_or_default();
                let arrived = self.newest_shown.get(&i.id) != Some(&newest_id);
                for (n, m) in log.messages.iter().enumerate() {
                    let open = arrived.then_some(n == newest);
                    self.message(ui, tr, zone, i.id, m, open, now_ms);
                }
                self.newest_shown.insert(i.id, newest_id);
            });
        if let Some(d) = view.drafts.get(&i.id)
            && self.restored.insert(i.id)
        {
            self.composers.insert(i.id, Composer::restored(d));
            self.drafts.known(i.id, d.clone());
        }
        commands.extend(self.save_as(ui, tr, i.id));
        let composer = self.composers.entry(i.id).or_default();
        match &log.last_send {
            Some((_, Some(Err(why)))) => {
                composer.sending = false;
                let text = tr.t_with("email-refused", &[("why", Arg::Text(why))]);
                ui.label(RichText::new(text).color(colour(ui, Tone::Bad)));
                if i.state == "active"
                    && icons::button(ui, icons::ICON_SEND, &tr.t("email-retry"), None).clicked()
                {
                    composer.sending = true;
                    commands.push(Command::EmailRetry { id: i.id });
                }
            }
            Some((_, Some(Ok(())))) if composer.sending => {
                composer.sending = false;
                *composer = Composer::default();
            }
            _ => {}
        }
        if composer.sending {
            ui.weak(tr.t("email-sending"));
        }
        if let Some((_, path, _)) = view.saved.iter().rev().find(|(x, ..)| *x == i.id) {
            ui.weak(RichText::new(tr.t_with("email-saved", &[("path", Arg::Text(path))])).small());
        }
        if i.state == "active" {
            ui.add_space(GAP);
            commands.extend(composer.show(ui, tr, i.id, log.newest_incoming()));
            let typed = composer.typed();
            commands.extend(self.drafts.check(ui.ctx(), i.id, typed));
        }
        commands
    }

    /// Where the attachment of email `id` being saved goes (the chooser), once chosen.
    fn save_as(&mut self, ui: &mut egui::Ui, tr: &Translator, id: u64) -> Option<Command> {
        let (email, message_id, index, chooser) = self.saving.as_mut()?;
        if *email != id {
            return None;
        }
        let picked = crate::style::card(ui).show(ui, |ui| chooser.show(ui, tr)).inner;
        match picked {
            Chosen::Still => None,
            Chosen::Cancelled => {
                self.saving = None;
                None
            }
            Chosen::Picked(path) => {
                let command = Command::SaveAttachment {
                    id,
                    index: *index,
                    path: path.display().to_string(),
                    message_id: Some(message_id.clone()),
                };
                if let Some(folder) = path.parent() {
                    self.save_folder = folder.display().to_string();
                }
                self.saving = None;
                Some(command)
            }
        }
    }

    /// One message: opened or folded when `open` says (a newer message came), else as the
    /// agent left it.
    #[allow(clippy::too_many_arguments)]
    fn message(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        zone: &jiff::tz::TimeZone,
        id: u64,
        m: &EmailItem,
        open: Option<bool>,
        now_ms: i64,
    ) {
        let who = if m.outgoing { tr.t("email-you") } else { m.from.clone() };
        let when = m.date_ms.map(|d| moment_text(tr, zone, d, now_ms)).unwrap_or_default();
        let title = if when.is_empty() { who } else { format!("{who} · {when}") };
        egui::CollapsingHeader::new(title).id_salt(("email", id, &m.message_id)).open(open).show(
            ui,
            |ui| {
                let to = m.to.join(", ");
                if !to.is_empty() {
                    ui.weak(
                        RichText::new(tr.t_with("email-to-line", &[("to", Arg::Text(&to))]))
                            .small(),
                    );
                }
                if !m.cc.is_empty() {
                    let cc = m.cc.join(", ");
                    ui.weak(
                        RichText::new(tr.t_with("email-cc-line", &[("cc", Arg::Text(&cc))]))
                            .small(),
                    );
                }
                let folded = quoting::fold(&m.text);
                ui.add(egui::Label::new(folded.written).wrap().selectable(true));
                if let Some(quoted) = folded.quoted {
                    egui::CollapsingHeader::new(tr.t("email-quoted"))
                        .id_salt(("quoted", id, &m.message_id))
                        .show(ui, |ui| {
                            ui.add(
                                egui::Label::new(RichText::new(quoted).weak())
                                    .wrap()
                                    .selectable(true),
                            );
                        });
                }
                for (n, link) in m.links.iter().enumerate() {
                    ui.weak(RichText::new(format!("[{}] {link}", n + 1)).small());
                }
                for problem in &m.problems {
                    ui.label(RichText::new(problem).small().color(colour(ui, Tone::Quiet)));
                }
                for a in &m.attachments {
                    ui.horizontal(|ui| {
                        ui.label(icons::icon(ui, icons::ICON_ATTACH_FILE, None));
                        ui.label(format!(
                            "{} · {} · {}",
                            a.name,
                            size_text(a.size),
                            a.content_type
                        ));
                        let save = tr.t_with("email-save", &[("name", Arg::Text(&a.name))]);
                        if icons::button(ui, icons::ICON_DOWNLOAD, &save, None).clicked() {
                            let folder = PathBuf::from(&self.save_folder);
                            let chooser = FileChooser::save(&folder, &a.name);
                            self.saving = Some((id, m.message_id.clone(), a.index, chooser));
                        }
                    });
                }
            },
        );
    }
}

/// `1.2 MB`, `35 kB`, `800 B`.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1_000_000.0),
        b if b >= 1_000 => format!("{} kB", b / 1_000),
        b => format!("{b} B"),
    }
}
