//! The phone core's email interactions (DESIGN.md §7 "Email"), sans-IO: what the mailbox
//! tasks report — a message claimed for this agent, a thread's earlier messages, a send
//! accepted or refused, a mailbox reachable or not — turned into offers, `email` events and
//! wrap-ups; the desk's answers turned into mailbox jobs (a declined or missed message put
//! back in the queue, a finished thread filed); whether the agent has room for one more
//! email told to each mailbox. Threads are the `earshot_mail` book's.

use std::collections::BTreeMap;
use std::sync::Arc;

use earshot_desk::{Arrival, Channel, Direction, InteractionId, State, Take};
use earshot_mail::{MailMessage, ThreadBook, ThreadId, ThreadingKeys};
use serde::Serialize;

use super::api::Event;
use super::core::Phone;
use super::effect::Effect;
use super::mail_jobs::MailEffect;
use super::mailbox_task::{MailReport, MailboxJob};
use super::problem::Problem;

/// One message of an email interaction's thread.
#[derive(Debug, Clone)]
pub struct ThreadMessage {
    /// Its UID in this agent's folder, when it was claimed here.
    pub uid: Option<u32>,
    pub raw: Arc<Vec<u8>>,
    pub message: MailMessage,
    /// Sent by us (a reply, a forward, a new email).
    pub outbound: bool,
}

/// An email interaction's thread and what is being written in it.
#[derive(Debug, Clone)]
pub struct EmailWork {
    pub mailbox: usize,
    pub thread: ThreadId,
    /// Oldest first.
    pub messages: Vec<ThreadMessage>,
    /// The Message-ID being sent, until the server answers.
    pub sending: Option<String>,
    /// What the agent wrote last, kept until it is sent (a failed send keeps it for
    /// `email-retry`): the draft, the files to attach, the UID it answers.
    pub draft: Option<Outbox>,
    /// What the agent is writing, saved as typed (email_drafts.rs).
    pub typed: Option<super::email_drafts::TypedDraft>,
}

/// A written email waiting for the server's answer (or for a retry after a refusal).
#[derive(Debug, Clone)]
pub struct Outbox {
    pub draft: earshot_mail::Draft,
    pub attach: Vec<std::path::PathBuf>,
    pub answers: Option<u32>,
}

/// Every email interaction of this phone, the threads they belong to, and what each
/// mailbox was last told.
#[derive(Debug, Default)]
pub struct Emails {
    pub(super) by_interaction: BTreeMap<u64, EmailWork>,
    pub(super) book: ThreadBook,
    /// Per mailbox: the hunger last told (a claim uses it up: `None`).
    pub(super) hunger_told: BTreeMap<usize, bool>,
    /// Numbers our Message-IDs.
    pub(super) sent_count: u64,
    /// The new email being written, saved as typed.
    pub(super) new_draft: Option<super::email_drafts::TypedDraft>,
}

/// An attachment as the `email` event lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AttachmentView {
    pub index: u32,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

impl Phone {
    /// A mailbox task's report, at `now` (`wall` on the wall clock).
    pub fn mail_input(
        &mut self,
        report: MailReport,
        now: std::time::Instant,
        wall: std::time::SystemTime,
    ) {
        self.now = now;
        self.wall = wall;
        self.mail_report(report);
    }

