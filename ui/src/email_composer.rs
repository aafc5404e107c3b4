//! What the agent writes in email (DESIGN.md §7 "Email"): the composer of an email being
//! worked — Reply, Reply all or Forward, with To, Cc and Subject filled from the phone's
//! answer heads and editable, the text, files to attach, Send and Close — and the new email
//! opened from Team Communicator (To, Cc, Subject, text, files). Both are given to the
//! phone as drafts while they are typed (email_drafts in the phone keeps them across a
//! restart) and given back from its `email-draft` events.

use std::path::Path;

use earshot_engine::phone::Command;
use earshot_engine::phone::api::Heads;
use earshot_engine::phone::email_drafts::TypedDraft;
use eframe::egui;

use crate::email_model::EmailItem;
use crate::file_chooser::{Chosen, FileChooser, home};
use crate::i18n::{Arg, Translator};
use crate::icons;

/// How the composer answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Reply,
    ReplyAll,
    Forward,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Reply => "reply",
            Mode::ReplyAll => "reply-all",
            Mode::Forward => "forward",
        }
    }

    fn named(name: &str) -> Mode {
        match name {
            "reply-all" => Mode::ReplyAll,
            "forward" => Mode::Forward,
            _ => Mode::Reply,
        }
    }
}

/// The recipients and subject as the phone would write them: To, Cc, Subject.
type Filled = (String, String, String);

/// What is typed in an email: its heads, its text and the files to attach.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub text: String,
    /// Files to attach (paths), and the chooser picking one.
    pub files: Vec<String>,
    pub chooser: Option<FileChooser>,
}

impl Written {
    /// As a draft kept before a restart.
    fn restored(d: &TypedDraft) -> Written {
        Written {
            to: d.to.clone(),
            cc: d.cc.clone(),
            subject: d.subject.clone(),
            text: d.text.clone(),
            files: d.attachments.clone(),
            chooser: None,
        }
    }

    /// As a draft to keep, written in `mode`.
    fn typed(&self, mode: &str) -> TypedDraft {
        TypedDraft {
            mode: mode.into(),
            to: self.to.clone(),
            cc: self.cc.clone(),
            subject: self.subject.clone(),
            text: self.text.clone(),
            attachments: self.files.clone(),
            as_attachment: false,
        }
    }

    /// To, Cc and Subject, the text (`text_keys`: its hint and its name) and the files.
    fn show(&mut self, ui: &mut egui::Ui, tr: &Translator, text_keys: (&str, &str)) {
        heads_fields(ui, tr, &mut self.to, &mut self.cc, &mut self.subject);
        ui.add(
            egui::TextEdit::multiline(&mut self.text)
                .desired_rows(5)
                .desired_width(f32::INFINITY)
                .hint_text(tr.t(text_keys.0)),
        )
        .accessible_name(tr.t(text_keys.1));
        files_to_attach(ui, tr, &mut self.chooser, &mut self.files);
    }
}

/// What the agent is writing in one email (kept while they work on others).
#[derive(Debug, Clone, Default)]
pub struct Composer {
    pub mode: Mode,
    pub written: Written,
    /// Sent and waiting for the phone's answer.
    pub sending: bool,
    /// The mode and message the heads were last filled for, and what they were filled
    /// with (a field the agent changed is sent as changed).
    filled_for: Option<(Mode, String)>,
    filled: Filled,
    /// Given back after a restart: its heads stay as the agent left them.
    restored: bool,
}

impl Composer {
    /// The composer as a draft kept before a restart.
    pub fn restored(d: &TypedDraft) -> Composer {
        Composer {
            mode: Mode::named(&d.mode),
            written: Written::restored(d),
            restored: true,
            ..Composer::default()
        }
    }

    /// What is worth keeping as a draft (nothing until the agent wrote or changed
    /// something).
    pub fn typed(&self) -> TypedDraft {
        let w = &self.written;
        let changed = (w.to.as_str(), w.cc.as_str(), w.subject.as_str())
            != (self.filled.0.as_str(), self.filled.1.as_str(), self.filled.2.as_str());
        if w.text.trim().is_empty() && w.files.is_empty() && !changed {
            return TypedDraft::default();
        }
        w.typed(self.mode.name())
    }

