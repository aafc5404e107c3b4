//! A finished call turned into its history row: the outcome from how it ended, its times
//! on the wall clock, its last quality figures.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use earshot_sip::ua::EndReason;

use super::api::Direction;
use super::call::Call;
use super::history::{CallRecord, Outcome};

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// How a call ended, for the history: answered calls are `answered` whoever hung up;
/// otherwise it depends on the side and the reason.
pub fn outcome(call: &Call, reason: Option<&EndReason>) -> Outcome {
    if call.answered.is_some() {
        return Outcome::Answered;
    }
    match (call.direction, reason) {
        (Direction::Incoming, Some(EndReason::Cancelled | EndReason::Remote)) => Outcome::Missed,
        (Direction::Incoming, Some(EndReason::Local | EndReason::Rejected { .. }) | None) => {
            Outcome::Rejected
        }
        (Direction::Outgoing, Some(EndReason::Rejected { .. })) => Outcome::Rejected,
        (Direction::Outgoing, Some(EndReason::Local) | None) => Outcome::Cancelled,
        _ => Outcome::Failed,
    }
}

/// The history row for `call`, ended at `now` (`wall` on the wall clock).
pub fn record(
    call: &Call,
    local: &str,
    reason: Option<&EndReason>,
    text: &str,
    (now, wall): (Instant, SystemTime),
) -> CallRecord {
    let answered_ms = call.answered.map(|a| unix_ms(wall - now.saturating_duration_since(a)));
    let q = call.last_figures;
    CallRecord {
        incoming: call.direction == Direction::Incoming,
        local: local.to_owned(),
        remote: call.remote.clone(),
        started_ms: unix_ms(call.started),
        answered_ms,
        ended_ms: unix_ms(wall),
        outcome: outcome(call, reason),
        reason: Some(text.to_owned()),
        codec: call.codec.clone(),
        mos: q.map(|q| q.mos),
        loss_pct: q.map(|q| q.loss_pct),
        jitter_ms: q.map(|q| q.jitter_ms),
        rtt_ms: q.and_then(|q| q.rtt_ms),
    }
}
