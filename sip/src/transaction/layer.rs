//! The set of live transactions: matching of incoming messages (§17.1.3, §17.2.3), the
//! Via processing of a receiving server (§18.2.1, RFC 3581), and the queues of output.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use super::client::{ClientState, ClientTx};
use super::key::{ClientKey, ServerKey, TxId};
use super::server::{ServerState, ServerTx};
use super::timers::TimerConfig;
use crate::message::{HeaderName, Host, Message, Method, Request, Response};
use crate::target::{Target, TransportKind};

/// Bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub target: Target,
    pub bytes: Vec<u8>,
}

/// What happened, for the transaction user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent {
    /// A new request. `tx` is its server transaction, `None` for an ACK to a 2xx (which is
    /// its own transaction-less request, §17.1.1.3). For CANCEL, `cancels` names the INVITE
    /// server transaction it matches, if any (§9.2).
    Request {
        tx: Option<TxId>,
        request: Request,
        source: Target,
        cancels: Option<TxId>,
    },
    /// A response on a client transaction.
    Response {
        tx: TxId,
        response: Response,
    },
    /// A 2xx with no live client transaction: a retransmission or a fork after timer M;
    /// the dialog layer acknowledges it again (§13.2.2.4).
    StrayResponse {
        response: Response,
        source: Target,
    },
    /// Timer B, F or H fired.
    Timeout {
        tx: TxId,
    },
    TransportError {
        tx: TxId,
    },
    Terminated {
        tx: TxId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    #[error("no such transaction")]
    Unknown,
    #[error("request lacks a top Via with a branch")]
    NoBranch,
}

#[derive(Debug, Default)]
pub(crate) struct Queues {
    transmits: VecDeque<Transmit>,
    events: VecDeque<TxEvent>,
}

impl Queues {
    pub(crate) fn transmit(&mut self, target: Target, bytes: Vec<u8>) {
        self.transmits.push_back(Transmit { target, bytes });
    }
    pub(crate) fn event(&mut self, e: TxEvent) {
        self.events.push_back(e);
    }
}

/// All transactions of one user agent.
#[derive(Debug, Default)]
pub struct TransactionLayer {
    timers: TimerConfig,
    next_id: u64,
    clients: HashMap<TxId, ClientTx>,
    client_keys: HashMap<ClientKey, TxId>,
    servers: HashMap<TxId, ServerTx>,
    server_keys: HashMap<ServerKey, TxId>,
    /// §8.2.2.2: how many live server transactions have each From tag, Call-ID and CSeq,
    /// and each one's, so that a merged request is found without a scan of them all (a
    /// chat's MESSAGEs leave thousands in Timer J).
    merge_counts: HashMap<MergeKey, u32>,
    merge_key_of: HashMap<TxId, MergeKey>,
    q: Queues,
    /// Messages dropped because nothing matched them, for diagnostics.
    pub dropped: u64,
}

impl TransactionLayer {
    /// A layer with these timer values; T1, T2 and T4 below 1 ms are raised to 1 ms so that
    /// every timer moves forward.
    pub fn new(mut timers: TimerConfig) -> Self {
        let floor = std::time::Duration::from_millis(1);
        timers.t1 = timers.t1.max(floor);
        timers.t2 = timers.t2.max(timers.t1);
        timers.t4 = timers.t4.max(floor);
        TransactionLayer { timers, ..Default::default() }
    }

    pub fn timers(&self) -> TimerConfig {
        self.timers
    }

    fn alloc(&mut self) -> TxId {
        self.next_id += 1;
        TxId(self.next_id)
    }

    /// Starts a client transaction. The request must carry its top Via with a branch.
    pub fn send_request(
        &mut self,
        request: Request,
        target: Target,
        now: Instant,
    ) -> Result<TxId, TxError> {
        let branch = request
            .headers
            .top_via()
            .ok()
            .and_then(|v| v.branch().map(str::to_owned))
            .ok_or(TxError::NoBranch)?;
        let id = self.alloc();
        // A CANCEL shares the INVITE's branch; the method keeps the keys apart.
        self.client_keys.insert(ClientKey { branch, method: request.method.clone() }, id);
        let tx = ClientTx::start(id, request, target, now, self.timers, &mut self.q);
        self.clients.insert(id, tx);
        Ok(id)
    }

    /// Sends a response on a server transaction.
    pub fn send_response(
        &mut self,
        tx: TxId,
        response: &Response,
        now: Instant,
    ) -> Result<(), TxError> {
        let s = self.servers.get_mut(&tx).ok_or(TxError::Unknown)?;
        s.send(response, now, &mut self.q);
        self.reap();
        Ok(())
    }

