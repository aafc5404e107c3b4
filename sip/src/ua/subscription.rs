//! SIP-specific event notification (RFC 6665), both roles: SUBSCRIBE with refresh and
//! removal, NOTIFY handling (including a NOTIFY that overtakes the 2xx, §4.1.2.4); and as
//! notifier, accepting subscriptions for configured packages, NOTIFY on every change and
//! refresh, expiry with `reason=timeout`. Event packages (dialog, presence) sit on top.

use std::time::{Duration, Instant};

use super::agent::{Purpose, UaError, UserAgent};
use super::dialog::Dialog;
use super::events::{SubHandle, UaEvent};
use crate::message::{Event, HeaderName, Method, NameAddr, Request, Response};
use crate::target::Target;
use crate::transaction::TxId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Subscriber,
    Notifier,
}

#[derive(Debug)]
pub(crate) struct Subscription {
    role: Role,
    event: Event,
    call_id: String,
    local_tag: String,
    dialog: Option<Dialog>,
    target: Target,
    /// Subscriber: the SUBSCRIBE we sent; notifier: the one we are answering.
    request: Request,
    /// Notifier: the SUBSCRIBE transaction waiting for accept or reject.
    pending_tx: Option<TxId>,
    expires: u32,
    /// Subscriber: when to refresh. Notifier: when the subscription lapses.
    due_at: Option<Instant>,
    accept: String,
    last_body: Option<(String, Vec<u8>)>,
    ended: bool,
}

impl Subscription {
    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.due_at
    }
}

fn refresh_delay(expires: u32) -> Duration {
    Duration::from_secs(u64::from(expires) - u64::from((expires / 2).min(30)))
}

impl UserAgent {
    // ---- subscriber --------------------------------------------------------------

    /// Subscribes to `package` at `to` for `expires` seconds (refreshed until
    /// `unsubscribe`), accepting bodies of type `accept`.
    pub fn subscribe(
        &mut self,
        to: &NameAddr,
        package: &str,
        accept: &str,
        expires: u32,
        now: Instant,
    ) -> Result<SubHandle, UaError> {
        let target = self.route_for(&to.uri)?;
        let sub = SubHandle(self.handle());
        let call_id = self.ids.call_id(&self.cfg.local.ip().to_string());
        let tag = self.ids.tag();
        let mut r = self.new_request(Method::Subscribe, to, &call_id, &tag, 1, &target);
        r.headers.push(HeaderName::Event, package);
        r.headers.push(HeaderName::Accept, accept);
        r.headers.push(HeaderName::Expires, expires.to_string());
        self.start(Purpose::Subscribe(sub), r.clone(), target, now)
            .ok_or_else(|| UaError::NoRoute(to.uri.to_string()))?;
        self.subs.insert(
            sub,
            Subscription {
                role: Role::Subscriber,
                event: Event::new(package),
                call_id,
                local_tag: tag,
                dialog: None,
                target,
                request: r,
                pending_tx: None,
                expires,
                due_at: None,
                accept: accept.to_owned(),
                last_body: None,
                ended: false,
            },
        );
        Ok(sub)
    }

    /// Ends a subscription: SUBSCRIBE with `Expires: 0` (subscriber) or a final NOTIFY
    /// with `Subscription-State: terminated` (notifier).
    pub fn unsubscribe(&mut self, sub: SubHandle, now: Instant) -> Result<(), UaError> {
        let s = self.subs.get(&sub).ok_or(UaError::NoSubscription)?;
        match s.role {
            Role::Subscriber => self.send_subscribe(sub, 0, now),
            Role::Notifier => self.send_notify(sub, "terminated;reason=noresource", now),
        }
        Ok(())
    }

    /// A request in the subscription's dialog, with our Contact and its Event header.
    fn sub_request(&mut self, sub: SubHandle, method: Method) -> Option<(Request, Target)> {
        let transport = self.subs.get(&sub)?.target.transport;
        let via = self.new_via(transport);
        let contact = self.contact(transport);
        let s = self.subs.get_mut(&sub)?;
        let (mut r, hop) = s.dialog.as_mut()?.request(method, &via, None);
        r.headers.push(HeaderName::Contact, contact);
        r.headers.push(HeaderName::Event, s.event.to_string());
        Some((r, hop.unwrap_or(s.target)))
    }

