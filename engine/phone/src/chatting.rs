//! The phone's side of the chat channel (DESIGN.md §7 "Chat", docs/chat.md): a MESSAGE
//! (RFC 3428) from a new peer is offered to the desk as a chat interaction — held
//! unanswered while a routed chat is offered, so that the site can offer it to the next
//! agent when this one declines or lets it time out — and later ones go into its
//! conversation; the agent's commands (`chat`, `say`, `typing`, `chat-read`, `chat-end`)
//! become MESSAGEs; answers and notices move each message's delivery; a customer who
//! leaves or goes silent sends the chat to wrap-up; a sender that floods is refused.

use std::time::Duration;

use earshot_chat::{ChatError, ChatMessage, Conversation, Incoming, MessageDirection, Outgoing};
use earshot_desk::{Arrival, Channel, Direction, InteractionId, State, Take};
use earshot_sip::message::{HeaderName, NameAddr, Request};
use earshot_sip::ua::{MESSAGE_HOLD, ReqHandle};

use super::api::Event;
use super::chats::{Chat, Flood, peer_key};
use super::core::Phone;
use super::effect::Effect;
use super::errors::CommandError;
use super::problem::Problem;
use earshot_store::ChatLine;

/// The header a web customer's page sets on its last MESSAGE when the customer closes it.
pub(super) const CHAT_EVENT_HEADER: &str = "X-Earshot-Chat-Event";
/// The value of the extension header `name` in `request` (`X-…` names are compared
/// without case, RFC 3261 §7.3.1; `Headers::get` matches them as written).
pub(super) fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.iter().find(|h| h.name.as_str().eq_ignore_ascii_case(name)).map(|h| h.value())
}

/// How long before the user agent's own 480 (at [`MESSAGE_HOLD`]) an offered chat whose
/// first MESSAGE is held is withdrawn by the phone, so that the desk and the sender agree.
const HOLD_MARGIN: Duration = Duration::from_secs(2);

/// The chat commands, as the API's map to them.
#[derive(Debug, Clone)]
pub(super) enum ChatCommand {
    Write { uri: String, text: String },
    Open { uri: String },
    Say { id: u64, text: String },
    Typing { id: u64 },
    Read { id: u64 },
    End { id: u64 },
}

impl Phone {
    fn unix_ms(&self) -> u64 {
        self.moment().unix_ms
    }

    /// A MESSAGE arrived; `answer` is its held transaction (none inside a call's dialog,
    /// already answered 200).
    pub(super) fn message_received(
        &mut self,
        from: NameAddr,
        content_type: String,
        body: Vec<u8>,
        answer: Option<ReqHandle>,
        request: Box<Request>,
    ) {
        let key = peer_key(&from.uri);
        // The site's chat routes are the site's: never a chat here.
        let to_route = matches!(&request.uri, earshot_sip::message::Uri::Sip(s)
            if s.user.as_deref() == Some(super::chat_handover::ROUTE_USER));
        if to_route {
            return self.answer_held(answer, 404, &[]);
        }
        if let Flood::Over { first } =
            self.chats.flood(&key, self.config.chat.flood_limit, self.now)
        {
            let retry = (HeaderName::RetryAfter, super::chats::FLOOD_WINDOW.as_secs().to_string());
            self.answer_held(answer, 503, &[retry]);
            if first {
                self.emit(Event::problem(Problem::ChatFlood { from: key }, None));
            }
            return;
        }
        if let Some(asked) = super::chat_followers::Supervision::of(&request) {
            return self.supervision_received(asked, &from, &body, answer, &request);
        }
        if header(&request, super::chat_followers::FOLLOWED_HEADER).is_some() {
            return self.followed_received(&from, &content_type, &body, answer, &request);
        }
        if let Some(n) = from.display_name().filter(|n| !n.trim().is_empty()) {
            let n: String = n.chars().filter(|c| !c.is_control()).take(80).collect();
            self.chats.names.insert(key.clone(), n);
        }
        let open = self.chats.open_with(&key);
        let event = header(&request, CHAT_EVENT_HEADER).map(str::to_owned);
        if let Some(event) = event {
            self.answer_held(answer, 200, &[]);
            let reason = match event.as_str() {
                "left" => "customer-left",
                _ => "ended",
            };
            if let Some(i) = open {
                self.chat_left(i, reason);
            }
            return;
        }
        if let Some(handed) = super::chat_handover::Handed::of(&request) {
            return self.handed_received(handed, from, key, &content_type, &body, answer, &request);
        }
        match open {
            Some(i) => self.message_into_chat(i, &key, &content_type, &body, answer),
            None => self.new_chat(from, key, &content_type, &body, answer, &request),
        }
    }

