//! Email work that outlives the phone (DESIGN.md §7 "Email"): what the agent is writing,
//! saved as it is typed (`email-draft`), and which claimed messages belong to which email
//! interaction, both kept in the store (earshot_store::email); after a restart the desk's
//! email interactions that were being worked or wrapped up are taken up again — their
//! messages found again in the agent's folder (the mailbox task's `Resumed`), the draft
//! given back (`email-draft` event) — instead of their mail being offered anew.

use std::collections::BTreeMap;

use earshot_desk::{Channel, InteractionId, State};
use earshot_mail::{MailAddress, MailMessage, forward_subject, reply_heads};
use earshot_store::{EmailKept, email::NEW_EMAIL};
use serde::{Deserialize, Serialize};

use super::api::Event;
use super::core::Phone;
use super::effect::Effect;
use super::email_commands::addresses;
use super::email_config::EmailSettings;
use super::emails::{EmailWork, Outbox};
use super::errors::CommandError;

/// What the agent is writing, as the composer holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypedDraft {
    /// `reply`, `reply-all`, `forward` or `new`.
    pub mode: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub text: String,
    /// Files to attach (paths).
    pub attachments: Vec<String>,
    /// A forward attaches the whole message.
    pub as_attachment: bool,
}

impl TypedDraft {
    /// Nothing written: nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.to.trim().is_empty()
            && self.cc.trim().is_empty()
            && self.subject.trim().is_empty()
            && self.text.trim().is_empty()
            && self.attachments.is_empty()
    }
}

/// Who an answer to a message goes to, and its subject, before the agent changes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerHeads {
    pub reply_to: Vec<String>,
    pub reply_all_to: Vec<String>,
    pub reply_all_cc: Vec<String>,
    pub reply_subject: String,
    pub forward_subject: String,
    /// The signature added under the answer, filled from the case.
    #[serde(default)]
    pub signature: String,
}

impl AnswerHeads {
    /// The heads of an answer to `m`, never addressed to `ours`.
    pub fn of(m: &MailMessage, ours: &[String]) -> AnswerHeads {
        let shown = |a: Vec<MailAddress>| a.iter().map(MailAddress::display).collect();
        let (reply_to, _, reply_subject) = reply_heads(m, ours, false);
        let (all_to, all_cc, _) = reply_heads(m, ours, true);
        AnswerHeads {
            reply_to: shown(reply_to),
            reply_all_to: shown(all_to),
            reply_all_cc: shown(all_cc),
            reply_subject,
            forward_subject: forward_subject(m),
            signature: String::new(),
        }
    }
}

/// For each mailbox, the messages of the email interactions taken up again (Message-ID →
/// interaction): its task keeps them in the agent's folder at its first connection instead
/// of putting them back in the queue.
pub fn resumed_mail(
    open: &[earshot_desk::Interaction],
    kept: &[(u64, EmailKept)],
    email: &EmailSettings,
) -> Vec<BTreeMap<String, u64>> {
    let mut per_mailbox = vec![BTreeMap::new(); email.mailboxes.len()];
    for (i, k) in kept {
        let Some(x) = open.iter().find(|x| x.id.0 == *i) else { continue };
        if !taken_up(x) {
            continue;
        }
        let mailbox = mailbox_of(email, x.queue.as_deref());
        if let Some(ids) = per_mailbox.get_mut(mailbox) {
            for id in &k.message_ids {
                ids.insert(id.clone(), *i);
            }
        }
    }
    per_mailbox
}

/// Whether a restored interaction is an email taken up again (being worked or wrapped
/// up; an offer left unanswered is not: its mail goes back to the queue).
fn taken_up(x: &earshot_desk::Interaction) -> bool {
    x.channel == Channel::Email && matches!(x.state, State::Active | State::WrapUp)
}

/// The mailbox of queue `queue` (the first when it names none of them).
fn mailbox_of(email: &EmailSettings, queue: Option<&str>) -> usize {
    queue
        .and_then(|q| email.mailboxes.iter().position(|m| m.queue.eq_ignore_ascii_case(q)))
        .unwrap_or(0)
}

