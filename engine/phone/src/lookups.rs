//! Servers given by name, as the sans-IO phone core sees them (RFC 3263): a name the user
//! agent has no servers for is handed to the driver as an [`Effect::Locate`], and the
//! work that needed it (a command, the registration, a call we were transferred to) waits
//! here until the answer comes back through [`Phone::located`]; names are asked again
//! after [`FRESH`], so a registration refresh or a new call follows the site's DNS.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};

use earshot_sip::SipUri;
use earshot_sip::locate::{self, Plan};
use earshot_sip::message::{HeaderName, NameAddr, Uri};
use earshot_sip::target::{Target, TransportKind};
use earshot_sip::ua::CallHandle;

use super::api::{CallId, Command, Event};
use super::config::{Account, Transport};
use super::core::Phone;
use super::effect::Effect;
use super::errors::CommandError;
use super::problem::Problem;

/// How long what DNS found is used before it is asked again (the resolver itself caches
/// within the records' TTL, so asking again is cheap).
pub const FRESH: Duration = Duration::from_secs(60);
/// How long a failed lookup is reported as failed before it is tried again.
pub const FAILED_FOR: Duration = Duration::from_secs(10);

/// What the core knows of names, and what waits on them.
#[derive(Default)]
pub struct Lookups {
    /// Names located, and when.
    found: BTreeMap<String, Instant>,
    /// Names that could not be located: when, and why.
    failed: BTreeMap<String, (Instant, String)>,
    /// Names handed to the driver and not answered yet.
    asked: BTreeSet<String>,
    /// Work waiting for a name, in the order it arrived.
    parked: Vec<(String, Parked)>,
}

/// Work that waits for a name to be located.
pub enum Parked {
    /// A command from the user, done again once the name is known.
    Command(Command),
    /// The account's registration.
    Register(Account),
    /// A peer transferred call `id` to `to` (RFC 3515): the call to place.
    Transferred { call: CallHandle, id: CallId, to: NameAddr, extra: Vec<(HeaderName, String)> },
}

/// The name requests to `uri` need located, if any (the outbound proxy's when there is
/// one), and its key.
fn name_for(ua_proxy: Option<SipUri>, uri: &Uri, ours: TransportKind) -> Option<(SipUri, String)> {
    let name = ua_proxy.or(match uri {
        Uri::Sip(u) => Some(u.clone()),
        _ => None,
    })?;
    match locate::plan(&name, ours) {
        Plan::Direct(_) => None,
        plan => Some((name, format!("{plan:?}"))),
    }
}

impl Phone {
    /// Makes sure the user agent knows where requests to `uri` go. A name not located (or
    /// located more than [`FRESH`] ago) is handed to the driver, and the caller parks its
    /// work with [`Phone::park`] on [`CommandError::Locating`].
    pub(super) fn ensure_located(&mut self, uri: &Uri) -> Result<(), CommandError> {
        let ours = self.transports();
        let proxy = self.ua.config().outbound_proxy.clone();
        let Some((name, key)) =
            name_for(proxy, uri, ours.first().copied().unwrap_or(TransportKind::Udp))
        else {
            return Ok(());
        };
        let now = self.now;
        if self.lookups.found.get(&key).is_some_and(|at| now.duration_since(*at) < FRESH) {
            return Ok(());
        }
        if let Some((at, why)) = self.lookups.failed.get(&key)
            && now.duration_since(*at) < FAILED_FOR
        {
            return Err(CommandError::Dns(why.clone()));
        }
        if self.lookups.asked.insert(key.clone()) {
            self.effects.push_back(Effect::Locate { name, transports: ours });
        }
        Err(CommandError::Locating(key))
    }

    /// Keeps `work` until name `key` is located.
    pub(super) fn park(&mut self, key: String, work: Parked) {
        self.lookups.parked.push((key, work));
    }

    /// The transports requests may use, in order: the account's, or UDP then TCP.
    pub(super) fn transports(&self) -> Vec<TransportKind> {
        match self.config.accounts.first().map(|a| a.transport) {
            Some(Transport::Tcp) => vec![TransportKind::Tcp],
            Some(Transport::Udp) => vec![TransportKind::Udp],
            None => vec![TransportKind::Udp, TransportKind::Tcp],
        }
    }

    /// The driver's answer to an [`Effect::Locate`]: the servers for `name` in the order
    /// to try (RFC 3263 §4), or why there are none. The work waiting for it goes on.
    pub fn located(
        &mut self,
        name: &SipUri,
        found: Result<Vec<Target>, String>,
        now: Instant,
        wall: SystemTime,
    ) {
        self.now = now;
        self.wall = wall;
        let key = format!(
            "{:?}",
            locate::plan(name, self.transports().first().copied().unwrap_or(TransportKind::Udp))
        );
        self.lookups.asked.remove(&key);
        let failure = match found {
            Ok(targets) => {
                self.ua.set_located(name, targets);
                self.lookups.found.insert(key.clone(), now);
                self.lookups.failed.remove(&key);
                None
            }
            Err(why) => {
                self.lookups.failed.insert(key.clone(), (now, why.clone()));
                Some(why)
            }
        };
        let (ready, waiting): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.lookups.parked).into_iter().partition(|(k, _)| *k == key);
        self.lookups.parked = waiting;
        for (_, work) in ready {
            match (&failure, work) {
                (None, Parked::Command(c)) => self.command(c, now, wall),
                (Some(why), Parked::Command(c)) => {
                    let problem =
                        Problem::NameNotFound { name: name.to_string(), why: why.clone() };
                    self.emit(Event::problem(problem, Some(format!("{c:?}"))));
                }
                (None, Parked::Register(a)) => self.register(&a),
                (Some(why), Parked::Register(a)) => {
                    let problem = Problem::RegistrarNotFound {
                        account: a.aor.clone(),
                        name: name.to_string(),
                        why: why.clone(),
                    };
                    self.emit(Event::problem(problem, None));
                }
                (None, Parked::Transferred { call, id, to, extra }) => {
                    self.transfer_to(call, id, to, extra)
                }
                (Some(why), Parked::Transferred { call, id, to, .. }) => {
                    self.transfer_failed(call, id, &to, &CommandError::Dns(why.clone()))
                }
            }
        }
    }
}
