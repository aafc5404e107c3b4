//! What the window shows, rebuilt from the phone's events (the window holds no business
//! logic: it renders this and sends commands): our address and registration, the calls
//! with their state, timer and quality, the incoming call waiting for a decision, the
//! last errors.

use std::collections::BTreeMap;
use std::time::Instant;

use earshot_engine::phone::api::{Account, AgentCall, CallRecord, InteractionView};
use earshot_engine::phone::{CallId, CallState, Direction, Event, Problem};

/// One call as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRow {
    pub id: CallId,
    pub remote: String,
    pub direction: Direction,
    pub state: CallState,
    pub muted: bool,
    pub conference: bool,
    /// When it was answered (for the timer).
    pub answered: Option<Instant>,
    /// The last estimated MOS and loss, from the quality reports.
    pub mos: Option<f64>,
    pub loss_pct: Option<f64>,
    pub codec: Option<String>,
}

#[derive(Debug, Default)]
pub struct PhoneView {
    /// How others call us.
    pub uri: String,
    /// `registered`, `failed (401 Unauthorized)`, … or empty with no account.
    pub registration: String,
    pub calls: BTreeMap<CallId, CallRow>,
    /// Errors and notices, newest last (at most 20 kept).
    pub messages: Vec<Notice>,
    /// Digits received, newest last.
    pub digits: String,
    pub stopped: bool,
    /// The sound devices there are and the ones chosen (after a `devices` report).
    pub devices: Option<Devices>,
    /// The account in use (none: peer-to-peer), as the phone reported it.
    pub account: Option<Account>,
    /// The most recent calls, newest first (after a `history` report).
    pub history: Vec<CallRecord>,
    /// Supervisor: the agents watched — presence and calls — by address.
    pub team: BTreeMap<String, (String, Vec<AgentCall>)>,
    /// Supervisor: the agents' desk states (from their presence), by address.
    pub team_states: BTreeMap<String, AgentStateView>,
    /// Supervisor: our monitoring calls — agent and mode — by call id.
    pub monitoring: BTreeMap<CallId, (String, String)>,
    /// The desk: the agent's state as last reported.
    pub agent_state: Option<AgentStateView>,
    /// The desk: interactions by id, as last reported.
    pub interactions: BTreeMap<u64, InteractionView>,
    /// Team Communicator: the last search answered, and its results.
    pub search: Option<(String, Vec<earshot_engine::directory::Hit>)>,
    /// Team Communicator: the agent's favourites and recent targets, newest first.
    pub favourites: Vec<earshot_engine::directory::Hit>,
    pub recent: Vec<earshot_engine::directory::Hit>,
    /// The contact last read, and its history as last read.
    pub contact: Option<earshot_engine::directory::Contact>,
    pub contact_history: Option<(u64, Vec<earshot_engine::directory::PastInteraction>)>,
    /// Each interaction's contact as the store matched it, with its last interactions.
    pub contacts_of: BTreeMap<u64, ContactMatch>,
    /// The team store, when the phone works on one: reachable or not, writes waiting.
    pub team_store: Option<TeamStoreView>,
    /// Chats by interaction: their transcripts as the phone reported them.
    pub chats: BTreeMap<u64, ChatLog>,
    /// The transcript last read from the store (`transcript`): agent, interaction, lines.
    pub transcript: Option<(String, u64, Vec<earshot_engine::store::ChatLine>)>,
    /// The chats of agents we follow (a supervisor), by agent and the agent's interaction.
    pub followed: BTreeMap<(String, u64), FollowedChat>,
    /// Email interactions by id: their threads (email_model.rs).
    pub emails: BTreeMap<u64, crate::email_model::EmailLog>,
    /// Each email queue's mailbox, reachable or not.
    pub mailboxes: crate::email_model::Mailboxes,
    /// Attachments saved: interaction, path, bytes (the newest last).
    pub saved: Vec<(u64, String, u64)>,
    /// The phone refused the new email just sent (the window opens it again).
    pub new_email_refused: bool,
    /// Drafts given back after a restart, by interaction (0: the new email).
    pub drafts: BTreeMap<u64, earshot_engine::phone::email_drafts::TypedDraft>,
}

/// A chat of an agent we follow, as its `followed-chat` and `followed-message` events
/// told it (read-only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowedChat {
    pub customer: String,
    pub name: Option<String>,
    pub ended: bool,
    /// Oldest first: who wrote it (address, name if known), the text, when.
    pub lines: Vec<(String, Option<String>, String, u64)>,
}

