//! The email commands (DESIGN.md §7 "Email"): reply, reply all, forward (inline or the
//! message attached), a new email to a contact, close without sending, save an
//! attachment. Each reply is written from the thread's newest message from the customer,
//! From the queue's address (or the agent's, `[email] send_as`), with the signature filled
//! from the case, and handed to the driver to submit; the interaction ends when the server
//! took it. A send that fails keeps the draft and says why (`email-failed`).

use std::path::PathBuf;
use std::sync::Arc;

use earshot_desk::{Arrival, Channel, Direction, InteractionId, State, Take};
use earshot_mail::{Draft, ForwardAs, MailAddress, ThreadingKeys, Writer};

use super::api::Heads;
use super::core::Phone;
use super::effect::Effect;
use super::email_config::SendAs;
use super::emails::{EmailWork, ThreadMessage};
use super::errors::CommandError;
use super::mail_jobs::MailEffect;

/// What the agent asked to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailCommand {
    Reply {
        id: u64,
        text: String,
        all: bool,
        attach: Vec<PathBuf>,
        /// The recipients and subject as the agent changed them.
        heads: Heads,
    },
    Forward {
        id: u64,
        to: Vec<String>,
        text: String,
        attach: Vec<PathBuf>,
        as_attachment: bool,
        heads: Heads,
    },
    New {
        to: Vec<String>,
        cc: Vec<String>,
        subject: String,
        text: String,
        attach: Vec<PathBuf>,
        queue: Option<String>,
    },
    Close {
        id: u64,
    },
    Retry {
        id: u64,
    },
    SaveAttachment {
        id: u64,
        message_id: Option<String>,
        index: u32,
        path: PathBuf,
    },
}

