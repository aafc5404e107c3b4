//! Requests that reach an INVITE session: a new INVITE (with 100 Trying, Replaces/Join
//! and session-interval checks), the ACK to our 2xx, CANCEL (§9.2), and in-dialog
//! requests (BYE, re-INVITE/UPDATE with 491/500 rules, PRACK, REFER, NOTIFY, INFO, MESSAGE).

use std::time::Instant;

use super::agent::UserAgent;
use super::call::{Call, CallState, sdp_body};
use super::dialog::{Dialog, DialogState};
use super::events::{CallHandle, EndReason, UaEvent};
use crate::message::{HeaderName, Method, Request, Response};
use crate::target::Target;
use crate::transaction::TxId;

impl UserAgent {
    pub(crate) fn on_invite(&mut self, tx: TxId, request: Request, source: Target, now: Instant) {
        if !self.session_interval_acceptable(tx, &request, now) {
            return;
        }
        let Some(dialog_target) = self.dialog_target(tx, &request, now) else { return };
        let handle = CallHandle(self.handle());
        let tag = self.ids.tag();
        let trying = Response::to_request(&request, 100, None);
        self.send_response(tx, trying, now);
        let offer = sdp_body(&request.body, request.headers.content_type().ok().flatten());
        let mut new_call = Call::new(CallState::Incoming, request.clone(), Some(tx), source, tag);
        new_call.remote_sdp = offer.clone().unwrap_or_default();
        self.calls.insert(handle, new_call);
        let (replaces, joins) = match dialog_target {
            super::refer::Target::Replaces(c) => (Some(c), None),
            super::refer::Target::Joins(c) => (None, Some(c)),
            super::refer::Target::None => (None, None),
        };
        self.events.push_back(UaEvent::IncomingCall {
            call: handle,
            request: Box::new(request),
            offer,
            replaces,
            joins,
        });
    }

    fn call_of_request(&self, r: &Request) -> Option<CallHandle> {
        let id = Dialog::id_of_request(r)?;
        self.calls.iter().find_map(|(h, c)| {
            let d = c.dialog.as_ref()?;
            (d.id == id).then_some(*h)
        })
    }

