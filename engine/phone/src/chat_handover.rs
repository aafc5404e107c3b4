//! Chats handed between agents (issue 16 point 5, docs/chat.md "Consultation, conference,
//! transfer"): a consultation chat with a colleague about a customer's chat (the colleague
//! gets the transcript so far and the case), the colleague then joined to the customer's
//! chat (a conference hosted by this phone: each side's messages relayed to the others,
//! signed with their author's name), or the chat handed over (a transfer: the colleague's
//! phone offers it with transcript and case; once taken the site is told to route the
//! customer there, and our part goes to wrap-up). The site is also told when a routed
//! chat ends here, so the customer's next message is a new chat.

use earshot_chat::handover::{self, TRANSCRIPT_TYPE};
use earshot_chat::{ChatMessage, Conversation};
use earshot_desk::{Arrival, Channel, Direction, InteractionId, Link, LinkKind, Take};
use earshot_sip::message::{HeaderName, NameAddr, Request, Uri};
use earshot_sip::ua::ReqHandle;

use super::api::Event;
use super::chats::{Chat, peer_key};
use super::chatting::header;
use super::core::Phone;
use super::errors::CommandError;
use super::problem::Problem;

/// On a consultation's first MESSAGE (the transcript): the customer it is about.
pub(super) const CONSULT_HEADER: &str = "X-Earshot-Consult";
/// On a transfer's MESSAGE (the transcript): the customer handed over.
pub(super) const TRANSFER_HEADER: &str = "X-Earshot-Transfer";
/// With it: the queue's address the chat is written as.
pub(super) const QUEUE_HEADER: &str = "X-Earshot-Queue";
/// The customer's name, with either.
pub(super) const NAME_HEADER: &str = "X-Earshot-Name";
/// On a MESSAGE to a consulted colleague: they are now in the customer's chat.
pub(super) const CONFERENCE_HEADER: &str = "X-Earshot-Conference";
/// On a customer's message relayed to the colleague a chat was handed to.
pub(super) const FOR_HEADER: &str = "X-Earshot-For";
/// On a message to a customer: the name of the agent who wrote it.
pub(super) const SENDER_HEADER: &str = "X-Earshot-Sender";
/// The site's chat routes (`deploy/kamailio`, route CHAT_ROUTE): moved or ended.
pub(super) const ROUTE_USER: &str = "chat-route";

/// One of our MESSAGEs that hands something over, waiting for its answer.
#[derive(Debug, Clone)]
pub(super) enum Handover {
    /// The transcript to a consulted colleague (consultation chat `chat`).
    Consult { chat: u64 },
    /// Chat `chat` offered to the colleague at `to`.
    Transfer { chat: u64, to: NameAddr },
    /// The site asked to move chat `chat` (or forget it).
    Route { chat: u64, moved: bool },
}

/// What a MESSAGE from a colleague's phone hands us, by its headers.
pub(super) enum Handed {
    Consult { customer: String },
    Transfer { customer: String, queue: String },
    Conference { customer: String },
    Relayed { customer: String },
}

impl Handed {
    pub(super) fn of(request: &Request) -> Option<Handed> {
        let h = |n| header(request, n).map(str::to_owned);
        if let Some(customer) = h(TRANSFER_HEADER) {
            return Some(Handed::Transfer { customer, queue: h(QUEUE_HEADER).unwrap_or_default() });
        }
        if let Some(customer) = h(CONSULT_HEADER) {
            return Some(Handed::Consult { customer });
        }
        if let Some(customer) = h(CONFERENCE_HEADER) {
            return Some(Handed::Conference { customer });
        }
        h(FOR_HEADER).map(|customer| Handed::Relayed { customer })
    }
}

/// The case headers, the customer and its name for a chat handed over.
fn handover_headers(
    case: Vec<(HeaderName, String)>,
    which: &str,
    customer: &str,
    name: Option<&str>,
) -> Vec<(HeaderName, String)> {
    let mut headers = case;
    headers.push((HeaderName::parse(which), customer.to_owned()));
    if let Some(n) = name {
        let clean: String = n.chars().filter(|c| !c.is_control()).take(80).collect();
        headers.push((HeaderName::parse(NAME_HEADER), clean));
    }
    headers
}

impl Phone {
    /// Our name as colleagues and customers see it beside what we write.
    pub(super) fn own_name(&self) -> String {
        let account = self.config.accounts.first();
        self.config
            .display_name
            .clone()
            .or_else(|| account.and_then(|a| a.aor.split_once('@')).map(|(u, _)| u.to_owned()))
            .map(|n| n.trim_start_matches("sip:").to_owned())
            .unwrap_or_else(|| self.config.user.clone())
    }