    /// A mailbox task's report.
    pub(super) fn mail_report(&mut self, report: MailReport) {
        match report {
            MailReport::Online { mailbox, online, why } => {
                if !online {
                    // The task forgets nothing, but a new connection starts unfed.
                    self.emails.hunger_told.remove(&mailbox);
                }
                let (queue, address) = self.mailbox_names(mailbox);
                self.emit(Event::Mailbox { queue, address, online, why });
            }
            MailReport::Claimed { mailbox, uid, raw } => {
                self.emails.hunger_told.remove(&mailbox);
                self.claimed(mailbox, uid, Arc::new(raw));
            }
            MailReport::ThreadLoaded { interaction, raws, .. } => {
                self.thread_loaded(interaction, raws)
            }
            MailReport::Resumed { interaction, uid, raw, .. } => {
                self.resumed(interaction, uid, Arc::new(raw))
            }
            MailReport::Failed { mailbox, what, why } => {
                let (queue, _) = self.mailbox_names(mailbox);
                let problem = Problem::MailboxFailed { queue, what, why };
                self.emit(Event::problem(problem, None));
            }
            MailReport::Sent { interaction, message_id, raw } => {
                self.email_sent(interaction, message_id, raw)
            }
            MailReport::SendFailed { interaction, message_id, why } => {
                if let Some(work) = self.emails.by_interaction.get_mut(&interaction) {
                    work.sending = None;
                }
                self.emit(Event::EmailFailed { interaction, message_id, why });
            }
            MailReport::Saved { interaction, path, bytes } => {
                self.emit(Event::AttachmentSaved { interaction, path, bytes });
            }
            MailReport::SaveFailed { interaction, path, why } => {
                let problem = Problem::AttachmentNotSaved { path, why };
                self.emit(Event::problem(problem, Some(format!("save-attachment {interaction}"))));
            }
        }
    }

    /// The desk queue and address of mailbox `mailbox`.
    pub(super) fn mailbox_names(&self, mailbox: usize) -> (String, String) {
        self.config
            .email
            .mailboxes
            .get(mailbox)
            .map(|m| (m.queue.clone(), m.address.clone()))
            .unwrap_or_default()
    }

    /// A message claimed for this agent: into the open interaction of its thread, or
    /// offered as a new one (put back in the queue when the desk refuses it).
    fn claimed(&mut self, mailbox: usize, uid: u32, raw: Arc<Vec<u8>>) {
        let message = MailMessage::parse(&raw);
        let placed = self.emails.book.place(&ThreadingKeys::of(&message, false));
        let open = self.emails.by_interaction.iter().find(|(i, w)| {
            w.mailbox == mailbox
                && w.thread == placed.thread
                && self
                    .desk
                    .get(InteractionId(**i))
                    .is_some_and(|x| matches!(x.state, State::Offered | State::Active))
        });
        if let Some((&i, _)) = open {
            let held = ThreadMessage { uid: Some(uid), raw, message, outbound: false };
            self.email_into(i, held, false);
            return;
        }
        let (queue, _) = self.mailbox_names(mailbox);
        let from = message.from.clone();
        let contact = from.as_ref().map(|f| f.address.clone()).unwrap_or_default();
        let mut sources =
            earshot_desk::sip_case::sources(&message.case_headers, &contact, Some(&queue));
        sources.push(earshot_desk::case::Source::new(
            earshot_desk::case::Origin::Header,
            "Subject",
            message.subject.clone(),
        ));
        let arrival = Arrival {
            contact,
            contact_name: from.and_then(|f| f.name),
            queue: Some(queue),
            call: None,
            sources,
            auto_answer: false,
            link: None,
        };
        let at = self.moment();
        let i = match self.desk.offer(Channel::Email, Direction::Inbound, arrival, at) {
            Take::Refused { .. } => {
                // Not Ready or full by now: back to the queue for someone else.
                let job = MailboxJob::Release { uid, message_id: String::new() };
                self.effects.push_back(Effect::Mail(Box::new(MailEffect::Job { mailbox, job })));
                return;
            }
            Take::Offered(i) | Take::Accepted(i) => i.0,
        };
        let answers: Vec<String> =
            message.references.iter().chain(&message.in_reply_to).cloned().collect();
        self.emails.by_interaction.insert(
            i,
            EmailWork {
                mailbox,
                thread: placed.thread,
                messages: Vec::new(),
                sending: None,
                draft: None,
                typed: None,
            },
        );
        // The offer first (the desk's `interaction` event), then its message.
        self.desk_flush();
        let held = ThreadMessage { uid: Some(uid), raw, message, outbound: false };
        self.email_into(i, held, false);
        if !answers.is_empty() {
            // The thread's earlier messages (ours in Sent, finished ones in Done).
            let job = MailboxJob::LoadThread { interaction: i, ids: answers };
            self.effects.push_back(Effect::Mail(Box::new(MailEffect::Job { mailbox, job })));
        }
    }

