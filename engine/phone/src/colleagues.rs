//! Colleagues' live state in Team Communicator: a presence subscription (RFC 3856, served
//! by the site's presence server from what each agent PUBLISHes) to each colleague the
//! agent has at hand — favourites, recent targets — and to each one a search shows, for
//! as long as it was shown lately. Presence only: an agent's dialog events are for
//! supervisors (the agent's phone refuses others). At most [`MOST`] at once, the one shown
//! longest ago let go first, so that a site of thousands costs its server what the agents
//! look at, not everyone times everyone. Each NOTIFY updates the index and is told as a
//! `colleague` event.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use earshot_directory::TargetKind;
use earshot_sip::event_package::pidf::{self, Pidf};
use earshot_sip::ua::SubHandle;

use super::api::Event;
use super::core::Phone;
use super::identity::address_of_record;
use super::problem::Problem;
use super::team::DeskState;

/// The most colleagues followed at once.
pub const MOST: usize = 100;
/// How long a colleague a search showed stays followed.
const SHOWN_FOR: Duration = Duration::from_secs(600);
/// How long a subscription is asked for, in seconds (refreshed by the user agent).
const EXPIRES: u32 = 600;
/// How soon a subscription that ended (not refused) is asked again.
const RETRY: Duration = Duration::from_secs(30);
/// How many of a search's agents are followed.
const FROM_SEARCH: usize = 10;

#[derive(Debug)]
struct Colleague {
    sub: Option<SubHandle>,
    /// When a search last showed it; `None` for one at hand (never let go).
    shown: Option<Instant>,
    /// When to subscribe again (DNS pending, or the last subscription ended).
    retry_at: Option<Instant>,
    /// Its presence is not served to us (403, 489): not asked again.
    refused: bool,
}

/// The colleagues followed, by address as the directory has it.
#[derive(Debug, Default)]
pub struct Colleagues {
    followed: BTreeMap<String, Colleague>,
}

impl Colleagues {
    pub fn owns(&self, sub: SubHandle) -> bool {
        self.followed.values().any(|c| c.sub == Some(sub))
    }

    fn by_sub(&self, sub: SubHandle) -> Option<String> {
        self.followed.iter().find(|(_, c)| c.sub == Some(sub)).map(|(a, _)| a.clone())
    }
}

impl Phone {
    /// Follows `agents` (addresses, as the directory has them): `at_hand` ones for good, others for
    /// [`SHOWN_FOR`] from now. Not this phone's own account, not an agent the supervisor's
    /// team view watches already.
    pub(super) fn follow_colleagues(
        &mut self,
        agents: impl Iterator<Item = String>,
        at_hand: bool,
    ) {
        let me = self.config.accounts.first().map(|a| address_of_record(&a.aor));
        let now = self.now;
        for key in agents {
            // Kept by the directory's id (the address as enrolled), compared by address of
            // record with ours and the team view's.
            let aor = address_of_record(&key);
            if me.as_deref() == Some(aor.as_str()) || self.team.calls_of(&aor).is_some() {
                continue;
            }
            let shown = (!at_hand).then_some(now);
            match self.colleagues.followed.get_mut(&key) {
                Some(c) => c.shown = c.shown.and(shown),
                None => {
                    let c = Colleague { sub: None, shown, retry_at: Some(now), refused: false };
                    self.colleagues.followed.insert(key, c);
                }
            }
        }
        self.let_colleagues_go(now);
        self.colleagues_due(now);
    }

    /// The agents of a search's results, followed.
    pub(super) fn follow_results(&mut self, items: &[earshot_directory::Hit]) {
        let agents: Vec<String> = items
            .iter()
            .filter(|h| h.kind == TargetKind::Agent)
            .take(FROM_SEARCH)
            .map(|h| h.id.clone())
            .collect();
        if !agents.is_empty() {
            self.follow_colleagues(agents.into_iter(), false);
        }
    }