    /// Fills To, Cc and Subject for the mode and the message answered (once each: then
    /// they are the agent's).
    fn fill_heads(&mut self, parent: Option<&EmailItem>) {
        // Nothing to answer yet (a restored email's message not found again yet).
        let Some(parent) = parent else { return };
        let key = (self.mode, parent.message_id.clone());
        if self.filled_for.as_ref() == Some(&key) {
            return;
        }
        let answer = parent.answer.as_ref();
        let filled: Filled = match (self.mode, answer) {
            (_, None) => Default::default(),
            (Mode::Reply, Some(a)) => {
                (a.reply_to.join(", "), String::new(), a.reply_subject.clone())
            }
            (Mode::ReplyAll, Some(a)) => {
                (a.reply_all_to.join(", "), a.reply_all_cc.join(", "), a.reply_subject.clone())
            }
            (Mode::Forward, Some(a)) => (String::new(), String::new(), a.forward_subject.clone()),
        };
        if std::mem::take(&mut self.restored) {
            // The agent's own heads, from before the restart, stay.
        } else {
            let w = &mut self.written;
            (w.to, w.cc, w.subject) = filled.clone();
        }
        self.filled = filled;
        self.filled_for = Some(key);
    }

    /// The heads the agent changed (the rest the phone computes as filled).
    fn heads(&self) -> Heads {
        let changed = |now: &String, was: &String| (now != was).then(|| now.trim().to_owned());
        let w = &self.written;
        Heads {
            to: changed(&w.to, &self.filled.0),
            cc: changed(&w.cc, &self.filled.1),
            subject: changed(&w.subject, &self.filled.2),
        }
    }

    /// The composer of active email `id` answering `parent`.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        tr: &Translator,
        id: u64,
        parent: Option<&EmailItem>,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        ui.horizontal_wrapped(|ui| {
            for (mode, glyph, key) in [
                (Mode::Reply, icons::ICON_REPLY, "email-reply"),
                (Mode::ReplyAll, icons::ICON_REPLY_ALL, "email-reply-all"),
                (Mode::Forward, icons::ICON_FORWARD, "email-forward"),
            ] {
                ui.label(icons::icon(ui, glyph, None));
                let b = ui.selectable_label(self.mode == mode, tr.t(key));
                icons::announce_as(&b, egui::Role::Button, true, &tr.t(key), None);
                if b.clicked() {
                    self.mode = mode;
                }
            }
        });
        self.fill_heads(parent);
        self.written.show(ui, tr, ("email-compose-hint", "email-compose"));
        ui.horizontal_wrapped(|ui| {
            let w = &self.written;
            let addressed = !w.to.trim().is_empty() || !w.cc.trim().is_empty();
            let ready = addressed && !self.sending && !w.text.trim().is_empty();
            if icons::button_enabled(ui, ready, icons::ICON_SEND, &tr.t("email-send"), None)
                .clicked()
            {
                let attachments = w.files.clone();
                let text = w.text.clone();
                let heads = self.heads();
                commands.push(match self.mode {
                    Mode::Reply => Command::Reply { id, text, attachments, heads },
                    Mode::ReplyAll => Command::ReplyAll { id, text, attachments, heads },
                    Mode::Forward => Command::Forward {
                        id,
                        to: w.to.trim().to_owned(),
                        text,
                        attachments,
                        as_attachment: false,
                        cc: w.cc.trim().to_owned(),
                        subject: heads.subject,
                    },
                });
                self.sending = true;
            }
            if icons::button(ui, icons::ICON_CLOSE, &tr.t("email-close"), None).clicked() {
                commands.push(Command::EmailClose { id });
            }
        });
        let signature = parent.and_then(|p| p.answer.as_ref()).map(|a| a.signature.trim());
        match signature.filter(|s| !s.is_empty()) {
            Some(s) => {
                ui.weak(egui::RichText::new(tr.t("email-signature-shown")).small());
                ui.label(egui::RichText::new(s).weak());
            }
            None => {
                ui.weak(egui::RichText::new(tr.t("email-signature-note")).small());
            }
        }
        commands
    }
}

/// To, Cc and Subject, each a labelled line.
fn heads_fields(
    ui: &mut egui::Ui,
    tr: &Translator,
    to: &mut String,
    cc: &mut String,
    subject: &mut String,
) {
    egui::Grid::new(ui.next_auto_id()).num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
        for (value, label, hint) in [
            (to, "email-to", "email-to-hint"),
            (cc, "email-cc", "email-cc-hint"),
            (subject, "email-subject", "email-subject"),
        ] {
            ui.label(tr.t(label));
            ui.add(
                egui::TextEdit::singleline(value)
                    .desired_width(f32::INFINITY)
                    .hint_text(tr.t(hint)),
            )
            .accessible_name(tr.t(label));
            ui.end_row();
        }
    });
}