/// One chat's transcript and its peer's typing, as the `message`, `typing` and
/// `chat-ended` events told them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatLog {
    /// Oldest first; a message reported again (its delivery moved) is updated in place.
    pub lines: Vec<ChatLine>,
    pub peer_typing: bool,
    /// Why it ended (`customer-left`, `inactive`, `agent`), once it has.
    pub ended: Option<String>,
}

/// One message of a chat's transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLine {
    pub id: String,
    pub from: String,
    pub text: String,
    pub sent_ms: u64,
    pub outgoing: bool,
    /// `sending`, `sent`, `delivered`, `read`, `failed`.
    pub delivery: String,
    pub why: Option<String>,
}

impl ChatLog {
    /// Takes a `message` event: a new line, or a known one's delivery.
    pub fn message(&mut self, line: ChatLine) {
        match self.lines.iter_mut().rev().find(|l| l.id == line.id) {
            Some(known) => *known = line,
            None => {
                if !line.outgoing {
                    self.peer_typing = false;
                }
                self.lines.push(line);
            }
        }
    }
}

impl PhoneView {
    /// A colleague's live state, wherever Team Communicator shows it.
    fn colleague_changed(&mut self, agent: &str, state: Option<String>) {
        let results = self.search.iter_mut().flat_map(|(_, items)| items.iter_mut());
        for hit in results.chain(self.favourites.iter_mut()).chain(self.recent.iter_mut()) {
            if hit.kind == earshot_engine::directory::TargetKind::Agent && hit.id == agent {
                hit.state = state.clone();
            }
        }
    }
}

/// An interaction's contact (`contact-matched`).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactMatch {
    pub contact: earshot_engine::directory::Contact,
    /// Made for this interaction (an identity nobody knew).
    pub new: bool,
    /// Its last interactions before this one, newest first.
    pub recent: Vec<earshot_engine::directory::PastInteraction>,
}

/// The team store's state (`team-store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamStoreView {
    pub online: bool,
    pub waiting: usize,
    pub why: Option<String>,
}

/// A notice from the phone, shown in the agent's language at the foot of the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An error the phone reported: its English words, and its problem to translate.
    Error {
        message: String,
        problem: Option<Problem>,
    },
    /// A problem of the window itself (its settings file, a site's translation file): the
    /// key of its words and their values.
    WindowError {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    Transfer {
        call: CallId,
        status: String,
        reason: String,
    },
    Security(String),
    /// A prompt cut short.
    PromptStopped {
        call: CallId,
        file: String,
    },
    ScreenPop {
        interaction: u64,
        url: String,
    },
    /// Contacts imported from a file: how many added and merged, the lines refused.
    /// Contacts written to a CSV file.
    Exported {
        file: String,
        count: usize,
    },
    Imported {
        file: String,
        added: usize,
        merged: usize,
        rejected: Vec<String>,
    },
}

/// The agent's state (`agent-state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStateView {
    pub state: String,
    pub reason: Option<String>,
    pub since_ms: u64,
    pub next: Option<String>,
    pub busy: bool,
}

/// The devices report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Devices {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub ringing: Option<String>,
    pub using: String,
    /// The offer sounds' loudness, in percent.
    pub ring_volume: u8,
}

