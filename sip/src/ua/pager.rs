//! Standalone requests: MESSAGE (RFC 3428) in and out, and OPTIONS out (RFC 3261 §11). A
//! MESSAGE outside a dialog is held for the application to answer (a chat offered to an
//! agent is accepted or declined by a person), answered 480 if it has not in 30 s.

use std::time::{Duration, Instant};

use super::agent::{Purpose, UaError, UserAgent};
use super::events::{CallHandle, ReqHandle, UaEvent};
use crate::message::{HeaderName, Method, NameAddr, Request};
use crate::target::{Target, TransportKind};
use crate::transaction::TxId;

impl UserAgent {
    /// Sends a MESSAGE (page mode, RFC 3428 §4) with `headers` besides the usual ones (a
    /// `From` among them replaces ours). A body over [`UDP_MAX_MESSAGE_BODY`] bytes where
    /// the next hop is reached over UDP goes over TCP to the same address instead (§8 and
    /// RFC 3261 §18.1.1: a congestion-controlled transport; a server listens on both).
    pub fn send_message(
        &mut self,
        to: &NameAddr,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(HeaderName, String)],
        now: Instant,
    ) -> Result<ReqHandle, UaError> {
        let mut target = self.route_for(&to.uri)?;
        if body.len() > UDP_MAX_MESSAGE_BODY && target.transport == TransportKind::Udp {
            target.transport = TransportKind::Tcp;
        }
        self.standalone(Method::Message, to, Some((content_type, body)), headers, target, now)
    }

    /// Sends OPTIONS to ask a peer's capabilities or check it is alive.
    pub fn options(&mut self, to: &NameAddr, now: Instant) -> Result<ReqHandle, UaError> {
        let target = self.route_for(&to.uri)?;
        self.standalone(Method::Options, to, None, &[], target, now)
    }

    fn standalone(
        &mut self,
        method: Method,
        to: &NameAddr,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(HeaderName, String)],
        target: Target,
        now: Instant,
    ) -> Result<ReqHandle, UaError> {
        let req = ReqHandle(self.handle());
        let call_id = self.ids.call_id(&self.cfg.local.ip().to_string());
        let tag = self.ids.tag();
        let mut r = self.new_request(method.clone(), to, &call_id, &tag, 1, &target);
        if method == Method::Options {
            r.headers.push(HeaderName::Accept, "application/sdp");
        }
        for (name, value) in headers {
            // A From given is taken whole, with our tag (a queue's address: the customer's
            // replies then come back by the queue's routing).
            if *name == HeaderName::From {
                let mut from = NameAddr::parse(value)
                    .map_err(|e| UaError::NoRoute(format!("From {value:?}: {e}")))?;
                from.params.set("tag", Some(&tag));
                r.headers.replace_first(&HeaderName::From, from.to_string());
            } else {
                r.headers.push(name.clone(), value);
            }
        }
        if let Some((ct, b)) = body {
            r.headers.push(HeaderName::ContentType, ct);
            r.body = b;
        }
        self.start(Purpose::Request(req), r, target, now)
            .ok_or_else(|| UaError::NoRoute(to.uri.to_string()))?;
        Ok(req)
    }

    pub(crate) fn on_message(
        &mut self,
        tx: TxId,
        request: Request,
        call: Option<CallHandle>,
        now: Instant,
    ) {
        let content_type =
            request.headers.content_type().ok().flatten().map(|c| format!("{}/{}", c.main, c.sub));
        let Some(content_type) = content_type else {
            let mut r = self.response(&request, 415);
            r.headers.push(HeaderName::Accept, "text/plain");
            self.send_response(tx, r, now);
            return;
        };
        let answer = match call {
            // In a call's dialog: taken at once.
            Some(_) => {
                let r = self.response(&request, 200);
                self.send_response(tx, r, now);
                None
            }
            None => Some(ReqHandle(self.handle())),
        };
        let Ok(from) = request.headers.from().cloned() else { return };
        let body = request.body.clone();
        let copy = Box::new(request.clone());
        if let Some(h) = answer {
            self.held_messages.insert(h, HeldMessage { tx, request, until: now + MESSAGE_HOLD });
        }
        self.events.push_back(UaEvent::MessageReceived {
            from,
            content_type,
            body,
            call,
            answer,
            request: copy,
        });
    }

    /// Answers a MESSAGE held for the application with `status` and `headers` (a 415
    /// lists what is understood in `Accept`, RFC 3428 §7; a 503 may say `Retry-After`).
    pub fn answer_message(
        &mut self,
        h: ReqHandle,
        status: u16,
        headers: &[(HeaderName, String)],
        now: Instant,
    ) -> Result<(), UaError> {
        let held = self.held_messages.remove(&h).ok_or(UaError::BadState)?;
        let mut r = self.response(&held.request, status);
        for (name, value) in headers {
            r.headers.push(name.clone(), value);
        }
        self.send_response(held.tx, r, now);
        Ok(())
    }

    /// MESSAGEs the application has not answered in time: 480, before the sender's
    /// transaction gives up (RFC 3261 Timer F, 32 s).
    pub(crate) fn held_message_timers(&mut self, now: Instant) {
        let due: Vec<ReqHandle> =
            self.held_messages.iter().filter(|(_, m)| m.until <= now).map(|(h, _)| *h).collect();
        for h in due {
            let _ = self.answer_message(h, 480, &[], now);
        }
    }
}

/// RFC 3428 §8: the largest MESSAGE body that may go over UDP.
pub const UDP_MAX_MESSAGE_BODY: usize = 1300;

/// How long a MESSAGE waits for the application's answer before the agent answers 480.
pub const MESSAGE_HOLD: Duration = Duration::from_secs(30);

/// A MESSAGE waiting for the application's answer.
#[derive(Debug)]
pub(crate) struct HeldMessage {
    tx: TxId,
    request: Request,
    pub(crate) until: Instant,
}