    /// A MESSAGE into the open chat `i`.
    pub(super) fn message_into_chat(
        &mut self,
        i: u64,
        key: &str,
        content_type: &str,
        body: &[u8],
        answer: Option<ReqHandle>,
    ) {
        let (now, unix_ms) = (self.now, self.unix_ms());
        let Some(chat) = self.chats.by_interaction.get_mut(&i) else { return };
        match chat.conversation.receive(content_type, body, now, unix_ms) {
            Err(e) => self.unreadable(answer, key, &e),
            Ok((incoming, owed)) => {
                self.answer_held(answer, 200, &[]);
                for out in owed {
                    let _ = self.send_out(i, out);
                }
                self.incoming(i, incoming);
            }
        }
    }

    /// A MESSAGE from a peer with no open chat: a message is offered as a new chat; typing
    /// or a notice alone starts nothing.
    fn new_chat(
        &mut self,
        from: NameAddr,
        key: String,
        content_type: &str,
        body: &[u8],
        answer: Option<ReqHandle>,
        request: &Request,
    ) {
        let (now, at) = (self.now, self.moment());
        let to = request.headers.to().map(|t| t.uri.clone()).ok();
        let queue = to
            .as_ref()
            .and_then(|t| super::desking::queue_of(&t.to_string()))
            .filter(|q| self.config.desk.queue(q).is_some());
        // A routed chat is the queue's: we write as the queue.
        let me = match (&queue, &to) {
            (Some(_), Some(t)) => Some(peer_key(t)),
            _ => None,
        };
        let mut conversation = Conversation::new(me.as_deref().unwrap_or(&self.local_uri), &key);
        let (first, owed) = match conversation.receive(content_type, body, now, at.unix_ms) {
            Err(e) => return self.unreadable(answer, &key, &e),
            Ok((Incoming::Message(m), owed)) => (m, owed),
            Ok(_) => return self.answer_held(answer, 200, &[]),
        };
        let headers: Vec<(String, String)> =
            request.headers.iter().map(|h| (h.name.to_string(), h.value().to_owned())).collect();
        let arrival = Arrival {
            contact: key.clone(),
            contact_name: from
                .display_name()
                .map(|n| n.chars().filter(|c| !c.is_control()).take(80).collect::<String>())
                .filter(|n| !n.trim().is_empty()),
            queue: queue.clone(),
            call: None,
            sources: earshot_desk::sip_case::sources(&headers, &key, queue.as_deref()),
            auto_answer: false,
            link: None,
        };
        let i = match self.desk.offer(Channel::Chat, Direction::Inbound, arrival, at) {
            Take::Refused { status } => return self.answer_held(answer, status, &[]),
            Take::Offered(i) | Take::Accepted(i) => i.0,
        };
        let mut reply_to = NameAddr::new(from.uri.clone());
        if let earshot_sip::message::Uri::Sip(s) = &mut reply_to.uri {
            s.params = Default::default();
            s.headers.clear();
        }
        let mut chat = Chat::new(i, conversation, reply_to, now);
        chat.from = me;
        // A routed chat's first MESSAGE waits for the agent (the site moves on when it is
        // refused); one sent to the agent directly has reached them.
        if queue.is_some() {
            chat.held = answer;
        } else {
            self.answer_held(answer, 200, &[]);
        }
        self.chats.by_interaction.insert(i, chat);
        for out in owed {
            let _ = self.send_out(i, out);
        }
        self.incoming(i, Incoming::Message(first));
    }