    /// A message of email `i`, taken up again after a restart, found in the agent's
    /// folder: back in its thread, with the thread's earlier messages.
    fn resumed(&mut self, i: u64, uid: u32, raw: Arc<Vec<u8>>) {
        let message = MailMessage::parse(&raw);
        let Some(thread) = self.emails.by_interaction.get(&i).map(|w| w.thread) else { return };
        self.emails.book.place_in(thread, &ThreadingKeys::of(&message, false));
        let answers: Vec<String> =
            message.references.iter().chain(&message.in_reply_to).cloned().collect();
        let mailbox = self.emails.by_interaction.get(&i).map_or(0, |w| w.mailbox);
        let held = ThreadMessage { uid: Some(uid), raw, message, outbound: false };
        self.email_into(i, held, false);
        if !answers.is_empty() {
            let job = MailboxJob::LoadThread { interaction: i, ids: answers };
            self.effects.push_back(Effect::Mail(Box::new(MailEffect::Job { mailbox, job })));
        }
    }

    /// Adds a message to interaction `i`'s thread and tells the agent; a message claimed
    /// for it is remembered in the store (taken up again after a restart).
    pub(super) fn email_into(&mut self, i: u64, held: ThreadMessage, earlier: bool) {
        let ours = self.our_address_keys();
        let mut event = email_event(i, &held, earlier);
        if !held.outbound
            && let Event::Email { answer, .. } = &mut event
        {
            let mut heads = super::email_drafts::AnswerHeads::of(&held.message, &ours);
            let mailbox = self.emails.by_interaction.get(&i).map_or(0, |w| w.mailbox);
            heads.signature = self.signature(i, mailbox);
            *answer = Some(Box::new(heads));
        }
        let claimed = held.uid.is_some();
        let Some(work) = self.emails.by_interaction.get_mut(&i) else { return };
        if work.messages.iter().any(|m| m.message.message_id == held.message.message_id) {
            return;
        }
        work.messages.push(held);
        work.messages.sort_by_key(|m| m.message.date_ms.unwrap_or(i64::MAX));
        self.emit(event);
        if claimed {
            self.keep_email(i);
        }
    }

    /// The thread's earlier messages arrived from the server.
    fn thread_loaded(&mut self, i: u64, raws: Vec<Vec<u8>>) {
        let ours = self.our_address_keys();
        for raw in raws {
            let message = MailMessage::parse(&raw);
            let outbound = message.from.as_ref().is_some_and(|f| ours.contains(&f.key()));
            let held = ThreadMessage { uid: None, raw: Arc::new(raw), message, outbound };
            if let Some(thread) = self.emails.by_interaction.get(&i).map(|w| w.thread) {
                self.emails.book.place_in(thread, &ThreadingKeys::of(&held.message, outbound));
            }
            self.email_into(i, held, true);
        }
    }

    /// The SMTP server took what interaction `i` sent (`raw`, as sent): in the thread as
    /// the agent sees it, and the interaction to wrap-up (an email is worked until it is
    /// answered).
    fn email_sent(&mut self, i: u64, message_id: String, raw: Vec<u8>) {
        let Some(work) = self.emails.by_interaction.get_mut(&i) else { return };
        if work.sending.as_deref() == Some(message_id.as_str()) {
            work.sending = None;
        }
        work.draft = None;
        work.typed = None;
        let thread = work.thread;
        let message = MailMessage::parse(&raw);
        self.emails.book.place_in(thread, &ThreadingKeys::of(&message, true));
        let held = ThreadMessage { uid: None, raw: Arc::new(raw), message, outbound: true };
        self.email_into(i, held, false);
        self.keep_email(i);
        self.emit(Event::EmailSent { interaction: i, message_id });
        let at = self.moment();
        if self.desk.get(InteractionId(i)).is_some_and(|x| x.state == State::Active) {
            let _ = self.desk.end(InteractionId(i), at);
        }
    }

