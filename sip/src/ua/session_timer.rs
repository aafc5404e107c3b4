//! Session timers (RFC 4028): asking for and granting a session interval, 422 with Min-SE,
//! refreshing with a re-INVITE at half the interval when we are the refresher, and ending
//! the session with BYE when the refresher goes quiet.

use std::time::{Duration, Instant};

use super::agent::{Pending, UserAgent};
use super::events::{CallHandle, EndReason};
use crate::message::{HeaderName, Request, Response};
use crate::transaction::TxId;

/// The smallest interval we accept (RFC 4028 §4: at least 90 s).
pub(crate) const MIN_SE: u32 = 90;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionTimer {
    pub(crate) interval: u32,
    pub(crate) we_refresh: bool,
    refresh_at: Option<Instant>,
    expire_at: Instant,
}

impl SessionTimer {
    fn start(interval: u32, we_refresh: bool, now: Instant) -> SessionTimer {
        // §4: an interval below Min-SE is the peer's error; never act on less.
        let interval = interval.max(MIN_SE);
        let i = Duration::from_secs(u64::from(interval));
        // §10: the refresher refreshes at half the interval; the other side waits the
        // interval minus min(32 s, interval/3) before giving up.
        let slack = Duration::from_secs(u64::from((interval / 3).min(32)));
        SessionTimer {
            interval,
            we_refresh,
            refresh_at: we_refresh.then(|| now + i / 2),
            expire_at: now + i - slack,
        }
    }

    pub(crate) fn next_timeout(&self) -> Instant {
        self.refresh_at.map_or(self.expire_at, |r| r.min(self.expire_at))
    }
}

/// `Session-Expires: delta[;refresher=uac|uas]` → (delta, refresher is the UAC).
fn parse_se(v: &str) -> Option<(u32, Option<bool>)> {
    let mut parts = v.split(';');
    let delta = parts.next()?.trim().parse().ok()?;
    let refresher = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("refresher").then(|| v.trim().eq_ignore_ascii_case("uac"))
    });
    Some((delta, refresher))
}

fn session_expires(m: &crate::message::Headers) -> Option<(u32, Option<bool>)> {
    m.get(&HeaderName::SessionExpires).and_then(parse_se)
}

impl UserAgent {
    /// UAC: `Supported: timer`, the interval we would like, and our Min-SE (§7.1).
    pub(crate) fn session_timer_request_headers(&self, invite: &mut Request) {
        if let Some(se) = self.cfg.session_expires {
            invite.headers.push(HeaderName::Supported, "timer");
            invite
                .headers
                .push(HeaderName::SessionExpires, se.as_secs().max(u64::from(MIN_SE)).to_string());
            invite.headers.push(HeaderName::MinSe, MIN_SE.to_string());
        }
    }

    /// UAS: a Session-Expires below our minimum is refused with 422 (§8.1).
    pub(crate) fn session_interval_acceptable(
        &mut self,
        tx: TxId,
        request: &Request,
        now: Instant,
    ) -> bool {
        match session_expires(&request.headers) {
            Some((delta, _)) if delta < MIN_SE => {
                let mut r = self.response(request, 422);
                r.headers.push(HeaderName::MinSe, MIN_SE.to_string());
                self.send_response(tx, r, now);
                false
            }
            _ => true,
        }
    }

    /// UAS: the session timer granted in our 2xx to `invite` (§9), started now.
    pub(crate) fn session_timer_answer(
        &mut self,
        call: CallHandle,
        invite: &Request,
        r: &mut Response,
        now: Instant,
    ) {
        let uac_supports = invite.headers.tokens(&HeaderName::Supported).contains("timer");
        let (delta, refresher_uac) = match session_expires(&invite.headers) {
            Some((d, who)) => (d, who.unwrap_or(uac_supports)),
            None => match self.cfg.session_expires {
                Some(se) => (
                    se.as_secs().clamp(u64::from(MIN_SE), u64::from(u32::MAX)) as u32,
                    uac_supports,
                ),
                None => return,
            },
        };
        let who = if refresher_uac { "uac" } else { "uas" };
        r.headers.push(HeaderName::SessionExpires, format!("{delta};refresher={who}"));
        if refresher_uac {
            r.headers.push(HeaderName::Require, "timer");
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.session = Some(SessionTimer::start(delta, !refresher_uac, now));
        }
    }

