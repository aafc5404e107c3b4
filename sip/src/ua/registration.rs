//! Registration bindings (RFC 3261 §10.2): REGISTER with digest authentication, refresh
//! before expiry, 423 Min-Expires, re-registration after failure with back-off (the
//! RFC 5626 §4.5 formula), and removal with `Expires: 0`.

use std::time::{Duration, Instant};

use super::agent::{Pending, Purpose, UaError, UserAgent};
use super::events::{RegHandle, UaEvent};
use crate::message::{HeaderName, Method, NameAddr, Response, Uri};
use crate::target::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegState {
    Registering,
    Registered,
    Failed,
    Unregistering,
}

#[derive(Debug)]
pub(crate) struct Registration {
    registrar: Uri,
    target: Target,
    call_id: String,
    from_tag: String,
    cseq: u32,
    expires: u32,
    state: RegState,
    refresh_at: Option<Instant>,
    failures: u32,
    /// The flow's keep-alives (keepalive.rs).
    pub(crate) keepalive: super::keepalive::KeepAlive,
}

impl Registration {
    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        [self.refresh_at, self.keepalive.next_timeout()].into_iter().flatten().min()
    }

    /// Registered, with the server it answered from.
    pub(crate) fn live_flow(&self) -> Option<Target> {
        (self.state == RegState::Registered).then_some(self.target)
    }

    /// Being kept (registering or registered, not being removed).
    pub(crate) fn is_kept(&self) -> bool {
        matches!(self.state, RegState::Registering | RegState::Registered | RegState::Failed)
    }

    /// The server the binding goes to.
    pub(crate) fn flow(&self) -> Target {
        self.target
    }

    pub(crate) fn registrar(&self) -> &Uri {
        &self.registrar
    }

    pub(crate) fn expires(&self) -> u32 {
        self.expires
    }
}

/// RFC 5626 §4.5: wait = min(max-time, base-time · 2^failures), times a random 50–100 %.
fn backoff(failures: u32, fraction: f64) -> Duration {
    let base = 30.0 * 2f64.powi(failures.min(10) as i32);
    Duration::from_secs_f64(base.min(1800.0) * (0.5 + fraction / 2.0))
}

impl UserAgent {
    /// Registers this agent's Contact at `registrar` for `expires` seconds, and keeps the
    /// binding alive until `unregister`.
    pub fn register(
        &mut self,
        registrar: Uri,
        expires: u32,
        now: Instant,
    ) -> Result<RegHandle, UaError> {
        let target = self.route_for(&registrar)?;
        let reg = RegHandle(self.handle());
        let call_id = self.ids.call_id(&self.cfg.local.ip().to_string());
        let from_tag = self.ids.tag();
        self.regs.insert(
            reg,
            Registration {
                registrar,
                target,
                call_id,
                from_tag,
                cseq: 0,
                expires,
                state: RegState::Registering,
                refresh_at: None,
                failures: 0,
                keepalive: Default::default(),
            },
        );
        self.send_register(reg, expires, now);
        Ok(reg)
    }

    /// Removes the binding (`Expires: 0`).
    /// The registrar answered from another located server: refreshes go there.
    pub(crate) fn registration_moved(&mut self, reg: RegHandle, target: Target) {
        if let Some(r) = self.regs.get_mut(&reg) {
            r.target = target;
        }
    }

    pub fn unregister(&mut self, reg: RegHandle, now: Instant) -> Result<(), UaError> {
        let r = self.regs.get_mut(&reg).ok_or(UaError::NoRegistration)?;
        r.state = RegState::Unregistering;
        r.refresh_at = None;
        r.keepalive.stop();
        self.send_register(reg, 0, now);
        Ok(())
    }

    /// Stops keeping a registration without removing its binding: for when a new
    /// registration of the same address of record takes its place (its REGISTER
    /// refreshes the binding; an un-REGISTER racing it could remove the new one).
    pub fn forget_registration(&mut self, reg: RegHandle) {
        self.regs.remove(&reg);
    }

    /// Unregisters everything, hangs up every call and removes what we published (clean
    /// shutdown).
    pub fn shutdown(&mut self, now: Instant) {
        let regs: Vec<RegHandle> = self.regs.keys().copied().collect();
        for r in regs {
            let _ = self.unregister(r, now);
        }
        let calls: Vec<_> = self.calls.keys().copied().collect();
        for c in calls {
            let _ = self.hangup(c, now);
        }
        // Published state goes too (RFC 3903 §4.5): a presence server must not keep
        // showing a phone that has stopped as available.
        let pubs: Vec<_> = self.pubs.keys().copied().collect();
        for p in pubs {
            let _ = self.unpublish(p, now);
        }
    }