impl PhoneView {
    pub fn apply(&mut self, event: Event, now: Instant) {
        match event {
            Event::Ready { uri, .. } => self.uri = uri,
            Event::Registration { state, status, reason, .. } => {
                self.registration = match (status, reason) {
                    (Some(s), Some(r)) if state != "registered" => format!("{state} ({s} {r})"),
                    _ => state,
                };
            }
            Event::IncomingCall { .. } => {}
            Event::CallState {
                id,
                state,
                direction,
                remote,
                muted,
                duration_s,
                conference,
                ..
            } => {
                if state == CallState::Ended {
                    self.calls.remove(&id);
                    self.monitoring.remove(&id);
                    return;
                }
                let answered = duration_s.map(|d| now - std::time::Duration::from_secs_f64(d));
                let row = self.calls.entry(id).or_insert_with(|| CallRow {
                    id,
                    remote: remote.clone(),
                    direction,
                    state,
                    muted,
                    conference,
                    answered,
                    mos: None,
                    loss_pct: None,
                    codec: None,
                });
                row.state = state;
                row.muted = muted;
                row.conference = conference;
                row.remote = remote;
                if row.answered.is_none() {
                    row.answered = answered;
                }
            }
            Event::Quality { id, codec, loss_pct, mos, .. } => {
                if let Some(row) = self.calls.get_mut(&id) {
                    row.mos = Some(mos);
                    row.loss_pct = Some(loss_pct);
                    row.codec = Some(codec);
                }
            }
            Event::Dtmf { digit, .. } => self.digits.push(digit),
            Event::Transfer { id, status, reason, done } => {
                if done {
                    self.note(Notice::Transfer { call: id, status: status.to_string(), reason });
                }
            }
            Event::Devices { inputs, outputs, input, output, ringing, using, ring_volume } => {
                self.devices =
                    Some(Devices { inputs, outputs, input, output, ringing, using, ring_volume });
            }
            Event::Account { account } => {
                if account.is_none() {
                    self.registration.clear();
                }
                self.account = account;
            }
            Event::History { calls } => self.history = calls,
            Event::Monitoring { id, agent, mode } => {
                self.monitoring.insert(id, (agent, mode));
            }
            Event::Agent { agent, presence, calls, state, reason, since_ms, busy } => {
                let desk = state.map(|state| AgentStateView {
                    state,
                    reason,
                    since_ms: since_ms.unwrap_or(0),
                    next: None,
                    busy,
                });
                match desk {
                    Some(d) => {
                        self.team_states.insert(agent.clone(), d);
                    }
                    None => {
                        self.team_states.remove(&agent);
                    }
                }
                self.team.insert(agent, (presence, calls));
            }
            Event::Error { message, problem, command } => {
                // A new email the phone refused (no such address…): the window opens it
                // again as written.
                self.new_email_refused |= command.is_some_and(|c| c.starts_with("Email {"));
                self.note(Notice::Error { message, problem })
            }
            Event::Security { message } => self.note(Notice::Security(message)),
            // A prompt cut short is worth knowing; one played whole is what was asked.
            Event::PlayEnded { id, file, completed: false } => {
                self.note(Notice::PromptStopped { call: id, file })
            }
            Event::PlayEnded { .. } => {}
            Event::Email {
                interaction,
                message_id,
                from,
                to,
                cc,
                subject,
                date_ms,
                text,
                links,
                attachments,
                direction,
                problems,
                answer,
                ..
            } => {
                let item = crate::email_model::EmailItem {
                    message_id,
                    from,
                    to,
                    cc,
                    subject,
                    date_ms,
                    text,
                    links,
                    attachments,
                    outgoing: direction == "out",
                    problems,
                    answer: answer.map(|a| *a),
                };
                self.emails.entry(interaction).or_default().message(item);
            }
            Event::EmailDraft { interaction, draft } => {
                self.drafts.insert(interaction.unwrap_or(0), draft);
            }
            Event::EmailSent { interaction, message_id } => {
                self.emails.entry(interaction).or_default().last_send =
                    Some((message_id, Some(Ok(()))));
            }
            Event::EmailFailed { interaction, message_id, why } => {
                self.emails.entry(interaction).or_default().last_send =
                    Some((message_id, Some(Err(why))));
            }
            Event::Mailbox { queue, online, why, .. } => {
                let state = if online { Ok(()) } else { Err(why.unwrap_or_default()) };
                self.mailboxes.insert(queue, state);
            }
            Event::AttachmentSaved { interaction, path, bytes } => {
                self.saved.push((interaction, path, bytes));
            }
            Event::AgentState { state, reason, since_ms, next, busy, .. } => {
                self.agent_state = Some(AgentStateView { state, reason, since_ms, next, busy });
            }
            Event::Interaction(i) => {
                self.interactions.insert(i.id, *i);
            }
            Event::ScreenPop { id, url } => self.note(Notice::ScreenPop { interaction: id, url }),
            Event::Results { query, items } => self.search = Some((query, items)),
            Event::Targets { favourites, recent } => {
                self.favourites = favourites;
                self.recent = recent;
            }
            Event::Colleague { agent, state, .. } => self.colleague_changed(&agent, state),
            Event::Contact { contact } => {
                self.contact_changed(&contact, None);
                self.contact = Some(contact);
            }
            Event::ContactsMerged { contact, gone } => {
                self.contact_changed(&contact, Some(gone));
                self.contact = Some(contact);
            }
            Event::ContactHistory { contact, items } => {
                self.contact_history = Some((contact, items))
            }
            Event::ContactMatched { interaction, contact, new, recent } => {
                self.contacts_of.insert(interaction, ContactMatch { contact, new, recent });
            }
            Event::TeamStore { online, waiting, why } => {
                self.team_store = Some(TeamStoreView { online, waiting, why });
            }
            Event::ContactsExported { file, count } => self.note(Notice::Exported { file, count }),
            Event::ContactsImported { file, added, merged, rejected } => {
                let lines = rejected.iter().map(|r| r.line.to_string()).collect::<Vec<_>>();
                self.note(Notice::Imported { file, added, merged, rejected: lines })
            }
            Event::Message { interaction, id, from, text, sent_ms, direction, delivery, why } => {
                let line = ChatLine {
                    id,
                    from,
                    text,
                    sent_ms,
                    outgoing: direction == "out",
                    delivery,
                    why,
                };
                self.chats.entry(interaction).or_default().message(line);
            }
            Event::Typing { interaction, active, .. } => {
                self.chats.entry(interaction).or_default().peer_typing = active;
            }
            Event::Transcript { interaction, agent, lines } => {
                self.transcript = Some((agent, interaction, lines));
            }
            Event::ChatEnded { interaction, reason } => {
                let log = self.chats.entry(interaction).or_default();
                log.ended = Some(reason);
                log.peer_typing = false;
            }
            Event::FollowedChat { agent, interaction, customer, name, state } => {
                let chat = self.followed.entry((agent, interaction)).or_default();
                if state == "ended" {
                    chat.ended = true;
                } else {
                    // The transcript comes again after it: start afresh.
                    *chat = FollowedChat { customer, name, ..FollowedChat::default() };
                }
            }
            Event::FollowedMessage { agent, interaction, from, name, text, sent_ms } => {
                let chat = self.followed.entry((agent, interaction)).or_default();
                chat.lines.push((from, name, text, sent_ms));
                // A busy chat keeps its newest lines.
                if chat.lines.len() > 500 {
                    chat.lines.remove(0);
                }
            }
            Event::Stopped => self.stopped = true,
        }
    }

