//! What the user agent reports to its user, and the handles that name calls, registrations
//! and standalone requests.

use std::time::Duration;

use crate::message::{NameAddr, Request};

/// A call (one INVITE session and its dialog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u64);

/// A registration binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegHandle(pub u64);

/// A subscription (RFC 6665), either ours or one we serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubHandle(pub u64);

/// A state we publish (RFC 3903).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PubHandle(pub u64);

/// A standalone request (MESSAGE, OPTIONS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReqHandle(pub u64);

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// We hung up (BYE sent, or CANCEL of our unanswered call).
    Local,
    /// The peer sent BYE.
    Remote,
    /// The peer cancelled its unanswered call.
    Cancelled,
    /// A final response other than 2xx, on either side.
    Rejected {
        status: u16,
        reason: String,
    },
    /// No response, or no ACK for our 2xx.
    Timeout,
    TransportError,
    /// A local problem, such as a target that cannot be reached.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UaEvent {
    /// Our state is published (RFC 3903 §4.1), for `expires` seconds (refreshed).
    Published {
        publication: PubHandle,
        expires: u32,
    },
    /// A PUBLISH failed (status 0: it could not be sent); the state is sent again a
    /// minute later.
    PublicationFailed {
        publication: PubHandle,
        status: u16,
        reason: String,
    },
    /// Our state is removed (§4.5).
    Unpublished {
        publication: PubHandle,
    },
    Registered {
        reg: RegHandle,
        expires: u32,
    },
    RegistrationFailed {
        reg: RegHandle,
        status: u16,
        reason: String,
        retry_in: Option<Duration>,
    },
    Unregistered {
        reg: RegHandle,
    },
    /// A registration's flow failed its keep-alive (RFC 5626 §4.4.1); the binding is being
    /// registered again (a `Registered` or `RegistrationFailed` follows).
    FlowFailed {
        reg: RegHandle,
        reason: String,
    },
    /// A new incoming call; the INVITE is given whole for its headers.
    IncomingCall {
        call: CallHandle,
        request: Box<Request>,
        offer: Option<Vec<u8>>,
        /// The call this one replaces (RFC 3891): accept it and end that one.
        replaces: Option<CallHandle>,
        /// The call this one asks to join (RFC 3911).
        joins: Option<CallHandle>,
    },
    /// A provisional response to our INVITE.
    Progress {
        call: CallHandle,
        status: u16,
        reason: String,
        sdp: Option<Vec<u8>>,
    },
    /// Our INVITE was answered (the ACK is sent) or our 2xx was acknowledged.
    Established {
        call: CallHandle,
        sdp: Option<Vec<u8>>,
    },
    /// The peer sent a re-INVITE or UPDATE; answer with `answer_update`.
    UpdateRequested {
        call: CallHandle,
        offer: Option<Vec<u8>>,
    },
    /// The outcome of our re-INVITE: `sdp` is the answer on success.
    UpdateResult {
        call: CallHandle,
        status: u16,
        sdp: Option<Vec<u8>>,
    },
    Ended {
        call: CallHandle,
        reason: EndReason,
    },
    /// A DTMF digit from SIP INFO (`application/dtmf-relay`).
    InfoDtmf {
        call: CallHandle,
        digit: char,
        duration_ms: u32,
    },
    MessageReceived {
        from: NameAddr,
        content_type: String,
        body: Vec<u8>,
        call: Option<CallHandle>,
        /// A MESSAGE outside a dialog waits for the application's answer
        /// ([`crate::ua::UserAgent::answer_message`]: accept, refuse, or a chat offered to a
        /// person first); one inside a call was answered 200 already.
        answer: Option<ReqHandle>,
        /// The whole request (its To, for the queue it came by; its headers, for case data).
        request: Box<Request>,
    },
    /// The peer asks us to call `refer_to` (a transfer); report with `transfer_progress`.
    TransferRequested {
        call: CallHandle,
        refer_to: Box<NameAddr>,
        referred_by: Option<Box<NameAddr>>,
        /// For an attended transfer, the dialog the new call is to replace.
        replaces: Option<crate::message::DialogRef>,
    },
    /// How our REFER is going, from the peer's NOTIFY (or the REFER's failure).
    TransferProgress {
        call: CallHandle,
        status: u16,
        reason: String,
        done: bool,
    },
    /// Someone subscribes to a package we serve: `accept_subscription` or
    /// `reject_subscription`.
    SubscriptionRequested {
        sub: SubHandle,
        package: String,
        from: NameAddr,
        request: Box<Request>,
    },
    /// Our subscription was accepted for `expires` seconds (and is refreshed).
    SubscriptionActive {
        sub: SubHandle,
        expires: u32,
    },
    /// A NOTIFY on our subscription: the Subscription-State and the body.
    Notified {
        sub: SubHandle,
        state: String,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    /// A subscription ended (either role), with the reason.
    SubscriptionEnded {
        sub: SubHandle,
        reason: String,
    },
    /// The final response to a MESSAGE or OPTIONS we sent.
    RequestResult {
        req: ReqHandle,
        status: u16,
        reason: String,
        response: Option<Box<crate::message::Response>>,
    },
}
