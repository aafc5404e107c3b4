//! Client transactions: INVITE (RFC 3261 §17.1.1 with RFC 6026's Accepted state) and
//! non-INVITE (§17.1.2).

use std::time::{Duration, Instant};

use super::deadlines::Deadlines;
use super::key::TxId;
use super::layer::{Queues, TxEvent};
use super::timers::TimerConfig;
use crate::message::{HeaderName, Method, Request, Response};
use crate::target::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientState {
    /// Calling (INVITE) or Trying (non-INVITE).
    Initial,
    Proceeding,
    /// RFC 6026: a 2xx to an INVITE was received; later 2xx pass to the TU.
    Accepted,
    Completed,
    Terminated,
}

#[derive(Debug)]
pub(crate) struct ClientTx {
    pub(crate) id: TxId,
    pub(crate) request: Request,
    bytes: Vec<u8>,
    pub(crate) target: Target,
    pub(crate) state: ClientState,
    /// Timer A or E (retransmit), B or F (timeout), D, K or M (end).
    t: Deadlines,
    ack: Option<Vec<u8>>,
    timers: TimerConfig,
}

impl ClientTx {
    pub(crate) fn start(
        id: TxId,
        request: Request,
        target: Target,
        now: Instant,
        timers: TimerConfig,
        q: &mut Queues,
    ) -> ClientTx {
        let bytes = request.to_bytes();
        q.transmit(target, bytes.clone());
        let reliable = target.transport.is_reliable();
        ClientTx {
            id,
            request,
            bytes,
            target,
            state: ClientState::Initial,
            t: Deadlines {
                retransmit_at: (!reliable).then(|| now + timers.t1),
                interval: timers.t1,
                timeout_at: Some(now + timers.t64()),
                end_at: None,
            },
            ack: None,
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
        self.state = ClientState::Terminated;
        self.t.clear();
        q.event(TxEvent::Terminated { tx: self.id });
    }

    pub(crate) fn on_response(&mut self, response: Response, now: Instant, q: &mut Queues) {
        let code = response.status.0;
        let reliable = self.target.transport.is_reliable();
        match (self.is_invite(), self.state) {
            (_, ClientState::Terminated) => {}
            (true, ClientState::Initial | ClientState::Proceeding) if code < 200 => {
                self.state = ClientState::Proceeding;
                self.t.retransmit_at = None;
                // Timer B only guards the Calling state.
                self.t.timeout_at = None;
                q.event(TxEvent::Response { tx: self.id, response });
            }
            (true, ClientState::Initial | ClientState::Proceeding) if code < 300 => {
                self.state = ClientState::Accepted;
                self.t.retransmit_at = None;
                self.t.timeout_at = None;
                self.t.end_at = Some(now + self.timers.t64());
                q.event(TxEvent::Response { tx: self.id, response });
            }
            (true, ClientState::Accepted) if (200..300).contains(&code) => {
                q.event(TxEvent::Response { tx: self.id, response });
            }
            (true, ClientState::Initial | ClientState::Proceeding) => {
                let ack = self.build_ack(&response).to_bytes();
                q.transmit(self.target, ack.clone());
                self.ack = Some(ack);
                self.state = ClientState::Completed;
                self.t.retransmit_at = None;
                self.t.timeout_at = None;
                self.t.end_at = Some(now + if reliable { Duration::ZERO } else { self.timers.d() });
                q.event(TxEvent::Response { tx: self.id, response });
            }
            (true, ClientState::Completed) if code >= 300 => {
                // A retransmitted final response: the ACK was lost (§17.1.1.2).
                if let Some(ack) = &self.ack {
                    q.transmit(self.target, ack.clone());
                }
            }
            (false, ClientState::Initial | ClientState::Proceeding) if code < 200 => {
                self.state = ClientState::Proceeding;
                if let Some(at) = self.t.retransmit_at.as_mut() {
                    self.t.interval = self.timers.t2;
                    *at = (*at).max(now);
                }
                q.event(TxEvent::Response { tx: self.id, response });
            }
            (false, ClientState::Initial | ClientState::Proceeding) => {
                self.state = ClientState::Completed;
                self.t.retransmit_at = None;
                self.t.timeout_at = None;
                self.t.end_at = Some(now + if reliable { Duration::ZERO } else { self.timers.t4 });
                q.event(TxEvent::Response { tx: self.id, response });
            }
            _ => {}
        }
        if self.t.ended(now) {
            self.terminate(q);
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant, q: &mut Queues) {
        if self.t.timed_out(now) {
            // Timer B or F: the peer never answered.
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
            q.transmit(self.target, self.bytes.clone());
            // Timer A doubles without bound; timer E doubles up to T2 (§17.1.2.2).
            self.t.interval = if self.is_invite() {
                self.t.interval * 2
            } else {
                (self.t.interval * 2).min(self.timers.t2)
            };
            // From now, not from the due time: after a stall, no burst of catch-up sends.
            self.t.retransmit_at = Some(now.max(at) + self.t.interval);
        }
    }

    pub(crate) fn on_transport_error(&mut self, q: &mut Queues) {
        if self.state != ClientState::Terminated {
            q.event(TxEvent::TransportError { tx: self.id });
            self.terminate(q);
        }
    }

    /// The ACK for a non-2xx final response (§17.1.1.3).
    fn build_ack(&self, response: &Response) -> Request {
        let mut ack = Request::new(Method::Ack, self.request.uri.clone());
        let h = &self.request.headers;
        if let Some(v) = h.get_all(&HeaderName::Via).next() {
            // Only the top Via, which is the first value of the first Via line.
            let top = crate::message::split_list(v).next().unwrap_or(v);
            ack.headers.push(HeaderName::Via, top);
        }
        for name in [HeaderName::Route, HeaderName::From, HeaderName::CallId] {
            for v in h.get_all(&name) {
                ack.headers.push(name.clone(), v);
            }
        }
        if let Some(to) = response.headers.get(&HeaderName::To) {
            ack.headers.push(HeaderName::To, to);
        }
        let seq = h.cseq().map(|c| c.seq).unwrap_or(1);
        ack.headers.push(HeaderName::CSeq, format!("{seq} ACK"));
        ack.headers.push(HeaderName::MaxForwards, "70");
        ack
    }
}
