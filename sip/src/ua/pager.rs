//! Standalone requests: MESSAGE (RFC 3428) in and out, and OPTIONS out (RFC 3261 §11).

use std::time::Instant;

use super::agent::{Purpose, UaError, UserAgent};
use super::events::{CallHandle, ReqHandle, UaEvent};
use crate::message::{HeaderName, Method, NameAddr, Request};
use crate::transaction::TxId;

impl UserAgent {
    /// Sends a MESSAGE (page mode, RFC 3428 §4), in the call's dialog if `call` is given.
    pub fn send_message(
        &mut self,
        to: &NameAddr,
        content_type: &str,
        body: Vec<u8>,
        now: Instant,
    ) -> Result<ReqHandle, UaError> {
        self.standalone(Method::Message, to, Some((content_type, body)), now)
    }

    /// Sends OPTIONS to ask a peer's capabilities or check it is alive.
    pub fn options(&mut self, to: &NameAddr, now: Instant) -> Result<ReqHandle, UaError> {
        self.standalone(Method::Options, to, None, now)
    }

    fn standalone(
        &mut self,
        method: Method,
        to: &NameAddr,
        body: Option<(&str, Vec<u8>)>,
        now: Instant,
    ) -> Result<ReqHandle, UaError> {
        let target = self.route_for(&to.uri)?;
        let req = ReqHandle(self.handle());
        let call_id = self.ids.call_id(&self.cfg.local.ip().to_string());
        let tag = self.ids.tag();
        let mut r = self.new_request(method.clone(), to, &call_id, &tag, 1, &target);
        if method == Method::Options {
            r.headers.push(HeaderName::Accept, "application/sdp");
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
        let r = self.response(&request, 200);
        self.send_response(tx, r, now);
        if let Ok(from) = request.headers.from() {
            let from = from.clone();
            self.events.push_back(UaEvent::MessageReceived {
                from,
                content_type,
                body: request.body,
                call,
            });
        }
    }
}