    /// The name to show for the author at `address`.
    pub(super) fn name_of(&self, address: &str) -> String {
        if address == self.local_uri {
            return self.own_name();
        }
        self.chats.names.get(address).cloned().unwrap_or_else(|| {
            let user = address.split_once(':').map_or(address, |(_, r)| r);
            user.split('@').next().unwrap_or(user).to_owned()
        })
    }

    /// `chat-consult ID TARGET`: a consultation chat with a colleague about chat `id`;
    /// the colleague is sent the transcript so far and the case.
    pub(super) fn chat_consult(&mut self, id: u64, target: &str) -> Result<u64, CommandError> {
        let chat = self.open_chat(id)?;
        let customer = chat.to.uri.to_string();
        let body = handover::transcript_body(chat.conversation.messages());
        let to = self.target(target)?;
        self.ensure_located(&to.uri)?;
        let key = peer_key(&to.uri);
        let at = self.moment();
        let carried = self.desk.get(InteractionId(id)).map(|x| x.case.carried());
        let name = self.desk.get(InteractionId(id)).and_then(|x| x.contact_name.clone());
        let colleague = self
            .directory
            .name_of(earshot_directory::TargetKind::Agent, &to.uri.to_string())
            .map(str::to_owned);
        let arrival = Arrival {
            contact: key.clone(),
            contact_name: colleague,
            sources: carried.unwrap_or_default(),
            link: Some(Link { kind: LinkKind::Consultation, parent: InteractionId(id) }),
            ..Default::default()
        };
        let k = match self.desk.offer(Channel::Chat, Direction::Outbound, arrival, at) {
            Take::Offered(i) | Take::Accepted(i) => i.0,
            Take::Refused { status } => {
                return Err(CommandError::Desk(format!("the desk refused the chat ({status})")));
            }
        };
        let mut consult =
            Chat::new(k, Conversation::new(&self.local_uri, &key), to.clone(), self.now);
        consult.about = Some(id);
        self.chats.by_interaction.insert(k, consult);
        let headers = handover_headers(
            self.interaction_case_headers(id),
            CONSULT_HEADER,
            &customer,
            name.as_deref(),
        );
        let req = self.ua.send_message(&to, TRANSCRIPT_TYPE, body, &headers, self.now)?;
        self.chats.handovers.insert(req, Handover::Consult { chat: k });
        self.reached(target);
        Ok(k)
    }

    /// `chat-conference ID CONSULT_ID`: the consulted colleague joins chat `id`.
    pub(super) fn chat_conference(&mut self, id: u64, consult: u64) -> Result<(), CommandError> {
        let customer = self.open_chat(id)?.to.uri.to_string();
        let k = self.open_chat(consult)?;
        if k.about != Some(id) {
            return Err(CommandError::Chat(format!(
                "chat {consult} is not a consultation about chat {id}"
            )));
        }
        let to = k.to.clone();
        if let Some(c) = self.chats.by_interaction.get_mut(&id)
            && !c.members.contains(&consult)
        {
            c.members.push(consult);
        }
        let _ = self.desk.link(
            InteractionId(consult),
            Link { kind: LinkKind::Conference, parent: InteractionId(id) },
        );
        let headers = [(HeaderName::parse(CONFERENCE_HEADER), customer)];
        let req = self.ua.send_message(
            &to,
            "text/plain;charset=UTF-8",
            Vec::new(),
            &headers,
            self.now,
        )?;
        self.chats.sending.insert(req, (consult, None));
        self.emit_interaction(id);
        self.emit_interaction(consult);
        Ok(())
    }

    /// `chat-transfer ID TARGET`: chat `id` offered to a colleague with its transcript
    /// and case; once they take it the site routes the customer to them.
    pub(super) fn chat_transfer(&mut self, id: u64, target: &str) -> Result<(), CommandError> {
        let chat = self.open_chat(id)?;
        let Some(queue) = chat.from.clone() else {
            return Err(CommandError::Chat(
                "only a chat that came by a queue can be transferred (the customer writes to \
                 the queue's address); consult or conference instead"
                    .into(),
            ));
        };
        if chat.transferring {
            return Err(CommandError::Chat(format!("chat {id} is already being transferred")));
        }
        let customer = chat.to.uri.to_string();
        let body = handover::transcript_body(chat.conversation.messages());
        let to = self.target(target)?;
        self.ensure_located(&to.uri)?;
        let name = self.desk.get(InteractionId(id)).and_then(|x| x.contact_name.clone());
        let mut headers = handover_headers(
            self.interaction_case_headers(id),
            TRANSFER_HEADER,
            &customer,
            name.as_deref(),
        );
        headers.push((HeaderName::parse(QUEUE_HEADER), queue));
        let req = self.ua.send_message(&to, TRANSCRIPT_TYPE, body, &headers, self.now)?;
        self.chats.handovers.insert(req, Handover::Transfer { chat: id, to });
        if let Some(c) = self.chats.by_interaction.get_mut(&id) {
            c.transferring = true;
        }
        self.emit_interaction(id);
        self.reached(target);
        Ok(())
    }

