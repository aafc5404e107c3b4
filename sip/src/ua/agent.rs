//! The user agent core: its state, the dispatch of transaction events, and the helpers
//! every request kind shares (request construction per §8.1.1, authentication retries per
//! §22.2, responses per §8.2.6).

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::call::Call;
use super::config::UaConfig;
use super::events::{CallHandle, PubHandle, RegHandle, ReqHandle, SubHandle, UaEvent};
use super::ids::Ids;
use super::publication::Publication;
use super::registration::Registration;
use super::subscription::Subscription;
use super::validate::{self, ALLOW};
use crate::auth::DigestClient;
use crate::message::{
    HeaderName, Host, Message, Method, NameAddr, Request, Response, Via, parse_datagram,
};
use crate::target::{Target, TransportKind};
use crate::transaction::{TransactionLayer, Transmit, TxEvent, TxId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UaError {
    #[error("no route to {0}")]
    NoRoute(String),
    /// A name that the driver has not located (RFC 3263) yet, or found no server for.
    #[error("no SIP server found for {0}")]
    NotLocated(String),
    #[error("no such call")]
    NoCall,
    #[error("the call is not in a state that allows this")]
    BadState,
    #[error("no such registration")]
    NoRegistration,
    #[error("no such subscription")]
    NoSubscription,
    #[error("no such publication")]
    NoPublication,
}

/// What a client transaction was started for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Register(RegHandle),
    /// A keep-alive OPTIONS on a registration's flow (RFC 5626 §4.4.1).
    KeepAlive(RegHandle),
    Invite(CallHandle),
    ReInvite(CallHandle),
    Bye(CallHandle),
    Cancel(CallHandle),
    InDialog(CallHandle),
    Request(ReqHandle),
    Subscribe(SubHandle),
    Notify(SubHandle),
    Publish(PubHandle),
    Refer(CallHandle),
    ReferNotify(CallHandle),
}

#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) purpose: Purpose,
    pub(crate) request: Request,
    pub(crate) target: Target,
    pub(crate) auth_tries: u8,
    /// The other servers located for an out-of-dialog request, in the order to try them
    /// if this one times out or answers 503 (RFC 3263 §4.3).
    pub(crate) alternatives: Vec<Target>,
    /// When it went to `target`, and whether `target` has answered anything yet.
    pub(crate) sent_at: Instant,
    pub(crate) heard: bool,
}

/// A SIP user agent, client and server.
#[derive(Debug)]
pub struct UserAgent {
    pub(crate) cfg: UaConfig,
    pub(crate) tx: TransactionLayer,
    pub(crate) ids: Ids,
    pub(crate) digest: DigestClient,
    pub(crate) events: VecDeque<UaEvent>,
    pub(crate) pending: HashMap<TxId, Pending>,
    pub(crate) calls: HashMap<CallHandle, Call>,
    pub(crate) regs: HashMap<RegHandle, Registration>,
    pub(crate) subs: HashMap<SubHandle, Subscription>,
    pub(crate) pubs: HashMap<PubHandle, Publication>,
    /// MESSAGEs waiting for the application's answer (pager.rs).
    pub(crate) held_messages: HashMap<ReqHandle, super::pager::HeldMessage>,
    next_handle: u64,
    /// Datagrams that could not be parsed.
    pub malformed: u64,
    /// Servers located for names (RFC 3263), by what was asked.
    located: HashMap<crate::locate::Plan, Vec<Target>>,
    /// Located servers that failed to answer: tried last until one answers again.
    failed: std::collections::HashSet<Target>,
}

impl UserAgent {
    /// A user agent; `seed` drives tags, branches and Call-IDs (use OS entropy in
    /// production, a constant in tests).
    pub fn new(cfg: UaConfig, seed: u64) -> Self {
        UserAgent {
            tx: TransactionLayer::new(cfg.timers),
            ids: Ids::new(StdRng::seed_from_u64(seed)),
            digest: DigestClient::new(cfg.credentials.clone()),
            cfg,
            events: VecDeque::new(),
            pending: HashMap::new(),
            calls: HashMap::new(),
            regs: HashMap::new(),
            subs: HashMap::new(),
            pubs: HashMap::new(),
            held_messages: HashMap::new(),
            next_handle: 0,
            malformed: 0,
            located: HashMap::new(),
            failed: std::collections::HashSet::new(),
        }
    }