    /// UAC: the timer the 2xx granted, if any (§7.2).
    pub(crate) fn session_timer_from_2xx(&mut self, call: CallHandle, r: &Response, now: Instant) {
        let Some((delta, refresher_uac)) = session_expires(&r.headers) else { return };
        if let Some(c) = self.calls.get_mut(&call) {
            c.session = Some(SessionTimer::start(delta, refresher_uac.unwrap_or(true), now));
        }
    }

    /// UAC: after 422, retry with the interval the server asked for (§7.3).
    pub(crate) fn retry_after_422(
        &mut self,
        call: CallHandle,
        p: &Pending,
        r: &Response,
        now: Instant,
    ) -> bool {
        let Some(min) = r.headers.seconds(&HeaderName::MinSe).ok().flatten() else { return false };
        let mut invite = p.request.clone();
        if session_expires(&invite.headers).is_some_and(|(d, _)| d >= min) {
            return false;
        }
        invite.headers.set(HeaderName::SessionExpires, min.to_string());
        invite.headers.set(HeaderName::MinSe, min.to_string());
        let seq = invite.headers.cseq().map(|c| c.seq).unwrap_or(1);
        invite.headers.set(HeaderName::CSeq, format!("{} INVITE", seq + 1));
        let via = self.new_via(p.target.transport);
        invite.headers.replace_first(&HeaderName::Via, via.to_string());
        let tx = self.start(super::agent::Purpose::Invite(call), invite.clone(), p.target, now);
        if let Some(c) = self.calls.get_mut(&call) {
            c.invite = invite;
            c.invite_tx = tx;
        }
        tx.is_some()
    }

    /// A refresh was sent or received: restart the timer from `headers` (a 2xx to our
    /// refresh, or the peer's refresh request), `we_are_uac` saying who sent the request.
    pub(crate) fn session_refreshed(
        &mut self,
        call: CallHandle,
        headers: &crate::message::Headers,
        we_are_uac: bool,
        now: Instant,
    ) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        let Some(old) = c.session.clone() else { return };
        let (delta, refresher_uac) =
            session_expires(headers).unwrap_or((old.interval, Some(old.we_refresh == we_are_uac)));
        let we_refresh = refresher_uac.map_or(old.we_refresh, |uac| uac == we_are_uac);
        c.session = Some(SessionTimer::start(delta, we_refresh, now));
    }

    /// The Session-Expires header for a refresh request or its answer.
    pub(crate) fn session_header(&self, call: CallHandle, we_are_uac: bool) -> Option<String> {
        let t = self.calls.get(&call)?.session.as_ref()?;
        let refresher_is_uac = t.we_refresh == we_are_uac;
        Some(format!("{};refresher={}", t.interval, if refresher_is_uac { "uac" } else { "uas" }))
    }

    /// Refreshes when due; ends the session when the peer failed to (§10).
    pub(crate) fn session_timers(&mut self, call: CallHandle, now: Instant) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        let Some(t) = c.session.as_mut() else { return };
        if t.expire_at <= now && !t.we_refresh {
            c.session = None;
            self.send_bye_now(call, now);
            self.end_call(call, EndReason::Failed("session expired (RFC 4028)".into()), now);
            return;
        }
        if t.refresh_at.is_some_and(|r| r <= now) {
            t.refresh_at = None;
            t.expire_at = now + Duration::from_secs(u64::from(t.interval) / 2);
            let busy = c.update_in.is_some() || c.update_out.is_some();
            let sdp = c.local_sdp.clone();
            if !busy {
                c.refreshing = true;
                c.offer_method = crate::message::Method::Invite;
                self.send_reinvite(call, sdp, now);
            } else if let Some(t) = c.session.as_mut() {
                // An offer/answer is under way; it refreshes the session itself.
                t.refresh_at = Some(now + Duration::from_secs(1));
            }
        } else if t.expire_at <= now {
            // We were the refresher and never got a 2xx to our refreshes.
            c.session = None;
            self.send_bye_now(call, now);
            self.end_call(call, EndReason::Failed("session refresh failed (RFC 4028)".into()), now);
        }
    }
}
