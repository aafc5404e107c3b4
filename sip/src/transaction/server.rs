//! Server transactions: INVITE (RFC 3261 §17.2.1 with RFC 6026's Accepted state) and
//! non-INVITE (§17.2.2).

use std::time::{Duration, Instant};

use super::deadlines::Deadlines;
use super::key::TxId;
use super::layer::{Queues, TxEvent};
use super::timers::TimerConfig;
use crate::message::{Method, Request, Response};
use crate::target::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerState {
    /// Trying (non-INVITE only).
    Trying,
    Proceeding,
    /// RFC 6026: a 2xx was sent; INVITE retransmissions are absorbed until timer L.
    Accepted,
    Completed,
    /// INVITE: the ACK for a non-2xx final arrived.
    Confirmed,
    Terminated,
}

#[derive(Debug)]
pub(crate) struct ServerTx {
    pub(crate) id: TxId,
    pub(crate) request: Request,
    /// Where responses go (§18.2.2, RFC 3581 symmetric responses).
    pub(crate) response_target: Target,
    pub(crate) state: ServerState,
    last_response: Option<Vec<u8>>,
    /// Timer G (retransmit), H (timeout), I, J or L (end).
    t: Deadlines,
    timers: TimerConfig,
}

impl ServerTx {
    pub(crate) fn new(
        id: TxId,
        request: Request,
        response_target: Target,
        timers: TimerConfig,
    ) -> ServerTx {
        let state = if request.method == Method::Invite {
            ServerState::Proceeding
        } else {
            ServerState::Trying
        };
        ServerTx {
            id,
            request,
            response_target,
            state,
            last_response: None,
            t: Deadlines::new(timers.t1),
            timers,
        }
    }

    fn is_invite(&self) -> bool {
        self.request.method == Method::Invite
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.t.next()
    }

    fn terminate(&mut self, q: &mut Queues) {
        self.state = ServerState::Terminated;
        self.t.clear();
        q.event(TxEvent::Terminated { tx: self.id });
    }

    /// A retransmission of the request (or, for INVITE, an ACK to a non-2xx).
    pub(crate) fn on_request(&mut self, request: &Request, now: Instant, q: &mut Queues) {
        let reliable = self.response_target.transport.is_reliable();
        if request.method == Method::Ack {
            if self.state == ServerState::Completed {
                self.state = ServerState::Confirmed;
                self.t.retransmit_at = None;
                self.t.timeout_at = None;
                self.t.end_at = Some(now + if reliable { Duration::ZERO } else { self.timers.t4 });
                if reliable {
                    self.terminate(q);
                }
            }
            return;
        }
        match self.state {
            ServerState::Proceeding | ServerState::Completed => {
                if let Some(r) = &self.last_response {
                    q.transmit(self.response_target, r.clone());
                }
            }
            // Trying: no response yet to repeat; Accepted: RFC 6026 §7.1 absorbs it.
            _ => {}
        }
    }

    /// The TU's response.
    pub(crate) fn send(&mut self, response: &Response, now: Instant, q: &mut Queues) {
        let code = response.status.0;
        let bytes = response.to_bytes();
        let reliable = self.response_target.transport.is_reliable();
        match self.state {
            ServerState::Trying | ServerState::Proceeding if code < 200 => {
                self.state = ServerState::Proceeding;
                q.transmit(self.response_target, bytes.clone());
                self.last_response = Some(bytes);
            }
            ServerState::Proceeding | ServerState::Trying if self.is_invite() && code < 300 => {
                q.transmit(self.response_target, bytes);
                self.state = ServerState::Accepted;
                self.t.end_at = Some(now + self.timers.t64());
            }
            ServerState::Accepted if (200..300).contains(&code) => {
                // The TU retransmits its 2xx through the transaction (RFC 6026 §7.1).
                q.transmit(self.response_target, bytes);
            }
            ServerState::Proceeding | ServerState::Trying if self.is_invite() => {
                q.transmit(self.response_target, bytes.clone());
                self.last_response = Some(bytes);
                self.state = ServerState::Completed;
                self.t.retransmit_at = (!reliable).then(|| now + self.timers.t1);
                self.t.timeout_at = Some(now + self.timers.t64());
            }
            ServerState::Proceeding | ServerState::Trying => {
                q.transmit(self.response_target, bytes.clone());
                self.last_response = Some(bytes);
                self.state = ServerState::Completed;
                self.t.end_at =
                    Some(now + if reliable { Duration::ZERO } else { self.timers.t64() });
                if reliable {
                    self.terminate(q);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant, q: &mut Queues) {
        if self.t.timed_out(now) {
            // Timer H: the ACK never came.
            q.event(TxEvent::Timeout { tx: self.id });
            self.terminate(q);
            return;
        }
        if self.t.ended(now) {
            self.terminate(q);
            return;
        }
        if let Some(at) = self.t.retransmit_at
            && at <= now
        {
            if let Some(r) = &self.last_response {
                q.transmit(self.response_target, r.clone());
            }
            // Timer G doubles up to T2 (§17.2.1).
            self.t.interval = (self.t.interval * 2).min(self.timers.t2);
            // From now, not from the due time: after a stall, no burst of catch-up sends.
            self.t.retransmit_at = Some(now.max(at) + self.t.interval);
        }
    }

    pub(crate) fn on_transport_error(&mut self, q: &mut Queues) {
        if self.state != ServerState::Terminated {
            q.event(TxEvent::TransportError { tx: self.id });
            self.terminate(q);
        }
    }
}
