//! The agent's side of monitoring (DESIGN.md "Monitoring protocol"): a supervisor's INVITE
//! that joins one of our calls (RFC 3911) is answered at once — only from a supervisor on
//! our list, identified by a trusted proxy's P-Asserted-Identity (else 403 and a `security`
//! event) — and its leg is mixed by the mode's plan (`mix.rs`): the supervisor hears us
//! and the customer, in whisper we hear the supervisor, in barge the customer does too. A
//! re-INVITE changes the mode; the leg ends with the call it monitors. The agent is shown
//! the supervisor (and beeped) only if the settings say so.

use earshot_sip::message::Request;
use earshot_sip::sdp::SessionDescription;
use earshot_sip::ua::CallHandle;

use super::api::{CallId, Direction, Event};
use super::call::Call;
use super::core::Phone;
use super::identity::{asserted_identity, hop, listed};
use super::monitor_request::mode_of;
use earshot_media::mix::MonitorMode;
use earshot_media::tone::ToneSpec;

impl Phone {
    /// A supervisor asks to join our call `target`.
    pub(super) fn monitoring_requested(
        &mut self,
        call: CallHandle,
        request: Request,
        offer: Option<Vec<u8>>,
        target: CallHandle,
    ) {
        // Everything needed from the request, before any await (it is not Sync).
        let who = asserted_identity(&request, &self.config.monitoring.trusted_proxies);
        let from = request.headers.from().map(|f| f.uri.to_string()).unwrap_or_default();
        let via = hop(&request).unwrap_or_default();
        drop(request);
        let supervisor = who.filter(|w| listed(w, &self.config.monitoring.supervisors));
        let Some(supervisor) = supervisor else {
            let _ = self.ua.reject(call, 403, self.now);
            let message = format!(
                "refused a monitoring request from {from} (via {via}): not an authenticated supervisor of ours"
            );
            self.emit(Event::Security { message });
            return;
        };
        let Some(customer) = self
            .find(target)
            .filter(|id| self.calls.get(id).is_some_and(|c| c.is_up() && c.monitor.is_none()))
        else {
            let _ = self.ua.reject(call, 481, self.now);
            return;
        };
        let mode = offer
            .as_deref()
            .and_then(|o| SessionDescription::parse(o).ok())
            .and_then(|o| mode_of(&o))
            .unwrap_or(MonitorMode::Listen);
        let id = self.new_id();
        let mut c = Call::new(id, call, Direction::Incoming, supervisor, self.wall);
        c.remote_offer = offer;
        c.monitor = Some((customer, mode));
        self.calls.insert(id, c);
        if let Err(e) = self.answer_holding(id, false) {
            self.emit(Event::problem(e.problem(), None));
            return;
        }
        if self.config.monitoring.beep {
            self.media.tone(Some(ToneSpec { repeat: 1, ..ToneSpec::CALL_WAITING }));
        }
        self.remix();
    }

    /// A supervisor's re-INVITE asked for another mode.
    pub(super) fn monitor_mode_offered(&mut self, id: CallId, offer: &SessionDescription) {
        let Some(c) = self.calls.get_mut(&id) else { return };
        if let (Some((customer, _)), Some(mode)) = (c.monitor, mode_of(offer)) {
            c.monitor = Some((customer, mode));
        }
    }

    /// Hangs up monitoring legs whose call has ended (once each).
    pub(super) fn end_orphan_monitors(&mut self) {
        let live: Vec<CallId> = self.calls.keys().copied().collect();
        let orphans: Vec<(CallId, CallHandle)> = self
            .calls
            .values()
            .filter(|c| !c.hung_up)
            .filter(|c| c.monitor.is_some_and(|(customer, _)| !live.contains(&customer)))
            .map(|c| (c.id, c.handle))
            .collect();
        for (id, handle) in orphans {
            if let Some(c) = self.calls.get_mut(&id) {
                c.hung_up = true;
            }
            let _ = self.ua.hangup(handle, self.now);
        }
    }
}
