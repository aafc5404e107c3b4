//! INVITE sessions (RFC 3261 §13–§15): calling and being called, provisional and final
//! responses, the 2xx/ACK exchange with retransmission (§13.3.1.4), CANCEL (§9), BYE,
//! re-INVITE and UPDATE with 491 glare back-off (§14.1, RFC 3311), redirects (§8.1.3.4).

use std::time::{Duration, Instant};

use super::agent::{Pending, Purpose, UaError, UserAgent};
use super::dialog::{Dialog, DialogId, DialogState};
use super::events::{CallHandle, EndReason, UaEvent};
use crate::message::{HeaderName, Method, NameAddr, Request, Response};
use crate::target::Target;
use crate::transaction::TxId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallState {
    /// Our INVITE is out, nothing back yet.
    Outgoing,
    /// Our INVITE got a provisional response.
    Ringing,
    /// An INVITE arrived; not answered yet.
    Incoming,
    /// We sent 2xx and wait for the ACK.
    Answered,
    Established,
    Ended,
}

/// A 2xx we retransmit until the ACK arrives (§13.3.1.4).
#[derive(Debug)]
pub(crate) struct OkRetransmit {
    response: Response,
    tx: TxId,
    next_at: Instant,
    interval: Duration,
    deadline: Instant,
}

#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) state: CallState,
    pub(crate) invite: Request,
    pub(crate) invite_tx: Option<TxId>,
    pub(crate) target: Target,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) local_tag: String,
    ack: Option<(Target, Vec<u8>)>,
    ok: Option<OkRetransmit>,
    /// We hung up before any provisional: CANCEL when one arrives (§9.1).
    cancel_pending: bool,
    /// We hung up (or cancelled) and told the user already.
    ended_reported: bool,
    redirects: u8,
    /// An incoming re-INVITE or UPDATE waiting for `answer_update`.
    pub(crate) update_in: Option<(TxId, Request)>,
    /// Our re-INVITE's offer, while in flight or waiting to be resent after a 491.
    pub(crate) update_out: Option<Option<Vec<u8>>>,
    /// Our re-INVITE transaction is in flight (not waiting out a glare back-off).
    update_in_flight: bool,
    glare_retry_at: Option<Instant>,
    gc_at: Option<Instant>,
    /// Our last RSeq (UAS, RFC 3262), 0 before the first reliable provisional.
    pub(crate) rseq: u32,
    /// Our reliable provisional waiting for a PRACK.
    pub(crate) unacked: Option<super::prack::Unacked>,
    /// The last RSeq we acknowledged (UAC).
    pub(crate) last_rseq: Option<u32>,
    /// The session timer, if one was agreed (RFC 4028).
    pub(crate) session: Option<super::session_timer::SessionTimer>,
    /// Our current SDP (sent in refreshes) and the peer's, to spot refresh offers.
    pub(crate) local_sdp: Vec<u8>,
    pub(crate) remote_sdp: Vec<u8>,
    /// Our re-INVITE in flight is a session refresh, not the user's.
    pub(crate) refreshing: bool,
    /// The method of our next offer in the dialog: INVITE or UPDATE.
    pub(crate) offer_method: Method,
    /// We owe the peer NOTIFYs about its REFER (RFC 3515).
    pub(crate) refer_in: bool,
    /// Our REFER is under way.
    pub(crate) refer_out: bool,
}

impl Call {
    fn new(
        state: CallState,
        invite: Request,
        invite_tx: Option<TxId>,
        target: Target,
        local_tag: String,
    ) -> Call {
        Call {
            state,
            invite,
            invite_tx,
            target,
            dialog: None,
            local_tag,
            ack: None,
            ok: None,
            cancel_pending: false,
            ended_reported: false,
            redirects: 0,
            update_in: None,
            update_out: None,
            update_in_flight: false,
            glare_retry_at: None,
            gc_at: None,
            rseq: 0,
            unacked: None,
            last_rseq: None,
            session: None,
            local_sdp: Vec::new(),
            remote_sdp: Vec::new(),
            refreshing: false,
            offer_method: Method::Invite,
            refer_in: false,
            refer_out: false,
        }
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        let ok = self.ok.as_ref().map(|o| o.next_at.min(o.deadline));
        let rel = self.unacked.as_ref().map(super::prack::Unacked::next_timeout);
        let st = self.session.as_ref().map(super::session_timer::SessionTimer::next_timeout);
        [ok, rel, st, self.glare_retry_at, self.gc_at].into_iter().flatten().min()
    }

