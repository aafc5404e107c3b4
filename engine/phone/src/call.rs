//! One call as the phone sees it: its SIP handle, state, RTP port and negotiated
//! stream, hold and mute, the digits waiting to be sent, and the event that shows it.

use std::collections::VecDeque;
use std::time::{Instant, SystemTime};

use earshot_sip::sdp::{Negotiated, SessionDescription};
use earshot_sip::ua::CallHandle;

use super::api::{CallId, CallState, Direction, Event};
use super::mix::{LegMix, Supervision};
use earshot_media::mix::MonitorMode;

#[derive(Debug)]
pub struct Call {
    pub id: CallId,
    pub handle: CallHandle,
    pub direction: Direction,
    /// The peer: From of an incoming call, the Request-URI of an outgoing one.
    pub remote: String,
    pub state: CallState,
    pub muted: bool,
    pub conference: bool,
    /// We put it on hold (our last offer was sendonly).
    pub local_hold: bool,
    /// The peer put us on hold (its last offer was sendonly or inactive).
    pub remote_hold: bool,
    pub started: SystemTime,
    pub answered: Option<Instant>,
    pub rtp_port: u16,
    /// Our last offer, to read the answer against.
    pub offer: Option<SessionDescription>,
    /// The peer's offer of an incoming call.
    pub remote_offer: Option<Vec<u8>>,
    pub negotiated: Option<Negotiated>,
    /// The media leg is in the loop.
    pub has_leg: bool,
    pub codec: Option<String>,
    /// SDP o= version of our next description (RFC 3264 §8: +1 per change).
    pub sdp_version: u64,
    pub dtmf: VecDeque<char>,
    pub next_digit_at: Option<Instant>,
    /// Answer this incoming call at that moment (auto-answer).
    pub answer_at: Option<Instant>,
    /// Stop ringing this incoming call then, answering it with this status, after ringing
    /// this long (ringing.rs).
    pub ring_until: Option<(Instant, u16, std::time::Duration)>,
    /// The call this consultation call was made from (held while it lasts).
    pub consulting_for: Option<CallId>,
    pub last_quality: Option<Instant>,
    /// The last quality figures reported, for the history.
    pub last_figures: Option<Figures>,
    /// Agent side: this call is a supervisor monitoring our call `.0` in mode `.1`.
    pub monitor: Option<(CallId, MonitorMode)>,
    /// Supervisor side: this call monitors an agent's call in this mode.
    pub monitoring: Option<MonitorMode>,
    /// We sent its BYE (or CANCEL) ourselves and wait for the end.
    pub hung_up: bool,
    /// Our transfer of it succeeded (its end is the interaction transferred away).
    pub transferred_away: bool,
    /// The desk's interaction for it.
    pub interaction: Option<u64>,
    /// Our hold or resume re-INVITE is in flight (RFC 3264 §4: one offer at a time); this
    /// is the hold flag from before it, put back if the peer refuses the offer.
    pub hold_in_flight: Option<bool>,
    /// A hold or resume asked for while an offer was in flight: applied once it settles.
    pub wanted_hold: Option<bool>,
    /// What arrived from the peer and when, once the leg is up: a call silent for
    /// `calls.silence_timeout_s` is ended.
    pub heard: Option<super::liveness::Heard>,
}

/// A call's quality at its last report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub mos: f64,
    pub loss_pct: f64,
    pub jitter_ms: f64,
    pub rtt_ms: Option<f64>,
}

impl Call {
    pub fn new(
        id: CallId,
        handle: CallHandle,
        direction: Direction,
        remote: String,
        started: SystemTime,
    ) -> Call {
        Call {
            id,
            handle,
            direction,
            remote,
            state: match direction {
                Direction::Incoming => CallState::Incoming,
                Direction::Outgoing => CallState::Dialing,
            },
            muted: false,
            conference: false,
            local_hold: false,
            remote_hold: false,
            started,
            answered: None,
            rtp_port: 0,
            offer: None,
            remote_offer: None,
            negotiated: None,
            has_leg: false,
            codec: None,
            sdp_version: 1,
            dtmf: VecDeque::new(),
            next_digit_at: None,
            answer_at: None,
            ring_until: None,
            consulting_for: None,
            last_quality: None,
            last_figures: None,
            monitor: None,
            monitoring: None,
            hung_up: false,
            transferred_away: false,
            interaction: None,
            hold_in_flight: None,
            wanted_hold: None,
            heard: None,
        }
    }

    /// Answered and up: not dialing, ringing or ended.
    pub fn is_up(&self) -> bool {
        matches!(self.state, CallState::Active | CallState::Held | CallState::RemoteHeld)
    }

    /// The state that follows from the hold flags, once answered.
    pub fn settle_state(&mut self) {
        if self.is_up() {
            self.state = if self.local_hold {
                CallState::Held
            } else if self.remote_hold {
                CallState::RemoteHeld
            } else {
                CallState::Active
            };
        }
    }

    /// How its leg takes part in the mix.
    pub fn mix(&self) -> LegMix {
        let up = self.is_up();
        LegMix {
            slot: 0,
            // A supervisor listening says nothing.
            sends: up
                && !self.local_hold
                && !self.remote_hold
                && self.monitoring != Some(MonitorMode::Listen),
            heard: up && !self.local_hold,
            muted: self.muted,
            conference: self.conference,
            // The monitored call's leg id is its call id (the slot comes later).
            supervises: self
                .monitor
                .map(|(customer, mode)| Supervision { customer: customer as usize, mode }),
        }
    }

    /// The call's state as an event, its duration reckoned at `now`.
    pub fn event(&self, reason: Option<String>, now: Instant) -> Event {
        Event::CallState {
            id: self.id,
            state: self.state,
            direction: self.direction,
            remote: self.remote.clone(),
            reason,
            muted: self.muted,
            duration_s: self.answered.map(|a| now.saturating_duration_since(a).as_secs_f64()),
            conference: self.conference,
        }
    }
}
