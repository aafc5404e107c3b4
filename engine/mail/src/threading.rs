//! Threads: which conversation each email belongs to, by Message-ID, In-Reply-To and
//! References (RFC 5322 §3.6.4, in the spirit of JWZ's algorithm and RFC 5256 REFERENCES),
//! and Outlook's Thread-Index where references were lost or rewritten. A thread is one
//! conversation with one customer: a subject never joins mail, and a reference to mail we
//! sent (perhaps to many, as a notice) joins only the people it was addressed to — two
//! customers answering the same notice make two threads.

use std::collections::{BTreeSet, HashMap};

use crate::message::MailMessage;

/// A thread's number in its book.
pub type ThreadId = u64;

/// What threading reads of a message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadingKeys {
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The sender's address in normal form.
    pub from: Option<String>,
    /// To and Cc in normal form.
    pub recipients: Vec<String>,
    /// Outlook's conversation (Thread-Index GUID).
    pub conversation: Option<String>,
    /// Sent by us (the queue or an agent) rather than received.
    pub outbound: bool,
}

impl ThreadingKeys {
    pub fn of(message: &MailMessage, outbound: bool) -> ThreadingKeys {
        ThreadingKeys {
            message_id: message.message_id.clone(),
            in_reply_to: message.in_reply_to.clone(),
            references: message.references.clone(),
            from: message.from.as_ref().map(|f| f.key()),
            recipients: message.to.iter().chain(&message.cc).map(|a| a.key()).collect(),
            conversation: message.thread_index.as_ref().map(|t| t.conversation.clone()),
            outbound,
        }
    }
}

/// How a message found its thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinedBy {
    /// The same Message-ID was placed before (a copy, or the same message seen again).
    SameMessage,
    /// A message its In-Reply-To or References name.
    Reference,
    /// Outlook's Thread-Index conversation, from the same people.
    Conversation,
    /// It answers mail we sent to others too: a thread of its own for this sender.
    OwnAnswerToSharedMail,
    /// Nothing it names is known: a new thread.
    New,
}

/// Where a message was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub thread: ThreadId,
    pub joined_by: JoinedBy,
}

#[derive(Debug, Clone, Default)]
struct Thread {
    customer: Option<String>,
    /// Everyone who wrote or was written to in the thread (normal form).
    participants: BTreeSet<String>,
    /// Its messages in the order placed.
    messages: Vec<String>,
}

/// Where a message id points: a message placed, or one only named by others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    thread: ThreadId,
    /// Placed and received from outside: anyone who has its id may join.
    received: bool,
}

/// Every thread of a mailbox (or a site), built by placing messages in the order they
/// were written; the same order always gives the same threads.
#[derive(Debug, Default, Clone)]
pub struct ThreadBook {
    next: ThreadId,
    ids: HashMap<String, Known>,
    threads: HashMap<ThreadId, Thread>,
    /// (thread of shared mail we sent, another sender) → that sender's own thread.
    answers: HashMap<(ThreadId, String), ThreadId>,
    /// Outlook conversation → threads carrying it.
    conversations: HashMap<String, Vec<ThreadId>>,
}

impl ThreadBook {
    pub fn new() -> ThreadBook {
        ThreadBook::default()
    }

    /// Places a message in its thread (found, or new) and remembers it.
    pub fn place(&mut self, keys: &ThreadingKeys) -> Placed {
        let id = normal_id(&keys.message_id);
        if let Some(known) = self.ids.get(&id).copied().filter(|k| self.is_placed(k, &id)) {
            return Placed { thread: known.thread, joined_by: JoinedBy::SameMessage };
        }
        let placed = self.find(keys);
        self.remember(placed.thread, keys);
        placed
    }

    /// Places a message we send in the thread the agent writes in (a reply or forward),
    /// whatever it names.
    pub fn place_in(&mut self, thread: ThreadId, keys: &ThreadingKeys) {
        self.threads.entry(thread).or_default();
        self.remember(thread, keys);
    }

    /// A new thread for a message we send that answers nothing (a new email).
    pub fn start(&mut self, keys: &ThreadingKeys) -> ThreadId {
        let thread = self.new_thread(keys);
        self.remember(thread, keys);
        thread
    }