    /// The answer to a MESSAGE that handed something over: whether it was one.
    pub(super) fn handover_answered(&mut self, req: ReqHandle, status: u16, reason: &str) -> bool {
        let Some(h) = self.chats.handovers.remove(&req) else { return false };
        let ok = (200..300).contains(&status);
        let why = format!("{status} {reason}").trim().to_owned();
        match h {
            Handover::Consult { chat } if !ok => {
                let target = self.chat_peer(chat);
                self.emit(Event::problem(Problem::ChatHandover { target, why }, None));
                self.chat_over(chat, "refused");
            }
            Handover::Consult { .. } => {}
            Handover::Transfer { chat, to } if ok => self.chat_taken_by(chat, to),
            Handover::Transfer { chat, to } => {
                if let Some(c) = self.chats.by_interaction.get_mut(&chat) {
                    c.transferring = false;
                }
                self.emit_interaction(chat);
                let target = to.uri.to_string();
                self.emit(Event::problem(Problem::ChatHandover { target, why }, None));
            }
            Handover::Route { chat, moved: true } if !ok => {
                // The colleague has the chat; the customer's messages that still reach us
                // are relayed to them while our part lasts.
                let target = self.chat_peer(chat);
                let why = format!("the site did not move the chat: {why}");
                self.emit(Event::problem(Problem::ChatHandover { target, why }, None));
            }
            Handover::Route { .. } => {}
        }
        true
    }

    fn chat_peer(&self, i: u64) -> String {
        self.chats.by_interaction.get(&i).map(|c| c.to.uri.to_string()).unwrap_or_default()
    }

    /// The colleague at `to` took chat `i`: the site is asked to route the customer to
    /// them, our part goes to wrap-up, and our consultations about it end.
    fn chat_taken_by(&mut self, i: u64, to: NameAddr) {
        let agent = match &to.uri {
            Uri::Sip(s) => s.user.clone(),
            _ => None,
        };
        if let Some(c) = self.chats.by_interaction.get_mut(&i) {
            c.transferring = false;
            c.transferred_to = Some(to);
        }
        self.tell_site(i, agent.as_deref());
        let consults: Vec<u64> = self
            .chats
            .by_interaction
            .values()
            .filter(|c| c.about == Some(i) && c.open)
            .map(|c| c.interaction)
            .collect();
        for k in consults {
            self.chat_over(k, "transferred");
        }
        self.chat_over(i, "transferred");
    }

    /// Chat `i` ends here for `reason` (to wrap-up), the agent told.
    pub(super) fn chat_over(&mut self, i: u64, reason: &str) {
        let at = self.moment();
        if let Some(c) = self.chats.by_interaction.get_mut(&i) {
            c.open = false;
        }
        let _ = self.desk.end(InteractionId(i), at);
        self.emit(Event::ChatEnded { interaction: i, reason: reason.into() });
    }

    /// Tells the site that routed chat `i` moved to `agent` (a site user) or, with none,
    /// ended here (route CHAT_ROUTE): the customer's next message then reaches that agent,
    /// or starts a new chat. Only once, and only where a site routes chats.
    pub(super) fn tell_site(&mut self, i: u64, agent: Option<&str>) {
        let on_site = self
            .config
            .accounts
            .first()
            .is_some_and(|a| a.outbound_proxy.is_some() || a.registrar.is_some());
        let Some(chat) = self.chats.by_interaction.get_mut(&i) else { return };
        if chat.site_told || !on_site {
            return;
        }
        let Some(Ok(Uri::Sip(queue))) = chat.from.as_deref().map(Uri::parse) else { return };
        let Uri::Sip(customer) = &chat.to.uri else { return };
        chat.site_told = true;
        let mut route = queue.clone();
        route.user = Some(ROUTE_USER.into());
        let customer = format!(
            "{}@{}",
            customer.user.as_deref().unwrap_or_default(),
            customer.host.to_string().to_ascii_lowercase()
        );
        let mut headers = vec![
            (HeaderName::parse("X-Earshot-Chat-Queue"), queue.user.clone().unwrap_or_default()),
            (HeaderName::parse("X-Earshot-Chat-Customer"), customer),
        ];
        if let Some(a) = agent {
            headers.push((HeaderName::parse("X-Earshot-Chat-To"), a.to_owned()));
        }
        let to = NameAddr::new(Uri::Sip(route));
        if let Ok(req) = self.ua.send_message(&to, "text/plain", Vec::new(), &headers, self.now) {
            self.chats.handovers.insert(req, Handover::Route { chat: i, moved: agent.is_some() });
        }
    }

