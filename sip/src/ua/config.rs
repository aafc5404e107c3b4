//! What a user agent needs to know about itself.

use std::net::SocketAddr;
use std::time::Duration;

use crate::auth::Credential;
use crate::message::{NameAddr, SipUri, Uri};
use crate::target::TransportKind;
use crate::transaction::TimerConfig;

/// A user agent's identity, addresses and policies.
#[derive(Debug, Clone)]
pub struct UaConfig {
    /// The address of record, used in From of out-of-dialog requests.
    pub aor: SipUri,
    pub display_name: Option<String>,
    /// Where this agent listens; UDP and TCP share the address.
    pub local: SocketAddr,
    /// Transport for requests whose URI does not say (`;transport=`).
    pub default_transport: TransportKind,
    /// Send every out-of-dialog request here first (a loose route, RFC 3261 §8.1.2); a
    /// name is located like any URI (RFC 3263, [`crate::ua::UserAgent::set_located`]).
    pub outbound_proxy: Option<SipUri>,
    /// An out-of-dialog request that has had no response at all from one server for this
    /// long goes to the next server located for its URI (RFC 3263 §4.3), instead of
    /// waiting out the 32 s transaction time-out; with a single server it waits.
    pub failover_after: Duration,
    pub credentials: Vec<Credential>,
    /// `+sip.instance` (RFC 5626 §4.1), a URN such as `<urn:uuid:…>`.
    pub instance_id: Option<String>,
    pub user_agent: String,
    pub timers: TimerConfig,
    /// Session interval to ask for (RFC 4028); `None` disables session timers.
    pub session_expires: Option<Duration>,
    /// Answer 100rel requests and send reliable provisionals (RFC 3262).
    pub use_100rel: bool,
    /// Event packages this agent serves as notifier (RFC 6665), e.g. `dialog`.
    pub event_packages: Vec<String>,
    /// Keep each registration's flow alive this often (RFC 5626 §4.4.1): a CRLF ping on
    /// TCP and TLS, an OPTIONS to the registrar on UDP; `None`: no keep-alives.
    pub keepalive: Option<Duration>,
}

impl UaConfig {
    pub fn new(aor: SipUri, local: SocketAddr) -> Self {
        UaConfig {
            aor,
            display_name: None,
            local,
            default_transport: TransportKind::Udp,
            outbound_proxy: None,
            failover_after: Duration::from_secs(4),
            credentials: Vec::new(),
            instance_id: None,
            user_agent: concat!("Earshot/", env!("CARGO_PKG_VERSION")).into(),
            timers: TimerConfig::default(),
            session_expires: Some(Duration::from_secs(1800)),
            use_100rel: true,
            event_packages: Vec::new(),
            keepalive: None,
        }
    }

    /// The From/To address of this agent.
    pub fn identity(&self) -> NameAddr {
        let mut a = NameAddr::new(Uri::Sip(self.aor.clone()));
        a.display =
            self.display_name.as_ref().map(|d| format!("\"{}\"", d.replace(['"', '\\'], "")));
        a
    }

    /// The Contact URI for a transport.
    pub fn contact_uri(&self, transport: TransportKind) -> SipUri {
        let mut u = SipUri::new(
            self.aor.user.as_deref(),
            crate::message::Host::Ip(self.local.ip()),
            Some(self.local.port()),
        );
        if transport != TransportKind::Udp {
            u.params.set("transport", Some(&transport.as_str().to_ascii_lowercase()));
        }
        u
    }
}