    /// A contact as now stored (renamed, merged from `gone`): the interactions with it
    /// show it so.
    fn contact_changed(&mut self, contact: &earshot_engine::directory::Contact, gone: Option<u64>) {
        for m in self.contacts_of.values_mut() {
            if m.contact.id == contact.id || Some(m.contact.id) == gone {
                m.contact = contact.clone();
            }
        }
    }

    fn note(&mut self, message: Notice) {
        self.messages.push(message);
        if self.messages.len() > 20 {
            self.messages.remove(0);
        }
    }

    /// The call ringing here and not yet answered, if any (the toast).
    pub fn incoming(&self) -> Option<&CallRow> {
        self.calls.values().find(|c| c.state == CallState::Incoming)
    }

    /// The call the controls act on: the active one, else the newest.
    pub fn current(&self) -> Option<&CallRow> {
        self.calls
            .values()
            .find(|c| c.state == CallState::Active)
            .or_else(|| self.calls.values().next_back())
    }
}

/// "1:05" for a call answered 65 s ago.
pub fn timer(answered: Option<Instant>, now: Instant) -> String {
    match answered {
        Some(a) => {
            let s = now.saturating_duration_since(a).as_secs();
            format!("{}:{:02}", s / 60, s % 60)
        }
        None => String::new(),
    }
}

/// A word for a MOS (ITU-T G.107 Annex B's user satisfaction bands).
pub fn quality_word(mos: f64) -> &'static str {
    match mos {
        m if m >= 4.0 => "good",
        m if m >= 3.6 => "fair",
        m if m >= 3.1 => "poor",
        _ => "bad",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: CallId, state: CallState) -> Event {
        Event::CallState {
            id,
            state,
            direction: Direction::Incoming,
            remote: "sip:a@h".into(),
            reason: None,
            muted: false,
            duration_s: None,
            conference: false,
        }
    }

    #[test]
    fn calls_come_and_go_with_their_events() {
        let now = Instant::now();
        let mut v = PhoneView::default();
        v.apply(state(1, CallState::Incoming), now);
        assert_eq!(v.incoming().map(|c| c.id), Some(1));
        v.apply(state(1, CallState::Active), now);
        assert!(v.incoming().is_none());
        assert_eq!(v.current().map(|c| c.id), Some(1));
        v.apply(state(1, CallState::Ended), now);
        assert!(v.calls.is_empty());
        v.apply(Event::Error { message: "x".into(), command: None, problem: None }, now);
        assert_eq!(v.messages, [Notice::Error { message: "x".into(), problem: None }]);
    }

    #[test]
    fn timer_and_quality_words() {
        let now = Instant::now();
        assert_eq!(timer(Some(now - std::time::Duration::from_secs(65)), now), "1:05");
        assert_eq!(timer(None, now), "");
        assert_eq!(quality_word(4.4), "good");
        assert_eq!(quality_word(2.0), "bad");
    }
}