    /// What a MESSAGE into chat `i` was, told to the agent.
    fn incoming(&mut self, i: u64, incoming: Incoming) {
        let now = self.now;
        let Some(chat) = self.chats.by_interaction.get_mut(&i) else { return };
        match incoming {
            Incoming::Message(m) if chat.transferred_to.is_some() => {
                // Handed to a colleague: theirs now.
                self.told(i, &m.id);
                self.relay_heard(i, &m);
            }
            Incoming::Message(m) => {
                chat.unread = chat.unread.saturating_add(1);
                chat.last_heard = now;
                chat.waiting_since_ms.get_or_insert(m.sent_ms);
                self.told(i, &m.id);
                self.relay_heard(i, &m);
                self.tell_followers(i, &m);
                let offered =
                    self.desk.get(InteractionId(i)).is_some_and(|x| x.state == State::Offered);
                self.emit_interaction(i);
                // Noticed by ear too, unless the agent is looking at it (an offer chimes
                // on its own).
                if !offered && self.chats.viewing != Some(i) {
                    self.chat_note();
                }
            }
            Incoming::Typing(active) => {
                let from = chat.conversation.peer().into();
                self.emit(Event::Typing { interaction: i, from, active });
            }
            Incoming::Notice { id, .. } => self.told(i, &id),
        }
    }

    /// Tells the agent of message `id` of chat `i` as it is now, and keeps it in the store.
    pub(super) fn told(&mut self, i: u64, id: &str) {
        let Some(chat) = self.chats.by_interaction.get(&i) else { return };
        let Some(m) = chat.message(id) else { return };
        let event = chat.event(m);
        let (delivery, why) = super::chats::delivery_name(&m.delivery);
        let line = ChatLine {
            id: m.id.clone(),
            from: m.from.clone(),
            text: m.text.clone(),
            sent_ms: m.sent_ms,
            outgoing: m.direction == MessageDirection::Out,
            delivery: match why {
                Some(why) => format!("{delivery}: {why}"),
                None => delivery.to_owned(),
            },
        };
        self.emit(event);
        self.effects.push_back(Effect::SaveChatLine { interaction: i, line });
    }

    /// A MESSAGE that cannot be read: 415 with what is understood (RFC 3428 §7), 413 for
    /// text over what a message carries, 400 for text that is not UTF-8 or a body that
    /// does not parse; the agent is told.
    fn unreadable(&mut self, answer: Option<ReqHandle>, from: &str, e: &ChatError) {
        match e {
            ChatError::Unsupported(_) => {
                let accept = (HeaderName::Accept, Conversation::ACCEPT.to_owned());
                self.answer_held(answer, 415, &[accept]);
            }
            // RFC 3261 §21.4.11: more than a chat message carries.
            ChatError::TooLong { .. } => self.answer_held(answer, 413, &[]),
            _ => self.answer_held(answer, 400, &[]),
        }
        let problem = Problem::ChatUnreadable { from: from.to_owned(), why: e.to_string() };
        self.emit(Event::problem(problem, None));
    }

    /// Answers a held MESSAGE (nothing to do for one answered already).
    pub(super) fn answer_held(
        &mut self,
        h: Option<ReqHandle>,
        status: u16,
        headers: &[(HeaderName, String)],
    ) {
        if let Some(h) = h {
            let _ = self.ua.answer_message(h, status, headers, self.now);
        }
    }

