//! Call transfer signalling: REFER with NOTIFY sipfrag progress (RFC 3515) as referrer and
//! as referee, and the dialogs that Replaces (RFC 3891) and Join (RFC 3911) name.

use std::time::Instant;

use super::agent::{Purpose, UaError, UserAgent};
use super::call::CallState;
use super::events::{CallHandle, UaEvent};
use crate::message::{DialogRef, HeaderName, Method, NameAddr, Request, Response};
use crate::transaction::TxId;

/// What an incoming INVITE's Replaces or Join header resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    None,
    Replaces(CallHandle),
    Joins(CallHandle),
}

fn escape_header_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 16);
    for c in v.chars() {
        match c {
            ';' => out.push_str("%3B"),
            '=' => out.push_str("%3D"),
            '@' => out.push_str("%40"),
            '&' => out.push_str("%26"),
            '?' => out.push_str("%3F"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

/// `SIP/2.0 180 Ringing` → 180.
fn sipfrag_status(body: &[u8]) -> Option<(u16, String)> {
    let text = std::str::from_utf8(body).ok()?;
    let line = text.lines().next()?.trim();
    let rest = line.strip_prefix("SIP/2.0 ")?;
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((code.parse().ok()?, reason.to_owned()))
}

impl UserAgent {
    /// Asks the peer of `call` to call `refer_to` (blind transfer), or, with a Replaces
    /// URI header from [`UserAgent::replaces_uri`], to replace another dialog (attended).
    pub fn refer(
        &mut self,
        call: CallHandle,
        refer_to: &NameAddr,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        if c.state != CallState::Established {
            return Err(UaError::BadState);
        }
        let referred_by = format!("<{}>", self.cfg.aor);
        let extra = vec![
            (HeaderName::ReferTo, refer_to.to_string()),
            (HeaderName::ReferredBy, referred_by),
        ];
        self.in_dialog_with(call, Method::Refer, None, extra, now)?;
        if let Some(c) = self.calls.get_mut(&call) {
            c.refer_out = true;
        }
        Ok(())
    }

    /// The URI to put in Refer-To so that the transfer target replaces its dialog with us
    /// on `consult` (RFC 5589 §7): its contact with `?Replaces=` naming that dialog as the
    /// target sees it.
    pub fn replaces_uri(&self, consult: CallHandle) -> Option<NameAddr> {
        let d = self.calls.get(&consult)?.dialog.as_ref()?;
        let replaces =
            format!("{};to-tag={};from-tag={}", d.id.call_id, d.id.remote_tag, d.id.local_tag);
        let uri = format!("<{}?Replaces={}>", d.remote_target, escape_header_value(&replaces));
        NameAddr::parse(&uri).ok()
    }

    /// Tells the referrer how the transfer goes: a NOTIFY with `SIP/2.0 <status>`; a final
    /// status ends the implicit subscription.
    pub fn transfer_progress(
        &mut self,
        call: CallHandle,
        status: u16,
        reason: &str,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoCall)?;
        if !c.refer_in {
            return Err(UaError::BadState);
        }
        let state =
            if status >= 200 { "terminated;reason=noresource" } else { "active;expires=60" };
        let body =
            format!("SIP/2.0 {status} {}\r\n", reason.replace(['\r', '\n'], " ")).into_bytes();
        let extra = vec![
            (HeaderName::Event, "refer".to_owned()),
            (HeaderName::SubscriptionState, state.to_owned()),
        ];
        let transport = c.target.transport;
        let via = self.new_via(transport);
        let c = self.calls.get_mut(&call).ok_or(UaError::NoCall)?;
        let d = c.dialog.as_mut().ok_or(UaError::BadState)?;
        let (mut r, hop) = d.request(Method::Notify, &via, None);
        for (n, v) in extra {
            r.headers.push(n, v);
        }
        r.headers.push(HeaderName::ContentType, "message/sipfrag;version=2.0");
        r.body = body;
        let hop = hop.unwrap_or(c.target);
        if status >= 200 {
            c.refer_in = false;
        }
        self.start(Purpose::ReferNotify(call), r, hop, now);
        Ok(())
    }

    /// An in-dialog REFER (§2.4.2): 202, a first NOTIFY, and the request to the user.
    pub(crate) fn on_refer(&mut self, tx: TxId, request: Request, call: CallHandle, now: Instant) {
        let refer_to = request
            .headers
            .addrs(&HeaderName::ReferTo)
            .ok()
            .filter(|v| v.len() == 1)
            .and_then(|v| v.first().map(|a| (*a).clone()));
        let Some(refer_to) = refer_to else {
            let r = self.response(&request, 400).with_reason("Exactly one Refer-To required");
            self.send_response(tx, r, now);
            return;
        };
        let replaces = refer_to.uri.as_sip().and_then(|u| {
            let (_, v) = u.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("Replaces"))?;
            let decoded = String::from_utf8(crate::message::unescape_text(v)).ok()?;
            DialogRef::parse(&decoded).ok()
        });
        let referred_by = request.headers.addr(&HeaderName::ReferredBy).ok().flatten().cloned();
        let r = self.response(&request, 202);
        self.send_response(tx, r, now);
        if let Some(c) = self.calls.get_mut(&call) {
            c.refer_in = true;
        }
        let _ = self.transfer_progress(call, 100, "Trying", now);
        self.events.push_back(UaEvent::TransferRequested {
            call,
            refer_to: Box::new(refer_to),
            referred_by: referred_by.map(Box::new),
            replaces,
        });
    }

    /// A NOTIFY about our REFER (`Event: refer`, a sipfrag body).
    pub(crate) fn on_refer_notify(
        &mut self,
        tx: TxId,
        request: Request,
        call: CallHandle,
        now: Instant,
    ) {
        let is_refer = request
            .headers
            .event()
            .ok()
            .flatten()
            .is_some_and(|e| e.package.eq_ignore_ascii_case("refer"));
        if !is_refer {
            let r = self.response(&request, 489);
            self.send_response(tx, r, now);
            return;
        }
        let r = self.response(&request, 200);
        self.send_response(tx, r, now);
        let done =
            request.headers.subscription_state().ok().flatten().is_some_and(|s| s.is_terminated());
        if let Some((status, reason)) = sipfrag_status(&request.body) {
            self.events.push_back(UaEvent::TransferProgress {
                call,
                status,
                reason,
                done: done || status >= 200,
            });
        }
        if done && let Some(c) = self.calls.get_mut(&call) {
            c.refer_out = false;
        }
    }

    /// The final response to our REFER: a refusal ends the transfer attempt.
    pub(crate) fn on_refer_final(&mut self, call: CallHandle, r: &Response) {
        if r.status.0 >= 300 {
            if let Some(c) = self.calls.get_mut(&call) {
                c.refer_out = false;
            }
            self.events.push_back(UaEvent::TransferProgress {
                call,
                status: r.status.0,
                reason: r.reason.clone(),
                done: true,
            });
        }
    }

    /// Resolves Replaces/Join on a new INVITE (RFC 3891 §3, RFC 3911 §4), or rejects the
    /// INVITE (481, 486) and returns `None`.
    pub(crate) fn dialog_target(
        &mut self,
        tx: TxId,
        request: &Request,
        now: Instant,
    ) -> Option<Target> {
        for (name, join) in [(HeaderName::Replaces, false), (HeaderName::Join, true)] {
            let Ok(Some(dref)) = request.headers.dialog_ref(&name) else { continue };
            let found = self.find_dialog(&dref.call_id, &dref.to_tag, &dref.from_tag);
            let status = match found.and_then(|h| self.calls.get(&h).map(|c| (h, c))) {
                None => 481,
                // An early dialog we did not initiate cannot be replaced or joined.
                Some((_, c)) if c.state == CallState::Incoming => 481,
                Some((_, c)) if dref.early_only && c.state == CallState::Established => 486,
                Some((h, _)) => {
                    return Some(if join { Target::Joins(h) } else { Target::Replaces(h) });
                }
            };
            let r = self.response(request, status);
            self.send_response(tx, r, now);
            return None;
        }
        Some(Target::None)
    }
}