    fn send_subscribe(&mut self, sub: SubHandle, expires: u32, now: Instant) {
        let Some((mut r, hop)) = self.sub_request(sub, Method::Subscribe) else { return };
        let Some(s) = self.subs.get_mut(&sub) else { return };
        r.headers.push(HeaderName::Accept, s.accept.clone());
        r.headers.push(HeaderName::Expires, expires.to_string());
        s.expires = expires;
        s.due_at = None;
        self.start(Purpose::Subscribe(sub), r, hop, now);
    }

    pub(crate) fn on_subscribe_final(
        &mut self,
        sub: SubHandle,
        request: &Request,
        r: &Response,
        now: Instant,
    ) {
        let Some(s) = self.subs.get_mut(&sub) else { return };
        let status = r.status.0;
        if !(200..300).contains(&status) {
            if status == 481
                || s.dialog.is_none()
                || request.headers.expires().ok().flatten() != Some(0)
            {
                s.ended = true;
                self.subs.remove(&sub);
                self.events.push_back(UaEvent::SubscriptionEnded {
                    sub,
                    reason: format!("{status} {}", r.reason),
                });
            }
            return;
        }
        if s.dialog.is_none() {
            s.dialog = Dialog::from_uac(request, r, s.target.transport);
        }
        let asked = request.headers.expires().ok().flatten().unwrap_or(s.expires);
        if asked == 0 {
            // Removal accepted; the final NOTIFY ends it.
            return;
        }
        let granted = r.headers.expires().ok().flatten().unwrap_or(asked).min(asked);
        s.expires = granted;
        s.due_at = Some(now + refresh_delay(granted.max(2)));
        self.events.push_back(UaEvent::SubscriptionActive { sub, expires: granted });
    }

    /// A NOTIFY for one of our subscriptions (§4.1.3). Returns false if none matches.
    fn on_notify(&mut self, tx: TxId, request: Request, now: Instant) -> bool {
        let (Ok(call_id), Ok(to)) = (request.headers.call_id(), request.headers.to()) else {
            return false;
        };
        let local_tag = to.tag().unwrap_or("");
        let event = request.headers.event().ok().flatten().cloned();
        let found = self.subs.iter().find_map(|(h, s)| {
            let same_event = event.as_ref().is_some_and(|e| e.matches(&s.event));
            (s.role == Role::Subscriber
                && s.call_id == call_id
                && s.local_tag == local_tag
                && same_event)
                .then_some(*h)
        });
        let Some(sub) = found else { return false };
        let state = request.headers.subscription_state().ok().flatten().cloned();
        let Some(state) = state else {
            let r = self.response(&request, 400).with_reason("Missing Subscription-State");
            self.send_response(tx, r, now);
            return true;
        };
        if let Some(s) = self.subs.get_mut(&sub)
            && s.dialog.is_none()
        {
            // The NOTIFY overtook the 2xx: it creates the dialog (§4.1.2.4).
            let mut d = Dialog::from_uas(&request, local_tag, 1, s.target.transport);
            if let Some(d) = d.as_mut() {
                d.local = s.request.headers.from().ok().cloned().unwrap_or_else(|| d.local.clone());
                d.local_seq = 1;
            }
            s.dialog = d;
        } else if let Some(d) = self.subs.get_mut(&sub).and_then(|s| s.dialog.as_mut()) {
            let seq = request.headers.cseq().map(|c| c.seq).unwrap_or(0);
            if !d.accept_remote_cseq(seq) {
                let r = self.response(&request, 500);
                self.send_response(tx, r, now);
                return true;
            }
            if let Ok(contacts) = request.headers.contacts() {
                d.refresh_target(&contacts);
            }
        }
        let r = self.response(&request, 200);
        self.send_response(tx, r, now);
        let content_type =
            request.headers.content_type().ok().flatten().map(|c| format!("{}/{}", c.main, c.sub));
        let terminated = state.is_terminated();
        self.events.push_back(UaEvent::Notified {
            sub,
            state: state.to_string(),
            content_type,
            body: request.body,
        });
        if terminated {
            self.subs.remove(&sub);
            self.events.push_back(UaEvent::SubscriptionEnded {
                sub,
                reason: state.reason().unwrap_or("terminated").to_owned(),
            });
        }
        true
    }