    /// Established or ended: nothing about the INVITE itself is outstanding.
    pub(crate) fn is_settled(&self) -> bool {
        matches!(self.state, CallState::Established | CallState::Ended)
    }

    fn is_uac(&self) -> bool {
        self.dialog.as_ref().map_or(
            self.invite.headers.from().ok().and_then(|f| f.tag().map(str::to_owned))
                == Some(self.local_tag.clone()),
            |d| {
                self.invite.headers.from().ok().and_then(|f| f.tag())
                    == Some(d.id.local_tag.as_str())
            },
        )
    }
}

fn sdp_body(m_body: &[u8], content_type: Option<&crate::message::MediaType>) -> Option<Vec<u8>> {
    (!m_body.is_empty() && content_type.is_none_or(|c| c.is("application", "sdp")))
        .then(|| m_body.to_vec())
}

impl UserAgent {
    // ---- commands ----------------------------------------------------------------

    /// Calls `to` with an SDP offer.
    pub fn call(
        &mut self,
        to: &NameAddr,
        offer: Vec<u8>,
        extra: Vec<(HeaderName, String)>,
        now: Instant,
    ) -> Result<CallHandle, UaError> {
        let target = self.route_for(&to.uri)?;
        let handle = CallHandle(self.handle());
        let call_id = self.ids.call_id(&self.cfg.local.ip().to_string());
        let tag = self.ids.tag();
        let mut invite = self.new_request(Method::Invite, to, &call_id, &tag, 1, &target);
        invite.headers.push(HeaderName::Allow, super::validate::ALLOW);
        if self.cfg.use_100rel {
            invite.headers.push(HeaderName::Supported, "100rel");
        }
        self.session_timer_request_headers(&mut invite);
        for (n, v) in extra {
            invite.headers.push(n, v);
        }
        if !offer.is_empty() {
            invite.headers.push(HeaderName::ContentType, "application/sdp");
            invite.body = offer;
        }
        let tx = self.start(Purpose::Invite(handle), invite.clone(), target, now);
        let local_sdp = invite.body.clone();
        let mut new_call = Call::new(CallState::Outgoing, invite, tx, target, tag);
        new_call.local_sdp = local_sdp;
        self.calls.insert(handle, new_call);
        if tx.is_none() {
            self.end_call(handle, EndReason::Failed("could not send INVITE".into()), now);
        }
        Ok(handle)
    }

