//! Placing, answering and holding calls: SDP offers and answers (RFC 3264) for each, and
//! the peer's re-INVITEs (its hold and resume, §8.4).

use earshot_sip::message::{HeaderName, NameAddr};
use earshot_sip::sdp::{self, Direction as SdpDirection, SessionDescription};
use earshot_sip::ua::CallHandle;

use super::api::{CallId, CallState, Direction, Event};
use super::call::Call;
use super::core::Phone;
use super::errors::CommandError;
use super::monitor_request::set_mode;
use super::problem::Problem;
use earshot_media::mix::MonitorMode;

impl Phone {
    /// Places a call; returns its id.
    pub(super) fn dial(
        &mut self,
        uri: &str,
        consulting_for: Option<CallId>,
    ) -> Result<CallId, CommandError> {
        let mut to = self.target(uri)?;
        // Headers written into the URI (`sip:support@site?X-Account-Id=A-77`, RFC 3261
        // §19.1.5) go into the INVITE when they are case data; no other header does.
        let mut extra = Vec::new();
        if let earshot_sip::message::Uri::Sip(s) = &mut to.uri {
            for (n, v) in earshot_desk::sip_case::from_uri_headers(&s.headers) {
                extra.push((HeaderName::parse(&n), v));
            }
            s.headers.clear();
        }
        self.dial_to(to, extra, consulting_for)
    }

    pub(super) fn dial_to(
        &mut self,
        to: NameAddr,
        extra: Vec<(HeaderName, String)>,
        consulting_for: Option<CallId>,
    ) -> Result<CallId, CommandError> {
        self.dial_with(to, extra, consulting_for, None)
    }

    /// A supervisor's monitoring call to an agent (`extra` holds the Join).
    pub(super) fn dial_monitoring(
        &mut self,
        to: NameAddr,
        extra: Vec<(HeaderName, String)>,
        mode: MonitorMode,
    ) -> Result<CallId, CommandError> {
        self.dial_with(to, extra, None, Some(mode))
    }

    fn dial_with(
        &mut self,
        to: NameAddr,
        extra: Vec<(HeaderName, String)>,
        consulting_for: Option<CallId>,
        monitoring: Option<MonitorMode>,
    ) -> Result<CallId, CommandError> {
        self.ensure_located(&to.uri)?;
        if consulting_for.is_none() {
            self.hold_others(None);
        }
        let id = self.new_id();
        let port = self.media.open_rtp(id as u32, self.address)?;
        let mut offer = sdp::offer(&self.caps(port, SdpDirection::SendRecv), &self.origin(1));
        if let Some(mode) = monitoring {
            set_mode(&mut offer, mode);
        }
        let bytes = offer.to_bytes();
        let target = to.clone();
        let handle = match self.ua.call(&target, bytes, extra, self.now) {
            Ok(h) => h,
            Err(e) => {
                self.media.remove_leg(id as u32, self.now);
                return Err(e.into());
            }
        };
        let mut call = Call::new(id, handle, Direction::Outgoing, to.uri.to_string(), self.wall);
        call.rtp_port = port;
        call.offer = Some(offer);
        call.sdp_version = 2;
        call.monitoring = monitoring;
        let remote = call.remote.clone();
        self.calls.insert(id, call);
        if monitoring.is_none() {
            self.desk_placed(id, &remote, consulting_for);
        }
        self.emit_state(id);
        Ok(id)
    }

    pub(super) fn answer(&mut self, id: CallId) -> Result<(), CommandError> {
        self.answer_holding(id, true)
    }

    /// Answers `id`, first holding the other calls unless it replaces one of them (RFC
    /// 3891: that one is simply hung up).
    pub(super) fn answer_holding(
        &mut self,
        id: CallId,
        hold_others: bool,
    ) -> Result<(), CommandError> {
        let handle = self.incoming_handle(id)?;
        if hold_others {
            self.hold_others(Some(id));
        }
        let port = self.media.open_rtp(id as u32, self.address)?;
        let caps = self.caps(port, SdpDirection::SendRecv);
        let origin = self.origin(1);
        let c = self.call_mut(id)?;
        let body = match c.remote_offer.clone() {
            Some(offer_bytes) => {
                let offer = SessionDescription::parse(&offer_bytes).map_err(|e| e.to_string());
                match offer.and_then(|o| sdp::answer(&o, &caps, &origin).map_err(|e| e.to_string()))
                {
                    Ok((answer, negotiated)) => {
                        c.negotiated = Some(negotiated);
                        answer.to_bytes()
                    }
                    Err(e) => {
                        let _ = self.ua.reject(handle, 488, self.now);
                        return Err(CommandError::Unanswerable { id, why: e });
                    }
                }
            }
            None => {
                // No offer in the INVITE: ours goes in the 200, the answer in the ACK.
                let offer = sdp::offer(&caps, &origin);
                let b = offer.to_bytes();
                c.offer = Some(offer);
                b
            }
        };
        c.rtp_port = port;
        c.sdp_version = 2;
        self.ua.answer(handle, body, self.now)?;
        let now = self.now;
        let c = self.call_mut(id)?;
        c.state = CallState::Active;
        c.answered = Some(now);
        let supervisor = c.monitor.is_some();
        if self.input_file && !supervisor {
            // A spoken file starts over for each call, from its answer.
            self.media.restart_input();
        }
        let c = self.call_mut(id)?;
        if c.negotiated.is_some() {
            self.start_leg(id);
        }
        self.emit_state(id);
        Ok(())
    }

