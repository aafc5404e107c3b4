//! The email panel of the desk (DESIGN.md §7 "Email"): the selected email's thread — the
//! newest message open, earlier ones folded, quoted text folded under each, links listed,
//! attachments with their size and a Save button — and, while it is worked, the composer:
//! Reply, Reply all or Forward (To for a forward), the answer, files to attach, Send and
//! Close; what became of the last send (sending, sent, refused with the server's words).
//! The phone adds the signature and the quote; what arrives is shown as text.

use std::collections::BTreeMap;
use std::path::PathBuf;

use earshot_engine::mail::quoting;
use earshot_engine::phone::Command;
use earshot_engine::phone::api::InteractionView;
use eframe::egui::{self, RichText};

use crate::email_model::{EmailItem, EmailLog};
use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::model::PhoneView;
use crate::style::{GAP, Tone, colour};
use crate::time_text::moment_text;

/// The tallest the thread grows before it scrolls.
const THREAD_HEIGHT: f32 = 360.0;

/// How the composer answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Reply,
    ReplyAll,
    Forward,
}

/// What the agent is writing in one email (kept while they work on others).
#[derive(Debug, Clone, Default)]
pub struct Composer {
    pub mode: Mode,
    pub to: String,
    pub text: String,
    /// Files to attach (paths), and the path being typed.
    pub files: Vec<String>,
    pub file: String,
    /// Sent and waiting for the phone's answer.
    pub sending: bool,
}

/// The composers, by interaction, and where attachments are saved.
#[derive(Debug)]
pub struct EmailPanel {
    composers: BTreeMap<u64, Composer>,
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
                    commands.extend(self.message(ui, tr, zone, i.id, m, open, now_ms));
                }
                self.newest_shown.insert(i.id, newest_id);
            });
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
            commands.extend(compose(ui, tr, composer, i.id, log));
        }
        commands
    }

    /// One message: opened or folded when `open` says (a newer message came), else as the
    /// agent left it.
    #[allow(clippy::too_many_arguments)]
    fn message(
        &self,
        ui: &mut egui::Ui,
        tr: &Translator,
        zone: &jiff::tz::TimeZone,
        id: u64,
        m: &EmailItem,
        open: Option<bool>,
        now_ms: i64,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
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
                            let path = PathBuf::from(&self.save_folder).join(&a.name);
                            commands.push(Command::SaveAttachment {
                                id,
                                index: a.index,
                                path: path.display().to_string(),
                                message_id: Some(m.message_id.clone()),
                            });
                        }
                    });
                }
            },
        );
        commands
    }
}

/// The composer of active email `id`.
fn compose(
    ui: &mut egui::Ui,
    tr: &Translator,
    c: &mut Composer,
    id: u64,
    log: &EmailLog,
) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.horizontal_wrapped(|ui| {
        for (mode, glyph, key) in [
            (Mode::Reply, icons::ICON_REPLY, "email-reply"),
            (Mode::ReplyAll, icons::ICON_REPLY_ALL, "email-reply-all"),
            (Mode::Forward, icons::ICON_FORWARD, "email-forward"),
        ] {
            ui.label(icons::icon(ui, glyph, None));
            let b = ui.selectable_label(c.mode == mode, tr.t(key));
            icons::announce_as(&b, egui::Role::Button, true, &tr.t(key), None);
            if b.clicked() {
                c.mode = mode;
            }
        }
    });
    let parent = log.newest_incoming();
    match c.mode {
        Mode::Forward => {
            ui.add(
                egui::TextEdit::singleline(&mut c.to)
                    .desired_width(f32::INFINITY)
                    .hint_text(tr.t("email-to-hint")),
            )
            .accessible_name(tr.t("email-to"));
        }
        Mode::Reply | Mode::ReplyAll => {
            let mut to: Vec<String> = parent.map(|p| vec![p.from.clone()]).unwrap_or_default();
            if c.mode == Mode::ReplyAll
                && let Some(p) = parent
            {
                to.extend(p.to.iter().chain(&p.cc).cloned());
            }
            let to = to.join(", ");
            ui.weak(RichText::new(tr.t_with("email-to-line", &[("to", Arg::Text(&to))])).small());
        }
    }
    ui.add(
        egui::TextEdit::multiline(&mut c.text)
            .desired_rows(5)
            .desired_width(f32::INFINITY)
            .hint_text(tr.t("email-compose-hint")),
    )
    .accessible_name(tr.t("email-compose"));
    files_to_attach(ui, tr, &mut c.file, &mut c.files);
    ui.horizontal_wrapped(|ui| {
        let ready = !c.sending
            && (c.mode != Mode::Forward || !c.to.trim().is_empty())
            && !c.text.trim().is_empty();
        if icons::button_enabled(ui, ready, icons::ICON_SEND, &tr.t("email-send"), None).clicked() {
            let attachments = c.files.clone();
            let text = c.text.clone();
            commands.push(match c.mode {
                Mode::Reply => Command::Reply { id, text, attachments },
                Mode::ReplyAll => Command::ReplyAll { id, text, attachments },
                Mode::Forward => Command::Forward {
                    id,
                    to: c.to.trim().to_owned(),
                    text,
                    attachments,
                    as_attachment: false,
                },
            });
            c.sending = true;
        }
        if icons::button(ui, icons::ICON_CLOSE, &tr.t("email-close"), None).clicked() {
            commands.push(Command::EmailClose { id });
        }
    });
    ui.weak(RichText::new(tr.t("email-signature-note")).small());
    commands
}

