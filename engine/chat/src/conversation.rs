//! One conversation with one peer over SIP MESSAGE (RFC 3428): what arrives — plain text,
//! CPIM (RFC 3862) wrapping text or an IMDN notice (RFC 5438), an is-composing indication
//! (RFC 3994) — read into the transcript, the peer's typing and each message's delivery;
//! what the agent writes turned into bodies to send. Is-composing is sent only to a peer
//! that sent one itself, IMDN requests only to a peer that used IMDN: others may show the
//! XML as a message. Sans-IO: the time is passed in.

use std::time::{Duration, Instant};

use earshot_sip::im::cpim::{self, Cpim, IMDN_NS};
use earshot_sip::im::imdn::{self, Kind, Notification, Wanted};
use earshot_sip::im::iscomposing::{self, IsComposing};

pub use earshot_desk::presence::rfc3339;

use crate::message::{ChatMessage, Delivery, MessageDirection};

/// RFC 3428 §8: a MESSAGE body over this many bytes must go over a congestion-controlled
/// transport (TCP, TLS, WebSocket), never UDP.
pub const UDP_MAX_BODY: usize = 1300;
/// The most text one message may carry (what a person types in one go, and more).
pub const MAX_TEXT_BYTES: usize = 32 * 1024;

/// What a MESSAGE that arrived was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A message for the transcript (already in it).
    Message(ChatMessage),
    /// The peer started (`true`) or stopped typing.
    Typing(bool),
    /// A message of ours got further (or failed): its id and where it is now.
    Notice { id: String, delivery: Delivery },
}

/// A MESSAGE body to send to the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// With its parameters (`text/plain;charset=UTF-8`).
    pub content_type: String,
    pub body: Vec<u8>,
    /// The transcript message it carries, if it is one (its answer is [`Conversation::answered`]).
    pub message: Option<String>,
}

impl Outgoing {
    /// Whether it may not go over UDP (RFC 3428 §8).
    pub fn needs_stream(&self) -> bool {
        self.body.len() > UDP_MAX_BODY
    }
}

