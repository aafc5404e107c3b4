//! The supervisor's side of chat supervision (issue 16 point 6, chat_followers.rs for the
//! agent's): `chat-follow AGENT` asks the agent's phone for its chats — each open chat's
//! transcript, then every message and each chat's end, reported as `followed-chat` and
//! `followed-message` events (read-only: nothing goes to the customer) —; `chat-coach
//! AGENT ID TEXT…` writes to the agent only, `chat-barge AGENT ID TEXT…` to the customer
//! through the agent's chat. A refusal (403: not this agent's supervisor) is told.

use earshot_chat::handover::{self, TRANSCRIPT_TYPE};
use earshot_sip::message::{HeaderName, NameAddr, Request};
use earshot_sip::ua::ReqHandle;

use super::api::Event;
use super::chat_followers::{
    BARGE_HEADER, COACH_HEADER, CUSTOMER_HEADER, FOLLOW_HEADER, FOLLOWED_HEADER,
};
use super::chats::peer_key;
use super::chatting::header;
use super::core::Phone;
use super::errors::CommandError;
use super::problem::Problem;

/// What a supervisor asks of an agent's phone.
#[derive(Debug, Clone)]
pub(super) enum Supervise {
    Follow { agent: String },
    Unfollow { agent: String },
    Coach { agent: String, id: u64, text: String },
    Barge { agent: String, id: u64, text: String },
}

impl Phone {
    /// The supervisor's chat commands.
    pub(super) fn supervise_chat(&mut self, c: Supervise) -> Result<(), CommandError> {
        let (agent, header_value, text, what): (String, (&str, String), String, &'static str) =
            match c {
                Supervise::Follow { agent } => {
                    (agent, (FOLLOW_HEADER, "start".into()), String::new(), "follow")
                }
                Supervise::Unfollow { agent } => {
                    (agent, (FOLLOW_HEADER, "stop".into()), String::new(), "unfollow")
                }
                Supervise::Coach { agent, id, text } => {
                    (agent, (COACH_HEADER, id.to_string()), text, "coach")
                }
                Supervise::Barge { agent, id, text } => {
                    (agent, (BARGE_HEADER, id.to_string()), text, "barge")
                }
            };
        if matches!(what, "coach" | "barge") && text.trim().is_empty() {
            return Err(CommandError::Chat("nothing to send".into()));
        }
        let to = self.target(&agent)?;
        self.ensure_located(&to.uri)?;
        let key = peer_key(&to.uri);
        let headers = [(HeaderName::parse(header_value.0), header_value.1)];
        let req = self.ua.send_message(
            &to,
            "text/plain;charset=UTF-8",
            text.into_bytes(),
            &headers,
            self.now,
        )?;
        match what {
            "follow" => {
                self.chats.following.insert(key.clone());
            }
            "unfollow" => {
                self.chats.following.remove(&key);
            }
            _ => {}
        }
        self.chats.supervising.insert(req, (key, what));
        Ok(())
    }

    /// The answer to a request to an agent we supervise: a refusal is told (and a
    /// follow refused is forgotten).
    pub(super) fn supervising_answered(
        &mut self,
        req: ReqHandle,
        status: u16,
        reason: &str,
    ) -> bool {
        let Some((agent, what)) = self.chats.supervising.remove(&req) else { return false };
        if !(200..300).contains(&status) {
            if what == "follow" {
                self.chats.following.remove(&agent);
            }
            let why = format!("{what}: {status} {reason}").trim().to_owned();
            self.emit(Event::problem(Problem::ChatSupervision { agent, why }, None));
        }
        true
    }

    /// What a followed agent's phone sends us about its chat: the transcript, a message,
    /// the end. From an agent we do not follow: 403.
    pub(super) fn followed_received(
        &mut self,
        from: &NameAddr,
        content_type: &str,
        body: &[u8],
        answer: Option<ReqHandle>,
        request: &Request,
    ) {
        let agent = peer_key(&from.uri);
        let id = header(request, FOLLOWED_HEADER).and_then(|v| v.trim().parse::<u64>().ok());
        let (Some(interaction), true) = (id, self.chats.following.contains(&agent)) else {
            return self.answer_held(answer, 403, &[]);
        };
        let ended = header(request, super::chatting::CHAT_EVENT_HEADER).is_some();
        let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if ended {
            self.answer_held(answer, 200, &[]);
            return self.emit(Event::FollowedChat {
                agent,
                interaction,
                customer: String::new(),
                name: None,
                state: "ended".into(),
            });
        }
        if media == TRANSCRIPT_TYPE {
            let Ok(lines) = handover::read_transcript(body) else {
                return self.answer_held(answer, 400, &[]);
            };
            self.answer_held(answer, 200, &[]);
            let customer = header(request, CUSTOMER_HEADER).unwrap_or_default().to_owned();
            let name = header(request, super::chat_handover::NAME_HEADER).map(str::to_owned);
            self.emit(Event::FollowedChat {
                agent: agent.clone(),
                interaction,
                customer,
                name,
                state: "open".into(),
            });
            for l in lines {
                self.emit(Event::FollowedMessage {
                    agent: agent.clone(),
                    interaction,
                    from: l.from,
                    name: None,
                    text: l.text,
                    sent_ms: l.sent_ms,
                });
            }
            return;
        }
        match handover::read_relayed(body) {
            Ok((author, name, text)) => {
                self.answer_held(answer, 200, &[]);
                let sent_ms = self.moment().unix_ms;
                self.emit(Event::FollowedMessage {
                    agent,
                    interaction,
                    from: author,
                    name,
                    text,
                    sent_ms,
                });
            }
            Err(_) => self.answer_held(answer, 400, &[]),
        }
    }
}
