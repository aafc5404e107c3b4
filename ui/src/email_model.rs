//! The window's view of email interactions, rebuilt from the phone's events: each
//! interaction's thread (`email`, oldest first, a message reported again replaced), whether
//! what the agent sent was taken or refused (`email-sent`, `email-failed`), and each queue's
//! mailbox reachable or not (`mailbox`).

use std::collections::BTreeMap;

use earshot_engine::phone::email_drafts::AnswerHeads;
use earshot_engine::phone::emails::AttachmentView;

/// One message of a thread.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailItem {
    pub message_id: String,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub date_ms: Option<i64>,
    pub text: String,
    pub links: Vec<String>,
    pub attachments: Vec<AttachmentView>,
    pub outgoing: bool,
    pub problems: Vec<String>,
    /// Who an answer goes to and its subject, as the phone would write them.
    pub answer: Option<AnswerHeads>,
}

/// One email interaction's thread and what became of what the agent sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmailLog {
    /// Oldest first (by date; undated last).
    pub messages: Vec<EmailItem>,
    /// The last send: its Message-ID and `None` while unanswered, `Some(Ok)` taken,
    /// `Some(Err(why))` refused.
    pub last_send: Option<(String, Option<Result<(), String>>)>,
}

impl EmailLog {
    /// Takes an `email` event.
    pub fn message(&mut self, item: EmailItem) {
        match self.messages.iter_mut().find(|m| m.message_id == item.message_id) {
            Some(known) => *known = item,
            None => self.messages.push(item),
        }
        self.messages.sort_by_key(|m| m.date_ms.unwrap_or(i64::MAX));
    }

    /// The newest message from the customer (what a reply answers).
    pub fn newest_incoming(&self) -> Option<&EmailItem> {
        self.messages.iter().rev().find(|m| !m.outgoing).or(self.messages.last())
    }
}

/// Each queue's mailbox: reachable, or why not.
pub type Mailboxes = BTreeMap<String, Result<(), String>>;