impl Phone {
    pub(super) fn email_command(&mut self, c: EmailCommand) -> Result<(), CommandError> {
        match c {
            EmailCommand::Reply { id, text, all, attach, heads } => {
                let (work, parent) = self.email_parent(id)?;
                let ours = self.our_address_keys();
                let signature = self.signature(id, work.mailbox);
                let writer = self.writer(work.mailbox, &ours, &signature)?;
                let mut draft = earshot_mail::reply(&parent.message, &writer, &text, all);
                changed_heads(&mut draft, heads)?;
                self.send_draft(id, work.mailbox, draft, attach, parent.uid)
            }
            EmailCommand::Forward { id, to, text, attach, as_attachment, heads } => {
                let (work, parent) = self.email_parent(id)?;
                let ours = self.our_address_keys();
                let signature = self.signature(id, work.mailbox);
                let writer = self.writer(work.mailbox, &ours, &signature)?;
                let to = addresses(&to)?;
                let how = if as_attachment { ForwardAs::Attachment } else { ForwardAs::Inline };
                let mut draft =
                    earshot_mail::forward(&parent.message, &parent.raw, &writer, to, &text, how);
                changed_heads(&mut draft, heads)?;
                self.send_draft(id, work.mailbox, draft, attach, None)
            }
            EmailCommand::New { to, cc, subject, text, attach, queue } => {
                let mailbox = self.mailbox_for(queue.as_deref())?;
                let to = addresses(&to)?;
                let cc = addresses(&cc)?;
                let first = to
                    .first()
                    .cloned()
                    .ok_or_else(|| CommandError::Email("no recipient".into()))?;
                let (queue_name, _) = self.mailbox_names(mailbox);
                let arrival = Arrival {
                    contact: first.address.clone(),
                    contact_name: first.name.clone(),
                    queue: Some(queue_name),
                    ..Default::default()
                };
                let at = self.moment();
                let i = match self.desk.offer(Channel::Email, Direction::Outbound, arrival, at) {
                    Take::Refused { status } => {
                        return Err(CommandError::Email(format!("the desk refused it ({status})")));
                    }
                    Take::Offered(i) | Take::Accepted(i) => i.0,
                };
                let draft = self.written_new(i, mailbox, to, cc, &subject, &text)?;
                let keys = ThreadingKeys {
                    message_id: String::new(),
                    recipients: draft.to.iter().chain(&draft.cc).map(MailAddress::key).collect(),
                    outbound: true,
                    ..Default::default()
                };
                let thread = self.emails.book.start(&keys);
                // What was written is kept with the interaction until it is sent (a
                // restart after a refusal gives it back, ready to send again).
                let typed = super::email_drafts::TypedDraft {
                    mode: "new".into(),
                    to: draft.to.iter().map(MailAddress::display).collect::<Vec<_>>().join(", "),
                    cc: draft.cc.iter().map(MailAddress::display).collect::<Vec<_>>().join(", "),
                    subject: subject.clone(),
                    text: text.clone(),
                    attachments: attach.iter().map(|p| p.display().to_string()).collect(),
                    as_attachment: false,
                };
                self.emails.by_interaction.insert(
                    i,
                    EmailWork {
                        mailbox,
                        thread,
                        messages: Vec::new(),
                        sending: None,
                        draft: None,
                        typed: Some(typed),
                    },
                );
                self.emails.new_draft = None;
                self.keep_email(earshot_store::email::NEW_EMAIL);
                self.keep_email(i);
                self.send_draft(i, mailbox, draft, attach, None)
            }
            EmailCommand::Retry { id } => {
                let work = self.email_work(id)?;
                if work.sending.is_some() {
                    return Err(CommandError::Email(format!(
                        "email {id}: a message is being sent"
                    )));
                }
                let (mailbox, kept) = (work.mailbox, work.draft.clone());
                let kept = kept.ok_or_else(|| {
                    CommandError::Email(format!("email {id}: nothing to send again"))
                })?;
                self.send_draft(id, mailbox, kept.draft, kept.attach, kept.answers)
            }
            EmailCommand::Close { id } => {
                self.email_work(id)?;
                let at = self.moment();
                self.desk.end(InteractionId(id), at).map_err(|e| CommandError::Desk(e.to_string()))
            }
            EmailCommand::SaveAttachment { id, message_id, index, path } => {
                let work = self.email_work(id)?;
                let held = work
                    .messages
                    .iter()
                    .rev()
                    .find(|m| match &message_id {
                        Some(wanted) => &m.message.message_id == wanted,
                        None => m.message.attachments.iter().any(|a| a.index == index),
                    })
                    .ok_or_else(|| {
                        CommandError::Email(format!("no attachment {index} in email {id}"))
                    })?;
                let raw = Arc::clone(&held.raw);
                let effect = MailEffect::SaveAttachment { interaction: id, raw, index, path };
                self.effects.push_back(Effect::Mail(Box::new(effect)));
                Ok(())
            }
        }
    }

    /// A new email of interaction `i` from mailbox `mailbox`, signed.
    pub(super) fn written_new(
        &mut self,
        i: u64,
        mailbox: usize,
        to: Vec<MailAddress>,
        cc: Vec<MailAddress>,
        subject: &str,
        text: &str,
    ) -> Result<Draft, CommandError> {
        let ours = self.our_address_keys();
        let signature = self.signature(i, mailbox);
        let writer = self.writer(mailbox, &ours, &signature)?;
        let guid = self.guid();
        let mut draft = earshot_mail::new_email(&writer, to, subject, text, guid);
        draft.cc = cc;
        Ok(draft)
    }

    fn email_work(&self, id: u64) -> Result<&EmailWork, CommandError> {
        self.emails.by_interaction.get(&id).ok_or(CommandError::NoSuchEmail(id))
    }

