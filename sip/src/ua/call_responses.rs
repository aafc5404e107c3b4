//! Responses to our INVITE, re-INVITE and UPDATE: provisionals (early dialogs, PRACK,
//! delayed CANCEL), 2xx (ACK, route set, session timer), retransmitted and forked 2xx,
//! failures (422 retry, 3xx redirect), and 491 glare back-off (§14.1).

use std::time::{Duration, Instant};

use super::agent::{Pending, Purpose, UserAgent};
use super::call::{CallState, sdp_body};
use super::dialog::{Dialog, DialogId};
use super::events::{CallHandle, EndReason, UaEvent};
use crate::message::{HeaderName, Method, Request, Response};
use crate::target::Target;

impl UserAgent {
    pub(crate) fn on_request_resent(&mut self, purpose: Purpose, request: &Request) {
        if let Purpose::Invite(call) = purpose
            && let Some(c) = self.calls.get_mut(&call)
        {
            c.invite = request.clone();
        }
    }

    pub(crate) fn on_invite_provisional(
        &mut self,
        call: CallHandle,
        r: &Response,
        target: Target,
        now: Instant,
    ) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.state == CallState::Outgoing {
            c.state = CallState::Ringing;
        }
        if c.dialog.is_none() && r.headers.to().is_ok_and(|t| t.tag().is_some()) {
            c.dialog = Dialog::from_uac(&c.invite, r, target.transport);
        }
        let cancel_now = std::mem::take(&mut c.cancel_pending);
        if cancel_now {
            self.send_cancel(call, now);
            return;
        }
        if !self.prack_if_reliable(call, r, now) {
            return;
        }
        if r.status.0 > 100 && !self.calls.get(&call).is_some_and(|c| c.ended_reported) {
            let sdp = sdp_body(&r.body, r.headers.content_type().ok().flatten());
            self.events.push_back(UaEvent::Progress {
                call,
                status: r.status.0,
                reason: r.reason.clone(),
                sdp,
            });
        }
    }

    pub(crate) fn on_invite_2xx(
        &mut self,
        call: CallHandle,
        r: &Response,
        target: Target,
        now: Instant,
    ) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let to_tag = r.headers.to().ok().and_then(|t| t.tag().map(str::to_owned));
        let same_dialog =
            c.dialog.as_ref().is_some_and(|d| Some(&d.id.remote_tag) == to_tag.as_ref());
        let seq = c.invite.headers.cseq().map(|s| s.seq).unwrap_or(1);
        if c.state == CallState::Established || c.state == CallState::Ended {
            if same_dialog {
                if let Some((hop, ack)) = c.ack.clone() {
                    // A retransmitted 2xx: the ACK was lost.
                    self.tx.send_stateless(hop, ack);
                }
            } else if let Some(extra) = Dialog::from_uac(&c.invite, r, target.transport) {
                // A 2xx from another fork (§13.2.2.4): acknowledge it, then hang it up.
                self.ack_and_bye_fork(extra, seq, target, now);
            }
            return;
        }
        match Dialog::from_uac(&c.invite, r, target.transport) {
            // §13.2.2.4: the 2xx recomputes the route set; requests already sent in the
            // early dialog (PRACK) keep their CSeq numbers.
            Some(mut d) => {
                if let Some(early) = c.dialog.as_ref().filter(|e| e.id == d.id) {
                    d.local_seq = d.local_seq.max(early.local_seq);
                }
                c.dialog = Some(d);
            }
            None => return,
        }
        let hung_up = c.ended_reported;
        self.send_ack(call, seq, now);
        if hung_up {
            // The 2xx crossed our CANCEL: acknowledge, then hang up (§9.1, §15).
            self.send_bye_now(call, now);
            self.end_call(call, EndReason::Local, now);
            return;
        }
        let sdp = sdp_body(&r.body, r.headers.content_type().ok().flatten());
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Established;
            c.remote_sdp = sdp.clone().unwrap_or_default();
        }
        self.session_timer_from_2xx(call, r, now);
        self.events.push_back(UaEvent::Established { call, sdp });
    }

    pub(crate) fn on_stray_2xx(&mut self, r: &Response, now: Instant) {
        let (Ok(call_id), Ok(from), Ok(to)) =
            (r.headers.call_id(), r.headers.from(), r.headers.to())
        else {
            return;
        };
        let id = DialogId {
            call_id: call_id.to_owned(),
            local_tag: from.tag().unwrap_or("").to_owned(),
            remote_tag: to.tag().unwrap_or("").to_owned(),
        };
        let found = self
            .calls
            .iter()
            .find_map(|(h, c)| c.dialog.as_ref().filter(|d| d.id == id).map(|_| *h));
        if let Some(call) = found
            && let Some((hop, ack)) = self.calls.get(&call).and_then(|c| c.ack.clone())
        {
            self.tx.send_stateless(hop, ack);
        }
        let _ = now;
    }

    pub(crate) fn on_invite_failure(
        &mut self,
        call: CallHandle,
        p: &Pending,
        r: &Response,
        now: Instant,
    ) {
        let status = r.status.0;
        if status == 422 && self.retry_after_422(call, p, r, now) {
            return;
        }
        let redirect = (300..400)
            .contains(&status)
            .then(|| r.headers.contacts().ok())
            .flatten()
            .and_then(|c| c.first().map(|a| (*a).clone()));
        if let (Some(contact), Some(c)) = (redirect, self.calls.get_mut(&call))
            && c.redirects < 3
            && !c.ended_reported
        {
            // §8.1.3.4: try the first Contact of the redirect.
            c.redirects += 1;
            let mut invite = p.request.clone();
            invite.uri = contact.uri.clone();
            let seq = invite.headers.cseq().map(|s| s.seq).unwrap_or(1);
            invite.headers.set(HeaderName::CSeq, format!("{} INVITE", seq + 1));
            invite.headers.remove(&HeaderName::Route);
            if let Some(target) =
                crate::ua::resolve::target_for(&contact.uri, self.cfg.default_transport)
            {
                let via = self.new_via(target.transport);
                invite.headers.replace_first(&HeaderName::Via, via.to_string());
                if let Some(c) = self.calls.get_mut(&call) {
                    c.invite = invite.clone();
                    c.target = target;
                    c.state = CallState::Outgoing;
                    c.dialog = None;
                }
                let tx = self.start(Purpose::Invite(call), invite, target, now);
                if let Some(c) = self.calls.get_mut(&call) {
                    c.invite_tx = tx;
                }
                return;
            }
        }
        let reason = match status {
            408 if r.reason.contains("no response") => EndReason::Timeout,
            487 => EndReason::Local,
            _ => EndReason::Rejected { status, reason: r.reason.clone() },
        };
        self.end_call(call, reason, now);
    }

    pub(crate) fn on_reinvite_final(&mut self, call: CallHandle, r: &Response, now: Instant) {
        let status = r.status.0;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.state == CallState::Ended {
            return;
        }
        c.update_in_flight = false;
        if status == 491 {
            // §14.1: the owner of the Call-ID waits 2.1–4 s, the other side 0–2 s.
            let owner = c.is_uac();
            let wait = if owner { self.ids.millis(2100, 4000) } else { self.ids.millis(0, 2000) };
            if let Some(c) = self.calls.get_mut(&call) {
                c.glare_retry_at = Some(now + Duration::from_millis(wait));
            }
            return;
        }
        let refreshing = std::mem::take(&mut c.refreshing);
        c.offer_method = Method::Invite;
        let offer = c.update_out.take().flatten();
        if (200..300).contains(&status) {
            let seq = r.headers.cseq().map(|s| s.seq).unwrap_or(0);
            if let Some(c) = self.calls.get_mut(&call) {
                if let Some(o) = offer.filter(|o| !o.is_empty()) {
                    c.local_sdp = o;
                }
                if !r.body.is_empty() {
                    c.remote_sdp = r.body.clone();
                }
            }
            self.session_refreshed(call, &r.headers, true, now);
            if let Ok(contacts) = r.headers.contacts()
                && let Some(d) = self.calls.get_mut(&call).and_then(|c| c.dialog.as_mut())
            {
                d.refresh_target(&contacts);
            }
            // Only an INVITE is acknowledged; an UPDATE's 2xx ends its transaction.
            if r.headers.cseq().is_ok_and(|c| c.method == Method::Invite) {
                self.send_ack(call, seq, now);
            }
        }
        if matches!(status, 481 | 408) {
            self.send_bye_now(call, now);
            self.end_call(
                call,
                EndReason::Failed(format!("re-INVITE failed: {status} {}", r.reason)),
                now,
            );
            return;
        }
        if refreshing {
            return;
        }
        let sdp = sdp_body(&r.body, r.headers.content_type().ok().flatten());
        self.events.push_back(UaEvent::UpdateResult { call, status, sdp });
    }

    /// Ends a dialog that a forked INVITE created beyond the one we kept.
    fn ack_and_bye_fork(
        &mut self,
        mut dialog: Dialog,
        invite_seq: u32,
        target: Target,
        now: Instant,
    ) {
        let via = self.new_via(target.transport);
        let (ack, hop) = dialog.request(Method::Ack, &via, Some(invite_seq));
        self.tx.send_stateless(hop.unwrap_or(target), ack.to_bytes());
        let via = self.new_via(target.transport);
        let (bye, hop) = dialog.request(Method::Bye, &via, None);
        let _ = self.tx.send_request(bye, hop.unwrap_or(target), now);
    }
}
