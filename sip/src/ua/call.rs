//! INVITE sessions (RFC 3261 §13–§15): the state of a call, the user's commands on it
//! (call, ring, answer, reject, redirect, hang up, re-INVITE, UPDATE, INFO DTMF), the
//! requests sent in its dialog (BYE, CANCEL per §9.1, ACK per §13.2.2.4), and its timers
//! (2xx retransmission until the ACK, §13.3.1.4; glare back-off; removal). Incoming
//! requests are in `call_incoming.rs`, responses to ours in `call_responses.rs`.

use std::time::{Duration, Instant};

use super::agent::{Purpose, UaError, UserAgent};
use super::dialog::Dialog;
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
    pub(crate) response: Response,
    pub(crate) tx: TxId,
    pub(crate) next_at: Instant,
    pub(crate) interval: Duration,
    pub(crate) deadline: Instant,
}

#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) state: CallState,
    pub(crate) invite: Request,
    pub(crate) invite_tx: Option<TxId>,
    pub(crate) target: Target,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) local_tag: String,
    pub(crate) ack: Option<(Target, Vec<u8>)>,
    pub(crate) ok: Option<OkRetransmit>,
    /// We hung up before any provisional: CANCEL when one arrives (§9.1).
    pub(crate) cancel_pending: bool,
    /// We hung up (or cancelled) and told the user already.
    pub(crate) ended_reported: bool,
    pub(crate) redirects: u8,
    /// An incoming re-INVITE or UPDATE waiting for `answer_update`.
    pub(crate) update_in: Option<(TxId, Request)>,
    /// Our re-INVITE's offer, while in flight or waiting to be resent after a 491.
    pub(crate) update_out: Option<Option<Vec<u8>>>,
    /// Our re-INVITE transaction is in flight (not waiting out a glare back-off).
    pub(crate) update_in_flight: bool,
    pub(crate) glare_retry_at: Option<Instant>,
    pub(crate) gc_at: Option<Instant>,
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
    pub(crate) fn new(
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

    pub(crate) fn is_uac(&self) -> bool {
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

pub(crate) fn sdp_body(
    m_body: &[u8],
    content_type: Option<&crate::message::MediaType>,
) -> Option<Vec<u8>> {
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
        self.reject_with(call, status, None, now)
    }

    /// Rejects an incoming call saying why in a `Warning` header (RFC 3261 §20.43: `code`
    /// such as 304 "Media type not available" or 305 "Incompatible media format", and the
    /// text), e.g. a 488 for an offer that cannot be answered.
    pub fn reject_with(
        &mut self,
        call: CallHandle,
        status: u16,
        warning: Option<(u16, &str)>,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        if c.state != CallState::Incoming || !(300..700).contains(&status) {
            return Err(UaError::BadState);
        }
        let (tx, invite, tag) = (c.invite_tx, c.invite.clone(), c.local_tag.clone());
        let mut r = self.response_with_tag(&invite, status, &tag);
        if let Some((code, text)) = warning {
            // warn-agent is our host (or pseudonym); the text is a quoted-string (§25.1):
            // quotes and backslashes escaped, line breaks dropped.
            let text: String = text
                .chars()
                .filter(|c| !c.is_control())
                .flat_map(|c| match c {
                    '"' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            r.headers.push(HeaderName::Warning, format!("{code} earshot \"{text}\""));
        }
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

    /// Asks the peer whether the dialog still exists: an in-dialog OPTIONS (RFC 3261 §11);
    /// a 481 or a time-out (408) ends the call (§12.2.1.2), any other answer keeps it.
    pub fn probe(&mut self, call: CallHandle, now: Instant) -> Result<(), UaError> {
        self.in_dialog(call, Method::Options, None, now)
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

    pub(crate) fn response_with_tag(
        &mut self,
        request: &Request,
        status: u16,
        tag: &str,
    ) -> Response {
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
    pub(crate) fn send_cancel(&mut self, call: CallHandle, now: Instant) {
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
    pub(crate) fn send_ack(&mut self, call: CallHandle, invite_seq: u32, now: Instant) {
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

    pub(crate) fn report_end(&mut self, call: CallHandle, reason: EndReason) {
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
pub(crate) fn copy_record_route(request: &Request, response: &mut Response) {
    for v in request.headers.get_all(&HeaderName::RecordRoute) {
        response.headers.push(HeaderName::RecordRoute, v);
    }
}