    /// Sends one body of chat `i` to its peer; a transcript message goes into the waiting
    /// list for its answer, or fails at once with why.
    fn send_out(&mut self, i: u64, out: Outgoing) -> Result<(), CommandError> {
        let Some(chat) = self.chats.by_interaction.get(&i) else { return Ok(()) };
        let to = chat.to.clone();
        let mut headers: Vec<(HeaderName, String)> =
            chat.from.iter().map(|f| (HeaderName::From, format!("<{f}>"))).collect();
        // Written as the queue: the customer is told which agent wrote it.
        let author = out.message.as_deref().and_then(|id| chat.message(id)).map(|m| m.from.clone());
        if let (Some(_), Some(author)) = (&chat.from, author) {
            let name: String = self.name_of(&author).chars().filter(|c| !c.is_control()).collect();
            let sender = super::chat_handover::SENDER_HEADER;
            headers.push((HeaderName::parse(sender), name));
        }
        let sent = self.ua.send_message(&to, &out.content_type, out.body, &headers, self.now);
        match sent {
            Ok(req) => {
                self.chats.sending.insert(req, (i, out.message));
                Ok(())
            }
            Err(e) => {
                if let Some(id) = out.message
                    && let Some(chat) = self.chats.by_interaction.get_mut(&i)
                {
                    chat.conversation.failed(&id, &e.to_string());
                    self.told(i, &id);
                }
                Err(CommandError::Sip(e))
            }
        }
    }

    /// The answer to one of our MESSAGEs: whether it was a chat's.
    pub(super) fn chat_request_answered(
        &mut self,
        req: ReqHandle,
        status: u16,
        reason: &str,
    ) -> bool {
        if self.handover_answered(req, status, reason)
            || self.follower_answered(req, status)
            || self.supervising_answered(req, status, reason)
        {
            return true;
        }
        let Some((i, id)) = self.chats.sending.remove(&req) else { return false };
        let Some(id) = id else { return true };
        let Some(chat) = self.chats.by_interaction.get_mut(&i) else { return true };
        chat.conversation.answered(&id, status, reason);
        self.told(i, &id);
        true
    }

    /// The desk accepted chat `i`: its held MESSAGE is answered 200.
    pub(super) fn chat_accepted(&mut self, i: u64) {
        let held = self.chats.by_interaction.get_mut(&i).and_then(|c| c.held.take());
        self.answer_held(held, 200, &[]);
        self.handed_taken(i);
    }

    /// The desk refused chat `i` (declined, missed): its held MESSAGE gets `status`, and the
    /// chat is over here.
    pub(super) fn chat_refused(&mut self, i: u64, status: u16) {
        let held = self.chats.by_interaction.get_mut(&i).and_then(|c| c.held.take());
        self.answer_held(held, status, &[]);
        if let Some(c) = self.chats.by_interaction.get_mut(&i) {
            c.open = false;
        }
    }

    /// Follows chat `i`'s interaction: closed from wrap-up on, forgotten once finished.
    pub(super) fn chat_follow(&mut self, i: u64, state: State) {
        match state {
            State::Offered | State::Active => {}
            State::WrapUp => {
                let Some(c) = self.chats.by_interaction.get_mut(&i) else { return };
                c.open = false;
                if c.transferred_to.is_none() {
                    self.tell_site(i, None);
                }
                self.chat_ended_for_colleagues(i);
                self.followers_chat_ended(i);
            }
            _ => {
                self.chats.by_interaction.remove(&i);
                self.chats.sending.retain(|_, (chat, _)| *chat != i);
            }
        }
    }

    /// The customer of chat `i` left (`reason`): to wrap-up, and the agent told why.
    fn chat_left(&mut self, i: u64, reason: &str) {
        let at = self.moment();
        match self.chats.by_interaction.get_mut(&i) {
            Some(c) if c.open => c.open = false,
            _ => return,
        }
        let _ = self.desk.contact_left(InteractionId(i), at);
        self.emit(Event::ChatEnded { interaction: i, reason: reason.into() });
    }