    /// The thread a message was placed in.
    pub fn thread_of(&self, message_id: &str) -> Option<ThreadId> {
        let id = normal_id(message_id);
        self.ids.get(&id).filter(|k| self.is_placed(k, &id)).map(|k| k.thread)
    }

    /// A thread's messages in the order they were placed.
    pub fn messages(&self, thread: ThreadId) -> &[String] {
        self.threads.get(&thread).map(|t| t.messages.as_slice()).unwrap_or_default()
    }

    /// The customer a thread is with (the first sender, or the first addressee of ours).
    pub fn customer(&self, thread: ThreadId) -> Option<&str> {
        self.threads.get(&thread)?.customer.as_deref()
    }

    pub fn thread_count(&self) -> usize {
        self.threads.len()
    }

    fn is_placed(&self, known: &Known, id: &str) -> bool {
        self.threads.get(&known.thread).is_some_and(|t| t.messages.iter().any(|m| m == id))
    }

    fn find(&mut self, keys: &ThreadingKeys) -> Placed {
        let sender = keys.from.clone().unwrap_or_default();
        // The nearest parent first: In-Reply-To, then References from the last.
        let named =
            keys.in_reply_to.iter().chain(keys.references.iter().rev()).map(|i| normal_id(i));
        let mut shared = None;
        for id in named {
            let Some(known) = self.ids.get(&id).copied() else {
                continue;
            };
            if known.received || self.admits(known.thread, &sender) {
                return Placed { thread: known.thread, joined_by: JoinedBy::Reference };
            }
            shared.get_or_insert(known.thread);
        }
        if let Some(conversation) = &keys.conversation {
            let found = self
                .conversations
                .get(conversation)
                .and_then(|ts| ts.iter().copied().find(|t| self.admits(*t, &sender)));
            if let Some(thread) = found {
                return Placed { thread, joined_by: JoinedBy::Conversation };
            }
        }
        if let Some(shared) = shared {
            let thread = match self.answers.get(&(shared, sender.clone())) {
                Some(thread) => *thread,
                None => {
                    let thread = self.new_thread(keys);
                    self.answers.insert((shared, sender), thread);
                    thread
                }
            };
            return Placed { thread, joined_by: JoinedBy::OwnAnswerToSharedMail };
        }
        Placed { thread: self.new_thread(keys), joined_by: JoinedBy::New }
    }

    /// Whether `sender` belongs in a thread: its customer or someone its mail was
    /// addressed to or came from.
    fn admits(&self, thread: ThreadId, sender: &str) -> bool {
        !sender.is_empty()
            && self.threads.get(&thread).is_some_and(|t| t.participants.contains(sender))
    }

    fn new_thread(&mut self, keys: &ThreadingKeys) -> ThreadId {
        self.next += 1;
        let customer =
            if keys.outbound { keys.recipients.first().cloned() } else { keys.from.clone() };
        self.threads.insert(self.next, Thread { customer, ..Thread::default() });
        self.next
    }

    fn remember(&mut self, thread: ThreadId, keys: &ThreadingKeys) {
        let id = normal_id(&keys.message_id);
        let Some(entry) = self.threads.get_mut(&thread) else {
            return;
        };
        if !entry.messages.contains(&id) {
            entry.messages.push(id.clone());
        }
        entry.participants.extend(keys.from.iter().cloned());
        entry.participants.extend(keys.recipients.iter().cloned());
        self.ids.insert(id, Known { thread, received: !keys.outbound });
        // Ids it names that we never saw point here, as mail we did not receive: only the
        // thread's people join through them.
        for named in keys.in_reply_to.iter().chain(&keys.references) {
            self.ids.entry(normal_id(named)).or_insert(Known { thread, received: false });
        }
        if let Some(conversation) = &keys.conversation {
            let threads = self.conversations.entry(conversation.clone()).or_default();
            if !threads.contains(&thread) {
                threads.push(thread);
            }
        }
    }
}

/// Message ids compare without brackets and spaces; the domain part case-insensitively
/// (RFC 5322 §3.6.4 ids are compared as written, but mail systems fold the right-hand
/// side).
fn normal_id(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>').trim();
    match id.rsplit_once('@') {
        Some((left, right)) => format!("{left}@{}", right.to_lowercase()),
        None => id.to_owned(),
    }
}
