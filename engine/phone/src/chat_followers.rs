//! The agent's side of chat supervision (issue 16 point 6, docs/chat.md "Supervisors"):
//! a supervisor authorised for this agent — named by a trusted proxy's
//! P-Asserted-Identity (RFC 3325) and listed in `[monitoring] supervisors`, as for voice
//! monitoring — may follow the agent's chats (each open chat's transcript at once, then
//! every message as it is written or arrives, and each chat's end; the customer is not
//! told), coach (a message only the agent sees, marked as coaching, kept in the
//! transcript, never sent to the customer) and barge in (a message the customer gets,
//! signed with the supervisor's name). Anyone else gets 403 and a `security` event.

use earshot_chat::ChatMessage;
use earshot_chat::handover::{self, TRANSCRIPT_TYPE};
use earshot_sip::message::{HeaderName, NameAddr, Request};
use earshot_sip::ua::ReqHandle;
use earshot_store::ChatLine;

use super::api::Event;
use super::chats::peer_key;
use super::chatting::header;
use super::core::Phone;
use super::effect::Effect;
use super::identity::{asserted_identity, hop, listed};

/// A supervisor's request: `start` or `stop` following this agent's chats.
pub(super) const FOLLOW_HEADER: &str = "X-Earshot-Follow";
/// A coaching message for the agent's chat with this id.
pub(super) const COACH_HEADER: &str = "X-Earshot-Coach";
/// A supervisor's message for the customer of the agent's chat with this id.
pub(super) const BARGE_HEADER: &str = "X-Earshot-Barge";
/// On what the agent's phone sends a follower: the agent's chat it is about.
pub(super) const FOLLOWED_HEADER: &str = "X-Earshot-Followed";
/// With a followed chat's transcript: the customer's address.
pub(super) const CUSTOMER_HEADER: &str = "X-Earshot-Customer";
/// The most supervisors following one agent at once.
const MOST_FOLLOWERS: usize = 8;

/// What a supervisor asks of the agent's phone.
pub(super) enum Supervision {
    Follow(bool),
    Coach(u64),
    Barge(u64),
}

impl Supervision {
    pub(super) fn of(request: &Request) -> Option<Supervision> {
        if let Some(v) = header(request, FOLLOW_HEADER) {
            return Some(Supervision::Follow(!v.trim().eq_ignore_ascii_case("stop")));
        }
        let id = |n| header(request, n).and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(i) = id(COACH_HEADER) {
            return Some(Supervision::Coach(i));
        }
        id(BARGE_HEADER).map(Supervision::Barge)
    }
}

impl Phone {
    /// A supervisor's MESSAGE (`asked`): done if they are ours, else 403 and a security
    /// event.
    pub(super) fn supervision_received(
        &mut self,
        asked: Supervision,
        from: &NameAddr,
        body: &[u8],
        answer: Option<ReqHandle>,
        request: &Request,
    ) {
        let who = asserted_identity(request, &self.config.monitoring.trusted_proxies);
        let Some(supervisor) = who.filter(|w| listed(w, &self.config.monitoring.supervisors))
        else {
            self.answer_held(answer, 403, &[]);
            let message = format!(
                "refused to let {} (via {}) follow, coach or barge into our chats: not an \
                 authenticated supervisor of ours",
                from.uri,
                hop(request).unwrap_or_default()
            );
            return self.emit(Event::Security { message });
        };
        if let Some(n) = from.display_name() {
            self.chats.names.insert(supervisor.clone(), n);
        }
        let text = String::from_utf8_lossy(body).into_owned();
        match asked {
            Supervision::Follow(true) => {
                let known = self.chats.followers.iter().any(|f| peer_key(&f.uri) == supervisor);
                if !known && self.chats.followers.len() >= MOST_FOLLOWERS {
                    return self.answer_held(answer, 486, &[]);
                }
                self.answer_held(answer, 200, &[]);
                let Ok(to) = NameAddr::parse(&supervisor) else { return };
                if !known {
                    self.chats.followers.push(to.clone());
                }
                let open: Vec<u64> = self
                    .chats
                    .by_interaction
                    .values()
                    .filter(|c| c.open)
                    .map(|c| c.interaction)
                    .collect();
                for i in open {
                    self.show_follower(&to, i);
                }
            }
            Supervision::Follow(false) => {
                self.answer_held(answer, 200, &[]);
                self.chats.followers.retain(|f| peer_key(&f.uri) != supervisor);
            }
            // As much as a chat message carries (RFC 3261 §21.4.11).
            Supervision::Coach(_) | Supervision::Barge(_)
                if body.len() > earshot_chat::conversation::MAX_TEXT_BYTES =>
            {
                self.answer_held(answer, 413, &[]);
            }
            Supervision::Coach(i) if self.chats.by_interaction.get(&i).is_some_and(|c| c.open) => {
                self.answer_held(answer, 200, &[]);
                self.coached(i, &supervisor, &text);
            }
            Supervision::Barge(i) if self.chats.by_interaction.get(&i).is_some_and(|c| c.open) => {
                match self.write_as(i, &supervisor, &text) {
                    Ok(_) => self.answer_held(answer, 200, &[]),
                    Err(_) => self.answer_held(answer, 400, &[]),
                }
            }
            Supervision::Coach(_) | Supervision::Barge(_) => self.answer_held(answer, 404, &[]),
        }
    }

