//! Event state publication, client side (RFC 3903): an initial PUBLISH with the state
//! (§4.1), refreshed before it expires with SIP-If-Match and no body (§4.2), modified with
//! SIP-If-Match and the new body (§4.4), removed with Expires: 0 (§4.5). One PUBLISH of a
//! publication is in flight at a time (its answer carries the entity-tag the next one
//! needs); a change made meanwhile is sent when it is answered. A 412 (the compositor lost
//! the entity) starts over with an initial PUBLISH (§4.1.1); a 423 takes the Min-Expires
//! (§6); 401/407 go through the usual digest retry.

use std::time::{Duration, Instant};

use super::agent::{Purpose, UaError, UserAgent};
use super::events::{PubHandle, UaEvent};
use crate::message::{HeaderName, Method, NameAddr, Response};

/// One state we publish.
#[derive(Debug)]
pub(crate) struct Publication {
    /// The resource the state is about (our address of record); the PUBLISH goes to it.
    to: NameAddr,
    event: String,
    content_type: String,
    body: Vec<u8>,
    expires: u32,
    /// The compositor's entity-tag for our state (§4.1, from SIP-ETag).
    etag: Option<String>,
    /// When to refresh.
    due_at: Option<Instant>,
    /// A PUBLISH of ours is waiting for its answer.
    in_flight: bool,
    /// The body changed (or removal was asked) while one was in flight.
    changed: bool,
    /// Removal asked for: the next PUBLISH has Expires: 0 and the publication then goes.
    removing: bool,
    /// The PUBLISH in flight is that removal.
    removal_sent: bool,
}

impl Publication {
    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.due_at
    }
}

/// How long after a failed PUBLISH the state is sent again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// Refresh a little before the state expires: the larger of 10 % and 5 s early.
fn refresh_delay(expires: u32) -> Duration {
    let early = (expires / 10).max(5).min(expires / 2);
    Duration::from_secs(u64::from(expires - early))
}

impl UserAgent {
    /// Publishes `body` (of `content_type`) for the `event` package about `to` (RFC 3903
    /// §4.1), kept for `expires` seconds and refreshed until [`UserAgent::unpublish`].
    pub fn publish(
        &mut self,
        to: &NameAddr,
        event: &str,
        content_type: &str,
        body: Vec<u8>,
        expires: u32,
        now: Instant,
    ) -> Result<PubHandle, UaError> {
        // Fails early when there is no route to the compositor.
        self.route_for(&to.uri)?;
        let handle = PubHandle(self.handle());
        self.pubs.insert(
            handle,
            Publication {
                to: to.clone(),
                event: event.to_owned(),
                content_type: content_type.to_owned(),
                body,
                expires: expires.max(1),
                etag: None,
                due_at: None,
                in_flight: false,
                changed: false,
                removing: false,
                removal_sent: false,
            },
        );
        self.send_publish(handle, true, now);
        Ok(handle)
    }

    /// Replaces the published state (§4.4): sent now, or when the PUBLISH in flight is
    /// answered.
    pub fn republish(
        &mut self,
        handle: PubHandle,
        content_type: &str,
        body: Vec<u8>,
        now: Instant,
    ) -> Result<(), UaError> {
        let p = self.pubs.get_mut(&handle).ok_or(UaError::NoPublication)?;
        content_type.clone_into(&mut p.content_type);
        p.body = body;
        if p.in_flight {
            p.changed = true;
        } else {
            self.send_publish(handle, true, now);
        }
        Ok(())
    }

    /// Removes the published state (§4.5: Expires: 0 with the entity-tag); the
    /// publication is forgotten once that is answered (or at once if nothing was
    /// published).
    pub fn unpublish(&mut self, handle: PubHandle, now: Instant) -> Result<(), UaError> {
        let p = self.pubs.get_mut(&handle).ok_or(UaError::NoPublication)?;
        p.removing = true;
        if p.in_flight {
            p.changed = true;
        } else if p.etag.is_none() {
            self.pubs.remove(&handle);
        } else {
            self.send_publish(handle, false, now);
        }
        Ok(())
    }

