//! Keeping a registration's flow alive (RFC 5626 §3.5.1, §4.4.1): while registered, every
//! `keepalive` interval a CRLF ping ("\r\n\r\n") goes down a TCP or TLS flow and the
//! server's pong (a single CRLF) must come back within 10 s; on UDP an OPTIONS to the
//! registrar does both jobs (it keeps the NAT binding open and any answer proves the server
//! is there). A flow that fails — no pong, the OPTIONS timed out or got 503, or the
//! connection closed — is
//! reported and the binding registered again at once, so the registration moves to a
//! working server (RFC 3263 failover) or reports its failure.

use std::time::{Duration, Instant};

use super::agent::{Purpose, UserAgent};
use super::events::{RegHandle, UaEvent};
use crate::message::{HeaderName, Method, NameAddr, Response};
use crate::target::{Target, TransportKind};

/// How long a pong may take (RFC 5626 §4.4.1).
pub const PONG_WAIT: Duration = Duration::from_secs(10);

/// The keep-alive state of one registration's flow.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeepAlive {
    every: Option<Duration>,
    next_at: Option<Instant>,
    /// A ping went out and its pong has not come back.
    pong_due: Option<Instant>,
}

impl KeepAlive {
    /// Registered: the first keep-alive one interval from now.
    pub(crate) fn start(&mut self, every: Option<Duration>, now: Instant) {
        self.every = every;
        self.next_at = every.map(|e| now + e);
        self.pong_due = None;
    }

    pub(crate) fn stop(&mut self) {
        *self = KeepAlive::default();
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        [self.next_at, self.pong_due].into_iter().flatten().min()
    }
}

impl UserAgent {
    /// Keep-alives due, and pongs that did not come.
    pub(crate) fn keepalive_timers(&mut self, now: Instant) {
        let mut failed = Vec::new();
        let mut pings = Vec::new();
        let mut options = Vec::new();
        for (reg, r) in self.regs.iter_mut() {
            let Some(flow) = r.live_flow() else { continue };
            let k = &mut r.keepalive;
            if k.pong_due.is_some_and(|t| t <= now) {
                k.pong_due = None;
                failed.push((*reg, "no pong to the keep-alive ping within 10 s"));
                continue;
            }
            let (Some(at), Some(every)) = (k.next_at, k.every) else { continue };
            if at > now {
                continue;
            }
            k.next_at = Some(now + every);
            if flow.transport == TransportKind::Udp {
                options.push((*reg, flow));
            } else {
                // The earliest unanswered ping counts (pings may be closer than 10 s).
                k.pong_due.get_or_insert(now + PONG_WAIT);
                pings.push(flow);
            }
        }
        for flow in pings {
            // RFC 5626 §3.5.1: a double CRLF on the connection.
            self.tx.send_stateless(flow, b"\r\n\r\n".to_vec());
        }
        for (reg, flow) in options {
            self.send_keepalive_options(reg, flow, now);
        }
        for (reg, why) in failed {
            self.flow_failed(reg, why.to_owned(), now);
        }
    }

    /// An OPTIONS to the registrar on the registration's flow.
    fn send_keepalive_options(&mut self, reg: RegHandle, flow: Target, now: Instant) {
        let Some(registrar) = self.regs.get(&reg).map(|r| r.registrar().clone()) else { return };
        let call_id = self.ids.call_id(&self.cfg.local.ip().to_string());
        let tag = self.ids.tag();
        let to = NameAddr::new(registrar.clone());
        let mut req = self.new_request(Method::Options, &to, &call_id, &tag, 1, &flow);
        req.uri = registrar;
        req.headers.push(HeaderName::Accept, "application/sdp");
        // This flow is what is being checked: no failover to another server.
        if let Some(tx) = self.start(Purpose::KeepAlive(reg), req, flow, now)
            && let Some(p) = self.pending.get_mut(&tx)
        {
            p.alternatives.clear();
        }
    }

    /// The registrar's answer to a keep-alive OPTIONS: any answer but a time-out or 503
    /// proves the flow (a 404 or 405 comes from a live server too).
    pub(crate) fn on_keepalive_final(&mut self, reg: RegHandle, resp: &Response, now: Instant) {
        let status = resp.status.0;
        if matches!(status, 408 | 503) {
            let why =
                format!("the registrar did not answer a keep-alive ({status} {})", resp.reason);
            self.flow_failed(reg, why, now);
        }
    }

    /// A pong (a lone CRLF) arrived on the connection to `from`.
    pub fn handle_pong(&mut self, from: Target, _now: Instant) {
        for r in self.regs.values_mut() {
            if r.live_flow() == Some(from) {
                r.keepalive.pong_due = None;
            }
        }
    }

    /// The connection to `flow` closed or failed: a registration on it has lost its flow
    /// (RFC 5626 §4.4: the server can no longer reach us through it).
    pub fn handle_flow_closed(&mut self, flow: Target, now: Instant) {
        let lost: Vec<RegHandle> = self
            .regs
            .iter()
            .filter(|(_, r)| r.live_flow() == Some(flow))
            .map(|(h, _)| *h)
            .collect();
        for reg in lost {
            self.flow_failed(reg, "the connection to the registrar closed".to_owned(), now);
        }
    }

    /// The flow is gone: say so, and register again now.
    fn flow_failed(&mut self, reg: RegHandle, why: String, now: Instant) {
        let Some(r) = self.regs.get_mut(&reg) else { return };
        if r.live_flow().is_none() {
            return;
        }
        r.keepalive.stop();
        let expires = r.expires();
        self.events.push_back(UaEvent::FlowFailed { reg, reason: why });
        self.send_register(reg, expires, now);
    }
}