    // ---- notifier ----------------------------------------------------------------

    /// A new SUBSCRIBE (§4.2.1): 489 for packages we do not serve, otherwise the user
    /// decides with `accept_subscription` or `reject_subscription`.
    pub(crate) fn on_subscribe(
        &mut self,
        tx: TxId,
        request: Request,
        source: Target,
        now: Instant,
    ) {
        let event = request.headers.event().ok().flatten().cloned();
        let Some(event) = event
            .filter(|e| self.cfg.event_packages.iter().any(|p| p.eq_ignore_ascii_case(&e.package)))
        else {
            let mut r = self.response(&request, 489);
            r.headers.push(HeaderName::AllowEvents, self.cfg.event_packages.join(", "));
            self.send_response(tx, r, now);
            return;
        };
        let sub = SubHandle(self.handle());
        let tag = self.ids.tag();
        let expires = request.headers.expires().ok().flatten().unwrap_or(3600);
        let dialog = Dialog::from_uas(&request, &tag, 1, source.transport);
        let from = request.headers.from().ok().cloned();
        self.subs.insert(
            sub,
            Subscription {
                role: Role::Notifier,
                event: event.clone(),
                call_id: request.headers.call_id().unwrap_or("").to_owned(),
                local_tag: tag,
                dialog,
                target: source,
                request: request.clone(),
                pending_tx: Some(tx),
                expires,
                due_at: None,
                accept: String::new(),
                last_body: None,
                ended: false,
            },
        );
        if let Some(from) = from {
            self.events.push_back(UaEvent::SubscriptionRequested {
                sub,
                package: event.package,
                from,
                request: Box::new(request),
            });
        }
    }

    /// Accepts a pending SUBSCRIBE for at most `max_expires` seconds and sends the first
    /// NOTIFY with the current state (§4.2.1.2).
    pub fn accept_subscription(
        &mut self,
        sub: SubHandle,
        max_expires: u32,
        content_type: &str,
        body: Vec<u8>,
        now: Instant,
    ) -> Result<(), UaError> {
        let s = self.subs.get_mut(&sub).ok_or(UaError::NoSubscription)?;
        let tx = s.pending_tx.take().ok_or(UaError::BadState)?;
        let granted = s.expires.min(max_expires);
        s.expires = granted;
        s.due_at = Some(now + Duration::from_secs(u64::from(granted)));
        s.last_body = Some((content_type.to_owned(), body));
        let (request, tag, transport) =
            (s.request.clone(), s.local_tag.clone(), s.target.transport);
        let mut r = Response::to_request(&request, 200, Some(&tag));
        r.headers.push(HeaderName::Expires, granted.to_string());
        r.headers.push(HeaderName::Contact, self.contact(transport));
        self.send_response(tx, r, now);
        let state = if granted == 0 {
            "terminated;reason=timeout".to_owned()
        } else {
            format!("active;expires={granted}")
        };
        self.send_notify(sub, &state, now);
        Ok(())
    }

    pub fn reject_subscription(
        &mut self,
        sub: SubHandle,
        status: u16,
        now: Instant,
    ) -> Result<(), UaError> {
        let s = self.subs.remove(&sub).ok_or(UaError::NoSubscription)?;
        let tx = s.pending_tx.ok_or(UaError::BadState)?;
        let r = Response::to_request(&s.request, status, Some(&s.local_tag));
        self.send_response(tx, r, now);
        Ok(())
    }

