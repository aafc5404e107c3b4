//! Reliable provisional responses (RFC 3262): RSeq and Require: 100rel on our 18x when the
//! caller supports or requires them, retransmission until the PRACK, and PRACK for the
//! reliable provisionals we receive.

use std::time::{Duration, Instant};

use super::agent::UserAgent;
use super::call::CallState;
use super::events::{CallHandle, EndReason};
use crate::message::{HeaderName, Method, Request, Response};
use crate::transaction::TxId;

/// A reliable provisional waiting for its PRACK.
#[derive(Debug)]
pub(crate) struct Unacked {
    response: Response,
    tx: TxId,
    rseq: u32,
    next_at: Instant,
    interval: Duration,
    deadline: Instant,
}

impl Unacked {
    pub(crate) fn next_timeout(&self) -> Instant {
        self.next_at.min(self.deadline)
    }
}

fn wants_100rel(invite: &Request, use_when_supported: bool) -> bool {
    invite.headers.tokens(&HeaderName::Require).contains("100rel")
        || (use_when_supported && invite.headers.tokens(&HeaderName::Supported).contains("100rel"))
}

impl UserAgent {
    /// Makes `r` (a 18x to the call's INVITE) reliable if the caller asked for it, and
    /// sends it.
    pub(crate) fn send_provisional(
        &mut self,
        call: CallHandle,
        tx: TxId,
        mut r: Response,
        now: Instant,
    ) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if !wants_100rel(&c.invite, self.cfg.use_100rel) || r.status.0 == 100 {
            let _ = self.tx.send_response(tx, &r, now);
            return;
        }
        if c.rseq == 0 {
            c.rseq = self.ids.millis(1, 1 << 20) as u32;
        } else {
            c.rseq += 1;
        }
        r.headers.push(HeaderName::Require, "100rel");
        r.headers.push(HeaderName::RSeq, c.rseq.to_string());
        let t1 = self.cfg.timers.t1;
        c.unacked = Some(Unacked {
            response: r.clone(),
            tx,
            rseq: c.rseq,
            next_at: now + t1,
            interval: t1,
            deadline: now + t1 * 64,
        });
        let _ = self.tx.send_response(tx, &r, now);
    }

    /// A PRACK for one of our reliable provisionals (§3): `RAck: rseq cseq method`.
    pub(crate) fn on_prack(&mut self, tx: TxId, request: Request, call: CallHandle, now: Instant) {
        let rack = request.headers.get(&HeaderName::RAck).unwrap_or("").to_owned();
        let mut parts = rack.split_ascii_whitespace();
        let rseq = parts.next().and_then(|v| v.parse::<u32>().ok());
        let cseq = parts.next().and_then(|v| v.parse::<u32>().ok());
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let invite_seq = c.invite.headers.cseq().map(|s| s.seq).ok();
        let pending = c.unacked.as_ref().is_some_and(|u| Some(u.rseq) == rseq);
        // A PRACK for our last reliable provisional that the final response already
        // superseded (we answered before it came: §3 allows that) is still that
        // response's PRACK, not a stray one: 200, not 481 (which would end the call).
        let superseded = c.unacked.is_none() && c.rseq > 0 && rseq == Some(c.rseq);
        let matches = (pending || superseded) && cseq == invite_seq;
        if matches {
            c.unacked = None;
        }
        let r = self.response(&request, if matches { 200 } else { 481 });
        self.send_response(tx, r, now);
    }

    /// For a provisional to our INVITE: PRACK it if it is reliable. Returns false for a
    /// retransmission of one already acknowledged (not to be reported again).
    pub(crate) fn prack_if_reliable(
        &mut self,
        call: CallHandle,
        r: &Response,
        now: Instant,
    ) -> bool {
        if !r.headers.tokens(&HeaderName::Require).contains("100rel") {
            return true;
        }
        let Some(rseq) =
            r.headers.get(&HeaderName::RSeq).and_then(|v| v.trim().parse::<u32>().ok())
        else {
            return true;
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        if c.last_rseq.is_some_and(|last| rseq <= last) {
            return false;
        }
        c.last_rseq = Some(rseq);
        let cseq = r.headers.cseq().map(|s| s.seq).unwrap_or(1);
        let rack = format!("{rseq} {cseq} INVITE");
        let _ = self.in_dialog_with(call, Method::Prack, None, vec![(HeaderName::RAck, rack)], now);
        true
    }

    /// Retransmits unacknowledged reliable provisionals (T1 doubling, §3), and gives up on
    /// the call after 64·T1 with a 5xx.
    pub(crate) fn prack_timers(&mut self, call: CallHandle, now: Instant) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(u) = c.unacked.as_mut() else { return };
        if u.deadline <= now {
            let (tx, invite, tag) = (u.tx, c.invite.clone(), c.local_tag.clone());
            c.unacked = None;
            if c.state == CallState::Incoming {
                let r = Response::to_request(&invite, 504, Some(&tag)).with_reason("No PRACK");
                let _ = self.tx.send_response(tx, &r, now);
                self.end_call(call, EndReason::Timeout, now);
            }
            return;
        }
        if u.next_at <= now {
            u.interval *= 2;
            u.next_at = now + u.interval;
            let (tx, r) = (u.tx, u.response.clone());
            let _ = self.tx.send_response(tx, &r, now);
        }
    }
}