    /// A supervisor's coaching for chat `i`: shown to the agent, kept with the
    /// transcript, never sent to the customer.
    fn coached(&mut self, i: u64, supervisor: &str, text: &str) {
        let sent_ms = self.moment().unix_ms;
        let id = format!("coach-{}", self.chats.next_coaching);
        self.chats.next_coaching += 1;
        self.emit(Event::Message {
            interaction: i,
            id: id.clone(),
            from: supervisor.to_owned(),
            text: text.to_owned(),
            sent_ms,
            direction: "in".into(),
            delivery: "coaching".into(),
            why: None,
        });
        let line = ChatLine {
            id,
            from: supervisor.to_owned(),
            text: text.to_owned(),
            sent_ms,
            outgoing: false,
            delivery: "coaching".into(),
        };
        self.effects.push_back(Effect::SaveChatLine { interaction: i, line });
        self.chat_note();
    }

    /// Chat `i` as it is now, to the follower at `to`: its transcript so far.
    fn show_follower(&mut self, to: &NameAddr, i: u64) {
        let Some(chat) = self.chats.by_interaction.get_mut(&i) else { return };
        let key = peer_key(&to.uri);
        if !chat.followers_told.contains(&key) {
            chat.followers_told.push(key);
        }
        let body = handover::transcript_body(chat.conversation.messages());
        let customer = chat.to.uri.to_string();
        let mut headers = vec![
            (HeaderName::parse(FOLLOWED_HEADER), i.to_string()),
            (HeaderName::parse(CUSTOMER_HEADER), customer),
        ];
        if let Some(n) =
            self.desk.get(earshot_desk::InteractionId(i)).and_then(|x| x.contact_name.clone())
        {
            let n: String = n.chars().filter(|c| !c.is_control()).take(80).collect();
            headers.push((HeaderName::parse(super::chat_handover::NAME_HEADER), n));
        }
        if let Ok(req) = self.ua.send_message(to, TRANSCRIPT_TYPE, body, &headers, self.now) {
            self.chats.to_followers.insert(req, to.clone());
        }
    }

    /// Message `m` of chat `i` (arrived or written) to every follower.
    pub(super) fn tell_followers(&mut self, i: u64, m: &ChatMessage) {
        let followers = self.chats.followers.clone();
        for to in followers {
            let told = self.chats.by_interaction.get(&i).map(|c| c.followers_told.clone());
            if !told.unwrap_or_default().contains(&peer_key(&to.uri)) {
                // A chat new to this follower: its transcript (this message in it).
                self.show_follower(&to, i);
                continue;
            }
            let name = self.name_of(&m.from);
            let out =
                handover::relayed(&m.from, Some(&name), &to.uri.to_string(), &m.text, m.sent_ms);
            let headers = [(HeaderName::parse(FOLLOWED_HEADER), i.to_string())];
            if let Ok(req) =
                self.ua.send_message(&to, &out.content_type, out.body, &headers, self.now)
            {
                self.chats.to_followers.insert(req, to.clone());
            }
        }
    }

    /// Chat `i` ended here: followers are told.
    pub(super) fn followers_chat_ended(&mut self, i: u64) {
        let followers = self.chats.followers.clone();
        for to in followers {
            let headers = [
                (HeaderName::parse(FOLLOWED_HEADER), i.to_string()),
                (HeaderName::parse(super::chatting::CHAT_EVENT_HEADER), "ended".to_owned()),
            ];
            if let Ok(req) = self.ua.send_message(&to, "text/plain", Vec::new(), &headers, self.now)
            {
                self.chats.to_followers.insert(req, to.clone());
            }
        }
    }

    /// The answer to what we sent a follower: one that cannot be reached stops following.
    pub(super) fn follower_answered(&mut self, req: ReqHandle, status: u16) -> bool {
        let Some(to) = self.chats.to_followers.remove(&req) else { return false };
        if !(200..300).contains(&status) {
            let gone = peer_key(&to.uri);
            self.chats.followers.retain(|f| peer_key(&f.uri) != gone);
        }
        true
    }
}