    /// Sends bytes outside any transaction (ACK for a 2xx, stateless responses).
    pub fn send_stateless(&mut self, target: Target, bytes: Vec<u8>) {
        self.q.transmit(target, bytes);
    }

    /// The request a server transaction was created for.
    pub fn server_request(&self, tx: TxId) -> Option<&Request> {
        self.servers.get(&tx).map(|s| &s.request)
    }

    /// §8.2.2.2: another live server transaction has the same From tag, Call-ID and CSeq
    /// as `tx`'s request — the same request arrived twice by different paths (a loop
    /// after forking), to be answered 482.
    pub fn is_merged(&self, tx: TxId) -> bool {
        self.merge_key_of.get(&tx).and_then(|k| self.merge_counts.get(k)).is_some_and(|&n| n > 1)
    }

    /// The request and target of a client transaction (to build a CANCEL, §9.1).
    pub fn client_request(&self, tx: TxId) -> Option<(&Request, Target)> {
        self.clients.get(&tx).map(|c| (&c.request, c.target))
    }

    /// Whether a client INVITE transaction may still be cancelled (a provisional arrived
    /// or none yet, no final).
    pub fn is_pending(&self, tx: TxId) -> bool {
        self.clients
            .get(&tx)
            .is_some_and(|c| matches!(c.state, ClientState::Initial | ClientState::Proceeding))
    }

    /// Whether a server INVITE transaction has not yet sent a final response.
    pub fn server_pending(&self, tx: TxId) -> bool {
        self.servers
            .get(&tx)
            .is_some_and(|s| matches!(s.state, ServerState::Proceeding | ServerState::Trying))
    }

    /// Feeds a message received from `source`.
    pub fn handle_message(&mut self, msg: Message, source: Target, now: Instant) {
        match msg {
            Message::Response(r) => self.handle_response(r, source, now),
            Message::Request(r) => self.handle_request(r, source, now),
        }
        self.reap();
    }

    fn handle_response(&mut self, r: Response, source: Target, now: Instant) {
        let tx = ClientKey::of_response(&r).and_then(|k| self.client_keys.get(&k).copied());
        match tx.and_then(|id| self.clients.get_mut(&id)) {
            Some(c) => c.on_response(r, now, &mut self.q),
            None if r.status.is_success()
                && r.headers.cseq().is_ok_and(|c| c.method == Method::Invite) =>
            {
                self.q.event(TxEvent::StrayResponse { response: r, source });
            }
            None => self.dropped += 1,
        }
    }

    fn handle_request(&mut self, mut r: Request, source: Target, now: Instant) {
        let Some(key) = ServerKey::of_request(&r, None) else {
            self.dropped += 1;
            return;
        };
        if let Some(id) = self.server_keys.get(&key).copied()
            && let Some(s) = self.servers.get_mut(&id)
        {
            if r.method == Method::Ack
                && s.state != ServerState::Completed
                && s.state != ServerState::Confirmed
            {
                // An ACK to a 2xx has its own branch, but RFC 2543 peers reuse the INVITE's:
                // either way it belongs to the TU.
                self.q.event(TxEvent::Request { tx: None, request: r, source, cancels: None });
                return;
            }
            s.on_request(&r, now, &mut self.q);
            return;
        }
        if r.method == Method::Ack {
            self.q.event(TxEvent::Request { tx: None, request: r, source, cancels: None });
            return;
        }
        stamp_received(&mut r, source);
        let cancels = if r.method == Method::Cancel {
            ServerKey::of_request(&r, Some(&Method::Invite))
                .and_then(|k| self.server_keys.get(&k).copied())
        } else {
            None
        };
        let id = self.alloc();
        let target = response_target(&r, source);
        self.server_keys.insert(key, id);
        let merge = merge_key(&r);
        *self.merge_counts.entry(merge.clone()).or_default() += 1;
        self.merge_key_of.insert(id, merge);
        self.servers.insert(id, ServerTx::new(id, r.clone(), target, self.timers));
        self.q.event(TxEvent::Request { tx: Some(id), request: r, source, cancels });
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        for c in self.clients.values_mut() {
            while c.next_timeout().is_some_and(|t| t <= now) && c.state != ClientState::Terminated {
                c.on_timeout(now, &mut self.q);
            }
        }
        for s in self.servers.values_mut() {
            while s.next_timeout().is_some_and(|t| t <= now) && s.state != ServerState::Terminated {
                s.on_timeout(now, &mut self.q);
            }
        }
        self.reap();
    }

