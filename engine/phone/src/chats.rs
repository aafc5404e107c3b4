//! The phone's chats (DESIGN.md §7 "Chat"): one [`Chat`] per chat interaction — its
//! conversation (`earshot_chat`), the address written to, the first MESSAGE held while the
//! chat is offered, unread messages and the customer's wait — the MESSAGEs of ours waiting
//! for their answer, and each sender's flood window. Plain state; the phone's handling is
//! in chatting.rs.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use earshot_chat::{ChatMessage, Conversation, Delivery, MessageDirection};
use earshot_sip::message::{NameAddr, Uri};
use earshot_sip::ua::ReqHandle;

use super::api::{ChatSummary, Event};

/// How long a sender's flood window lasts ([`crate::config::ChatSettings::flood_limit`]
/// MESSAGEs in it at most).
pub(super) const FLOOD_WINDOW: Duration = Duration::from_secs(10);

/// One chat interaction.
#[derive(Debug)]
pub(super) struct Chat {
    pub interaction: u64,
    pub conversation: Conversation,
    /// Where our MESSAGEs go (the peer's address of record).
    pub to: NameAddr,
    /// The first MESSAGE, held unanswered while the chat is offered (200 on accept, the
    /// desk's status on decline or time-out: the site then offers it to the next agent).
    pub held: Option<ReqHandle>,
    /// Offered or active: later MESSAGEs from the peer belong to it. False from wrap-up on.
    pub open: bool,
    /// The peer's messages since the agent last looked (`chat-read`).
    pub unread: u32,
    /// The peer's last MESSAGE (the inactivity timeout counts from it).
    pub last_heard: Instant,
    /// The peer's oldest message not yet answered by the agent (wall ms).
    pub waiting_since_ms: Option<u64>,
    /// When the chat began here (an offer's held MESSAGE must be answered in time).
    pub began: Instant,
    /// The address our MESSAGEs come From when it is not ours: the queue the customer
    /// wrote to, so that the replies come back by the queue's routing.
    pub from: Option<String>,
    /// A consultation chat of ours with a colleague: the chat it is about.
    pub about: Option<u64>,
    /// A colleague's consultation with us: the customer it is about (their address).
    pub consulted_about: Option<String>,
    /// We are in the customer's chat the colleague hosts (their conference).
    pub conference: bool,
    /// Consultation chats joined into this one (a conference we host): each message goes
    /// to them too.
    pub members: Vec<u64>,
    /// Offered to a colleague, not yet taken.
    pub transferring: bool,
    /// Taken by the colleague at this address: the customer's messages that still reach
    /// us go to them.
    pub transferred_to: Option<NameAddr>,
    /// Handed to us by the colleague at this address (the only one that may relay the
    /// customer's messages into it).
    pub handed_by: Option<String>,
    /// The site was told the chat moved or ended here.
    pub site_told: bool,
    /// The followers (supervisors, by address) sent this chat's transcript: later
    /// messages go to them one by one.
    pub followers_told: Vec<String>,
}

impl Chat {
    pub fn new(interaction: u64, conversation: Conversation, to: NameAddr, now: Instant) -> Chat {
        Chat {
            interaction,
            conversation,
            to,
            held: None,
            open: true,
            unread: 0,
            last_heard: now,
            waiting_since_ms: None,
            began: now,
            from: None,
            about: None,
            consulted_about: None,
            conference: false,
            members: Vec::new(),
            transferring: false,
            transferred_to: None,
            handed_by: None,
            site_told: false,
            followers_told: Vec::new(),
        }
    }

    /// What the interaction list shows beside it.
    pub fn summary(&self) -> ChatSummary {
        ChatSummary {
            unread: self.unread,
            waiting_since_ms: self.waiting_since_ms,
            first: self.conversation.messages().first().map(|m| m.text.clone()),
            peer_typing: self.conversation.peer_typing(),
            receipts: self.conversation.peer_notifies(),
            conference: self.conference || !self.members.is_empty(),
            transferring: self.transferring,
        }
    }

    /// A message of the transcript as the API's `message` event.
    pub fn event(&self, m: &ChatMessage) -> Event {
        let (delivery, why) = delivery_name(&m.delivery);
        Event::Message {
            interaction: self.interaction,
            id: m.id.clone(),
            from: m.from.clone(),
            text: m.text.clone(),
            sent_ms: m.sent_ms,
            direction: match m.direction {
                MessageDirection::In => "in",
                MessageDirection::Out => "out",
            }
            .into(),
            delivery: delivery.into(),
            why,
        }
    }

    /// The transcript message `id`, if there is one.
    pub fn message(&self, id: &str) -> Option<&ChatMessage> {
        self.conversation.messages().iter().find(|m| m.id == id)
    }
}