/// The path being typed with Attach, and the files attached so far, each with Remove.
fn files_to_attach(ui: &mut egui::Ui, tr: &Translator, file: &mut String, files: &mut Vec<String>) {
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(file)
                .desired_width(ui.available_width() - 120.0)
                .hint_text(tr.t("email-file-hint")),
        )
        .accessible_name(tr.t("email-file"));
        let typed = !file.trim().is_empty();
        if icons::button_enabled(ui, typed, icons::ICON_ATTACH_FILE, &tr.t("email-attach"), None)
            .clicked()
        {
            files.push(file.trim().to_owned());
            file.clear();
        }
    });
    let mut gone = None;
    for (n, f) in files.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(icons::icon(ui, icons::ICON_ATTACH_FILE, None));
            ui.label(f);
            let remove = tr.t_with("email-remove-file", &[("name", Arg::Text(f))]);
            if icons::button(ui, icons::ICON_CLOSE, &remove, None).clicked() {
                gone = Some(n);
            }
        });
    }
    if let Some(n) = gone {
        files.remove(n);
    }
}

/// `1.2 MB`, `35 kB`, `800 B`.
fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1_000_000.0),
        b if b >= 1_000 => format!("{} kB", b / 1_000),
        b => format!("{b} B"),
    }
}

/// What the agent did with a new email this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum NewEmailOutcome {
    Writing,
    Send(Command),
    Cancel,
}

/// A new email being written (from Team Communicator's Email on a contact).
#[derive(Debug, Clone, Default)]
pub struct NewEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub files: Vec<String>,
    pub file: String,
}

impl NewEmail {
    pub fn to(address: &str) -> NewEmail {
        NewEmail { to: address.to_owned(), ..NewEmail::default() }
    }

    /// The composer of a new email, and what the agent did with it.
    pub fn show(&mut self, ui: &mut egui::Ui, tr: &Translator) -> NewEmailOutcome {
        let mut outcome = NewEmailOutcome::Writing;
        ui.label(RichText::new(tr.t("email-new")).strong());
        for (value, label) in [(&mut self.to, "email-to"), (&mut self.subject, "email-subject")] {
            ui.add(
                egui::TextEdit::singleline(value)
                    .desired_width(f32::INFINITY)
                    .hint_text(tr.t(label)),
            )
            .accessible_name(tr.t(label));
        }
        ui.add(
            egui::TextEdit::multiline(&mut self.text)
                .desired_rows(5)
                .desired_width(f32::INFINITY)
                .hint_text(tr.t("email-new-hint")),
        )
        .accessible_name(tr.t("email-new-text"));
        files_to_attach(ui, tr, &mut self.file, &mut self.files);
        ui.horizontal_wrapped(|ui| {
            let ready = !self.to.trim().is_empty()
                && !self.subject.trim().is_empty()
                && !self.text.trim().is_empty();
            if icons::button_enabled(ui, ready, icons::ICON_SEND, &tr.t("email-send"), None)
                .clicked()
            {
                outcome = NewEmailOutcome::Send(Command::Email {
                    to: self.to.trim().to_owned(),
                    subject: self.subject.trim().to_owned(),
                    text: self.text.clone(),
                    cc: String::new(),
                    attachments: self.files.clone(),
                    queue: None,
                });
            }
            if icons::button(ui, icons::ICON_CLOSE, &tr.t("email-cancel"), None).clicked() {
                outcome = NewEmailOutcome::Cancel;
            }
        });
        outcome
    }
}