    /// A MESSAGE from a colleague's phone that hands us something (`handed`); `answer`
    /// its held transaction.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn handed_received(
        &mut self,
        handed: Handed,
        from: NameAddr,
        key: String,
        content_type: &str,
        body: &[u8],
        answer: Option<ReqHandle>,
        request: &Request,
    ) {
        match handed {
            Handed::Consult { customer } => {
                self.handed_chat(from, key, None, customer, content_type, body, answer, request)
            }
            Handed::Transfer { customer, queue } => {
                let queue = Some(queue).filter(|q| !q.is_empty());
                self.handed_chat(from, key, queue, customer, content_type, body, answer, request)
            }
            Handed::Conference { customer } => {
                self.answer_held(answer, 200, &[]);
                let found = self.chats.by_interaction.values_mut().rev().find(|c| {
                    c.open
                        && peer_key(&c.to.uri) == key
                        && c.consulted_about.as_deref() == Some(&customer)
                });
                if let Some(c) = found {
                    c.conference = true;
                    let i = c.interaction;
                    self.emit_interaction(i);
                }
            }
            Handed::Relayed { customer } => {
                // Only the colleague who handed us the customer's chat relays into it.
                let found = self.chats.by_interaction.values().rev().find(|c| {
                    c.open
                        && c.handed_by.as_deref() == Some(&key)
                        && peer_key(&c.to.uri) == customer
                });
                match found.map(|c| c.interaction) {
                    Some(i) => self.message_into_chat(i, &key, content_type, body, answer),
                    None => self.answer_held(answer, 404, &[]),
                }
            }
        }
    }

    /// A consultation (`queue` none: the chat is with the colleague) or a transfer (the
    /// chat is with the customer, written as `queue`) from the colleague `from`: a chat
    /// offered with the transcript so far and the case.
    #[allow(clippy::too_many_arguments)]
    fn handed_chat(
        &mut self,
        from: NameAddr,
        key: String,
        queue: Option<String>,
        customer: String,
        content_type: &str,
        body: &[u8],
        answer: Option<ReqHandle>,
        request: &Request,
    ) {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        let lines = match media.eq_ignore_ascii_case(TRANSCRIPT_TYPE) {
            true => handover::read_transcript(body).map_err(|e| e.to_string()),
            false => Err(format!("{media} is not a transcript")),
        };
        let parsed = lines.and_then(|l| {
            NameAddr::parse(&customer).map(|c| (l, c)).map_err(|e| format!("{customer:?}: {e}"))
        });
        let (lines, customer_addr) = match parsed {
            Ok(x) => x,
            Err(why) => {
                self.answer_held(answer, 400, &[]);
                let problem = Problem::ChatUnreadable { from: key, why };
                return self.emit(Event::problem(problem, None));
            }
        };
        let customer_key = peer_key(&customer_addr.uri);
        let name = header(request, NAME_HEADER).map(str::to_owned);
        if let Some(n) = from.display_name() {
            self.chats.names.insert(key.clone(), n);
        }
        if let Some(n) = &name {
            self.chats.names.insert(customer_key.clone(), n.clone());
        }
        let headers: Vec<(String, String)> =
            request.headers.iter().map(|h| (h.name.to_string(), h.value().to_owned())).collect();
        let queue_name = queue
            .as_deref()
            .and_then(super::desking::queue_of)
            .filter(|q| self.config.desk.queue(q).is_some());
        let transfer = queue.is_some();
        // A transfer after a consultation with the same colleague follows it.
        let consulted = self
            .chats
            .by_interaction
            .values()
            .rev()
            .find(|c| {
                c.open
                    && peer_key(&c.to.uri) == key
                    && c.consulted_about.as_deref() == Some(&customer_key)
            })
            .map(|c| c.interaction);
        let (contact, contact_name) = match transfer {
            true => (customer_key.clone(), name.clone()),
            false => (key.clone(), from.display_name()),
        };
        let arrival = Arrival {
            contact: contact.clone(),
            contact_name,
            queue: queue_name.clone(),
            sources: earshot_desk::sip_case::sources(&headers, &contact, queue_name.as_deref()),
            link: consulted
                .filter(|_| transfer)
                .map(|p| Link { kind: LinkKind::Transfer, parent: InteractionId(p) }),
            ..Default::default()
        };
        let at = self.moment();
        let i = match self.desk.offer(Channel::Chat, Direction::Inbound, arrival, at) {
            Take::Refused { status } => return self.answer_held(answer, status, &[]),
            Take::Offered(i) | Take::Accepted(i) => i.0,
        };
        let (me, to) = match &queue {
            Some(q) => {
                (peer_key(&Uri::parse(q).unwrap_or(customer_addr.uri.clone())), customer_addr)
            }
            None => (self.local_uri.clone(), NameAddr::new(from.uri.clone())),
        };
        let mut conversation = Conversation::new(&me, &contact);
        let history: Vec<ChatMessage> =
            lines.into_iter().enumerate().map(|(n, l)| handover::handed_message(n, l)).collect();
        let ids: Vec<String> = history.iter().map(|m| m.id.clone()).collect();
        conversation.import(history);
        let mut chat = Chat::new(i, conversation, to, self.now);
        if transfer {
            chat.from = Some(me);
            chat.handed_by = Some(key);
            // Held until the agent takes it: the colleague keeps the chat if not.
            chat.held = answer;
        } else {
            chat.consulted_about = Some(customer_key);
            self.answer_held(answer, 200, &[]);
        }
        self.chats.by_interaction.insert(i, chat);
        for id in ids {
            self.told(i, &id);
        }
        self.emit_interaction(i);
    }

    /// A chat handed to us was taken: our consultation with the colleague about it ends.
    pub(super) fn handed_taken(&mut self, i: u64) {
        let Some(chat) = self.chats.by_interaction.get(&i) else { return };
        let (Some(by), customer) = (chat.handed_by.clone(), peer_key(&chat.to.uri)) else {
            return;
        };
        let consults: Vec<u64> = self
            .chats
            .by_interaction
            .values()
            .filter(|c| {
                c.open
                    && peer_key(&c.to.uri) == by
                    && c.consulted_about.as_deref() == Some(&customer)
            })
            .map(|c| c.interaction)
            .collect();
        for k in consults {
            self.chat_over(k, "transferred");
        }
    }

    /// A message that came into chat `i`, relayed where it must go: in a conference we
    /// host, the customer's to each colleague in it, a colleague's to the customer (signed
    /// with their name) and the other colleagues; after a transfer, the customer's to the
    /// colleague who has the chat now.
    pub(super) fn relay_heard(&mut self, i: u64, m: &ChatMessage) {
        let Some(chat) = self.chats.by_interaction.get(&i) else { return };
        let customer = peer_key(&chat.to.uri);
        let members = chat.members.clone();
        if let Some(to) = chat.transferred_to.clone() {
            let name = self.name_of(&m.from);
            let out =
                handover::relayed(&m.from, Some(&name), &to.uri.to_string(), &m.text, m.sent_ms);
            let headers = [(HeaderName::parse(FOR_HEADER), customer)];
            if let Ok(req) =
                self.ua.send_message(&to, &out.content_type, out.body, &headers, self.now)
            {
                self.chats.sending.insert(req, (i, None));
            }
            return;
        }
        for k in members {
            self.relay_to_colleague(k, m);
        }
        let host = self.chats.by_interaction.values().find(|c| c.members.contains(&i) && c.open);
        if let Some(host) = host.map(|c| (c.interaction, c.members.clone())) {
            let (c1, others) = host;
            let _ = self.write_as(c1, &m.from, &m.text);
            for k in others.into_iter().filter(|k| *k != i) {
                self.relay_to_colleague(k, m);
            }
        }
    }

    /// Message `m` (written by someone else than the colleague of consultation chat `k`)
    /// to that colleague, in CPIM naming its author; not in `k`'s own transcript.
    pub(super) fn relay_to_colleague(&mut self, k: u64, m: &ChatMessage) {
        let Some(chat) = self.chats.by_interaction.get(&k) else { return };
        if !chat.open {
            return;
        }
        let to = chat.to.clone();
        let name = self.name_of(&m.from);
        let out = handover::relayed(&m.from, Some(&name), &to.uri.to_string(), &m.text, m.sent_ms);
        if let Ok(req) = self.ua.send_message(&to, &out.content_type, out.body, &[], self.now) {
            self.chats.sending.insert(req, (k, None));
        }
    }
}