    /// Sends a NOTIFY with a new state body (§4.2.2).
    pub fn notify(
        &mut self,
        sub: SubHandle,
        content_type: &str,
        body: Vec<u8>,
        now: Instant,
    ) -> Result<(), UaError> {
        let s = self.subs.get_mut(&sub).ok_or(UaError::NoSubscription)?;
        if s.role != Role::Notifier || s.pending_tx.is_some() {
            return Err(UaError::BadState);
        }
        s.last_body = Some((content_type.to_owned(), body));
        let remaining = s.due_at.map_or(0, |d| d.saturating_duration_since(now).as_secs());
        self.send_notify(sub, &format!("active;expires={remaining}"), now);
        Ok(())
    }

    fn send_notify(&mut self, sub: SubHandle, state: &str, now: Instant) {
        let Some((mut r, hop)) = self.sub_request(sub, Method::Notify) else { return };
        let Some(s) = self.subs.get_mut(&sub) else { return };
        r.headers.push(HeaderName::SubscriptionState, state);
        if let Some((ct, body)) = &s.last_body {
            r.headers.push(HeaderName::ContentType, ct.clone());
            r.body = body.clone();
        }
        if state.starts_with("terminated") {
            s.ended = true;
            s.due_at = None;
        }
        self.start(Purpose::Notify(sub), r, hop, now);
    }

    pub(crate) fn on_notify_final(&mut self, sub: SubHandle, r: &Response) {
        let status = r.status.0;
        let ended = self.subs.get(&sub).is_some_and(|s| s.ended);
        // §4.2.2: 481 and other failures (except 408 retries we do not make) end it.
        if ended || (status >= 300 && status != 408) || status == 481 {
            if self.subs.remove(&sub).is_some() && !ended {
                self.events.push_back(UaEvent::SubscriptionEnded {
                    sub,
                    reason: format!("{status} {}", r.reason),
                });
            } else if ended {
                self.events
                    .push_back(UaEvent::SubscriptionEnded { sub, reason: "terminated".into() });
            }
        }
    }

    /// An in-dialog SUBSCRIBE or NOTIFY for a subscription; false if none matches.
    pub(crate) fn on_subscription_request(
        &mut self,
        tx: TxId,
        request: Request,
        now: Instant,
    ) -> Option<Request> {
        if request.method == Method::Notify {
            return if self.on_notify(tx, request.clone(), now) { None } else { Some(request) };
        }
        let id = Dialog::id_of_request(&request)?;
        let found = self
            .subs
            .iter()
            .find_map(|(h, s)| s.dialog.as_ref().is_some_and(|d| d.id == id).then_some(*h));
        let Some(sub) = found else { return Some(request) };
        let expires = request.headers.expires().ok().flatten().unwrap_or(3600);
        let s = self.subs.get_mut(&sub)?;
        let seq = request.headers.cseq().map(|c| c.seq).unwrap_or(0);
        if !s.dialog.as_mut().is_some_and(|d| d.accept_remote_cseq(seq)) {
            let r = self.response(&request, 500);
            self.send_response(tx, r, now);
            return None;
        }
        let granted = expires.min(s.expires.max(expires.min(3600)));
        s.expires = granted;
        s.due_at = Some(now + Duration::from_secs(u64::from(granted)));
        let mut r = self.response(&request, 200);
        r.headers.push(HeaderName::Expires, granted.to_string());
        self.send_response(tx, r, now);
        // §4.2.1.2: every accepted SUBSCRIBE is followed by a NOTIFY.
        let state = if granted == 0 {
            "terminated;reason=timeout".to_owned()
        } else {
            format!("active;expires={granted}")
        };
        self.send_notify(sub, &state, now);
        None
    }

    pub(crate) fn subscription_timers(&mut self, now: Instant) {
        let due: Vec<(SubHandle, Role, u32)> = self
            .subs
            .iter_mut()
            .filter(|(_, s)| s.due_at.is_some_and(|t| t <= now))
            .map(|(h, s)| {
                s.due_at = None;
                (*h, s.role, s.expires)
            })
            .collect();
        for (sub, role, expires) in due {
            match role {
                Role::Subscriber => self.send_subscribe(sub, expires, now),
                Role::Notifier => self.send_notify(sub, "terminated;reason=timeout", now),
            }
        }
    }
}
