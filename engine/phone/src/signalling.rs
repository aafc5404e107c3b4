//! What the SIP user agent reports, turned into call state: incoming calls (and being
//! transferred into one, RFC 3891), progress, answers, ends, INFO digits, REFER (RFC
//! 3515: being transferred, and how our transfers go), registration.

use std::time::Duration;

use earshot_sip::message::{HeaderName, NameAddr, Uri};
use earshot_sip::sdp::{self, Direction as SdpDirection, SessionDescription};
use earshot_sip::ua::{CallHandle, EndReason, UaEvent};

use super::api::{CallId, CallState, Direction, Event};
use super::call::Call;
use super::core::Phone;
use super::errors::CommandError;
use super::lookups::Parked;
use super::problem::Problem;
use earshot_media::tone::ToneSpec;

impl Phone {
    pub(super) fn ua_event(&mut self, e: UaEvent) {
        match e {
            UaEvent::IncomingCall { call, request, offer, replaces, joins } => {
                // A supervisor joining one of our calls (RFC 3911).
                if let Some(target) = joins {
                    self.monitoring_requested(call, *request, offer, target);
                    return;
                }
                // An offer that cannot be answered is refused before anything rings.
                let caps = self.caps(0, SdpDirection::SendRecv);
                if let Err(e) = super::offer_check::check(offer.as_deref(), &caps) {
                    let (status, warning) = (e.status, (e.warn_code, e.text.clone()));
                    let _ = {
                        self.ua.reject_with(call, status, Some((warning.0, &warning.1)), self.now)
                    };
                    let from = request.headers.from().map(|f| f.uri.to_string());
                    let from = from.ok().unwrap_or_else(|| "?".to_owned());
                    let problem = Problem::OfferRefused { from, why: e.to_string() };
                    self.emit(Event::problem(problem, None));
                    return;
                }
                // Being transferred (RFC 3891): the new call replaces one of ours.
                let replaced = replaces.and_then(|r| self.find(r));
                let offered = earshot_desk::Offered {
                    auto_answer: self.should_auto_answer(&request),
                    replaces_ours: replaced.is_some(),
                };
                let load = self.load();
                let auto_answer = match self.take_policy().decide(offered, load) {
                    earshot_desk::Decision::Refuse { status, why } => {
                        let _ = { self.ua.reject_with(call, status, Some((399, why)), self.now) };
                        return;
                    }
                    earshot_desk::Decision::Offer { auto_answer } => auto_answer,
                    earshot_desk::Decision::AnswerReplacing => false,
                };
                let from = request.headers.from().map(|f| f.uri.to_string()).unwrap_or_default();
                let to = request.headers.to().map(|t| t.uri.to_string()).unwrap_or_default();
                let headers: Vec<(String, String)> = request
                    .headers
                    .iter()
                    .map(|h| (h.name.to_string(), h.value().to_owned()))
                    .collect();
                let id = self.new_id();
                // Every incoming call is an interaction; a routed one the agent cannot take
                // now goes back to the site (which offers it to the next agent).
                let name = request.headers.from().ok().and_then(|f| f.display_name());
                // An attended transfer completing here: the interaction of the call
                // replaced goes on with this one (its case and note kept).
                let taken_over =
                    replaced.and_then(|old| self.desk_take_over(old, id, &from, &name));
                let offered_here = match taken_over {
                    Some(i) => Ok(Some(i)),
                    None => self.desk_offer(id, &from, name, &to, &headers),
                };
                let interaction = match offered_here {
                    Ok(i) => i,
                    Err(status) => {
                        let why = "the agent is not ready for this queue";
                        let _ = { self.ua.reject_with(call, status, Some((399, why)), self.now) };
                        return;
                    }
                };
                let mut c = Call::new(id, call, Direction::Incoming, from.clone(), self.wall);
                c.interaction = interaction.map(|i| i.0);
                c.remote_offer = offer;
                c.ring_until = super::ringing::ring_limit(&request, &self.config.calls)
                    .map(|(after, status)| (self.now + after, status, after));
                if auto_answer {
                    c.answer_at = Some(
                        self.now
                            + Duration::from_millis(u64::from(self.config.auto_answer.delay_ms)),
                    );
                }
                self.calls.insert(id, c);
                let _ = self.ua.ring(call, self.now);
                // Call waiting: a beep in the earpiece when a call comes in during another.
                if self.calls.values().any(|c| c.id != id && c.is_up()) {
                    self.media.tone(Some(ToneSpec::CALL_WAITING));
                }
                self.emit(Event::IncomingCall { id, from, to, headers });
                self.emit_state(id);
                if let Some(old) = replaced
                    && self.answer_holding(id, false).is_ok()
                    && let Some(h) = self.calls.get(&old).map(|c| c.handle)
                {
                    let _ = self.ua.hangup(h, self.now);
                }
            }
            UaEvent::Progress { call, status, .. } => {
                if let Some(id) = self.find(call)
                    && (180..=183).contains(&status)
                    && let Some(c) = self.calls.get_mut(&id)
                    && c.state == CallState::Dialing
                {
                    c.state = CallState::Ringing;
                    self.emit_state(id);
                    // Ringback in the earpiece until the answer (no early media yet).
                    self.media.tone(Some(ToneSpec::RINGBACK));
                }
            }
            UaEvent::Established { call, sdp: answer } => {
                let Some(id) = self.find(call) else { return };
                self.stop_ringback(Some(id));
                let port = self.calls.get(&id).map(|c| c.rtp_port).unwrap_or(0);
                let caps = self.caps(port, SdpDirection::SendRecv);
                let Some(c) = self.calls.get_mut(&id) else { return };
                if c.negotiated.is_none()
                    && let (Some(offer), Some(answer)) = (c.offer.as_ref(), answer)
                {
                    match SessionDescription::parse(&answer)
                        .map_err(|e| e.to_string())
                        .and_then(|a| sdp::read_answer(offer, &a, &caps).map_err(|e| e.to_string()))
                    {
                        Ok(n) => c.negotiated = Some(n),
                        Err(e) => {
                            let problem = Problem::BadAnswer { call: id, why: e.to_string() };
                            self.events.push_back(Event::problem(problem, None));
                        }
                    }
                }
                let first_answer = c.answered.is_none();
                if c.state != CallState::Active {
                    c.state = CallState::Active;
                    c.answered.get_or_insert(self.now);
                }
                // A spoken file starts over for each call, from its answer.
                if first_answer && self.input_file && c.monitor.is_none() {
                    self.media.restart_input();
                }
                self.start_leg(id);
                self.emit_state(id);
                if let Some(old) = self.transfers.remove(&id) {
                    self.transferred(old, 200, "OK");
                    if let Some(h) = self.calls.get(&old).map(|c| c.handle) {
                        let _ = self.ua.hangup(h, self.now);
                    }
                }
            }
            UaEvent::UpdateRequested { call, offer } => self.remote_offer(call, offer),
            UaEvent::UpdateResult { call, status, sdp: _ } => {
                // A 491 glare never gets here: the user agent retries it (§14.1).
                let Some(id) = self.find(call) else { return };
                if self.calls.get(&id).is_some_and(|c| c.hold_in_flight.is_some()) {
                    self.hold_settled(id, status);
                } else if !(200..300).contains(&status) {
                    self.emit(Event::problem(Problem::ReInviteAnswered { call: id, status }, None));
                }
            }
            UaEvent::Ended { call, reason } => {
                if let Some(id) = self.find(call) {
                    if let Some(old) = self.transfers.remove(&id) {
                        let (status, text) = match &reason {
                            EndReason::Rejected { status, reason } => (*status, reason.clone()),
                            _ => (487, "Request Terminated".to_owned()),
                        };
                        self.transferred(old, status, &text);
                    }
                    let was_ringing = self.calls.get(&id).is_some_and(|c| {
                        matches!(c.state, CallState::Ringing | CallState::Dialing)
                    });
                    self.end(id, Some(&reason), end_reason(&reason));
                    if was_ringing {
                        self.stop_ringback(None);
                        // A busy callee: the busy tone, three times.
                        if matches!(reason, EndReason::Rejected { status: 486 | 600, .. }) {
                            self.media.tone(Some(ToneSpec { repeat: 3, ..ToneSpec::BUSY }));
                        }
                    }
                }
            }
            UaEvent::InfoDtmf { call, digit, .. } => {
                if let Some(id) = self.find(call) {
                    self.emit(Event::Dtmf { id, digit });
                }
            }
            UaEvent::TransferRequested { call, refer_to, referred_by, replaces } => {
                // Being transferred (RFC 3515): call the target — with Replaces for an
                // attended transfer (RFC 5589 §7) — report how it goes, and hang up the
                // first call once the new one is answered.
                let Some(id) = self.find(call) else { return };
                let mut to = *refer_to;
                let mut extra = Vec::new();
                if let Uri::Sip(s) = &mut to.uri {
                    // The case the transferor sent along (X-, User-to-User, Call-Info)
                    // goes into our INVITE; no other header from its URI does.
                    for (n, v) in earshot_desk::sip_case::from_uri_headers(&s.headers) {
                        extra.push((HeaderName::parse(&n), v));
                    }
                    s.headers.clear();
                }
                if let Some(r) = replaces {
                    extra.push((HeaderName::Replaces, r.to_string()));
                }
                if let Some(by) = referred_by {
                    extra.push((HeaderName::ReferredBy, by.to_string()));
                }
                let _ = self.ua.transfer_progress(call, 100, "Trying", self.now);
                self.transfer_to(call, id, to, extra);
            }
            UaEvent::TransferProgress { call, status, reason, done } => {
                if let Some(id) = self.find(call) {
                    self.emit(Event::Transfer { id, status, reason, done });
                    if done && (200..300).contains(&status) {
                        if let Some(c) = self.calls.get_mut(&id) {
                            c.transferred_away = true;
                        }
                        let h = call;
                        let _ = self.ua.hangup(h, self.now);
                    }
                }
            }
            UaEvent::Registered { expires, .. } => {
                let account =
                    self.config.accounts.first().map(|a| a.aor.clone()).unwrap_or_default();
                self.emit(Event::Registration {
                    account,
                    state: "registered".into(),
                    status: Some(200),
                    reason: None,
                    expires: Some(expires),
                });
            }
            UaEvent::RegistrationFailed { status, reason, .. } => {
                let account =
                    self.config.accounts.first().map(|a| a.aor.clone()).unwrap_or_default();
                self.emit(Event::Registration {
                    account,
                    state: "failed".into(),
                    status: Some(status),
                    reason: Some(reason),
                    expires: None,
                });
            }
            UaEvent::Unregistered { .. } => {
                let account =
                    self.config.accounts.first().map(|a| a.aor.clone()).unwrap_or_default();
                self.emit(Event::Registration {
                    account,
                    state: "unregistered".into(),
                    status: None,
                    reason: None,
                    expires: None,
                });
            }
            UaEvent::FlowFailed { reason, .. } => {
                let account =
                    self.config.accounts.first().map(|a| a.aor.clone()).unwrap_or_default();
                let problem = Problem::RegisteringAgain { account, why: reason.to_string() };
                self.emit(Event::problem(problem, None));
            }
            UaEvent::SubscriptionRequested { sub, package, from, request } => {
                self.subscription_requested(sub, package, from, *request);
            }
            UaEvent::SubscriptionEnded { sub, reason } => {
                if self.team.owns(sub) {
                    self.team_ended(sub, &reason);
                } else if self.colleagues.owns(sub) {
                    self.colleague_ended(sub, &reason);
                } else {
                    self.subscription_ended(sub);
                }
            }
            UaEvent::SubscriptionActive { sub, .. } => self.team_active(sub),
            UaEvent::Notified { sub, body, .. } if self.colleagues.owns(sub) => {
                self.colleague_notified(sub, &body)
            }
            UaEvent::Notified { sub, body, .. } => self.team_notified(sub, &body),
            UaEvent::MessageReceived { from, content_type, body, answer, request, .. } => {
                self.message_received(from, content_type, body, answer, request);
            }
            UaEvent::RequestResult { req, status, reason, .. } => {
                self.chat_request_answered(req, status, &reason);
            }
            UaEvent::Published { .. } => self.publication_answered(None),
            UaEvent::PublicationFailed { status, reason, .. } => {
                self.publication_answered(Some((status, reason)));
            }
            _ => {}
        }
    }

