//! Dialogs (RFC 3261 §12): their state as created by either side, in-dialog request
//! construction with loose and strict routing (§12.2.1.1, §16.12.1.2), and the CSeq rule
//! for requests received in a dialog (§12.2.2).

use crate::message::{HeaderName, NameAddr, Request, Response, Uri, Via};
use crate::target::{Target, TransportKind};

use super::resolve::target_for;

/// Call-ID, local tag and remote tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    Early,
    Confirmed,
}

#[derive(Debug, Clone)]
pub struct Dialog {
    pub id: DialogId,
    pub state: DialogState,
    pub local_seq: u32,
    pub remote_seq: Option<u32>,
    /// From (ours, with tag) as it goes in requests we send.
    pub local: NameAddr,
    /// To (theirs, with tag).
    pub remote: NameAddr,
    pub remote_target: Uri,
    pub route_set: Vec<NameAddr>,
    pub transport: TransportKind,
}

impl Dialog {
    /// The dialog a UAC learns from a response with a To tag (§12.1.2).
    pub fn from_uac(
        request: &Request,
        response: &Response,
        transport: TransportKind,
    ) -> Option<Dialog> {
        let to = response.headers.to().ok()?;
        let from = request.headers.from().ok()?;
        let remote_tag = to.tag()?.to_owned();
        let contact = response.headers.contacts().ok()?.first().map(|c| c.uri.clone());
        let mut route_set: Vec<NameAddr> =
            response.headers.record_routes().ok()?.into_iter().cloned().collect();
        route_set.reverse();
        Some(Dialog {
            id: DialogId {
                call_id: request.headers.call_id().ok()?.to_owned(),
                local_tag: from.tag()?.to_owned(),
                remote_tag,
            },
            state: if response.status.is_success() {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_seq: request.headers.cseq().ok()?.seq,
            remote_seq: None,
            local: from.clone(),
            remote: to.clone(),
            remote_target: contact.unwrap_or_else(|| request.uri.clone()),
            route_set,
            transport,
        })
    }

    /// The dialog a UAS creates when it answers `request` with `local_tag` (§12.1.1).
    pub fn from_uas(
        request: &Request,
        local_tag: &str,
        local_seq: u32,
        transport: TransportKind,
    ) -> Option<Dialog> {
        let from = request.headers.from().ok()?;
        let mut local = request.headers.to().ok()?.clone();
        local.params.set("tag", Some(local_tag));
        Some(Dialog {
            id: DialogId {
                call_id: request.headers.call_id().ok()?.to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag: from.tag().unwrap_or("").to_owned(),
            },
            state: DialogState::Early,
            local_seq,
            remote_seq: Some(request.headers.cseq().ok()?.seq),
            local,
            remote: from.clone(),
            remote_target: request.headers.contacts().ok()?.first()?.uri.clone(),
            route_set: request.headers.record_routes().ok()?.into_iter().cloned().collect(),
            transport,
        })
    }

    /// The dialog id of a request received in a dialog: our tag is in To.
    pub fn id_of_request(r: &Request) -> Option<DialogId> {
        Some(DialogId {
            call_id: r.headers.call_id().ok()?.to_owned(),
            local_tag: r.headers.to().ok()?.tag()?.to_owned(),
            remote_tag: r.headers.from().ok()?.tag().unwrap_or("").to_owned(),
        })
    }

    /// §12.2.2: a request with a lower or equal CSeq than the last one is out of order.
    pub fn accept_remote_cseq(&mut self, seq: u32) -> bool {
        if self.remote_seq.is_some_and(|r| seq <= r) {
            return false;
        }
        self.remote_seq = Some(seq);
        true
    }

    /// A target refresh (§12.2.1.2, §12.2.2): a new Contact replaces the remote target.
    pub fn refresh_target(&mut self, contacts: &[&NameAddr]) {
        if let Some(c) = contacts.first() {
            self.remote_target = c.uri.clone();
        }
    }

    /// Builds a request in the dialog (§12.2.1.1). ACK and CANCEL reuse the INVITE's CSeq
    /// number (`seq`); other methods take the next local one.
    pub fn request(
        &mut self,
        method: crate::message::Method,
        via: &Via,
        seq: Option<u32>,
    ) -> (Request, Option<Target>) {
        let seq = seq.unwrap_or_else(|| {
            self.local_seq = self.local_seq.wrapping_add(1).max(1);
            self.local_seq
        });
        let (ruri, routes): (Uri, Vec<String>) = match self.route_set.first() {
            None => (self.remote_target.clone(), Vec::new()),
            Some(first) if first.uri.as_sip().is_some_and(|u| u.params.contains("lr")) => {
                (self.remote_target.clone(), self.route_set.iter().map(|r| r.to_string()).collect())
            }
            Some(first) => {
                // Strict routing: the first route becomes the Request-URI, the remote
                // target goes last in Route.
                let mut routes: Vec<String> =
                    self.route_set.iter().skip(1).map(|r| r.to_string()).collect();
                routes.push(format!("<{}>", self.remote_target));
                (first.uri.clone(), routes)
            }
        };
        let next_hop = self
            .route_set
            .first()
            .map(|r| &r.uri)
            .and_then(|u| target_for(u, self.transport))
            .or_else(|| target_for(&ruri, self.transport));
        let mut r = Request::new(method.clone(), ruri);
        r.headers.push(HeaderName::Via, via.to_string());
        r.headers.push(HeaderName::MaxForwards, "70");
        for route in routes {
            r.headers.push(HeaderName::Route, route);
        }
        r.headers.push(HeaderName::From, self.local.to_string());
        r.headers.push(HeaderName::To, self.remote.to_string());
        r.headers.push(HeaderName::CallId, self.id.call_id.clone());
        r.headers.push(HeaderName::CSeq, format!("{seq} {method}"));
        (r, next_hop)
    }
}