    /// Interaction `id`'s thread and the message a reply answers: the newest from the
    /// customer (or, in a thread of ours alone, the newest).
    fn email_parent(&self, id: u64) -> Result<(EmailWork, ThreadMessage), CommandError> {
        let work = self.email_work(id)?;
        if !self.desk.get(InteractionId(id)).is_some_and(|x| x.state == State::Active) {
            return Err(CommandError::Email(format!(
                "email {id} is not being worked (accept it first)"
            )));
        }
        if work.sending.is_some() {
            return Err(CommandError::Email(format!("email {id}: a message is being sent")));
        }
        let parent = work
            .messages
            .iter()
            .rev()
            .find(|m| !m.outbound)
            .or_else(|| work.messages.last())
            .cloned()
            .ok_or_else(|| CommandError::Email(format!("email {id} has no message yet")))?;
        Ok((work.clone(), parent))
    }

    /// The mailbox of queue `queue` (the first configured when none is named).
    fn mailbox_for(&self, queue: Option<&str>) -> Result<usize, CommandError> {
        let boxes = &self.config.email.mailboxes;
        let found = match queue {
            Some(q) => boxes
                .iter()
                .position(|m| m.queue.eq_ignore_ascii_case(q) || m.address.eq_ignore_ascii_case(q)),
            None => (!boxes.is_empty()).then_some(0),
        };
        found.ok_or_else(|| CommandError::Email("no [[email.mailboxes]] configured for it".into()))
    }

    /// Our addresses in normal form: every queue's, and the agent's own.
    pub(super) fn our_address_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .config
            .email
            .mailboxes
            .iter()
            .map(|m| earshot_mail::address_key(&m.address))
            .collect();
        if let Some(a) = &self.config.email.agent_address {
            keys.push(earshot_mail::address_key(a));
        }
        keys
    }

    fn writer<'a>(
        &self,
        mailbox: usize,
        ours: &'a [String],
        signature: &'a str,
    ) -> Result<Writer<'a>, CommandError> {
        let settings = self
            .config
            .email
            .mailboxes
            .get(mailbox)
            .ok_or(CommandError::Email("no such mailbox".into()))?;
        let from = match (self.config.email.send_as, &self.config.email.agent_address) {
            (SendAs::Agent, Some(address)) => {
                MailAddress::new(self.config.display_name.as_deref(), address)
            }
            _ => MailAddress::new(settings.name.as_deref(), &settings.address),
        };
        Ok(Writer { from, ours, signature, now_ms: self.moment().unix_ms as i64 })
    }

    /// The signature template filled: `{agent}`, `{queue}`, and the interaction's case
    /// fields by name; a field it lacks is left out.
    pub(super) fn signature(&self, id: u64, mailbox: usize) -> String {
        let template = &self.config.email.signature;
        let agent = self.config.display_name.clone().unwrap_or_else(|| self.config.user.clone());
        let (queue, _) = self.mailbox_names(mailbox);
        let label = self.config.desk.queue(&queue).and_then(|q| q.label.clone()).unwrap_or(queue);
        let case = self.desk.get(InteractionId(id)).map(|x| x.case.clone());
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(rest.get(..open).unwrap_or_default());
            let after = rest.get(open + 1..).unwrap_or_default();
            let Some(close) = after.find('}') else {
                out.push_str(rest.get(open..).unwrap_or_default());
                rest = "";
                break;
            };
            let name = after.get(..close).unwrap_or_default().trim();
            match name {
                "agent" => out.push_str(&agent),
                "queue" => out.push_str(&label),
                field => {
                    if let Some(v) = case.as_ref().and_then(|c| c.value(field)) {
                        out.push_str(v);
                    }
                }
            }
            rest = after.get(close + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        out
    }

    /// Hands `draft` to the driver to write and submit as a new Message-ID of ours.
    fn send_draft(
        &mut self,
        id: u64,
        mailbox: usize,
        draft: Draft,
        attach: Vec<PathBuf>,
        answers: Option<u32>,
    ) -> Result<(), CommandError> {
        if draft.to.is_empty() && draft.cc.is_empty() {
            return Err(CommandError::Email("no recipient".into()));
        }
        let message_id = self.new_message_id(draft.from.as_ref());
        let date_ms = self.moment().unix_ms as i64;
        if let Some(work) = self.emails.by_interaction.get_mut(&id) {
            work.sending = Some(message_id.clone());
            let kept =
                super::emails::Outbox { draft: draft.clone(), attach: attach.clone(), answers };
            work.draft = Some(kept);
        }
        let effect = MailEffect::Send {
            mailbox,
            interaction: id,
            draft: Box::new(draft),
            attach,
            message_id,
            date_ms,
            answers,
        };
        self.effects.push_back(Effect::Mail(Box::new(effect)));
        Ok(())
    }

    /// `earshot.<agent>.<time><n>@<our domain>`: the agent in it lets the mailbox tasks
    /// route a customer's answer back to the agent who wrote.
    fn new_message_id(&mut self, from: Option<&MailAddress>) -> String {
        self.emails.sent_count += 1;
        let domain = from
            .and_then(|f| f.address.rsplit_once('@').map(|(_, d)| d.to_owned()))
            .unwrap_or_else(|| "earshot.invalid".into());
        let unique = self.ssrc_seed.rotate_left(17) ^ self.emails.sent_count;
        format!(
            "earshot.{}.{:x}.{:x}.{}@{domain}",
            super::email_config::mail_me(&self.config),
            self.moment().unix_ms,
            unique & 0xffff_ffff,
            self.emails.sent_count
        )
    }

    /// A conversation GUID for Outlook's Thread-Index.
    fn guid(&mut self) -> [u8; 16] {
        self.emails.sent_count += 1;
        let a = self.ssrc_seed ^ self.moment().unix_ms;
        let b = self.ssrc_seed.rotate_left(29).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ self.emails.sent_count;
        let mut out = [0u8; 16];
        for (o, byte) in out.iter_mut().zip(a.to_be_bytes().into_iter().chain(b.to_be_bytes())) {
            *o = byte;
        }
        out
    }
}