    /// Chats' housekeeping: typing that started or stopped, customers silent for the
    /// inactivity timeout, offers whose held MESSAGE is about to be answered 480.
    pub(super) fn chats_tick(&mut self) {
        let (now, at) = (self.now, self.moment());
        let silence = Duration::from_secs(self.config.chat.inactivity_timeout_s);
        let ids: Vec<u64> = self.chats.by_interaction.keys().copied().collect();
        for i in ids {
            let state = self.desk.get(InteractionId(i)).map(|x| x.state);
            let Some(chat) = self.chats.by_interaction.get_mut(&i) else { continue };
            if chat.conversation.poll_timeout().is_some_and(|t| t <= now) {
                let (out, told) = chat.conversation.timeout(now);
                let peer = chat.conversation.peer().to_owned();
                if let Some(out) = out {
                    let _ = self.send_out(i, out);
                }
                if let Some(Incoming::Typing(active)) = told {
                    self.emit(Event::Typing { interaction: i, from: peer, active });
                }
            }
            let Some(chat) = self.chats.by_interaction.get(&i) else { continue };
            let quiet = now.saturating_duration_since(chat.last_heard);
            if state == Some(State::Active) && !silence.is_zero() && quiet >= silence {
                self.chat_left(i, "inactive");
            } else if state == Some(State::Offered)
                && chat.held.is_some()
                && now.saturating_duration_since(chat.began) + HOLD_MARGIN >= MESSAGE_HOLD
            {
                // The sender's transaction is about to end: missed, as the desk's own
                // time-out would have it, before the user agent answers behind its back.
                let _ = self.desk.decline(InteractionId(i), Some(480), at);
            }
        }
    }

    /// The chat commands.
    pub(super) fn chat_command(&mut self, c: ChatCommand) -> Result<(), CommandError> {
        match c {
            ChatCommand::Write { uri, text } => {
                let to = self.target(&uri)?;
                self.ensure_located(&to.uri)?;
                let key = peer_key(&to.uri);
                let i = match self.chats.open_with(&key) {
                    Some(i) => i,
                    None => self.outbound_chat(to, key)?,
                };
                self.reached(&uri);
                self.write(i, &text)
            }
            ChatCommand::Open { uri } => {
                let to = self.target(&uri)?;
                self.ensure_located(&to.uri)?;
                let key = peer_key(&to.uri);
                if let Some(i) = self.chats.open_with(&key) {
                    self.emit_interaction(i);
                    return Ok(());
                }
                self.outbound_chat(to, key)?;
                self.reached(&uri);
                Ok(())
            }
            ChatCommand::Say { id, text } => self.write(id, &text),
            ChatCommand::Typing { id } => {
                let (now, unix_ms) = (self.now, self.unix_ms());
                let out = self.open_chat(id)?.conversation.typed(now, unix_ms);
                if let Some(out) = out {
                    self.send_out(id, out)?;
                }
                Ok(())
            }
            ChatCommand::Read { id } => {
                let unix_ms = self.unix_ms();
                let chat =
                    self.chats.by_interaction.get_mut(&id).ok_or(CommandError::NoChat(id))?;
                chat.unread = 0;
                self.chats.viewing = Some(id);
                let owed = chat.conversation.displayed(unix_ms);
                for out in owed {
                    let _ = self.send_out(id, out);
                }
                self.emit_interaction(id);
                Ok(())
            }
            ChatCommand::End { id } => {
                self.open_chat(id)?;
                let at = self.moment();
                self.desk
                    .end(InteractionId(id), at)
                    .map_err(|e| CommandError::Desk(e.to_string()))?;
                if let Some(c) = self.chats.by_interaction.get_mut(&id) {
                    c.open = false;
                }
                self.emit(Event::ChatEnded { interaction: id, reason: "agent".into() });
                Ok(())
            }
        }
    }