    /// The desk accepted email `i`: its messages are marked read on the server.
    pub(super) fn email_accepted(&mut self, i: u64) {
        let Some(work) = self.emails.by_interaction.get(&i) else { return };
        let mailbox = work.mailbox;
        let uids: Vec<u32> = work.messages.iter().filter_map(|m| m.uid).collect();
        for uid in uids {
            let job = MailboxJob::Flag { uid, flag: "\\Seen".into() };
            self.effects.push_back(Effect::Mail(Box::new(MailEffect::Job { mailbox, job })));
        }
    }

    /// The desk refused email `i` (declined, missed): its messages back to the queue,
    /// skipped here for a while so colleagues get them.
    pub(super) fn email_refused(&mut self, i: u64) {
        let Some(work) = self.emails.by_interaction.remove(&i) else { return };
        self.effects.push_back(Effect::KeepEmail { interaction: i, kept: None });
        for m in work.messages {
            if let Some(uid) = m.uid {
                let job = MailboxJob::Release { uid, message_id: m.message.message_id.clone() };
                let effect = MailEffect::Job { mailbox: work.mailbox, job };
                self.effects.push_back(Effect::Mail(Box::new(effect)));
            }
        }
    }

    /// Follows email `i`'s interaction: once done, its thread's messages are filed in the
    /// done folder and it is forgotten here.
    pub(super) fn email_follow(&mut self, i: u64, state: State) {
        if state != State::Done {
            return;
        }
        let Some(work) = self.emails.by_interaction.remove(&i) else { return };
        self.effects.push_back(Effect::KeepEmail { interaction: i, kept: None });
        let uids: Vec<u32> = work.messages.iter().filter_map(|m| m.uid).collect();
        if !uids.is_empty() {
            let job = MailboxJob::Finish { uids };
            self.effects
                .push_back(Effect::Mail(Box::new(MailEffect::Job { mailbox: work.mailbox, job })));
        }
    }

    /// Tells each mailbox whether this agent has room for one more email (after any
    /// input): Ready, and under the desk's email capacity.
    pub(super) fn email_hunger(&mut self) {
        let want = self.desk.status().state == earshot_desk::AgentState::Ready
            && self.desk.has_capacity(Channel::Email);
        for mailbox in 0..self.config.email.mailboxes.len() {
            if self.emails.hunger_told.get(&mailbox) != Some(&want) {
                self.emails.hunger_told.insert(mailbox, want);
                let job = MailboxJob::Hungry(want);
                self.effects.push_back(Effect::Mail(Box::new(MailEffect::Job { mailbox, job })));
            }
        }
    }
}

/// The `email` event for one message of interaction `i`.
pub(super) fn email_event(i: u64, held: &ThreadMessage, earlier: bool) -> Event {
    let m = &held.message;
    Event::Email {
        interaction: i,
        message_id: m.message_id.clone(),
        from: m.from.as_ref().map(|f| f.display()).unwrap_or_default(),
        to: m.to.iter().map(|a| a.display()).collect(),
        cc: m.cc.iter().map(|a| a.display()).collect(),
        subject: m.subject.clone(),
        date_ms: m.date_ms,
        text: m.text.clone(),
        links: m.links.clone(),
        attachments: m
            .attachments
            .iter()
            .map(|a| AttachmentView {
                index: a.index,
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
            })
            .collect(),
        direction: if held.outbound { "out".into() } else { "in".into() },
        earlier,
        problems: m.problems.clone(),
        answer: None,
    }
}