    /// Calls `to` for the peer that transferred call `id` (handle `call`) to it; waits for
    /// DNS if the name needs it.
    pub(super) fn transfer_to(
        &mut self,
        call: CallHandle,
        id: CallId,
        to: NameAddr,
        extra: Vec<(HeaderName, String)>,
    ) {
        match self.dial_to(to.clone(), extra.clone(), Some(id)) {
            Ok(new_id) => {
                if let Some(c) = self.calls.get_mut(&new_id) {
                    c.consulting_for = Some(id);
                }
                self.transfers.insert(new_id, id);
            }
            Err(CommandError::Locating(name)) => {
                self.park(name, Parked::Transferred { call, id, to, extra })
            }
            Err(e) => self.transfer_failed(call, id, &to, &e),
        }
    }

    /// The call a peer transferred us to could not be placed: it hears 503 (NOTIFY).
    pub(super) fn transfer_failed(
        &mut self,
        call: CallHandle,
        id: CallId,
        to: &NameAddr,
        e: &CommandError,
    ) {
        let _ = self.ua.transfer_progress(call, 503, "Service Unavailable", self.now);
        let problem =
            Problem::TransferFailed { call: id, to: to.uri.to_string(), why: e.to_string() };
        self.emit(Event::problem(problem, None));
    }

    /// Tells the peer that transferred call `old` how the new call went (NOTIFY).
    pub(super) fn transferred(&mut self, old: CallId, status: u16, reason: &str) {
        let Some(h) = self.calls.get(&old).map(|c| c.handle) else { return };
        let reason = reason.to_owned();
        let _ = self.ua.transfer_progress(h, status, &reason, self.now);
    }
}

fn end_reason(r: &EndReason) -> String {
    match r {
        EndReason::Local => "local".into(),
        EndReason::Remote => "remote".into(),
        EndReason::Cancelled => "cancelled".into(),
        EndReason::Rejected { status, reason } => format!("{status} {reason}"),
        EndReason::Timeout => "timeout".into(),
        EndReason::TransportError => "transport error".into(),
        EndReason::Failed(why) => why.clone(),
    }
}

impl Phone {
    /// Stops the ringback unless another outgoing call (than `answered`) still rings.
    fn stop_ringback(&mut self, answered: Option<CallId>) {
        let ringing =
            self.calls.values().any(|c| Some(c.id) != answered && c.state == CallState::Ringing);
        if !ringing {
            self.media.tone(None);
        }
    }
}
