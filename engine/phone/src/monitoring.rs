//! The supervisor's side of monitoring (DESIGN.md "Monitoring protocol"): `monitor AGENT
//! MODE` calls the agent with Join naming its current call, as the team view (`team.rs`)
//! learnt it from the agent's dialog events, and the mode in the offer
//! (`monitor_request.rs`); `monitor-mode` sends a re-INVITE with the new mode;
//! `unmonitor` hangs up. The call is an ordinary call otherwise: what the agent's engine
//! mixes for us plays in our earpiece.

use earshot_sip::message::HeaderName;
use earshot_sip::sdp::{self, Direction as SdpDirection};

use super::api::{CallId, Event};
use super::core::Phone;
use super::errors::CommandError;
use super::identity::address_of_record;
use super::monitor_request::{join_for, mode_name, parse_mode, set_mode};

impl Phone {
    /// Starts monitoring `agent`'s current call in `mode`; returns our call's id.
    pub(super) fn monitor(&mut self, agent: &str, mode: &str) -> Result<CallId, CommandError> {
        let mode = parse_mode(mode).ok_or_else(|| CommandError::BadMode(mode.to_owned()))?;
        let to = self.target(agent)?;
        let key = address_of_record(&to.uri.to_string());
        let calls =
            self.team.calls_of(&key).ok_or_else(|| CommandError::NotWatched(key.clone()))?;
        let call = calls
            .iter()
            .find(|c| c.state == "confirmed")
            .ok_or_else(|| CommandError::AgentIdle(key.clone()))?;
        let join = join_for(call).ok_or_else(|| CommandError::NoDialog(key.clone()))?;
        if let Some(dialog) = call.call_id.clone() {
            self.team.last_monitored.insert(key.clone(), dialog);
        }
        let id = self.dial_monitoring(to, vec![(HeaderName::Join, join)], mode)?;
        self.emit(Event::Monitoring { id, agent: key, mode: mode_name(mode).into() });
        Ok(id)
    }

    /// Monitors `agent`'s next answered call (its current one if it is in a call and
    /// was not monitored on it yet) in `mode`; watches the agent if needed.
    pub(super) fn monitor_next(&mut self, agent: &str, mode: &str) -> Result<(), CommandError> {
        parse_mode(mode).ok_or_else(|| CommandError::BadMode(mode.to_owned()))?;
        let to = self.target(agent)?;
        let key = address_of_record(&to.uri.to_string());
        self.watch(agent)?;
        self.team.next_call.insert(key, mode.to_ascii_lowercase());
        Ok(())
    }

    /// Starts the "monitor next call" requests whose call has been answered.
    pub(super) fn start_next_calls(&mut self) {
        for (agent, mode) in self.team.due_next_calls() {
            self.team.next_call.remove(&agent);
            if let Err(e) = self.monitor(&agent, &mode) {
                let command = Some(format!("monitor-next {agent}"));
                self.emit(Event::problem(e.problem(), command));
            }
        }
    }

    /// Switches a monitoring call to another mode (re-INVITE with the new offer).
    pub(super) fn monitor_mode(&mut self, id: CallId, mode: &str) -> Result<(), CommandError> {
        let mode = parse_mode(mode).ok_or_else(|| CommandError::BadMode(mode.to_owned()))?;
        let handle = self.up_handle(id)?;
        let (port, version, agent) = {
            let c = self.call_mut(id)?;
            if c.monitoring.is_none() {
                return Err(CommandError::NotMonitoring(id));
            }
            c.monitoring = Some(mode);
            c.sdp_version += 1;
            (c.rtp_port, c.sdp_version, c.remote.clone())
        };
        let mut offer = sdp::offer(&self.caps(port, SdpDirection::SendRecv), &self.origin(version));
        set_mode(&mut offer, mode);
        let bytes = offer.to_bytes();
        if let Some(c) = self.calls.get_mut(&id) {
            c.offer = Some(offer);
        }
        // Listening stops our microphone at once; speaking starts with the answer.
        self.remix();
        self.ua.reinvite(handle, bytes, self.now)?;
        let agent = address_of_record(&agent);
        self.emit(Event::Monitoring { id, agent, mode: mode_name(mode).into() });
        Ok(())
    }
}
