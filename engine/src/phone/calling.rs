//! Placing, answering and holding calls: SDP offers and answers (RFC 3264) for each, and
//! the peer's re-INVITEs (its hold and resume, §8.4).

use std::time::Instant;

use earshot_sip::message::{HeaderName, NameAddr};
use earshot_sip::sdp::{self, Direction as SdpDirection, SessionDescription};
use earshot_sip::ua::CallHandle;

use super::api::{CallId, CallState, Direction, Event};
use super::call::Call;
use super::core::Phone;
use super::media::rtp_socket;
use super::monitor_request::set_mode;
use crate::media::mix::MonitorMode;

impl Phone {
    /// Places a call; returns its id.
    pub(super) async fn dial(
        &mut self,
        uri: &str,
        consulting_for: Option<CallId>,
    ) -> Result<CallId, String> {
        let to = self.target(uri)?;
        self.dial_to(to, Vec::new(), consulting_for).await
    }

    pub(super) async fn dial_to(
        &mut self,
        to: NameAddr,
        extra: Vec<(HeaderName, String)>,
        consulting_for: Option<CallId>,
    ) -> Result<CallId, String> {
        self.dial_with(to, extra, consulting_for, None).await
    }

    /// A supervisor's monitoring call to an agent (`extra` holds the Join).
    pub(super) async fn dial_monitoring(
        &mut self,
        to: NameAddr,
        extra: Vec<(HeaderName, String)>,
        mode: MonitorMode,
    ) -> Result<CallId, String> {
        self.dial_with(to, extra, None, Some(mode)).await
    }

    async fn dial_with(
        &mut self,
        to: NameAddr,
        extra: Vec<(HeaderName, String)>,
        consulting_for: Option<CallId>,
        monitoring: Option<MonitorMode>,
    ) -> Result<CallId, String> {
        if consulting_for.is_none() {
            self.hold_others(None).await;
        }
        let socket = rtp_socket(self.address).map_err(|e| format!("RTP socket: {e}"))?;
        let port = socket.local_addr().map_err(|e| e.to_string())?.port();
        let mut offer = sdp::offer(&self.caps(port, SdpDirection::SendRecv), &self.origin(1));
        if let Some(mode) = monitoring {
            set_mode(&mut offer, mode);
        }
        let bytes = offer.to_bytes();
        let target = to.clone();
        let handle = self
            .sip
            .with(move |ua, now| ua.call(&target, bytes, extra, now))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let id = self.new_id();
        let mut call = Call::new(id, handle, Direction::Outgoing, to.uri.to_string());
        call.socket = Some(socket);
        call.rtp_port = port;
        call.offer = Some(offer);
        call.sdp_version = 2;
        call.monitoring = monitoring;
        self.calls.insert(id, call);
        self.emit_state(id);
        Ok(id)
    }

    pub(super) async fn answer(&mut self, id: CallId) -> Result<(), String> {
        self.answer_holding(id, true).await
    }

    /// Answers `id`, first holding the other calls unless it replaces one of them (RFC
    /// 3891: that one is simply hung up).
    pub(super) async fn answer_holding(
        &mut self,
        id: CallId,
        hold_others: bool,
    ) -> Result<(), String> {
        let handle = self.incoming_handle(id)?;
        if hold_others {
            self.hold_others(Some(id)).await;
        }
        let socket = rtp_socket(self.address).map_err(|e| format!("RTP socket: {e}"))?;
        let port = socket.local_addr().map_err(|e| e.to_string())?.port();
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
                        let _ = self.sip.with(move |ua, now| ua.reject(handle, 488, now)).await;
                        return Err(format!(
                            "call {id}: cannot answer its offer ({e}): rejected with 488"
                        ));
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
        c.socket = Some(socket);
        c.rtp_port = port;
        c.sdp_version = 2;
        self.sip
            .with(move |ua, now| ua.answer(handle, body, now))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let c = self.call_mut(id)?;
        c.state = CallState::Active;
        c.answered = Some(Instant::now());
        if c.negotiated.is_some() {
            self.start_leg(id);
        }
        self.emit_state(id);
        Ok(())
    }

    /// Sends a re-INVITE putting `id` on hold (sendonly) or back (sendrecv).
    pub(super) async fn set_hold(&mut self, id: CallId, hold: bool) -> Result<(), String> {
        let handle = self.up_handle(id)?;
        let (port, version) = {
            let c = self.call_mut(id)?;
            if c.local_hold == hold {
                return Ok(());
            }
            c.local_hold = hold;
            c.sdp_version += 1;
            (c.rtp_port, c.sdp_version)
        };
        let direction = if hold { SdpDirection::SendOnly } else { SdpDirection::SendRecv };
        let offer = sdp::offer(&self.caps(port, direction), &self.origin(version));
        let bytes = offer.to_bytes();
        if let Some(c) = self.calls.get_mut(&id) {
            c.offer = Some(offer);
            c.settle_state();
        }
        // Stop sending at once on hold; the answer confirms.
        self.remix();
        self.emit_state(id);
        self.sip
            .with(move |ua, now| ua.reinvite(handle, bytes, now))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    /// A re-INVITE from the peer: answer it, following its hold or resume.
    pub(super) async fn remote_offer(&mut self, call: CallHandle, offer: Option<Vec<u8>>) {
        let Some(id) = self.find(call) else {
            let _ = self.sip.with(move |ua, now| ua.answer_update(call, Err(481), now)).await;
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
            None => Err("re-INVITE without an offer".into()),
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
                let _ = self.sip.with(move |ua, now| ua.answer_update(call, Ok(body), now)).await;
                self.remix();
                self.emit_state(id);
            }
            Err(e) => {
                let _ = self.sip.with(move |ua, now| ua.answer_update(call, Err(488), now)).await;
                self.emit(Event::Error {
                    message: format!("call {id}: re-INVITE refused: {e}"),
                    command: None,
                });
            }
        }
    }
}