    pub fn config(&self) -> &UaConfig {
        &self.cfg
    }

    /// Takes a new identity (the user chose another account): address of record,
    /// credentials, outbound proxy, transport. The bound address stays; calls and
    /// registrations in progress keep their dialogs.
    pub fn reconfigure(&mut self, mut cfg: UaConfig) {
        cfg.local = self.cfg.local;
        self.digest = DigestClient::new(cfg.credentials.clone());
        self.cfg = cfg;
    }

    /// Sets the bound address once the driver knows it (port 0 resolved).
    pub fn set_local(&mut self, local: std::net::SocketAddr) {
        self.cfg.local = local;
        if self.cfg.aor.host == Host::Ip(local.ip()) && self.cfg.aor.port == Some(0) {
            self.cfg.aor.port = Some(local.port());
        }
    }

    pub(crate) fn handle(&mut self) -> u64 {
        self.next_handle += 1;
        self.next_handle
    }

    // ---- I/O surface -------------------------------------------------------------

    /// Feeds a datagram or a framed stream message received from `source`. Unparseable
    /// requests are answered with 400 (or 505) when enough of them can be read.
    pub fn handle_bytes(&mut self, bytes: &[u8], source: Target, now: Instant) {
        match parse_datagram(bytes) {
            Ok(m) => self.handle_message(m, source, now),
            Err(e) => {
                self.malformed += 1;
                if let Some(resp) = crate::message::error_response(bytes, &e) {
                    self.tx.send_stateless(source, resp);
                }
            }
        }
    }

    pub fn handle_message(&mut self, msg: Message, source: Target, now: Instant) {
        self.tx.handle_message(msg, source, now);
        self.dispatch(now);
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.tx.handle_timeout(now);
        self.dispatch(now);
        self.failover_timers(now);
        self.call_timers(now);
        self.registration_timers(now);
        self.keepalive_timers(now);
        self.subscription_timers(now);
        self.publication_timers(now);
        self.held_message_timers(now);
        self.dispatch(now);
    }

    /// A send or connection to `target` failed.
    pub fn handle_transport_error(&mut self, target: Target, now: Instant) {
        self.tx.handle_transport_error(target);
        self.dispatch(now);
    }

    /// How much the agent holds: calls (ended ones until collected), requests waiting for
    /// an answer, and client and server transactions — to show nothing is kept forever.
    pub fn held(&self) -> (usize, usize, (usize, usize)) {
        (self.calls.len(), self.pending.len(), self.tx.len())
    }

    /// No request of ours is waiting for a final response.
    pub fn is_idle(&self) -> bool {
        // An answered INVITE's transaction lingers only to absorb 2xx retransmissions.
        self.pending.values().all(|p| match p.purpose {
            Purpose::Invite(c) => self.calls.get(&c).is_none_or(|c| c.is_settled()),
            _ => false,
        })
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.tx.poll_transmit()
    }

    pub fn poll_event(&mut self) -> Option<UaEvent> {
        self.events.pop_front()
    }