    pub(crate) fn send_register(&mut self, reg: RegHandle, expires: u32, now: Instant) {
        self.send_register_headers(reg, expires, now, |_| {});
    }

    /// A REGISTER for `reg`, with `more` adding headers before it goes.
    pub(crate) fn send_register_headers(
        &mut self,
        reg: RegHandle,
        expires: u32,
        now: Instant,
        more: impl FnOnce(&mut crate::message::Request),
    ) {
        let Some(r) = self.regs.get_mut(&reg) else {
            return;
        };
        r.cseq += 1;
        let (registrar, target, call_id, tag, cseq) =
            (r.registrar.clone(), r.target, r.call_id.clone(), r.from_tag.clone(), r.cseq);
        let mut to = self.cfg.identity();
        to.params.remove("tag");
        let mut req = self.new_request(Method::Register, &to, &call_id, &tag, cseq, &target);
        req.uri = registrar;
        req.headers.push(HeaderName::Expires, expires.to_string());
        req.headers.push(HeaderName::Allow, super::validate::ALLOW);
        more(&mut req);
        self.start(Purpose::Register(reg), req, target, now);
    }

    pub(crate) fn on_register_final(
        &mut self,
        reg: RegHandle,
        p: &Pending,
        resp: &Response,
        now: Instant,
    ) {
        let status = resp.status.0;
        // The CSeq of a retried REGISTER moved on (auth retries add one).
        let sent_cseq = p.request.headers.cseq().map(|c| c.seq).unwrap_or(0);
        let ours = self.cfg.contact_uri(p.target.transport);
        let Some(r) = self.regs.get_mut(&reg) else {
            return;
        };
        r.cseq = r.cseq.max(sent_cseq);
        if r.state == RegState::Unregistering {
            self.regs.remove(&reg);
            self.events.push_back(UaEvent::Unregistered { reg });
            return;
        }
        if (200..300).contains(&status) {
            // The granted expiry: our Contact's expires param, else Expires, else asked.
            let granted = resp
                .headers
                .contacts()
                .ok()
                .and_then(|cs| {
                    cs.iter()
                        .find(|c: &&&NameAddr| c.uri.as_sip().is_some_and(|u| u.equivalent(&ours)))
                        .and_then(|c| c.params.value("expires").and_then(|e| e.parse().ok()))
                })
                .or(resp.headers.expires().ok().flatten())
                .unwrap_or(r.expires);
            r.state = RegState::Registered;
            r.failures = 0;
            r.keepalive.start(self.cfg.keepalive, now);
            let refresh = u64::from(granted) - (u64::from(granted) / 2).min(30);
            r.refresh_at = Some(now + Duration::from_secs(refresh.max(1)));
            self.events.push_back(UaEvent::Registered { reg, expires: granted });
            return;
        }
        if status == 423
            && let Ok(Some(min)) = resp.headers.seconds(&HeaderName::MinExpires)
        {
            r.expires = min;
            self.send_register(reg, min, now);
            return;
        }
        r.state = RegState::Failed;
        r.keepalive.stop();
        r.failures += 1;
        let failures = r.failures;
        let wait = backoff(failures - 1, self.ids.fraction());
        if let Some(r) = self.regs.get_mut(&reg) {
            r.refresh_at = Some(now + wait);
        }
        self.events.push_back(UaEvent::RegistrationFailed {
            reg,
            status,
            reason: resp.reason.clone(),
            retry_in: Some(wait),
        });
    }

    pub(crate) fn registration_timers(&mut self, now: Instant) {
        let due: Vec<(RegHandle, u32)> = self
            .regs
            .iter_mut()
            .filter(|(_, r)| r.refresh_at.is_some_and(|t| t <= now))
            .map(|(h, r)| {
                r.refresh_at = None;
                (*h, r.expires)
            })
            .collect();
        for (reg, expires) in due {
            self.send_register(reg, expires, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0, 1.0), Duration::from_secs(30));
        assert_eq!(backoff(0, 0.0), Duration::from_secs(15));
        assert_eq!(backoff(3, 1.0), Duration::from_secs(240));
        assert_eq!(backoff(20, 1.0), Duration::from_secs(1800));
    }
}