    /// Lets go of colleagues shown too long ago, and of the oldest shown beyond [`MOST`].
    fn let_colleagues_go(&mut self, now: Instant) {
        let mut shown: Vec<(Instant, String)> = self
            .colleagues
            .followed
            .iter()
            .filter_map(|(a, c)| c.shown.map(|t| (t, a.clone())))
            .collect();
        shown.sort();
        let over = self.colleagues.followed.len().saturating_sub(MOST);
        let mut gone: Vec<String> = shown.iter().take(over).map(|(_, a)| a.clone()).collect();
        gone.extend(
            shown
                .iter()
                .filter(|(t, _)| now.duration_since(*t) > SHOWN_FOR)
                .map(|(_, a)| a.clone()),
        );
        for agent in gone {
            if let Some(c) = self.colleagues.followed.remove(&agent)
                && let Some(sub) = c.sub
            {
                let _ = self.ua.unsubscribe(sub, self.now);
                // No longer followed: what was last known of it is not shown as now.
                self.tell_colleague(agent, None);
            }
        }
    }

    /// Subscribes to colleagues whose time has come (from the tick and when followed).
    pub(super) fn colleagues_due(&mut self, now: Instant) {
        self.let_colleagues_go(now);
        let due: Vec<String> = self
            .colleagues
            .followed
            .iter()
            .filter(|(_, c)| c.sub.is_none() && !c.refused && c.retry_at.is_some_and(|t| t <= now))
            .map(|(a, _)| a.clone())
            .collect();
        for agent in due {
            let asked = self.target(&agent).and_then(|to| {
                self.ensure_located(&to.uri)?;
                let package = super::presence_publisher::PACKAGE;
                Ok(self.ua.subscribe(&to, package, pidf::CONTENT_TYPE, EXPIRES, now)?)
            });
            let Some(c) = self.colleagues.followed.get_mut(&agent) else { continue };
            match asked {
                Ok(sub) => {
                    c.sub = Some(sub);
                    c.retry_at = None;
                }
                // Asked again once DNS has answered.
                Err(super::errors::CommandError::Locating(_)) => {
                    c.retry_at = Some(now + Duration::from_millis(100));
                }
                Err(_) => c.retry_at = Some(now + RETRY),
            }
        }
    }

    /// A colleague's presence document: into the index, and told.
    pub(super) fn colleague_notified(&mut self, sub: SubHandle, body: &[u8]) {
        let Some(agent) = self.colleagues.by_sub(sub) else { return };
        // Nothing published: the agent is not logged in.
        let desk = if body.is_empty() {
            DeskState { state: "logged-out".into(), reason: None, since_ms: None, busy: false }
        } else {
            match Pidf::parse(body) {
                Ok(doc) => DeskState::read(&doc),
                Err(e) => {
                    let problem = Problem::UnreadablePresence { agent, why: e.to_string() };
                    self.emit(Event::problem(problem, None));
                    return;
                }
            }
        };
        self.tell_colleague(agent, Some(desk));
    }

    /// A subscription to a colleague ended: its state is unknown until asked again (not
    /// asked again if refused).
    pub(super) fn colleague_ended(&mut self, sub: SubHandle, reason: &str) {
        let Some(agent) = self.colleagues.by_sub(sub) else { return };
        if let Some(c) = self.colleagues.followed.get_mut(&agent) {
            c.sub = None;
            c.refused = reason.starts_with("403") || reason.starts_with("489");
            c.retry_at = (!c.refused).then(|| self.now + RETRY);
        }
        self.tell_colleague(agent, None);
    }

    fn tell_colleague(&mut self, agent: String, desk: Option<DeskState>) {
        let shown = desk.as_ref().map(|d| if d.busy { "busy".to_owned() } else { d.state.clone() });
        self.directory.set_state(TargetKind::Agent, &agent, shown.clone());
        self.emit(Event::Colleague {
            agent,
            state: shown,
            reason: desk.as_ref().and_then(|d| d.reason.clone()),
            since_ms: desk.as_ref().and_then(|d| d.since_ms),
        });
    }
}