    /// A chat the agent starts with `to`: an outbound interaction, active at once.
    fn outbound_chat(&mut self, to: NameAddr, key: String) -> Result<u64, CommandError> {
        let at = self.moment();
        let arrival = Arrival { contact: key.clone(), ..Default::default() };
        let i = match self.desk.offer(Channel::Chat, Direction::Outbound, arrival, at) {
            Take::Offered(i) | Take::Accepted(i) => i.0,
            Take::Refused { status } => {
                return Err(CommandError::Desk(format!("the desk refused the chat ({status})")));
            }
        };
        let conversation = Conversation::new(&self.local_uri, &key);
        self.chats.by_interaction.insert(i, Chat::new(i, conversation, to, self.now));
        Ok(i)
    }

    /// Chat `id`, open for writing: accepted and not yet in wrap-up.
    pub(super) fn open_chat(&mut self, id: u64) -> Result<&mut Chat, CommandError> {
        let state = self.desk.get(InteractionId(id)).map(|i| i.state);
        let chat = self.chats.by_interaction.get_mut(&id).ok_or(CommandError::NoChat(id))?;
        match state {
            Some(State::Active) if chat.open => Ok(chat),
            Some(State::Offered) => {
                Err(CommandError::Desk(format!("chat {id} is offered: accept it first")))
            }
            _ => Err(CommandError::ChatClosed(id)),
        }
    }

    /// The agent's text into chat `id` (and to the colleagues in it, in a conference).
    fn write(&mut self, id: u64, text: &str) -> Result<(), CommandError> {
        // Written as the queue, but the transcript keeps which agent wrote it.
        let me = self.local_uri.clone();
        let m = self.write_as(id, &me, text)?;
        let members = self.chats.by_interaction.get(&id).map(|c| c.members.clone());
        for k in members.unwrap_or_default() {
            self.relay_to_colleague(k, &m);
        }
        Ok(())
    }

    /// Text by `author` (the agent, or a colleague in our conference) into chat `id`.
    pub(super) fn write_as(
        &mut self,
        id: u64,
        author: &str,
        text: &str,
    ) -> Result<ChatMessage, CommandError> {
        let unix_ms = self.unix_ms();
        let chat = self.open_chat(id)?;
        let (m, out) = chat
            .conversation
            .send_as(author, text, unix_ms)
            .map_err(|e| CommandError::Chat(e.to_string()))?;
        chat.waiting_since_ms = None;
        self.told(id, &m.id);
        self.send_out(id, out)?;
        self.tell_followers(id, &m);
        Ok(m)
    }

    /// Chat `i` ended here: a colleague in it (consulted, or in our conference) is told,
    /// so that their side ends too.
    fn chat_ended_for_colleagues(&mut self, i: u64) {
        let Some(chat) = self.chats.by_interaction.get(&i) else { return };
        let mut to: Vec<NameAddr> = Vec::new();
        if chat.about.is_some() || chat.consulted_about.is_some() {
            to.push(chat.to.clone());
        }
        for k in &chat.members {
            if let Some(c) = self.chats.by_interaction.get(k).filter(|c| c.open) {
                to.push(c.to.clone());
            }
        }
        let members = chat.members.clone();
        for peer in to {
            let ended = [(HeaderName::parse(CHAT_EVENT_HEADER), "ended".to_owned())];
            let _ = self.ua.send_message(&peer, "text/plain", Vec::new(), &ended, self.now);
        }
        for k in members {
            if self.chats.by_interaction.get(&k).is_some_and(|c| c.open) {
                self.chat_over(k, "ended");
            }
        }
    }

    /// The `interaction` event of interaction `i` as it is now (its chat's counts changed).
    pub(super) fn emit_interaction(&mut self, i: u64) {
        if let Some(x) = self.desk.get(InteractionId(i)).cloned() {
            let view = self.view(&x);
            self.emit(Event::Interaction(Box::new(view)));
        }
    }
}