/// Why something that arrived, or something to send, is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChatError {
    /// Answered 415 with `Accept` listing [`Conversation::ACCEPT`].
    #[error("chat: {0} is not a content type a chat carries")]
    Unsupported(String),
    #[error("chat: the text is not UTF-8")]
    NotUtf8,
    #[error("chat: nothing to send")]
    Empty,
    #[error("chat: a message of {bytes} bytes is over the {max} a message may carry")]
    TooLong { bytes: usize, max: usize },
    #[error("{0}")]
    Cpim(#[from] cpim::CpimError),
    #[error("{0}")]
    IsComposing(#[from] iscomposing::IsComposingError),
    #[error("{0}")]
    Imdn(#[from] imdn::ImdnError),
}

/// One conversation.
#[derive(Debug)]
pub struct Conversation {
    me: String,
    peer: String,
    messages: Vec<ChatMessage>,
    /// The peer sent an is-composing indication: it understands them.
    peer_composes: bool,
    /// The peer used IMDN: it sends and answers notices.
    peer_notifies: bool,
    /// The peer is typing until then (its refresh, or RFC 3994's 120 s).
    peer_typing_until: Option<Instant>,
    /// Our last `active` sent, and our last keystroke (and its wall time).
    active_sent: Option<Instant>,
    last_typed: Option<(Instant, u64)>,
    next_out: u64,
    next_in: u64,
    /// Incoming messages whose sender asked to be told when they are displayed: id and
    /// its DateTime.
    display_owed: Vec<(String, String)>,
}

impl Conversation {
    /// What a chat understands, for a 415's `Accept` (RFC 3428 §7).
    pub const ACCEPT: &'static str =
        "text/plain, message/cpim, application/im-iscomposing+xml, message/imdn+xml";

    /// A conversation of `me` with `peer` (addresses of record).
    pub fn new(me: &str, peer: &str) -> Conversation {
        Conversation {
            me: me.to_owned(),
            peer: peer.to_owned(),
            messages: Vec::new(),
            peer_composes: false,
            peer_notifies: false,
            peer_typing_until: None,
            active_sent: None,
            last_typed: None,
            next_out: 1,
            next_in: 1,
            display_owed: Vec::new(),
        }
    }

    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// The transcript, oldest first.
    pub fn messages(&self) -> &[ChatMessage] {
        &self.messages
    }

    /// Earlier messages of the chat, handed over by a colleague (a consultation, a
    /// transfer), put before anything said here.
    pub fn import(&mut self, history: Vec<ChatMessage>) {
        let said = std::mem::take(&mut self.messages);
        self.messages = history;
        self.messages.extend(said);
    }

    /// The address we write as.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// Whether the peer is typing now.
    pub fn peer_typing(&self) -> bool {
        self.peer_typing_until.is_some()
    }

    /// Whether the peer tells us of delivery and reading (else a 2xx is all we know).
    pub fn peer_notifies(&self) -> bool {
        self.peer_notifies
    }

    /// A MESSAGE from the peer with `content_type` (type/subtype, parameters allowed) and
    /// `body`, at `at` (`now_ms` on the wall clock): what it was, and any notice owed back
    /// at once (IMDN delivered, when asked).
    pub fn receive(
        &mut self,
        content_type: &str,
        body: &[u8],
        at: Instant,
        now_ms: u64,
    ) -> Result<(Incoming, Vec<Outgoing>), ChatError> {
        match media_type(content_type).as_str() {
            "text/plain" => {
                if body.len() > MAX_TEXT_BYTES {
                    return Err(ChatError::TooLong { bytes: body.len(), max: MAX_TEXT_BYTES });
                }
                let text = std::str::from_utf8(body).map_err(|_| ChatError::NotUtf8)?;
                let id = self.incoming_id();
                Ok((self.take_in(id, self.peer.clone(), text.to_owned(), now_ms), Vec::new()))
            }
            iscomposing::CONTENT_TYPE => {
                let c = IsComposing::parse(body)?;
                self.peer_composes = true;
                if c.active {
                    let for_s = c.refresh_s.unwrap_or(iscomposing::ACTIVE_FOR_S);
                    self.peer_typing_until = Some(at + Duration::from_secs(for_s));
                } else {
                    self.peer_typing_until = None;
                }
                Ok((Incoming::Typing(c.active), Vec::new()))
            }
            cpim::CONTENT_TYPE => self.receive_cpim(Cpim::parse(body)?, now_ms),
            other => Err(ChatError::Unsupported(other.to_owned())),
        }
    }

    fn receive_cpim(
        &mut self,
        m: Cpim,
        now_ms: u64,
    ) -> Result<(Incoming, Vec<Outgoing>), ChatError> {
        match media_type(m.content_type()).as_str() {
            imdn::CONTENT_TYPE => {
                let n = Notification::parse(&m.content)?;
                self.peer_notifies = true;
                let delivery = match (n.kind, n.status.as_str()) {
                    (Kind::Delivery, "delivered") => Delivery::Delivered,
                    (Kind::Display, "displayed") => Delivery::Read,
                    (_, "processed" | "stored") => Delivery::Sent,
                    (kind, status) => Delivery::Failed(format!("{kind:?} {status}").to_lowercase()),
                };
                let delivery = self.advance(&n.message_id, delivery);
                Ok((Incoming::Notice { id: n.message_id, delivery }, Vec::new()))
            }
            "text/plain" => {
                if m.content.len() > MAX_TEXT_BYTES {
                    let bytes = m.content.len();
                    return Err(ChatError::TooLong { bytes, max: MAX_TEXT_BYTES });
                }
                let text = std::str::from_utf8(&m.content).map_err(|_| ChatError::NotUtf8)?;
                let from = m.header("From").map(strip_angle).unwrap_or(&self.peer).to_owned();
                let id = match m.ns_header(IMDN_NS, "Message-ID") {
                    Some(id) if !id.is_empty() => {
                        self.peer_notifies = true;
                        id.to_owned()
                    }
                    _ => self.incoming_id(),
                };
                let wanted = m
                    .ns_header(IMDN_NS, "Disposition-Notification")
                    .map(Wanted::parse)
                    .unwrap_or_default();
                let date_time = m.header("DateTime").unwrap_or_default().to_owned();
                let mut owed = Vec::new();
                if wanted.delivery {
                    owed.push(self.notice(&id, &date_time, Kind::Delivery, "delivered", now_ms));
                }
                if wanted.display {
                    self.display_owed.push((id.clone(), date_time));
                }
                Ok((self.take_in(id, from, text.to_owned(), now_ms), owed))
            }
            other => Err(ChatError::Unsupported(format!("message/cpim with {other}"))),
        }
    }

    /// A number for a message from the peer, unused in the transcript (which may hold
    /// messages handed over or kept from before a restart).
    fn incoming_id(&mut self) -> String {
        loop {
            let id = format!("in-{}", self.next_in);
            self.next_in += 1;
            if !self.messages.iter().any(|m| m.id == id) {
                return id;
            }
        }
    }

    /// A message from the peer: into the transcript; its typing has ended (RFC 3994 §3.2).
    fn take_in(&mut self, id: String, from: String, text: String, now_ms: u64) -> Incoming {
        self.peer_typing_until = None;
        let m = ChatMessage {
            id,
            from,
            text,
            sent_ms: now_ms,
            direction: MessageDirection::In,
            delivery: Delivery::Delivered,
        };
        self.messages.push(m.clone());
        Incoming::Message(m)
    }

    /// Moves our message `id` on to `to` — never back (a late "delivered" after "read"
    /// changes nothing); returns where it is.
    fn advance(&mut self, id: &str, to: Delivery) -> Delivery {
        let rank = |d: &Delivery| match d {
            Delivery::Sending => 0,
            Delivery::Sent => 1,
            Delivery::Delivered => 2,
            Delivery::Read => 3,
            Delivery::Failed(_) => 4,
        };
        let Some(m) =
            self.messages.iter_mut().find(|m| m.id == id && m.direction == MessageDirection::Out)
        else {
            return to;
        };
        if rank(&to) > rank(&m.delivery) {
            m.delivery = to;
        }
        m.delivery.clone()
    }

    /// The agent's text as a message to send: plain text, or CPIM asking for IMDN notices
    /// from a peer that uses them. Our typing ends with it (no `idle` needed).
    pub fn send(&mut self, text: &str, now_ms: u64) -> Result<(ChatMessage, Outgoing), ChatError> {
        let me = self.me.clone();
        self.send_as(&me, text, now_ms)
    }

    /// Text written by `author` — us, or a colleague in a conference whose message we
    /// relay — sent to the peer as ours (the peer writes to one address); the transcript
    /// keeps who wrote it.
    pub fn send_as(
        &mut self,
        author: &str,
        text: &str,
        now_ms: u64,
    ) -> Result<(ChatMessage, Outgoing), ChatError> {
        if text.trim().is_empty() {
            return Err(ChatError::Empty);
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(ChatError::TooLong { bytes: text.len(), max: MAX_TEXT_BYTES });
        }
        let id = format!("out-{}-{now_ms}", self.next_out);
        self.next_out += 1;
        self.active_sent = None;
        self.last_typed = None;
        let out = if self.peer_notifies {
            let m = Cpim::new(
                &format!("<{}>", self.me),
                &format!("<{}>", self.peer),
                &rfc3339(now_ms),
                "text/plain; charset=UTF-8",
                text.as_bytes().to_vec(),
            )
            .with_ns_header(IMDN_NS, "imdn", "Message-ID", &id)
            .with_ns_header(
                IMDN_NS,
                "imdn",
                "Disposition-Notification",
                "positive-delivery, display",
            );
            Outgoing {
                content_type: cpim::CONTENT_TYPE.into(),
                body: m.to_bytes(),
                message: Some(id.clone()),
            }
        } else {
            Outgoing {
                content_type: "text/plain;charset=UTF-8".into(),
                body: text.as_bytes().to_vec(),
                message: Some(id.clone()),
            }
        };
        let m = ChatMessage {
            id,
            from: author.to_owned(),
            text: text.to_owned(),
            sent_ms: now_ms,
            direction: MessageDirection::Out,
            delivery: Delivery::Sending,
        };
        self.messages.push(m.clone());
        Ok((m, out))
    }

    /// The answer to our MESSAGE carrying `id`: 2xx — a server has it; otherwise failed,
    /// with the status and reason. Returns where the message is now.
    pub fn answered(&mut self, id: &str, status: u16, reason: &str) -> Option<Delivery> {
        let to = if (200..300).contains(&status) {
            Delivery::Sent
        } else {
            Delivery::Failed(format!("{status} {reason}").trim().to_owned())
        };
        self.messages.iter().any(|m| m.id == id).then(|| self.advance(id, to))
    }

    /// Our message `id` never left (refused before it was sent, `why`). Returns where it
    /// is now.
    pub fn failed(&mut self, id: &str, why: &str) -> Option<Delivery> {
        let to = Delivery::Failed(why.to_owned());
        self.messages.iter().any(|m| m.id == id).then(|| self.advance(id, to))
    }

    /// The agent typed (a keystroke in the compose box): an `active` indication if the
    /// peer understands them and none was sent lately.
    pub fn typed(&mut self, at: Instant, now_ms: u64) -> Option<Outgoing> {
        self.last_typed = Some((at, now_ms));
        if !self.peer_composes {
            return None;
        }
        // Refreshed a little before the peer's wait for it runs out.
        let refresh = Duration::from_secs(iscomposing::REFRESH_S - 5);
        if self.active_sent.is_some_and(|t| at.duration_since(t) < refresh) {
            return None;
        }
        self.active_sent = Some(at);
        Some(composing(&IsComposing::active()))
    }

    /// When [`Conversation::timeout`] has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let idle = self
            .active_sent
            .and(self.last_typed)
            .map(|(t, _)| t + Duration::from_secs(iscomposing::IDLE_AFTER_S));
        [idle, self.peer_typing_until].into_iter().flatten().min()
    }

    /// Our typing stopped long enough (an `idle` to send), the peer's `active` ran out
    /// (it stopped typing, as far as we know).
    pub fn timeout(&mut self, at: Instant) -> (Option<Outgoing>, Option<Incoming>) {
        let mut out = None;
        if let (Some(_), Some((typed, typed_ms))) = (self.active_sent, self.last_typed)
            && at.duration_since(typed) >= Duration::from_secs(iscomposing::IDLE_AFTER_S)
        {
            self.active_sent = None;
            out = Some(composing(&IsComposing::idle(Some(rfc3339(typed_ms)))));
        }
        let mut told = None;
        if self.peer_typing_until.is_some_and(|t| t <= at) {
            self.peer_typing_until = None;
            told = Some(Incoming::Typing(false));
        }
        (out, told)
    }

    /// The agent has seen the transcript: the display notices its peer asked for.
    pub fn displayed(&mut self, now_ms: u64) -> Vec<Outgoing> {
        let owed = std::mem::take(&mut self.display_owed);
        owed.iter()
            .map(|(id, date_time)| self.notice(id, date_time, Kind::Display, "displayed", now_ms))
            .collect()
    }

    /// An IMDN notice about the peer's message `id` (RFC 5438 §7.2), in CPIM.
    fn notice(&self, id: &str, date_time: &str, kind: Kind, status: &str, now_ms: u64) -> Outgoing {
        let n = Notification {
            message_id: id.to_owned(),
            date_time: if date_time.is_empty() { rfc3339(now_ms) } else { date_time.to_owned() },
            recipient: Some(self.me.clone()),
            kind,
            status: status.to_owned(),
        };
        let m = Cpim::new(
            &format!("<{}>", self.me),
            &format!("<{}>", self.peer),
            &rfc3339(now_ms),
            imdn::CONTENT_TYPE,
            n.to_xml().into_bytes(),
        )
        .with_ns_header(IMDN_NS, "imdn", "Message-ID", &format!("notice-{id}-{now_ms}"))
        .with_content_header("Content-Disposition", "notification");
        Outgoing { content_type: cpim::CONTENT_TYPE.into(), body: m.to_bytes(), message: None }
    }
}

fn composing(c: &IsComposing) -> Outgoing {
    Outgoing {
        content_type: iscomposing::CONTENT_TYPE.into(),
        body: c.to_xml().into_bytes(),
        message: None,
    }
}

/// `type/subtype` of a content type, lower case, without its parameters.
fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// `Name <sip:…>` → `sip:…`.
fn strip_angle(v: &str) -> &str {
    match (v.find('<'), v.rfind('>')) {
        (Some(a), Some(b)) if a < b => v.get(a + 1..b).unwrap_or(v),
        _ => v.trim(),
    }
}