/// A delivery state's API name, and why it failed.
pub(super) fn delivery_name(d: &Delivery) -> (&'static str, Option<String>) {
    match d {
        Delivery::Sending => ("sending", None),
        Delivery::Sent => ("sent", None),
        Delivery::Delivered => ("delivered", None),
        Delivery::Read => ("read", None),
        Delivery::Failed(why) => ("failed", Some(why.clone())),
    }
}

/// Every chat of this run, and what is in flight.
#[derive(Debug, Default)]
pub(super) struct Chats {
    pub by_interaction: BTreeMap<u64, Chat>,
    /// Our MESSAGEs awaiting their answer: the chat and the transcript message (none for
    /// notices and typing).
    pub sending: HashMap<ReqHandle, (u64, Option<String>)>,
    /// Each sender's MESSAGEs in the current window: its start, the count, and whether
    /// the agent was told of the flood.
    floods: HashMap<String, (Instant, u32, bool)>,
    /// The chat the agent last looked at (`chat-read`): its new messages play no note.
    pub viewing: Option<u64>,
    /// Our MESSAGEs that hand a chat over (chat_handover.rs), awaiting their answer.
    pub handovers: HashMap<ReqHandle, super::chat_handover::Handover>,
    /// Display names of the addresses chats are with and written by.
    pub names: HashMap<String, String>,
    /// Supervisors following this agent's chats (chat_followers.rs).
    pub followers: Vec<NameAddr>,
    /// What we sent followers, awaiting the answer (one that fails stops following).
    pub to_followers: HashMap<ReqHandle, NameAddr>,
    /// The next coaching message's number.
    pub next_coaching: u64,
    /// The agents whose chats we follow (as a supervisor), by address (chat_following.rs).
    pub following: std::collections::BTreeSet<String>,
    /// Our requests to agents we supervise, awaiting their answer: the agent and what.
    pub supervising: HashMap<ReqHandle, (String, &'static str)>,
}

/// Whether a sender may be heard now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flood {
    Within,
    /// Over the limit: refused; `first` the first refusal of this window (tell the agent).
    Over {
        first: bool,
    },
}

impl Chats {
    /// The open chat (offered or active, or handed to a colleague and not yet finished)
    /// with the peer whose address is `key`.
    pub fn open_with(&self, key: &str) -> Option<u64> {
        self.by_interaction
            .values()
            .rev()
            .find(|c| (c.open || c.transferred_to.is_some()) && peer_key(&c.to.uri) == key)
            .map(|c| c.interaction)
    }

    /// Counts one MESSAGE from `sender` at `now` against `limit` per [`FLOOD_WINDOW`].
    pub fn flood(&mut self, sender: &str, limit: u32, now: Instant) -> Flood {
        // Windows long over are forgotten, so that the map stays as small as the senders
        // of the last seconds.
        if self.floods.len() > 1024 {
            self.floods.retain(|_, (start, _, _)| now.duration_since(*start) < FLOOD_WINDOW);
        }
        let w = self.floods.entry(sender.to_owned()).or_insert((now, 0, false));
        if now.duration_since(w.0) >= FLOOD_WINDOW {
            *w = (now, 0, false);
        }
        w.1 = w.1.saturating_add(1);
        if limit == 0 || w.1 <= limit {
            return Flood::Within;
        }
        let first = !w.2;
        w.2 = true;
        Flood::Over { first }
    }
}

/// A peer's address of record as chats are keyed: scheme, user and host (lower case) and
/// port, without parameters or headers (RFC 3261 §19.1.4 compares those apart).
pub(super) fn peer_key(uri: &Uri) -> String {
    match uri {
        Uri::Sip(s) => {
            let scheme = if s.secure { "sips" } else { "sip" };
            let user = s.user.as_deref().map(|u| format!("{u}@")).unwrap_or_default();
            let host = s.host.to_string().to_ascii_lowercase();
            let port = s.port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}:{user}{host}{port}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_are_keyed_without_parameters_and_with_the_host_folded() {
        let a = Uri::parse("sip:alice@Site.Example;transport=tcp").unwrap();
        let b = Uri::parse("sip:alice@site.example").unwrap();
        assert_eq!(peer_key(&a), peer_key(&b));
        let c = Uri::parse("sip:alice@site.example:5080").unwrap();
        assert_ne!(peer_key(&b), peer_key(&c));
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // a start for the virtual clock
    fn a_sender_over_the_limit_is_refused_and_the_agent_told_once_per_window() {
        let mut chats = Chats::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(chats.flood("sip:x@y", 3, t0), Flood::Within);
        }
        assert_eq!(chats.flood("sip:x@y", 3, t0), Flood::Over { first: true });
        assert_eq!(chats.flood("sip:x@y", 3, t0), Flood::Over { first: false });
        assert_eq!(chats.flood("sip:other@y", 3, t0), Flood::Within);
        assert_eq!(chats.flood("sip:x@y", 3, t0 + FLOOD_WINDOW), Flood::Within);
    }
}