    /// Sends 180 Ringing for an incoming call.
    pub fn ring(&mut self, call: CallHandle, now: Instant) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        if c.state != CallState::Incoming {
            return Err(UaError::BadState);
        }
        let (tx, invite, tag, transport) =
            (c.invite_tx, c.invite.clone(), c.local_tag.clone(), c.target.transport);
        let mut r = Response::to_request(&invite, 180, Some(&tag));
        copy_record_route(&invite, &mut r);
        r.headers.push(HeaderName::Contact, self.contact(transport));
        // The 180 creates the early dialog (§12.1.1), in which a PRACK may arrive.
        let local_seq = self.ids.millis(1, 1 << 16) as u32;
        if let Some(c) = self.calls.get_mut(&call)
            && c.dialog.is_none()
        {
            c.dialog = Dialog::from_uas(&invite, &tag, local_seq, transport);
        }
        if let Some(tx) = tx {
            self.send_provisional(call, tx, r, now);
        }
        Ok(())
    }

    /// Answers an incoming call with 200 OK and an SDP answer.
    pub fn answer(&mut self, call: CallHandle, sdp: Vec<u8>, now: Instant) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        if c.state != CallState::Incoming {
            return Err(UaError::BadState);
        }
        let (Some(tx), invite, tag, transport) =
            (c.invite_tx, c.invite.clone(), c.local_tag.clone(), c.target.transport)
        else {
            return Err(UaError::BadState);
        };
        let mut r = self.response_with_tag(&invite, 200, &tag);
        copy_record_route(&invite, &mut r);
        r.headers.push(HeaderName::Contact, self.contact(transport));
        r.headers.push(HeaderName::ContentType, "application/sdp");
        r.body = sdp.clone();
        self.session_timer_answer(call, &invite, &mut r, now);
        let local_seq = self.ids.millis(1, 1 << 16) as u32;
        self.send_response(tx, r.clone(), now);
        let t1 = self.cfg.timers.t1;
        if let Some(c) = self.calls.get_mut(&call) {
            if c.dialog.is_none() {
                c.dialog = Dialog::from_uas(&invite, &tag, local_seq, transport);
            }
            c.unacked = None;
            c.local_sdp = sdp;
            c.state = CallState::Answered;
            c.ok = Some(OkRetransmit {
                response: r,
                tx,
                next_at: now + t1,
                interval: t1,
                deadline: now + t1 * 64,
            });
        }
        Ok(())
    }

    /// Rejects an incoming call (486 Busy Here, 603 Decline, …).
    pub fn reject(&mut self, call: CallHandle, status: u16, now: Instant) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        if c.state != CallState::Incoming || !(300..700).contains(&status) {
            return Err(UaError::BadState);
        }
        let (tx, invite, tag) = (c.invite_tx, c.invite.clone(), c.local_tag.clone());
        let r = self.response_with_tag(&invite, status, &tag);
        let reason = r.reason.clone();
        if let Some(tx) = tx {
            self.send_response(tx, r, now);
        }
        self.end_call(call, EndReason::Rejected { status, reason }, now);
        Ok(())
    }

    /// Ends a call in whatever state it is: CANCEL, BYE, or 603 for an unanswered one.
    pub fn hangup(&mut self, call: CallHandle, now: Instant) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        match c.state {
            CallState::Incoming => return self.reject(call, 603, now),
            CallState::Outgoing => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.cancel_pending = true;
                }
            }
            CallState::Ringing => self.send_cancel(call, now),
            CallState::Answered | CallState::Established => self.send_bye_now(call, now),
            CallState::Ended => return Err(UaError::BadState),
        }
        self.report_end(call, EndReason::Local);
        if let Some(c) = self.calls.get_mut(&call)
            && matches!(c.state, CallState::Answered | CallState::Established)
        {
            c.state = CallState::Ended;
            c.ok = None;
            c.gc_at = Some(now + self.cfg.timers.t64());
        }
        Ok(())
    }

    /// Sends a re-INVITE with a new offer (hold, resume, codec change).
    pub fn reinvite(
        &mut self,
        call: CallHandle,
        offer: Vec<u8>,
        now: Instant,
    ) -> Result<(), UaError> {
        self.offer_in_dialog(call, Method::Invite, offer, now)
    }

    /// Sends an UPDATE with a new offer (RFC 3311): like a re-INVITE but without an ACK,
    /// and allowed in an early dialog.
    pub fn update(
        &mut self,
        call: CallHandle,
        offer: Vec<u8>,
        now: Instant,
    ) -> Result<(), UaError> {
        self.offer_in_dialog(call, Method::Update, offer, now)
    }

    fn offer_in_dialog(
        &mut self,
        call: CallHandle,
        method: Method,
        offer: Vec<u8>,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        let state_ok = match method {
            Method::Update => {
                matches!(c.state, CallState::Established | CallState::Ringing | CallState::Answered)
                    && c.dialog.is_some()
            }
            _ => c.state == CallState::Established,
        };
        if !state_ok || c.update_out.is_some() || c.update_in.is_some() {
            return Err(UaError::BadState);
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.offer_method = method;
        }
        self.send_reinvite(call, offer, now);
        Ok(())
    }

    /// Redirects an incoming call (3xx) to `contacts` (RFC 3261 §8.3.3, §21.3).
    pub fn redirect(
        &mut self,
        call: CallHandle,
        status: u16,
        contacts: &[NameAddr],
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        if c.state != CallState::Incoming || !(300..400).contains(&status) || contacts.is_empty() {
            return Err(UaError::BadState);
        }
        let (tx, invite, tag) = (c.invite_tx, c.invite.clone(), c.local_tag.clone());
        let mut r = self.response_with_tag(&invite, status, &tag);
        for contact in contacts {
            r.headers.push(HeaderName::Contact, contact.to_string());
        }
        if let Some(tx) = tx {
            self.send_response(tx, r, now);
        }
        self.end_call(call, EndReason::Rejected { status, reason: "Redirected".into() }, now);
        Ok(())
    }

    /// Answers the peer's re-INVITE or UPDATE: `Ok(sdp)` accepts, `Err(status)` refuses
    /// (488 for an unacceptable offer) and leaves the session as it was.
    pub fn answer_update(
        &mut self,
        call: CallHandle,
        answer: Result<Vec<u8>, u16>,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoCall)?;
        let (tx, request) = c.update_in.take().ok_or(UaError::BadState)?;
        let transport = c.target.transport;
        let mut r = self.response(&request, *answer.as_ref().err().unwrap_or(&200));
        if let Ok(sdp) = answer {
            // The peer's re-INVITE or UPDATE refreshes the session timer (RFC 4028 §9).
            self.session_refreshed(call, &request.headers, false, now);
            if let Some(se) = self.session_header(call, false) {
                r.headers.push(HeaderName::SessionExpires, se);
            }
            if let Some(c) = self.calls.get_mut(&call) {
                if !sdp.is_empty() {
                    c.local_sdp = sdp.clone();
                }
                if !request.body.is_empty() {
                    c.remote_sdp = request.body.clone();
                }
            }
            r.headers.push(HeaderName::Contact, self.contact(transport));
            if !sdp.is_empty() {
                r.headers.push(HeaderName::ContentType, "application/sdp");
                r.body = sdp;
            }
            if request.method == Method::Invite {
                let t1 = self.cfg.timers.t1;
                if let Some(c) = self.calls.get_mut(&call) {
                    c.ok = Some(OkRetransmit {
                        response: r.clone(),
                        tx,
                        next_at: now + t1,
                        interval: t1,
                        deadline: now + t1 * 64,
                    });
                }
            }
        }
        self.send_response(tx, r, now);
        Ok(())
    }

    /// Sends DTMF by SIP INFO (`application/dtmf-relay`), the fallback to RFC 4733.
    pub fn info_dtmf(
        &mut self,
        call: CallHandle,
        digit: char,
        duration_ms: u32,
        now: Instant,
    ) -> Result<(), UaError> {
        let body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n").into_bytes();
        self.in_dialog(call, Method::Info, Some(("application/dtmf-relay", body)), now)
    }

    /// The call whose dialog a Replaces or Join header names (RFC 3891 §3, RFC 3911 §4).
    pub fn find_dialog(
        &self,
        call_id: &str,
        local_tag: &str,
        remote_tag: &str,
    ) -> Option<CallHandle> {
        self.calls.iter().find_map(|(h, c)| {
            let d = c.dialog.as_ref()?;
            (c.state != CallState::Ended
                && d.id.call_id == call_id
                && d.id.local_tag == local_tag
                && d.id.remote_tag == remote_tag)
                .then_some(*h)
        })
    }

    /// The dialog of a call, once it has one.
    pub fn dialog(&self, call: CallHandle) -> Option<&Dialog> {
        self.calls.get(&call)?.dialog.as_ref()
    }

    // ---- sending helpers ---------------------------------------------------------

    fn response_with_tag(&mut self, request: &Request, status: u16, tag: &str) -> Response {
        let mut r = Response::to_request(request, status, Some(tag));
        r.headers.push(HeaderName::Server, self.cfg.user_agent.clone());
        if status == 200 {
            r.headers.push(HeaderName::Allow, super::validate::ALLOW);
        }
        r
    }

    /// Builds and starts an in-dialog request.
    pub(crate) fn in_dialog(
        &mut self,
        call: CallHandle,
        method: Method,
        body: Option<(&str, Vec<u8>)>,
        now: Instant,
    ) -> Result<(), UaError> {
        self.in_dialog_with(call, method, body, Vec::new(), now)
    }

    /// An in-dialog request with extra headers.
    pub(crate) fn in_dialog_with(
        &mut self,
        call: CallHandle,
        method: Method,
        body: Option<(&str, Vec<u8>)>,
        extra: Vec<(HeaderName, String)>,
        now: Instant,
    ) -> Result<(), UaError> {
        let transport = self.calls.get(&call).ok_or(UaError::NoCall)?.target.transport;
        let via = self.new_via(transport);
        let contact = self.contact(transport);
        let c = self.calls.get_mut(&call).ok_or(UaError::NoCall)?;
        let d = c.dialog.as_mut().ok_or(UaError::BadState)?;
        let (mut r, hop) = d.request(method.clone(), &via, None);
        let hop = hop.unwrap_or(c.target);
        if method == Method::Invite || method == Method::Update {
            r.headers.push(HeaderName::Contact, contact);
        }
        for (n, v) in extra {
            r.headers.push(n, v);
        }
        if let Some((ct, b)) = body {
            r.headers.push(HeaderName::ContentType, ct);
            r.body = b;
        }
        let purpose = match method {
            Method::Bye => Purpose::Bye(call),
            Method::Refer => Purpose::Refer(call),
            Method::Update => Purpose::ReInvite(call),
            Method::Invite => Purpose::ReInvite(call),
            _ => Purpose::InDialog(call),
        };
        self.start(purpose, r, hop, now).map(|_| ()).ok_or(UaError::BadState)
    }

    pub(crate) fn send_bye_now(&mut self, call: CallHandle, now: Instant) {
        let _ = self.in_dialog(call, Method::Bye, None, now);
    }

    pub(crate) fn send_reinvite(&mut self, call: CallHandle, offer: Vec<u8>, now: Instant) {
        let body = (!offer.is_empty()).then(|| ("application/sdp", offer.clone()));
        if let Some(c) = self.calls.get_mut(&call) {
            c.update_out = Some(Some(offer));
            c.update_in_flight = true;
            c.glare_retry_at = None;
        }
        let extra: Vec<(HeaderName, String)> = self
            .session_header(call, true)
            .map(|se| (HeaderName::SessionExpires, se))
            .into_iter()
            .collect();
        let method = self.calls.get(&call).map_or(Method::Invite, |c| c.offer_method.clone());
        if self.in_dialog_with(call, method, body, extra, now).is_err()
            && let Some(c) = self.calls.get_mut(&call)
        {
            c.update_out = None;
            c.update_in_flight = false;
        }
    }

    /// CANCEL (§9.1): the INVITE's Request-URI, Call-ID, From, To, CSeq number, Route and
    /// top Via (same branch).
    fn send_cancel(&mut self, call: CallHandle, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let inv = &c.invite;
        let mut r = Request::new(Method::Cancel, inv.uri.clone());
        if let Some(v) = inv.headers.get(&HeaderName::Via) {
            r.headers.push(HeaderName::Via, crate::message::split_list(v).next().unwrap_or(v));
        }
        r.headers.push(HeaderName::MaxForwards, "70");
        for name in [HeaderName::Route, HeaderName::From, HeaderName::To, HeaderName::CallId] {
            for v in inv.headers.get_all(&name) {
                r.headers.push(name.clone(), v);
            }
        }
        let seq = inv.headers.cseq().map(|c| c.seq).unwrap_or(1);
        r.headers.push(HeaderName::CSeq, format!("{seq} CANCEL"));
        let target = c.target;
        self.start(Purpose::Cancel(call), r, target, now);
    }

    /// ACK for a 2xx (§13.2.2.4): a new transaction-less request in the dialog, with the
    /// INVITE's CSeq number.
    fn send_ack(&mut self, call: CallHandle, invite_seq: u32, now: Instant) {
        let _ = now;
        let Some(transport) = self.calls.get(&call).map(|c| c.target.transport) else {
            return;
        };
        let via = self.new_via(transport);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(d) = c.dialog.as_mut() else { return };
        let (ack, hop) = d.request(Method::Ack, &via, Some(invite_seq));
        let hop = hop.unwrap_or(c.target);
        let bytes = ack.to_bytes();
        c.ack = Some((hop, bytes.clone()));
        self.tx.send_stateless(hop, bytes);
    }

    fn report_end(&mut self, call: CallHandle, reason: EndReason) {
        if let Some(c) = self.calls.get_mut(&call)
            && !c.ended_reported
        {
            c.ended_reported = true;
            self.events.push_back(UaEvent::Ended { call, reason });
        }
    }

    /// Marks a call ended, reports it once, and schedules its removal.
    pub(crate) fn end_call(&mut self, call: CallHandle, reason: EndReason, now: Instant) {
        self.report_end(call, reason);
        let gc = now + self.cfg.timers.t64();
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Ended;
            c.ok = None;
            c.glare_retry_at = None;
            c.gc_at = Some(gc);
        }
    }

    // ---- incoming ----------------------------------------------------------------

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

    // ---- responses to our requests ------------------------------------------------

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
            if same_dialog && let Some((hop, ack)) = c.ack.clone() {
                // A retransmitted 2xx: the ACK was lost.
                self.tx.send_stateless(hop, ack);
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

    pub(crate) fn call_timers(&mut self, now: Instant) {
        let handles: Vec<CallHandle> = self.calls.keys().copied().collect();
        let t2 = self.cfg.timers.t2;
        for h in handles {
            let Some(c) = self.calls.get_mut(&h) else {
                continue;
            };
            if c.gc_at.is_some_and(|t| t <= now) {
                self.calls.remove(&h);
                continue;
            }
            if let Some(ok) = c.ok.as_mut() {
                if ok.deadline <= now {
                    // §13.3.1.4: no ACK within 64·T1 ends the session with a BYE.
                    c.ok = None;
                    self.send_bye_now(h, now);
                    self.end_call(h, EndReason::Timeout, now);
                    continue;
                }
                if ok.next_at <= now && !c.target.transport.is_reliable() {
                    let (tx, resp) = (ok.tx, ok.response.clone());
                    ok.interval = (ok.interval * 2).min(t2);
                    ok.next_at = now + ok.interval;
                    let _ = self.tx.send_response(tx, &resp, now);
                } else if ok.next_at <= now {
                    ok.next_at = ok.deadline;
                }
            }
            self.prack_timers(h, now);
            self.session_timers(h, now);
            let Some(c) = self.calls.get_mut(&h) else {
                continue;
            };
            if c.glare_retry_at.is_some_and(|t| t <= now) {
                if c.update_in.is_some() {
                    // The peer's offer is still being answered: try again shortly.
                    c.glare_retry_at = Some(now + Duration::from_millis(500));
                    continue;
                }
                c.glare_retry_at = None;
                if let Some(Some(offer)) = c.update_out.take() {
                    self.send_reinvite(h, offer, now);
                }
            }
        }
    }
}

/// §12.1.1: a response that creates a dialog carries the request's Record-Route values,
/// in order, so that the caller learns the same route set.
fn copy_record_route(request: &Request, response: &mut Response) {
    for v in request.headers.get_all(&HeaderName::RecordRoute) {
        response.headers.push(HeaderName::RecordRoute, v);
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