    /// A connection or send to `target` failed: its transactions end (§17.1.4, §17.2.4).
    /// Drops a client transaction without a final response: the user agent has given up
    /// on this target and sent the request elsewhere (RFC 3263 §4.3 failover).
    pub fn forget_client(&mut self, tx: TxId) {
        self.clients.remove(&tx);
        self.client_keys.retain(|_, v| *v != tx);
    }

    pub fn handle_transport_error(&mut self, target: Target) {
        for c in self.clients.values_mut().filter(|c| c.target == target) {
            c.on_transport_error(&mut self.q);
        }
        for s in self.servers.values_mut().filter(|s| s.response_target == target) {
            s.on_transport_error(&mut self.q);
        }
        self.reap();
    }

    fn reap(&mut self) {
        let dead: Vec<TxId> = self
            .clients
            .values()
            .filter(|c| c.state == ClientState::Terminated)
            .map(|c| c.id)
            .collect();
        if !dead.is_empty() {
            for id in &dead {
                self.clients.remove(id);
            }
            let dead: std::collections::HashSet<TxId> = dead.into_iter().collect();
            self.client_keys.retain(|_, v| !dead.contains(v));
        }
        let dead: Vec<TxId> = self
            .servers
            .values()
            .filter(|s| s.state == ServerState::Terminated)
            .map(|s| s.id)
            .collect();
        if !dead.is_empty() {
            for id in &dead {
                self.servers.remove(id);
                if let Some(k) = self.merge_key_of.remove(id)
                    && let Some(n) = self.merge_counts.get_mut(&k)
                {
                    *n -= 1;
                    if *n == 0 {
                        self.merge_counts.remove(&k);
                    }
                }
            }
            let dead: std::collections::HashSet<TxId> = dead.into_iter().collect();
            self.server_keys.retain(|_, v| !dead.contains(v));
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.q.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.q.events.pop_front()
    }

    /// When `handle_timeout` must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let c = self.clients.values().filter_map(ClientTx::next_timeout);
        let s = self.servers.values().filter_map(ServerTx::next_timeout);
        c.chain(s).min()
    }

    /// Number of live transactions (client, server).
    pub fn len(&self) -> (usize, usize) {
        (self.clients.len(), self.servers.len())
    }
}

/// §18.2.1: add `received` when the sent-by host is not the source address, and fill
/// `rport` (RFC 3581 §4) when the client asked for it.
fn stamp_received(r: &mut Request, source: Target) {
    let Ok(top) = r.headers.top_via() else { return };
    let mut via = top.clone();
    let src_ip = source.addr.ip();
    if via.host != Host::Ip(src_ip) {
        via.params.set("received", Some(&src_ip.to_string()));
    }
    if via.params.contains("rport") {
        via.params.set("rport", Some(&source.addr.port().to_string()));
        via.params.set("received", Some(&src_ip.to_string()));
    }
    if via == *top {
        return;
    }
    // Rewrite the first Via line in place: the new top entry, then any others on it.
    let first_line = r.headers.get(&HeaderName::Via).unwrap_or("").to_owned();
    let mut new_line = via.to_string();
    for v in crate::message::split_list(&first_line).skip(1) {
        new_line.push_str(", ");
        new_line.push_str(v);
    }
    r.headers.replace_first(&HeaderName::Via, new_line);
}

/// Where responses to a request go (§18.2.2, RFC 3581 §4): back over the connection for
/// reliable transports, to the source for rport, else to the received address and the
/// sent-by port.
fn response_target(r: &Request, source: Target) -> Target {
    if source.transport.is_reliable() {
        return source;
    }
    let Ok(via) = r.headers.top_via() else {
        return source;
    };
    if via.params.contains("rport") {
        return source;
    }
    let port = via.port.unwrap_or(TransportKind::Udp.default_port());
    Target { transport: source.transport, addr: std::net::SocketAddr::new(source.addr.ip(), port) }
}

/// What §8.2.2.2 compares: the From tag, Call-ID and CSeq of a request.
type MergeKey = (Option<String>, Option<String>, Option<(u32, Method)>);

fn merge_key(r: &Request) -> MergeKey {
    let from_tag = r.headers.from().ok().and_then(|f| f.tag().map(str::to_owned));
    let cseq = r.headers.cseq().ok().map(|c| (c.seq, c.method.clone()));
    (from_tag, r.headers.call_id().ok().map(str::to_owned), cseq)
}