/// Addresses typed by the agent (`Name <a@b>` or `a@b`), each checked.
pub(super) fn addresses(typed: &[String]) -> Result<Vec<MailAddress>, CommandError> {
    typed
        .iter()
        .flat_map(|t| split_addresses(t))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            let (name, address) = match (t.rfind('<'), t.rfind('>')) {
                (Some(a), Some(b)) if a < b => (
                    Some(t.get(..a).unwrap_or_default().trim().trim_matches('"')),
                    t.get(a + 1..b).unwrap_or_default(),
                ),
                _ => (None, t),
            };
            if earshot_directory::email_key(address).is_none() {
                return Err(CommandError::Email(format!("not an email address: {t}")));
            }
            Ok(MailAddress::new(name.filter(|n| !n.is_empty()), address))
        })
        .collect()
}

/// A list of addresses split at its commas — not those inside a quoted name or angle
/// brackets (`"Doe, Ann" <ann@x.example>, bob@y.example`: two).
fn split_addresses(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut angled, mut start) = (false, false, 0);
    for (n, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angled = true,
            '>' if !quoted => angled = false,
            ',' if !quoted && !angled => {
                parts.push(&list[start..n]);
                start = n + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

/// The recipients and subject the agent changed, in place of the computed ones.
fn changed_heads(draft: &mut Draft, heads: Heads) -> Result<(), CommandError> {
    if let Some(to) = heads.to {
        draft.to = addresses(&[to])?;
    }
    if let Some(cc) = heads.cc {
        draft.cc = addresses(&[cc])?;
    }
    if let Some(subject) = heads.subject {
        draft.subject = subject.trim().to_owned();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_at_commas_between_them_only() {
        let got = addresses(&["\"Doe, Ann\" <ann@x.example>, bob@y.example,, ".into()]).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].address, "ann@x.example");
        assert_eq!(got[0].name.as_deref(), Some("Doe, Ann"));
        assert_eq!(got[1].address, "bob@y.example");
        assert!(addresses(&["not an address".into()]).is_err());
    }
}