impl Phone {
    /// `email-draft`: keeps what the agent is writing in email `id` (or the new email).
    pub(super) fn email_draft(
        &mut self,
        id: Option<u64>,
        draft: TypedDraft,
    ) -> Result<(), CommandError> {
        let typed = (!draft.is_empty()).then_some(draft);
        match id {
            None | Some(NEW_EMAIL) => {
                self.emails.new_draft = typed;
                self.keep_email(NEW_EMAIL);
            }
            Some(i) => {
                let work =
                    self.emails.by_interaction.get_mut(&i).ok_or(CommandError::NoSuchEmail(i))?;
                work.typed = typed;
                self.keep_email(i);
            }
        }
        Ok(())
    }

    /// Saves (or forgets, once it is over) email `i`'s work in the store.
    pub(super) fn keep_email(&mut self, i: u64) {
        let kept = if i == NEW_EMAIL {
            self.emails.new_draft.as_ref().map(|d| EmailKept {
                message_ids: Vec::new(),
                draft: serde_json::to_string(d).ok(),
            })
        } else {
            self.emails.by_interaction.get(&i).map(|w| EmailKept {
                message_ids: w
                    .messages
                    .iter()
                    .filter(|m| m.uid.is_some())
                    .map(|m| m.message.message_id.clone())
                    .collect(),
                draft: w.typed.as_ref().and_then(|d| serde_json::to_string(d).ok()),
            })
        };
        self.effects.push_back(Effect::KeepEmail { interaction: i, kept });
    }

    /// Takes up again the email interactions the desk restored, with their drafts; the
    /// new email being written comes back too. Work kept for an interaction that is over
    /// is forgotten.
    pub(super) fn emails_restored(&mut self, kept: Vec<(u64, EmailKept)>) {
        for (i, k) in kept {
            let draft: Option<TypedDraft> =
                k.draft.as_deref().and_then(|d| serde_json::from_str(d).ok());
            if i == NEW_EMAIL {
                if let Some(d) = draft {
                    self.emails.new_draft = Some(d.clone());
                    self.emit(Event::EmailDraft { interaction: None, draft: d });
                }
                continue;
            }
            let Some(x) = self.desk.get(InteractionId(i)).cloned() else {
                self.effects.push_back(Effect::KeepEmail { interaction: i, kept: None });
                continue;
            };
            if !taken_up(&x) {
                self.effects.push_back(Effect::KeepEmail { interaction: i, kept: None });
                continue;
            }
            let mailbox = mailbox_of(&self.config.email, x.queue.as_deref());
            let thread = self.emails.book.start(&earshot_mail::ThreadingKeys::default());
            let work = EmailWork {
                mailbox,
                thread,
                messages: Vec::new(),
                sending: None,
                draft: None,
                typed: draft.clone(),
            };
            self.emails.by_interaction.insert(i, work);
            if let Some(d) = draft.as_ref().filter(|d| d.mode == "new") {
                self.outbox_again(i, mailbox, d);
            }
            if let Some(d) = draft {
                self.emit(Event::EmailDraft { interaction: Some(i), draft: d });
            }
        }
    }

    /// A new email that was not sent before the restart, written again from what was
    /// typed, ready for `email-retry`.
    fn outbox_again(&mut self, i: u64, mailbox: usize, d: &TypedDraft) {
        let to = addresses(std::slice::from_ref(&d.to)).unwrap_or_default();
        let cc = addresses(std::slice::from_ref(&d.cc)).unwrap_or_default();
        let Ok(draft) = self.written_new(i, mailbox, to, cc, &d.subject, &d.text) else { return };
        let attach = d.attachments.iter().map(std::path::PathBuf::from).collect();
        if let Some(work) = self.emails.by_interaction.get_mut(&i) {
            work.draft = Some(Outbox { draft, attach, answers: None });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_reads_back_from_what_the_store_keeps_and_blank_is_empty() {
        let d = TypedDraft {
            mode: "reply-all".into(),
            cc: "Bob <bob@x.example>".into(),
            text: "Dear Anna,\n\nçà ✓".into(),
            attachments: vec!["/tmp/a b.pdf".into()],
            ..TypedDraft::default()
        };
        let back: TypedDraft = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
        assert!(!d.is_empty());
        assert!(
            TypedDraft { mode: "reply".into(), text: " \n".into(), ..Default::default() }
                .is_empty()
        );
        // A draft written by an older or newer window still reads.
        let partial: TypedDraft = serde_json::from_str(r#"{"text":"hi","extra":1}"#).unwrap();
        assert_eq!(partial.text, "hi");
    }
}
