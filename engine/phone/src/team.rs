//! The supervisor's team view: each agent watched is a subscription to its dialog events
//! (RFC 4235) through the site; what the agent publishes becomes an `agent` event with its
//! calls (and the dialog identifiers a monitoring INVITE's Join names). An agent that is
//! not registered (the proxy answers 404/480) shows offline and is asked again every
//! [`RETRY`]; an agent that refuses us (403) shows refused; until the first answer it
//! shows asking. Beside it, a subscription to the agent's presence (RFC 3856; served by the
//! site's presence server from what the agent PUBLISHes, or by the agent itself peer to
//! peer) gives its desk state: Ready, Not Ready and why, After-Call Work, since when.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use earshot_sip::event_package::dialog_info::{CONTENT_TYPE, DialogInfo, DialogState};
use earshot_sip::event_package::pidf::{self, Pidf};
use earshot_sip::message::NameAddr;
use earshot_sip::ua::SubHandle;

use super::api::{AgentCall, Event};
use super::core::Phone;
use super::dialog_watchers::PACKAGE;
use super::errors::CommandError;
use super::identity::address_of_record;
use super::problem::Problem;

/// How long a subscription to an agent is asked for, in seconds.
const EXPIRES: u32 = 600;
/// How soon an offline or lost agent is asked again.
const RETRY: Duration = Duration::from_secs(30);
/// When a watch waits for DNS: soon after the answer.
const LOOKUP_RETRY: Duration = Duration::from_millis(100);

/// One agent watched.
#[derive(Debug)]
pub struct Member {
    pub agent: String,
    /// Where to subscribe (the address as given, port and all).
    to: NameAddr,
    sub: Option<SubHandle>,
    retry_at: Option<Instant>,
    /// What was last reported: `online`, `offline`, `refused`.
    presence: String,
    calls: Vec<AgentCall>,
    /// Our subscription to its presence (its desk state).
    state_sub: Option<SubHandle>,
    /// Its presence is not served (489, 403): not asked again.
    state_refused: bool,
    /// Its desk state as last published.
    desk: Option<DeskState>,
}

/// An agent's desk state, read from its presence document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskState {
    /// `ready`, `not-ready`, `after-call-work`, `logged-out` (Earshot agents), or `open`
    /// / `closed` with the note for other presence sources.
    pub state: String,
    pub reason: Option<String>,
    pub since_ms: Option<u64>,
    pub busy: bool,
}

impl DeskState {
    /// The state in an Earshot agent's document (`<es:agent …/>`), else what plain PIDF
    /// says (open or closed, the first note).
    pub fn read(doc: &Pidf) -> DeskState {
        if let Some(a) = doc.extensions.get("agent")
            && let Some(state) = a.get("state")
        {
            return DeskState {
                state: state.clone(),
                reason: a.get("reason").cloned(),
                since_ms: a.get("since-ms").and_then(|v| v.parse().ok()),
                busy: a.get("busy").is_some_and(|b| b == "true"),
            };
        }
        DeskState {
            state: if doc.open == Some(true) { "open" } else { "closed" }.into(),
            reason: doc.notes.first().cloned(),
            since_ms: None,
            busy: false,
        }
    }
}

/// The agents watched, by address of record.
#[derive(Debug, Default)]
pub struct Team {
    members: BTreeMap<String, Member>,
    /// Agents to monitor as soon as a call of theirs is answered, and in which mode.
    pub next_call: BTreeMap<String, String>,
    /// The call (its dialog id) each agent was last monitored on: "next call" means
    /// another one.
    pub last_monitored: BTreeMap<String, String>,
}

impl Team {
    fn by_sub(&mut self, sub: SubHandle) -> Option<&mut Member> {
        self.members.values_mut().find(|m| m.sub == Some(sub) || m.state_sub == Some(sub))
    }

    /// The calls of a watched agent (by address of record), as last published.
    pub fn calls_of(&self, agent: &str) -> Option<&[AgentCall]> {
        self.members.get(agent).map(|m| m.calls.as_slice())
    }

    /// Agents with a "monitor next call" waiting whose answered call can be joined now.
    pub fn due_next_calls(&self) -> Vec<(String, String)> {
        self.next_call
            .iter()
            .filter(|(agent, _)| {
                self.members.get(*agent).is_some_and(|m| {
                    m.calls.iter().any(|c| {
                        c.state == "confirmed"
                            && self.last_monitored.get(*agent) != c.call_id.as_ref()
                    })
                })
            })
            .map(|(a, m)| (a.clone(), m.clone()))
            .collect()
    }

    /// Whether `sub` is one of our subscriptions to an agent.
    pub fn owns(&self, sub: SubHandle) -> bool {
        self.members.values().any(|m| m.sub == Some(sub) || m.state_sub == Some(sub))
    }
}

impl Phone {
    /// Starts watching `agent` (a SIP URI, or a user or number at the account's domain).
    pub(super) fn watch(&mut self, agent: &str) -> Result<(), CommandError> {
        let to = self.target(agent)?;
        let key = address_of_record(&to.uri.to_string());
        if self.team.members.contains_key(&key) {
            return Ok(());
        }
        self.team.members.insert(
            key.clone(),
            Member {
                agent: key.clone(),
                to: to.clone(),
                sub: None,
                retry_at: None,
                presence: "asking".into(),
                calls: Vec::new(),
                state_sub: None,
                state_refused: false,
                desk: None,
            },
        );
        if let Some(m) = self.team.members.get(&key) {
            self.emit(member_event(m));
        }
        self.subscribe_to(&key, to)
    }

