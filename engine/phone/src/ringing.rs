//! The ringtone for incoming calls: it rings while a call waits to be answered here and no
//! other call is up (during a call the call-waiting beep says it instead), and stops when
//! the call is answered, rejected, cancelled or auto-answered — or when it has rung too
//! long: `[calls] ring_timeout_s`, or sooner the INVITE's `Expires` (RFC 3261 §13.3.1.1).
//! Each channel's offers ring with a sound of their own (`offer_sound`); an offer let
//! time out beeps twice (`ToneSpec::MISSED_OFFER`); a chat offered chimes
//! (`ToneSpec::CHAT_ALERT`) until taken; a message in a chat the agent is not looking at
//! plays one note (`ToneSpec::NEW_MESSAGE`); all at `[audio] ring_volume`.

use std::time::Duration;

use earshot_desk::Channel;
use earshot_media::tone::ToneSpec;
use earshot_sip::message::Request;

use super::api::{CallId, CallState, Event};
use super::config::CallLimits;
use super::core::Phone;
use super::problem::Problem;

/// How long an incoming call may ring, and the status it then gets: the INVITE's
/// `Expires` (487 Request Terminated) if sooner than the configured limit (480).
pub fn ring_limit(invite: &Request, limits: &CallLimits) -> Option<(Duration, u16)> {
    let configured = (limits.ring_timeout_s > 0)
        .then(|| (Duration::from_secs(u64::from(limits.ring_timeout_s)), 480));
    let asked =
        invite.headers.expires().ok().flatten().map(|s| (Duration::from_secs(u64::from(s)), 487));
    match (configured, asked) {
        (Some(c), Some(a)) => Some(if a.0 < c.0 { a } else { c }),
        (c, a) => c.or(a),
    }
}

/// The sound an offer of `channel` rings with on the ringing device: each channel its own,
/// so that an agent wearing a headset knows what came before looking.
pub(crate) fn offer_sound(channel: Channel) -> ToneSpec {
    match channel {
        Channel::Voice => ToneSpec::RINGTONE,
        Channel::Chat => ToneSpec::CHAT_ALERT,
        Channel::Email => ToneSpec::EMAIL_ALERT,
    }
}

impl Phone {
    /// Starts or stops the ringtone to match the calls; call after anything that changes
    /// them.
    pub(super) fn update_ringing(&mut self) {
        let waiting =
            self.calls.values().any(|c| c.state == CallState::Incoming && c.answer_at.is_none());
        let busy = self.calls.values().any(|c| c.is_up() && c.monitor.is_none());
        if self.missed_beep_until.is_some_and(|t| t <= self.now) {
            self.missed_beep_until = None;
        }
        if self.chat_note_until.is_some_and(|t| t <= self.now) {
            self.chat_note_until = None;
        }
        let chat_offered = self
            .desk
            .interactions()
            .any(|i| i.channel == Channel::Chat && i.state == earshot_desk::State::Offered);
        let volume = self.config.audio.ring_volume;
        let sound = if waiting && !busy {
            Some(offer_sound(Channel::Voice))
        } else if self.missed_beep_until.is_some() {
            // The missed-offer beep plays out even as the missed call goes.
            Some(ToneSpec::MISSED_OFFER)
        } else if self.chat_note_until.is_some() {
            Some(ToneSpec::NEW_MESSAGE)
        } else if chat_offered {
            Some(offer_sound(Channel::Chat))
        } else {
            None
        };
        let sound = sound.map(|s| s.at_volume(volume));
        if let Some(problem) = self.media.ring(sound) {
            self.emit(Event::problem(Problem::RingingDeviceFailed { why: problem }, None));
        }
    }
}

impl Phone {
    /// An offer was let time out: the missed-offer beep, once.
    pub(super) fn beep_missed_offer(&mut self) {
        let s = ToneSpec::MISSED_OFFER;
        let length = u64::from(s.repeat) * u64::from(s.on_ms + s.off_ms);
        self.missed_beep_until = Some(self.now + Duration::from_millis(length));
        self.update_ringing();
    }

    /// A message came into a chat the agent is not looking at: one note.
    pub(super) fn chat_note(&mut self) {
        let s = ToneSpec::NEW_MESSAGE;
        let length = u64::from(s.repeat) * u64::from(s.on_ms + s.off_ms);
        self.chat_note_until = Some(self.now + Duration::from_millis(length));
        self.update_ringing();
    }

    /// Incoming calls that rang past their limit: answered 480 or 487 and ended.
    pub(super) fn end_unanswered(&mut self) {
        let now = self.now;
        let due: Vec<(CallId, u16, Duration)> = self
            .calls
            .values()
            .filter(|c| c.state == CallState::Incoming)
            .filter_map(|c| {
                let (until, status, rang) = c.ring_until?;
                (until <= now).then_some((c.id, status, rang))
            })
            .collect();
        for (id, status, rang) in due {
            let Some(handle) = self.calls.get(&id).map(|c| c.handle) else { continue };
            let _ = self.ua.reject(handle, status, now);
            let secs = rang.as_secs();
            let reason = match status {
                487 => format!("the caller's offer expired after {secs} s"),
                _ => format!("not answered within {secs} s"),
            };
            self.end(id, None, reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_sip::message::{Message, parse_datagram};

    fn invite(extra: &str) -> Request {
        let text = format!(
            "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n\
             From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: c1\r\n\
             CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n{extra}Content-Length: 0\r\n\r\n"
        );
        match parse_datagram(text.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_invites_expires_ends_ringing_sooner_with_487() {
        let limits = CallLimits { ring_timeout_s: 120, ..CallLimits::default() };
        assert_eq!(ring_limit(&invite(""), &limits), Some((Duration::from_secs(120), 480)));
        let soon = ring_limit(&invite("Expires: 15\r\n"), &limits);
        assert_eq!(soon, Some((Duration::from_secs(15), 487)));
        let late = ring_limit(&invite("Expires: 300\r\n"), &limits);
        assert_eq!(late, Some((Duration::from_secs(120), 480)));
        let never = CallLimits { ring_timeout_s: 0, ..CallLimits::default() };
        assert_eq!(ring_limit(&invite(""), &never), None);
    }

    /// Each channel's offer sounds different: another pitch and another cadence.
    #[test]
    fn each_channel_rings_its_own_sound() {
        let sounds = Channel::ALL.map(offer_sound);
        for (i, a) in sounds.iter().enumerate() {
            for b in sounds.iter().skip(i + 1) {
                assert!(a.freqs != b.freqs && (a.on_ms, a.off_ms) != (b.on_ms, b.off_ms));
            }
        }
        assert_eq!(offer_sound(Channel::Voice), ToneSpec::RINGTONE);
    }
}
