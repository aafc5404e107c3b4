//! The agent's state as presence (DESIGN.md §7): the desk's PIDF document (RFC 3863 with
//! RPID, `earshot_desk::presence`) PUBLISHed to the site's presence server for our address
//! of record (RFC 3903) when there is an account, and NOTIFYed to the supervisors who
//! subscribe to us directly (peer to peer, the `presence` package of RFC 3856, allowed as
//! for the dialog package). A site that does not take PUBLISH (405, 489, 501) is told
//! once; the state is still served to direct watchers.

use earshot_desk::AgentStatus;
use earshot_desk::presence::{CONTENT_TYPE, document};
use earshot_sip::ua::{PubHandle, SubHandle};

use super::api::Event;
use super::core::Phone;
use super::problem::Problem;

/// The package served and published.
pub const PACKAGE: &str = "presence";
/// How long a publication lives before its refresh, in seconds.
const EXPIRES: u32 = 600;
/// The longest direct subscription granted, in seconds.
const MAX_EXPIRES: u32 = 3600;

/// What we publish and to whom.
#[derive(Debug, Default)]
pub struct Presence {
    /// The current document (none before the desk first reports).
    body: Option<String>,
    publication: Option<PubHandle>,
    /// Direct watchers (peer to peer).
    pub watchers: Vec<SubHandle>,
    /// The last failure reported, so a retrying site does not repeat it every minute.
    last_failure: Option<u16>,
    /// The site refused PUBLISH for good: stop asking.
    refused: bool,
}

impl Presence {
    /// Whether `sub` is a direct watcher of our presence.
    pub fn serves(&self, sub: SubHandle) -> bool {
        self.watchers.contains(&sub)
    }
}

impl Phone {
    /// The desk's state changed: publish it, and tell the direct watchers.
    pub(super) fn publish_state(&mut self, status: &AgentStatus) {
        let entity = self.aor();
        let body = document(&entity, &status.state, status.busy, status.since_ms);
        self.presence.body = Some(body.clone());
        for sub in self.presence.watchers.clone() {
            if self.ua.notify(sub, CONTENT_TYPE, body.clone().into_bytes(), self.now).is_err() {
                self.presence.watchers.retain(|s| *s != sub);
            }
        }
        if self.config.accounts.is_empty() || self.presence.refused {
            return;
        }
        match self.presence.publication {
            Some(p) => {
                let _ = self.ua.republish(p, CONTENT_TYPE, body.into_bytes(), self.now);
            }
            None => {
                let to = match self.target(&entity) {
                    Ok(to) => to,
                    Err(e) => {
                        self.report_error(Problem::StateNotPublishable { why: e.to_string() });
                        return;
                    }
                };
                match self.ua.publish(
                    &to,
                    PACKAGE,
                    CONTENT_TYPE,
                    body.into_bytes(),
                    EXPIRES,
                    self.now,
                ) {
                    Ok(p) => self.presence.publication = Some(p),
                    Err(e) => {
                        self.report_error(Problem::StateNotPublishable { why: e.to_string() })
                    }
                }
            }
        }
    }

    /// A supervisor subscribes to our presence directly: accepted with the current state.
    pub(super) fn serve_presence(&mut self, sub: SubHandle) {
        let body = self.presence.body.clone().unwrap_or_else(|| {
            document(&self.aor(), &earshot_desk::AgentState::LoggedOut, false, 0)
        });
        let accepted = self.ua.accept_subscription(
            sub,
            MAX_EXPIRES,
            CONTENT_TYPE,
            body.into_bytes(),
            self.now,
        );
        if accepted.is_ok() {
            self.presence.watchers.push(sub);
        }
    }

    /// The site's answer to a PUBLISH.
    pub(super) fn publication_answered(&mut self, status: Option<(u16, String)>) {
        let Some((status, reason)) = status else {
            self.presence.last_failure = None;
            return;
        };
        if self.presence.last_failure == Some(status) {
            return;
        }
        self.presence.last_failure = Some(status);
        let for_good = matches!(status, 403 | 405 | 489 | 501);
        let then = if for_good {
            self.presence.refused = true;
            if let Some(p) = self.presence.publication.take() {
                let _ = self.ua.unpublish(p, self.now);
            }
            true
        } else {
            false
        };
        let why = if status == 0 { reason } else { format!("{status} {reason}") };
        let problem = if then {
            Problem::StateRefusedBySite { why }
        } else {
            Problem::StateNotPublished { why }
        };
        self.emit(Event::problem(problem, None));
    }

    /// Our address of record: the account's, else our own address.
    pub(super) fn aor(&self) -> String {
        self.config.accounts.first().map_or_else(|| self.local_uri.clone(), |a| a.aor.clone())
    }
}