/// The files attached so far, each with Remove, and Attach a file… (the chooser, from
/// the folder of the last file attached, else home).
fn files_to_attach(
    ui: &mut egui::Ui,
    tr: &Translator,
    chooser: &mut Option<FileChooser>,
    files: &mut Vec<String>,
) {
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
    match chooser {
        None => {
            if icons::button(ui, icons::ICON_ATTACH_FILE, &tr.t("email-attach-file"), None)
                .clicked()
            {
                let last = files.last().and_then(|f| Path::new(f).parent().map(Path::to_owned));
                *chooser = Some(FileChooser::attach(&last.unwrap_or_else(home)));
            }
        }
        Some(c) => {
            let picked = crate::style::card(ui).show(ui, |ui| c.show(ui, tr)).inner;
            match picked {
                Chosen::Picked(path) => {
                    files.push(path.display().to_string());
                    *chooser = None;
                }
                Chosen::Cancelled => *chooser = None,
                Chosen::Still => {}
            }
        }
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
    pub written: Written,
}

impl NewEmail {
    pub fn to(address: &str) -> NewEmail {
        NewEmail { written: Written { to: address.to_owned(), ..Written::default() } }
    }

    /// The new email as a draft kept before a restart.
    pub fn restored(d: &TypedDraft) -> NewEmail {
        NewEmail { written: Written::restored(d) }
    }

    /// It as a draft to keep.
    pub fn typed(&self) -> TypedDraft {
        self.written.typed("new")
    }

    /// The composer of a new email, and what the agent did with it.
    pub fn show(&mut self, ui: &mut egui::Ui, tr: &Translator) -> NewEmailOutcome {
        let mut outcome = NewEmailOutcome::Writing;
        ui.label(egui::RichText::new(tr.t("email-new")).strong());
        self.written.show(ui, tr, ("email-new-hint", "email-new-text"));
        let w = &self.written;
        ui.horizontal_wrapped(|ui| {
            let ready = !w.to.trim().is_empty()
                && !w.subject.trim().is_empty()
                && !w.text.trim().is_empty();
            if icons::button_enabled(ui, ready, icons::ICON_SEND, &tr.t("email-send"), None)
                .clicked()
            {
                outcome = NewEmailOutcome::Send(Command::Email {
                    to: w.to.trim().to_owned(),
                    subject: w.subject.trim().to_owned(),
                    text: w.text.clone(),
                    cc: w.cc.trim().to_owned(),
                    attachments: w.files.clone(),
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

/// Drafts given to the phone as they are typed: each at most twice a second, the last
/// change always (the window asks for a frame when one waits).
#[derive(Debug, Default)]
pub struct DraftSaver {
    /// By interaction (0: the new email): what was last given and when (egui seconds).
    given: std::collections::BTreeMap<u64, (TypedDraft, f64)>,
}

/// How often a draft being typed is given to the phone.
const DRAFT_EVERY_S: f64 = 0.5;

impl DraftSaver {
    /// Takes note that `draft` is what the phone holds for `key` (given back after a
    /// restart).
    pub fn known(&mut self, key: u64, draft: TypedDraft) {
        self.given.insert(key, (draft, f64::NEG_INFINITY));
    }

    /// The command that forgets `key`'s draft (cancelled), if the phone holds one.
    pub fn forget(&mut self, key: u64) -> Option<Command> {
        let (last, _) = self.given.insert(key, (TypedDraft::default(), 0.0))?;
        let id = (key != 0).then_some(key);
        (last != TypedDraft::default())
            .then(|| Command::EmailDraft { id, draft: TypedDraft::default() })
    }

    /// The `email-draft` command for `key` if `draft` changed and it is time.
    pub fn check(&mut self, ctx: &egui::Context, key: u64, draft: TypedDraft) -> Option<Command> {
        let now = ctx.input(|i| i.time);
        let (last, at) = self.given.get(&key).cloned().unwrap_or_default();
        if last == draft {
            return None;
        }
        let wait = at + DRAFT_EVERY_S - now;
        if wait > 0.0 {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(wait));
            return None;
        }
        self.given.insert(key, (draft.clone(), now));
        let id = (key != 0).then_some(key);
        Some(Command::EmailDraft { id, draft })
    }
}