    /// Sends a re-INVITE putting `id` on hold (sendonly) or back (sendrecv).
    /// Holds or resumes a call by a re-INVITE (RFC 3264 §8.4). One offer at a time (RFC
    /// 3264 §4, RFC 3261 §14.1): while ours is in flight, or the user agent is answering the
    /// peer's, the wish is queued and applied when the offer settles, so hold then resume
    /// pressed together ends resumed with both sides agreeing. The state shown changes when
    /// the offer is sent and is rolled back if the peer refuses it.
    pub(super) fn set_hold(&mut self, id: CallId, hold: bool) -> Result<(), CommandError> {
        let handle = self.up_handle(id)?;
        let c = self.call_mut(id)?;
        if c.hold_in_flight.is_some() {
            c.wanted_hold = (hold != c.local_hold).then_some(hold);
            return Ok(());
        }
        c.wanted_hold = None;
        if c.local_hold == hold {
            return Ok(());
        }
        let (port, version) = (c.rtp_port, c.sdp_version + 1);
        let direction = if hold { SdpDirection::SendOnly } else { SdpDirection::SendRecv };
        let offer = sdp::offer(&self.caps(port, direction), &self.origin(version));
        let bytes = offer.to_bytes();
        let sent = self.ua.reinvite(handle, bytes, self.now);
        match sent {
            Ok(()) => {}
            // The user agent is busy with an offer of its own (a session refresh, or the
            // peer's re-INVITE being answered): try again when it settles.
            Err(earshot_sip::ua::UaError::BadState) => {
                if let Some(c) = self.calls.get_mut(&id) {
                    c.wanted_hold = Some(hold);
                }
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(c) = self.calls.get_mut(&id) {
            c.hold_in_flight = Some(c.local_hold);
            c.local_hold = hold;
            c.sdp_version = version;
            c.offer = Some(offer);
            c.settle_state();
        }
        // Stop sending at once on hold; the answer confirms, a refusal rolls back.
        self.remix();
        self.emit_state(id);
        Ok(())
    }

    /// The peer's final answer to our hold or resume re-INVITE: kept on 2xx, rolled back
    /// (state, mix, what the window shows) with an error event otherwise; then a wish that
    /// waited is applied.
    pub(super) fn hold_settled(&mut self, id: CallId, status: u16) {
        let Some(c) = self.calls.get_mut(&id) else { return };
        let Some(before) = c.hold_in_flight.take() else { return };
        if !(200..300).contains(&status) {
            c.local_hold = before;
            c.settle_state();
            self.remix();
            self.emit_state(id);
            // `before` is what the call stays: a refused hold stays active.
            let problem = if before {
                Problem::ResumeRefused { call: id, status }
            } else {
                Problem::HoldRefused { call: id, status }
            };
            self.emit(Event::problem(problem, None));
        }
        self.apply_wanted_hold(id);
    }

    /// Applies a hold or resume that waited for an offer to settle.
    pub(super) fn apply_wanted_hold(&mut self, id: CallId) {
        let Some(c) = self.calls.get_mut(&id) else { return };
        if c.hold_in_flight.is_some() || !c.is_up() {
            return;
        }
        let Some(hold) = c.wanted_hold.take() else { return };
        if let Err(e) = self.set_hold(id, hold) {
            self.emit(Event::problem(e.problem(), None));
        }
    }

    /// A re-INVITE from the peer: answer it, following its hold or resume.
    pub(super) fn remote_offer(&mut self, call: CallHandle, offer: Option<Vec<u8>>) {
        let Some(id) = self.find(call) else {
            let _ = self.ua.answer_update(call, Err(481), self.now);
            return;
        };
        let (port, version, local_hold) = match self.calls.get_mut(&id) {
            Some(c) => {
                c.sdp_version += 1;
                (c.rtp_port, c.sdp_version, c.local_hold)
            }
            None => return,
        };
        let want = if local_hold { SdpDirection::SendOnly } else { SdpDirection::SendRecv };
        let caps = self.caps(port, want);
        let origin = self.origin(version);
        let parsed = offer.map(|bytes| SessionDescription::parse(&bytes));
        if let Some(Ok(o)) = &parsed {
            self.monitor_mode_offered(id, o);
        }
        let result = match parsed {
            Some(o) => o
                .map_err(|e| e.to_string())
                .and_then(|o| sdp::answer(&o, &caps, &origin).map_err(|e| e.to_string())),
            None => Err("re-INVITE without an offer".to_owned()),
        };
        match result {
            Ok((answer, negotiated)) => {
                // Our answer does not send when the peer offered sendonly or inactive:
                // it holds us (RFC 3264 §8.4).
                let remote_hold = !negotiated.direction.sends();
                if let Some(c) = self.calls.get_mut(&id) {
                    c.remote_hold = remote_hold;
                    c.settle_state();
                }
                let body = answer.to_bytes();
                let _ = self.ua.answer_update(call, Ok(body), self.now);
                self.remix();
                self.emit_state(id);
            }
            Err(e) => {
                let _ = self.ua.answer_update(call, Err(488), self.now);
                self.emit(Event::problem(Problem::ReInviteRefused { call: id, why: e }, None));
            }
        }
    }
}