    pub(crate) fn on_ack(&mut self, ack: &Request, now: Instant) {
        let _ = now;
        let Some(call) = self.call_of_request(ack) else {
            return;
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let acked_seq = ack.headers.cseq().map(|s| s.seq).ok();
        let ok_seq = c.ok.as_ref().and_then(|o| o.response.headers.cseq().ok().map(|s| s.seq));
        if c.ok.is_none() || acked_seq != ok_seq {
            return;
        }
        c.ok = None;
        if c.state == CallState::Answered {
            c.state = CallState::Established;
            if let Some(d) = c.dialog.as_mut() {
                d.state = DialogState::Confirmed;
            }
            let sdp = sdp_body(&ack.body, ack.headers.content_type().ok().flatten());
            self.events.push_back(UaEvent::Established { call, sdp });
        }
    }

    pub(crate) fn on_cancel(
        &mut self,
        tx: TxId,
        cancel: &Request,
        cancels: Option<TxId>,
        now: Instant,
    ) {
        let call = cancels.and_then(|inv| {
            self.calls.iter().find_map(|(h, c)| (c.invite_tx == Some(inv)).then_some(*h))
        });
        let Some(call) = call else {
            let r = self.response(cancel, 481);
            self.send_response(tx, r, now);
            return;
        };
        let r = self.response(cancel, 200);
        self.send_response(tx, r, now);
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if c.state == CallState::Incoming
            && let Some(inv_tx) = c.invite_tx
        {
            let (invite, tag) = (c.invite.clone(), c.local_tag.clone());
            let r = self.response_with_tag(&invite, 487, &tag);
            self.send_response(inv_tx, r, now);
            self.end_call(call, EndReason::Cancelled, now);
        }
    }

    pub(crate) fn on_in_dialog_request(
        &mut self,
        tx: TxId,
        request: Request,
        source: Target,
        now: Instant,
    ) {
        let _ = source;
        let Some(call) = self.call_of_request(&request) else {
            let r = self.response(&request, 481);
            self.send_response(tx, r, now);
            return;
        };
        let seq = request.headers.cseq().map(|c| c.seq).unwrap_or(0);
        let in_order = self
            .calls
            .get_mut(&call)
            .and_then(|c| c.dialog.as_mut())
            .is_some_and(|d| d.accept_remote_cseq(seq));
        if !in_order {
            let r = self.response(&request, 500).with_reason("Out Of Order CSeq");
            self.send_response(tx, r, now);
            return;
        }
        match request.method {
            Method::Bye => {
                let r = self.response(&request, 200);
                self.send_response(tx, r, now);
                // A BYE before the ACK ends the call too; any pending update is answered.
                if let Some((utx, ureq)) =
                    self.calls.get_mut(&call).and_then(|c| c.update_in.take())
                {
                    let r = self.response(&ureq, 487);
                    self.send_response(utx, r, now);
                }
                self.end_call(call, EndReason::Remote, now);
            }
            Method::Invite | Method::Update => {
                let (busy_out, busy_in) = self
                    .calls
                    .get(&call)
                    .map(|c| (c.update_in_flight, c.update_in.is_some()))
                    .unwrap_or((false, false));
                if busy_out {
                    let r = self.response(&request, 491);
                    self.send_response(tx, r, now);
                    return;
                }
                if busy_in {
                    // §14.2: an offer is already being answered.
                    let mut r = self.response(&request, 500);
                    r.headers.push(HeaderName::RetryAfter, "1");
                    self.send_response(tx, r, now);
                    return;
                }
                if let Ok(contacts) = request.headers.contacts()
                    && let Some(d) = self.calls.get_mut(&call).and_then(|c| c.dialog.as_mut())
                {
                    d.refresh_target(&contacts);
                }
                let offer = sdp_body(&request.body, request.headers.content_type().ok().flatten());
                let refresh = self.calls.get(&call).and_then(|c| {
                    // A session refresh (RFC 4028 §10) repeats the last offer unchanged,
                    // or is an UPDATE with no body: answer it ourselves.
                    let unchanged = offer.as_ref().is_none_or(|o| same_sdp(o, &c.remote_sdp));
                    unchanged.then(|| c.local_sdp.clone())
                });
                if let Some(c) = self.calls.get_mut(&call) {
                    c.update_in = Some((tx, request));
                }
                match refresh {
                    Some(sdp) => {
                        let _ = self.answer_update(call, Ok(sdp), now);
                    }
                    None => self.events.push_back(UaEvent::UpdateRequested { call, offer }),
                }
            }
            Method::Prack => self.on_prack(tx, request, call, now),
            Method::Refer => self.on_refer(tx, request, call, now),
            Method::Notify => self.on_refer_notify(tx, request, call, now),
            Method::Info => {
                let is_dtmf = request
                    .headers
                    .content_type()
                    .ok()
                    .flatten()
                    .is_some_and(|c| c.is("application", "dtmf-relay"));
                let r = self
                    .response(&request, if is_dtmf || request.body.is_empty() { 200 } else { 415 });
                self.send_response(tx, r, now);
                if is_dtmf && let Some((digit, duration_ms)) = parse_dtmf_relay(&request.body) {
                    self.events.push_back(UaEvent::InfoDtmf { call, digit, duration_ms });
                }
            }
            Method::Message => self.on_message(tx, request, Some(call), now),
            _ => {
                let r = self.response(&request, 200);
                self.send_response(tx, r, now);
            }
        }
    }
}

/// Whether an offer repeats the previous description unchanged (same `o=` version and
/// body, RFC 3264 §8): what a session refresh sends.
fn same_sdp(a: &[u8], b: &[u8]) -> bool {
    !a.is_empty() && a.trim_ascii() == b.trim_ascii()
}

/// `Signal=5\r\nDuration=160` (the common `application/dtmf-relay` body).
fn parse_dtmf_relay(body: &[u8]) -> Option<(char, u32)> {
    let text = std::str::from_utf8(body).ok()?;
    let mut digit = None;
    let mut duration = 250;
    for line in text.lines() {
        let (k, v) = line.split_once('=')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "signal" => {
                digit = v
                    .trim()
                    .chars()
                    .next()
                    .filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D'))
            }
            "duration" => duration = v.trim().parse().unwrap_or(250),
            _ => {}
        }
    }
    Some((digit?, duration))
}