    /// Stops watching `agent`.
    pub(super) fn unwatch(&mut self, agent: &str) -> Result<(), CommandError> {
        let to = self.target(agent)?;
        let key = address_of_record(&to.uri.to_string());
        let member =
            self.team.members.remove(&key).ok_or_else(|| CommandError::NotWatching(key.clone()))?;
        for sub in [member.sub, member.state_sub].into_iter().flatten() {
            let _ = self.ua.unsubscribe(sub, self.now);
        }
        Ok(())
    }

    fn subscribe_to(&mut self, key: &str, to: NameAddr) -> Result<(), CommandError> {
        if let Err(CommandError::Locating(_)) = self.ensure_located(&to.uri) {
            // Asked again once DNS has answered.
            if let Some(m) = self.team.members.get_mut(key) {
                m.retry_at = Some(self.now + LOOKUP_RETRY);
            }
            return Ok(());
        }
        self.ensure_located(&to.uri)?;
        let asked = self
            .team
            .members
            .get(key)
            .map(|m| (m.sub.is_some(), m.state_sub.is_some() || m.state_refused));
        let (dialog_asked, state_asked) = asked.unwrap_or_default();
        if !dialog_asked {
            let sub = self.ua.subscribe(&to, PACKAGE, CONTENT_TYPE, EXPIRES, self.now)?;
            if let Some(m) = self.team.members.get_mut(key) {
                m.sub = Some(sub);
                m.retry_at = None;
            }
        }
        if !state_asked {
            let package = super::presence_publisher::PACKAGE;
            if let Ok(sub) = self.ua.subscribe(&to, package, pidf::CONTENT_TYPE, EXPIRES, self.now)
                && let Some(m) = self.team.members.get_mut(key)
            {
                m.state_sub = Some(sub);
            }
        }
        if let Some(m) = self.team.members.get_mut(key) {
            m.retry_at = None;
        }
        Ok(())
    }

    /// Our subscription to an agent was accepted.
    pub(super) fn team_active(&mut self, sub: SubHandle) {
        if let Some(m) = self.team.by_sub(sub)
            && m.sub == Some(sub)
        {
            m.presence = "online".into();
            let e = member_event(m);
            self.emit(e);
        }
    }

    /// The agent's calls, as it published them.
    pub(super) fn team_notified(&mut self, sub: SubHandle, body: &[u8]) {
        let Some(m) = self.team.by_sub(sub) else { return };
        if body.is_empty() {
            return;
        }
        if m.state_sub == Some(sub) {
            match Pidf::parse(body) {
                Ok(doc) => m.desk = Some(DeskState::read(&doc)),
                Err(e) => {
                    let problem =
                        Problem::UnreadablePresence { agent: m.agent.clone(), why: e.to_string() };
                    self.emit(Event::problem(problem, None));
                    return;
                }
            }
            let e = member_event(m);
            self.emit(e);
            return;
        }
        let info = match DialogInfo::parse(body) {
            Ok(i) => i,
            Err(e) => {
                let problem =
                    Problem::UnreadableDialog { agent: m.agent.clone(), why: e.to_string() };
                self.emit(Event::problem(problem, None));
                return;
            }
        };
        m.presence = "online".into();
        m.calls = info
            .dialogs
            .iter()
            .filter(|d| d.state != DialogState::Terminated)
            .map(|d| AgentCall {
                id: d.id.clone(),
                state: d.state.as_str().to_owned(),
                remote: d.remote_identity.clone().unwrap_or_default(),
                incoming: d.initiator == Some(false),
                call_id: d.call_id.clone(),
                local_tag: d.local_tag.clone(),
                remote_tag: d.remote_tag.clone(),
            })
            .collect();
        let e = member_event(m);
        self.emit(e);
    }

    /// Our subscription to an agent ended: offline (asked again later) or refused.
    pub(super) fn team_ended(&mut self, sub: SubHandle, reason: &str) {
        let Some(m) = self.team.by_sub(sub) else { return };
        if m.state_sub == Some(sub) {
            // Its state is gone with it; not asked again if it is not served at all.
            m.state_sub = None;
            m.desk = None;
            m.state_refused = reason.starts_with("403") || reason.starts_with("489");
            let (e, agent) = (member_event(m), m.agent.clone());
            self.emit(e);
            if !reason.starts_with("timeout") && !reason.is_empty() {
                let problem =
                    Problem::StateNotShown { agent: agent.clone(), why: reason.to_owned() };
                self.emit(Event::problem(problem, None));
            }
            return;
        }
        m.sub = None;
        m.calls.clear();
        let refused = reason.starts_with("403") || reason.starts_with("489");
        m.presence = if refused { "refused" } else { "offline" }.into();
        m.retry_at = (!refused).then(|| self.now + RETRY);
        let e = member_event(m);
        self.emit(e);
    }

    /// Asks offline agents again when their time comes (from the tick).
    pub(super) fn team_retry(&mut self, now: Instant) {
        let due: Vec<(String, NameAddr)> = self
            .team
            .members
            .values()
            .filter(|m| m.retry_at.is_some_and(|t| t <= now))
            .map(|m| (m.agent.clone(), m.to.clone()))
            .collect();
        for (key, to) in due {
            if self.subscribe_to(&key, to).is_err()
                && let Some(m) = self.team.members.get_mut(&key)
            {
                m.retry_at = Some(now + RETRY);
            }
        }
    }
}

fn member_event(m: &Member) -> Event {
    Event::Agent {
        agent: m.agent.clone(),
        presence: m.presence.clone(),
        calls: m.calls.clone(),
        state: m.desk.as_ref().map(|d| d.state.clone()),
        reason: m.desk.as_ref().and_then(|d| d.reason.clone()),
        since_ms: m.desk.as_ref().and_then(|d| d.since_ms),
        busy: m.desk.as_ref().is_some_and(|d| d.busy),
    }
}
