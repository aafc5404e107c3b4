//! The phone's 20 ms housekeeping: the media's reports (digits, call quality), digits
//! waiting to be sent (RFC 4733, or SIP INFO), auto-answers that are due.

use std::time::{Duration, Instant};

use super::api::{CallId, CallState, Event};
use super::call::Figures;
use super::core::Phone;
use super::liveness::Verdict;
use super::media::route_error;
use super::problem::Problem;
use earshot_media::control::MediaEvent;

impl Phone {
    /// Ends answered calls whose peer has gone silent, and probes held ones (liveness.rs).
    fn end_silent_calls(&mut self, now: Instant) {
        let timeout = Duration::from_secs(u64::from(self.config.calls.silence_timeout_s));
        let mut dead = Vec::new();
        let mut probe = Vec::new();
        for c in self.calls.values_mut().filter(|c| c.is_up() && !c.hung_up) {
            let flowing = !c.local_hold && !c.remote_hold;
            let Some(h) = c.heard.as_mut() else { continue };
            match h.judge(flowing, timeout, now) {
                Verdict::Alive => {}
                Verdict::Probe => probe.push(c.handle),
                Verdict::Dead => dead.push(c.id),
            }
        }
        for handle in probe {
            let _ = self.ua.probe(handle, self.now);
        }
        for id in dead {
            let secs = timeout.as_secs();
            let reason = format!("nothing heard from the other side for {secs} s");
            if let Some(c) = self.calls.get_mut(&id) {
                c.hung_up = true;
            }
            let handle = self.calls.get(&id).map(|c| c.handle);
            if let Some(handle) = handle {
                let _ = self.ua.hangup(handle, self.now);
            }
            self.end(id, None, reason);
        }
    }

    /// Every 20 ms: media reports, digits to send, auto-answers due.
    pub(super) fn tick(&mut self) {
        let now = self.now;
        // Once the media thread has started: say if it runs without real-time priority.
        if !self.scheduling_seen
            && let Some(s) = self.media.scheduling()
        {
            self.scheduling_seen = true;
            if let earshot_media::priority::Scheduling::Ordinary(why) = s {
                self.emit(Event::problem(Problem::NoRealTime { why: why.to_string() }, None));
            }
        }
        self.team_retry(now);
        self.chats_tick();
        self.colleagues_due(now);
        let (media_events, route) = self.media.poll(now);
        if let Some(r) = route {
            self.emit(route_error(&r));
        }
        for e in media_events {
            match e {
                MediaEvent::Digit { leg, digit } => {
                    self.emit(Event::Dtmf { id: CallId::from(leg), digit })
                }
                MediaEvent::Stats { leg, stats } => {
                    let id = CallId::from(leg);
                    let Some(c) = self.calls.get_mut(&id) else { continue };
                    if let Some(h) = c.heard.as_mut() {
                        h.rtp(stats.packets_received, now);
                    }
                    // Once a second, from a second after the answer (the first report's
                    // counts describe a stream only just begun).
                    let second = Duration::from_secs(1);
                    let young = c.answered.is_none_or(|a| now.duration_since(a) < second);
                    if young || c.last_quality.is_some_and(|t| now.duration_since(t) < second) {
                        continue;
                    }
                    c.last_quality = Some(now);
                    c.last_figures = Some(Figures {
                        mos: stats.mos,
                        loss_pct: stats.loss_pct,
                        jitter_ms: stats.jitter_ms,
                        rtt_ms: stats.rtt_ms,
                    });
                    let codec = c.codec.clone().unwrap_or_default();
                    self.emit(Event::Quality {
                        id,
                        codec,
                        packets_received: stats.packets_received,
                        lost: stats.lost,
                        loss_pct: stats.loss_pct,
                        jitter_ms: stats.jitter_ms,
                        rtt_ms: stats.rtt_ms,
                        jitter_buffer_ms: stats.jitter_buffer.delay_ms,
                        concealed_ms: stats.concealed_ms,
                        mos: stats.mos,
                    });
                }
                MediaEvent::PromptEnded { prompt, completed, .. } => {
                    if let Some((id, file)) = self.plays.remove(&prompt) {
                        self.emit(Event::PlayEnded { id, file, completed });
                    }
                }
                MediaEvent::Rtcp { leg, .. } => {
                    if let Some(h) =
                        self.calls.get_mut(&CallId::from(leg)).and_then(|c| c.heard.as_mut())
                    {
                        h.rtcp(now);
                    }
                }
                _ => {}
            }
        }
        self.end_silent_calls(now);
        self.end_unanswered();
        // Auto-answers due, when the desk lets the agent take them now (an agent who is
        // talking is not interrupted unless the setting says so).
        let free = self.take_policy().may_auto_answer_now(self.load());
        let due: Vec<CallId> = self
            .calls
            .values()
            .filter(|c| c.answer_at.is_some_and(|t| t <= now) && c.state == CallState::Incoming)
            .filter(|_| free)
            .map(|c| c.id)
            .take(1)
            .collect();
        for id in due {
            if let Some(c) = self.calls.get_mut(&id) {
                c.answer_at = None;
            }
            if let Err(e) = self.answer(id) {
                self.emit(Event::problem(e.problem(), None));
            }
        }
        // Digits: one every 200 ms (100 ms tone, 100 ms gap, RFC 4733 §2.5).
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            let Some(c) = self.calls.get_mut(&id) else { continue };
            if c.dtmf.is_empty() || c.next_digit_at.is_some_and(|t| t > now) {
                continue;
            }
            let Some(digit) = c.dtmf.pop_front() else { continue };
            c.next_digit_at = Some(now + Duration::from_millis(200));
            let rfc4733 =
                c.negotiated.as_ref().is_some_and(|n| n.telephone_event.is_some()) && c.has_leg;
            let handle = c.handle;
            if rfc4733 {
                let _ = self.media.dtmf(id as u32, digit);
                // What was pressed, heard in the earpiece (ITU-T Q.23), 100 ms.
                self.media.tone(earshot_media::tone::ToneSpec::dtmf(digit));
            } else {
                let _ = self.ua.info_dtmf(handle, digit, 100, self.now);
            }
        }
    }
}
