//! Choosing where a request goes from its URI (RFC 3261 §8.1.2; RFC 3263 §4 without DNS:
//! hosts must be IP literals or `localhost`, and the port defaults per transport).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::message::{Host, SipUri, Uri};
use crate::target::{Target, TransportKind};

/// The target for a URI, or `None` if it names a host that would need DNS.
pub fn target_for(uri: &Uri, default: TransportKind) -> Option<Target> {
    let Uri::Sip(u) = uri else { return None };
    sip_target(u, default)
}

pub fn sip_target(u: &SipUri, default: TransportKind) -> Option<Target> {
    let transport = match u.transport() {
        Some(t) => TransportKind::parse(&t)?,
        None if u.secure => TransportKind::Tls,
        None => default,
    };
    let host =
        u.params.value("maddr").and_then(|m| Host::parse(m).ok()).unwrap_or_else(|| u.host.clone());
    let ip = match host {
        Host::Ip(ip) => ip,
        Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Host::Domain(_) => return None,
    };
    Some(Target {
        transport,
        addr: SocketAddr::new(ip, u.port.unwrap_or(transport.default_port())),
    })
}