    /// Sends the publication's next PUBLISH: initial (no entity-tag yet), a modification
    /// (`with_body`), a refresh (no body) or a removal.
    fn send_publish(&mut self, handle: PubHandle, with_body: bool, now: Instant) {
        let Some(p) = self.pubs.get_mut(&handle) else { return };
        p.due_at = None;
        p.in_flight = true;
        p.changed = false;
        let (to, event, expires) = (p.to.clone(), p.event.clone(), p.expires);
        let etag = p.etag.clone();
        let removing = p.removing;
        p.removal_sent = removing;
        let body = (with_body || etag.is_none()) && !removing;
        let payload = body.then(|| (p.content_type.clone(), p.body.clone()));
        let Ok(target) = self.route_for(&to.uri) else {
            self.publication_failed(handle, 0, "no route to the presence server".into(), now);
            return;
        };
        let call_id = self.ids.call_id(&self.cfg.local.ip().to_string());
        let tag = self.ids.tag();
        let mut r = self.new_request(Method::Publish, &to, &call_id, &tag, 1, &target);
        r.headers.push(HeaderName::Event, &event);
        r.headers.push(HeaderName::Expires, (if removing { 0 } else { expires }).to_string());
        if let Some(etag) = &etag {
            r.headers.push(HeaderName::SipIfMatch, etag);
        }
        if let Some((ct, b)) = payload {
            r.headers.push(HeaderName::ContentType, &ct);
            r.body = b;
        }
        if self.start(Purpose::Publish(handle), r, target, now).is_none() {
            self.publication_failed(handle, 0, "no route to the presence server".into(), now);
        }
    }

    /// A PUBLISH failed (or could not be sent): reported, and the whole state is sent
    /// again as a new publication a minute later (a removal is not retried).
    fn publication_failed(&mut self, handle: PubHandle, status: u16, reason: String, now: Instant) {
        if let Some(p) = self.pubs.get_mut(&handle) {
            p.in_flight = false;
            p.etag = None;
            if p.removal_sent {
                self.pubs.remove(&handle);
            } else {
                p.due_at = Some(now + RETRY_AFTER_FAILURE);
            }
        }
        self.events.push_back(UaEvent::PublicationFailed { publication: handle, status, reason });
    }

    /// The answer to one of our PUBLISH requests.
    pub(crate) fn on_publish_final(
        &mut self,
        handle: PubHandle,
        response: &Response,
        now: Instant,
    ) {
        let status = response.status.0;
        let Some(p) = self.pubs.get_mut(&handle) else { return };
        p.in_flight = false;
        match status {
            200..=299 => {
                if p.removal_sent {
                    self.pubs.remove(&handle);
                    self.events.push_back(UaEvent::Unpublished { publication: handle });
                    return;
                }
                let etag = response.headers.get(&HeaderName::SipEtag).map(str::to_owned);
                // §4.1: the entity-tag to use from now on; a 2xx without one leaves us
                // nothing to refresh with, so the next PUBLISH is an initial one.
                p.etag = etag;
                let expires = response
                    .headers
                    .seconds(&HeaderName::Expires)
                    .ok()
                    .flatten()
                    .unwrap_or(p.expires)
                    .max(1);
                let changed = p.changed || p.removing;
                p.due_at = Some(now + refresh_delay(expires));
                self.events.push_back(UaEvent::Published { publication: handle, expires });
                if changed {
                    self.send_publish(handle, true, now);
                }
            }
            412 if !p.removal_sent => {
                // §4.1.1 (and §6 step 4): the compositor does not know our entity any
                // more: publish the whole state again as a new one.
                p.etag = None;
                self.send_publish(handle, true, now);
            }
            423 if !p.removal_sent => match response.headers.seconds(&HeaderName::MinExpires) {
                Ok(Some(min)) if min > p.expires => {
                    p.expires = min;
                    self.send_publish(handle, true, now);
                }
                _ => self.publication_failed(handle, status, response.reason.clone(), now),
            },
            _ => self.publication_failed(handle, status, response.reason.clone(), now),
        }
    }

    pub(crate) fn publication_timers(&mut self, now: Instant) {
        let due: Vec<PubHandle> = self
            .pubs
            .iter()
            .filter(|(_, p)| !p.in_flight && p.due_at.is_some_and(|t| t <= now))
            .map(|(h, _)| *h)
            .collect();
        for handle in due {
            self.send_publish(handle, false, now);
        }
    }
}