    /// Events are waiting for [`UserAgent::poll_event`].
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        let calls = self.calls.values().filter_map(Call::next_timeout);
        let regs = self.regs.values().filter_map(|r| r.next_timeout());
        let subs = self.subs.values().filter_map(Subscription::next_timeout);
        let pubs = self.pubs.values().filter_map(Publication::next_timeout);
        let failover = self.next_failover();
        let held = self.held_messages.values().map(|m| m.until);
        self.tx
            .poll_timeout()
            .into_iter()
            .chain(calls)
            .chain(regs)
            .chain(subs)
            .chain(pubs)
            .chain(failover)
            .chain(held)
            .min()
    }

    // ---- dispatch ----------------------------------------------------------------

    fn dispatch(&mut self, now: Instant) {
        while let Some(e) = self.tx.poll_event() {
            match e {
                TxEvent::Request { tx, request, source, cancels } => {
                    self.on_request(tx, request, source, cancels, now)
                }
                TxEvent::Response { tx, response } => self.on_response(tx, response, now),
                TxEvent::StrayResponse { response, .. } => self.on_stray_2xx(&response, now),
                TxEvent::Timeout { tx } | TxEvent::TransportError { tx } => {
                    if let Some(p) = self.pending.remove(&tx) {
                        if self.fail_over(&p, now) {
                            continue;
                        }
                        let mut r = Response::new(408);
                        r.reason = "Request Timeout (no response)".into();
                        self.on_final(p, r, now);
                    }
                }
                TxEvent::Terminated { tx } => {
                    self.pending.remove(&tx);
                }
            }
        }
    }

    fn on_request(
        &mut self,
        tx: Option<TxId>,
        request: Request,
        source: Target,
        cancels: Option<TxId>,
        now: Instant,
    ) {
        let Some(tx) = tx else {
            // An ACK to a 2xx.
            self.on_ack(&request, now);
            return;
        };
        if let Err(rej) = validate::check(&request) {
            let mut r = Response::to_request(&request, rej.status, Some(&self.ids.tag()))
                .with_reason(&rej.reason);
            for (n, v) in rej.headers {
                r.headers.push(n, v);
            }
            self.send_response(tx, r, now);
            return;
        }
        if request.method == Method::Cancel {
            self.on_cancel(tx, &request, cancels, now);
            return;
        }
        let in_dialog = request.headers.to().is_ok_and(|t| t.tag().is_some());
        if !in_dialog && self.tx.is_merged(tx) {
            let r = self.response(&request, 482).with_reason("Loop Detected");
            self.send_response(tx, r, now);
            return;
        }
        if in_dialog {
            let request = if matches!(request.method, Method::Subscribe | Method::Notify) {
                match self.on_subscription_request(tx, request, now) {
                    Some(r) => r,
                    None => return,
                }
            } else {
                request
            };
            self.on_in_dialog_request(tx, request, source, now);
            return;
        }
        match request.method {
            Method::Invite => self.on_invite(tx, request, source, now),
            Method::Options => {
                let mut r = self.response(&request, 200);
                r.headers.push(HeaderName::Accept, validate::ACCEPT_SESSION);
                self.send_response(tx, r, now);
            }
            Method::Message => self.on_message(tx, request, None, now),
            Method::Subscribe => self.on_subscribe(tx, request, source, now),
            _ => {
                let r = self.response(&request, 481).with_reason("Call/Transaction Does Not Exist");
                self.send_response(tx, r, now);
            }
        }
    }

    fn on_response(&mut self, tx: TxId, response: Response, now: Instant) {
        let code = response.status.0;
        if let Some(p) = self.pending.get_mut(&tx) {
            p.heard = true;
            let answered = p.target;
            self.failed.remove(&answered);
        }
        // §4.3: a 503 from one server sends the request to the next one located.
        if code == 503
            && let Some(p) = self.pending.remove(&tx)
        {
            if self.fail_over(&p, now) {
                return;
            }
            self.pending.insert(tx, p);
        }
        if code < 200 {
            if let Some(p) = self.pending.get(&tx)
                && let Purpose::Invite(call) = p.purpose
            {
                let target = p.target;
                self.on_invite_provisional(call, &response, target, now);
            }
            return;
        }
        let Some(p) = self.pending.remove(&tx) else {
            return;
        };
        if (code == 401 || code == 407) && self.retry_with_auth(&p, &response, now) {
            return;
        }
        if let Purpose::Invite(call) = p.purpose
            && (200..300).contains(&code)
        {
            // Keep the INVITE's pending entry: RFC 6026 retransmissions of the 2xx arrive on
            // the same transaction and must be ACKed again.
            let target = p.target;
            self.pending.insert(tx, p);
            self.on_invite_2xx(call, &response, target, now);
            return;
        }
        self.on_final(p, response, now);
    }

    /// A final response (or timeout, as 408) for a pending request.
    fn on_final(&mut self, p: Pending, response: Response, now: Instant) {
        match p.purpose {
            Purpose::Register(reg) => self.on_register_final(reg, &p, &response, now),
            Purpose::KeepAlive(reg) => self.on_keepalive_final(reg, &response, now),
            Purpose::Invite(call) => self.on_invite_failure(call, &p, &response, now),
            Purpose::ReInvite(call) => self.on_reinvite_final(call, &response, now),
            Purpose::Bye(_) | Purpose::Cancel(_) => {}
            Purpose::InDialog(call) => {
                if matches!(response.status.0, 481 | 408) {
                    self.end_call(
                        call,
                        super::events::EndReason::Failed(format!(
                            "{} {}",
                            response.status.0, response.reason
                        )),
                        now,
                    );
                }
            }
            Purpose::Subscribe(sub) => self.on_subscribe_final(sub, &p.request, &response, now),
            Purpose::Refer(call) => self.on_refer_final(call, &response),
            Purpose::ReferNotify(_) => {}
            Purpose::Notify(sub) => self.on_notify_final(sub, &response),
            Purpose::Publish(publication) => self.on_publish_final(publication, &response, now),
            Purpose::Request(req) => self.events.push_back(UaEvent::RequestResult {
                req,
                status: response.status.0,
                reason: response.reason.clone(),
                response: Some(Box::new(response)),
            }),
        }
    }

    // ---- shared helpers ----------------------------------------------------------

    /// A top Via for a new client transaction.
    pub(crate) fn new_via(&mut self, transport: TransportKind) -> Via {
        let mut v = Via::new(
            transport.as_str(),
            Host::Ip(self.cfg.local.ip()),
            Some(self.cfg.local.port()),
            &self.ids.branch(),
        );
        v.params.set("rport", None);
        v
    }

    pub(crate) fn transport_for(&self, target: &Target) -> TransportKind {
        target.transport
    }

    /// Where an out-of-dialog request to `uri` goes: the outbound proxy or the URI itself,
    /// an address or the servers located for its name (RFC 3263), in the order to try.
    pub(crate) fn routes_for(&self, uri: &crate::message::Uri) -> Vec<Target> {
        let proxy = self.cfg.outbound_proxy.clone().map(crate::message::Uri::Sip);
        let uri = proxy.as_ref().unwrap_or(uri);
        let crate::message::Uri::Sip(u) = uri else { return Vec::new() };
        match crate::locate::plan(u, self.cfg.default_transport) {
            crate::locate::Plan::Direct(t) => vec![t],
            plan => {
                let mut all = self.located.get(&plan).cloned().unwrap_or_default();
                // Servers that just failed go last (stable: the located order otherwise).
                all.sort_by_key(|t| self.failed.contains(t));
                all
            }
        }
    }

    /// The first server for `uri` ([`UserAgent::routes_for`]).
    pub(crate) fn route_for(&self, uri: &crate::message::Uri) -> Result<Target, UaError> {
        self.routes_for(uri).first().copied().ok_or_else(|| match uri {
            crate::message::Uri::Sip(u) if !self.is_located(u) => {
                UaError::NotLocated(u.host.to_string())
            }
            _ => UaError::NoRoute(uri.to_string()),
        })
    }

    /// Whether requests to `uri` can be routed without DNS, or its name has been located.
    pub fn is_located(&self, uri: &crate::message::SipUri) -> bool {
        match crate::locate::plan(uri, self.cfg.default_transport) {
            crate::locate::Plan::Direct(_) => true,
            plan => self.located.contains_key(&plan),
        }
    }

    /// The servers the driver located for `uri`'s name (RFC 3263), in the order to try;
    /// requests to it go to the first and fail over to the next. Empty forgets them.
    pub fn set_located(&mut self, uri: &crate::message::SipUri, targets: Vec<Target>) {
        let plan = crate::locate::plan(uri, self.cfg.default_transport);
        if matches!(plan, crate::locate::Plan::Direct(_)) {
            return;
        }
        if targets.is_empty() {
            self.located.remove(&plan);
        } else {
            self.located.insert(plan, targets);
        }
    }

    /// An out-of-dialog request (§8.1.1) from this agent to `to`.
    pub(crate) fn new_request(
        &mut self,
        method: Method,
        to: &NameAddr,
        call_id: &str,
        from_tag: &str,
        cseq: u32,
        target: &Target,
    ) -> Request {
        let mut r = Request::new(method.clone(), to.uri.clone());
        let via = self.new_via(self.transport_for(target));
        r.headers.push(HeaderName::Via, via.to_string());
        r.headers.push(HeaderName::MaxForwards, "70");
        if let Some(proxy) = &self.cfg.outbound_proxy {
            let mut route = proxy.clone();
            route.user = None;
            route.params.set("lr", None);
            r.headers.push(HeaderName::Route, format!("<{route}>"));
        }
        let mut from = self.cfg.identity();
        from.params.set("tag", Some(from_tag));
        r.headers.push(HeaderName::From, from.to_string());
        let mut to = to.clone();
        to.params.remove("tag");
        r.headers.push(HeaderName::To, to.to_string());
        r.headers.push(HeaderName::CallId, call_id);
        r.headers.push(HeaderName::CSeq, format!("{cseq} {method}"));
        if matches!(method, Method::Invite | Method::Register | Method::Subscribe | Method::Refer) {
            r.headers.push(HeaderName::Contact, self.contact(target.transport));
        }
        r.headers.push(HeaderName::UserAgent, self.cfg.user_agent.clone());
        r
    }

    /// Our Contact header value for a transport.
    pub(crate) fn contact(&self, transport: TransportKind) -> String {
        let mut c = format!("<{}>", self.cfg.contact_uri(transport));
        if let Some(inst) = &self.cfg.instance_id {
            c.push_str(&format!(";+sip.instance=\"{inst}\""));
        }
        c
    }

    /// Starts a client transaction for `purpose`.
    pub(crate) fn start(
        &mut self,
        purpose: Purpose,
        request: Request,
        target: Target,
        now: Instant,
    ) -> Option<TxId> {
        let alternatives = self.alternatives_for(&request, target);
        let tx = self.tx.send_request(request.clone(), target, now).ok()?;
        self.pending.insert(
            tx,
            Pending {
                purpose,
                request,
                target,
                auth_tries: 0,
                alternatives,
                sent_at: now,
                heard: false,
            },
        );
        Some(tx)
    }

    /// The servers after `target` for an out-of-dialog request (no To tag), as located.
    fn alternatives_for(&self, request: &Request, target: Target) -> Vec<Target> {
        if request.headers.to().is_ok_and(|t| t.tag().is_some()) {
            return Vec::new();
        }
        let all = self.routes_for(&request.uri);
        let Some(at) = all.iter().position(|t| *t == target) else { return Vec::new() };
        // The ones after it, then the ones before (a refresh that started at the second).
        let (before, from) = all.split_at(at);
        from.iter().skip(1).chain(before).copied().collect()
    }

    /// Sends a request that `p.target` did not answer (time-out, transport error, 503, or
    /// silence for `failover_after`) to the next located server with a new branch (RFC
    /// 3263 §4.3). False when there is none left.
    fn fail_over(&mut self, p: &Pending, now: Instant) -> bool {
        let Some((&next, rest)) = p.alternatives.split_first() else { return false };
        self.failed.insert(p.target);
        let mut request = p.request.clone();
        let via = self.new_via(next.transport);
        request.headers.replace_first(&HeaderName::Via, via.to_string());
        let purpose = p.purpose;
        self.on_request_resent(purpose, &request);
        let Ok(tx) = self.tx.send_request(request.clone(), next, now) else { return false };
        match purpose {
            Purpose::Invite(call) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.target = next;
                    c.invite_tx = Some(tx);
                }
            }
            Purpose::Register(reg) => self.registration_moved(reg, next),
            _ => {}
        }
        self.pending.insert(
            tx,
            Pending {
                purpose,
                request,
                target: next,
                auth_tries: p.auth_tries,
                alternatives: rest.to_vec(),
                sent_at: now,
                heard: false,
            },
        );
        true
    }

    /// Requests whose server has been silent for `failover_after` while another is left.
    fn failover_timers(&mut self, now: Instant) {
        let after = self.cfg.failover_after;
        let silent: Vec<TxId> = self
            .pending
            .iter()
            .filter(|(_, p)| !p.heard && !p.alternatives.is_empty() && p.sent_at + after <= now)
            .map(|(tx, _)| *tx)
            .collect();
        for tx in silent {
            if let Some(p) = self.pending.remove(&tx) {
                self.tx.forget_client(tx);
                self.fail_over(&p, now);
            }
        }
    }

    fn next_failover(&self) -> Option<Instant> {
        self.pending
            .values()
            .filter(|p| !p.heard && !p.alternatives.is_empty())
            .map(|p| p.sent_at + self.cfg.failover_after)
            .min()
    }

    /// §22.2: answer a 401/407 once per request, with a new branch and the next CSeq.
    fn retry_with_auth(&mut self, p: &Pending, response: &Response, now: Instant) -> bool {
        if p.auth_tries >= 2 {
            return false;
        }
        let mut request = p.request.clone();
        let (challenge_header, answer_header) = if response.status.0 == 401 {
            (HeaderName::WwwAuthenticate, HeaderName::Authorization)
        } else {
            (HeaderName::ProxyAuthenticate, HeaderName::ProxyAuthorization)
        };
        let Ok(challenges) = response.headers.challenges(&challenge_header) else {
            return false;
        };
        let usable = DigestClient::usable(&challenges);
        if usable.is_empty() {
            return false;
        }
        // A second challenge without stale=true means the password was wrong.
        if p.auth_tries >= 1
            && !usable
                .iter()
                .any(|c| c.params.get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")))
        {
            return false;
        }
        request.headers.remove(&answer_header);
        let uri = request.uri.to_string();
        for c in usable {
            let cnonce = self.ids.cnonce();
            match self.digest.answer(c, request.method.as_str(), &uri, &request.body, &cnonce) {
                Ok(v) => request.headers.push(answer_header.clone(), v),
                Err(_) => return false,
            }
        }
        let Ok(cseq) = request.headers.cseq() else {
            return false;
        };
        let next = format!("{} {}", cseq.seq.wrapping_add(1), cseq.method);
        request.headers.set(HeaderName::CSeq, next);
        let via = self.new_via(p.target.transport);
        request.headers.replace_first(&HeaderName::Via, via.to_string());
        let purpose = p.purpose;
        self.on_request_resent(purpose, &request);
        match self.tx.send_request(request.clone(), p.target, now) {
            Ok(tx) => {
                self.pending.insert(
                    tx,
                    Pending {
                        purpose,
                        request,
                        target: p.target,
                        auth_tries: p.auth_tries + 1,
                        alternatives: p.alternatives.clone(),
                        sent_at: now,
                        heard: true,
                    },
                );
                true
            }
            Err(_) => false,
        }
    }

    /// A response to `request` with our tag on To and the common headers.
    pub(crate) fn response(&mut self, request: &Request, status: u16) -> Response {
        let tag = self.ids.tag();
        let mut r = Response::to_request(request, status, Some(&tag));
        r.headers.push(HeaderName::Server, self.cfg.user_agent.clone());
        if matches!(status, 200 | 405 | 501) || request.method == Method::Options {
            r.headers.push(HeaderName::Allow, ALLOW);
            r.headers.push(HeaderName::Supported, validate::SUPPORTED.join(", "));
        }
        r
    }

    pub(crate) fn send_response(&mut self, tx: TxId, response: Response, now: Instant) {
        let _ = self.tx.send_response(tx, &response, now);
    }
}
