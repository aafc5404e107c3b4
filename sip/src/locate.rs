//! Locating SIP servers (RFC 3263 §4), sans-IO: which DNS questions to ask for a SIP URI,
//! and the ordered list of targets to try from the answers. The driver asks the questions
//! (NAPTR, SRV, A/AAAA) with a real resolver and hands the records back; the user agent
//! tries the targets in order, failing over on a time-out or a 503 (§4.3).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::message::{Host, SipUri};
use crate::target::{Target, TransportKind};

/// A NAPTR record (RFC 3403) as the resolver returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naptr {
    pub order: u16,
    pub preference: u16,
    pub flags: String,
    pub services: String,
    pub replacement: String,
}

/// An SRV record (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

/// What a URI needs before a request can go to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Plan {
    /// An IP address (or `localhost`): no DNS.
    Direct(Target),
    /// A name with a port: A/AAAA of `host` only (§4.2), on `transport`.
    Addresses { host: String, port: u16, transport: TransportKind },
    /// A name without a port: NAPTR of `domain` (§4.1), then SRV, then A/AAAA on 5060.
    /// `transport` is the URI's own (`;transport=`, or TLS for `sips:`), if it names one.
    Services { domain: String, transport: Option<TransportKind> },
}

/// The plan for `uri` (its `maddr` wins over its host, RFC 3261 §19.1.1).
pub fn plan(uri: &SipUri, default: TransportKind) -> Plan {
    let named = uri.transport().and_then(|t| TransportKind::parse(&t));
    let named = named.or(uri.secure.then_some(TransportKind::Tls));
    let host =
        uri.params.value("maddr").and_then(|m| Host::parse(m).ok()).unwrap_or(uri.host.clone());
    let transport = named.unwrap_or(default);
    match host {
        Host::Ip(ip) => Plan::Direct(Target {
            transport,
            addr: SocketAddr::new(ip, uri.port.unwrap_or(transport.default_port())),
        }),
        Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => Plan::Direct(Target {
            transport,
            addr: SocketAddr::new(
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                uri.port.unwrap_or(transport.default_port()),
            ),
        }),
        Host::Domain(d) => match uri.port {
            Some(port) => Plan::Addresses { host: d, port, transport },
            None => Plan::Services { domain: d, transport: named },
        },
    }
}

/// The NAPTR service field for a transport (RFC 3263 §4.1), and back.
pub fn naptr_service(t: TransportKind) -> &'static str {
    match t {
        TransportKind::Udp => "SIP+D2U",
        TransportKind::Tcp => "SIP+D2T",
        TransportKind::Tls => "SIPS+D2T",
        TransportKind::Ws => "SIP+D2W",
        TransportKind::Wss => "SIPS+D2W",
    }
}

fn transport_of_service(service: &str) -> Option<TransportKind> {
    [
        TransportKind::Udp,
        TransportKind::Tcp,
        TransportKind::Tls,
        TransportKind::Ws,
        TransportKind::Wss,
    ]
    .into_iter()
    .find(|t| naptr_service(*t).eq_ignore_ascii_case(service))
}

/// The SRV names to ask when there are no usable NAPTR records (§4.1): `_sip._udp`,
/// `_sip._tcp`, `_sips._tcp` for the transports we have, in that order, or only the one
/// the URI names.
pub fn srv_names(
    domain: &str,
    ours: &[TransportKind],
    named: Option<TransportKind>,
) -> Vec<(TransportKind, String)> {
    ours.iter()
        .copied()
        .filter(|t| named.is_none_or(|n| n == *t))
        .filter_map(|t| {
            let prefix = match t {
                TransportKind::Udp => "_sip._udp",
                TransportKind::Tcp => "_sip._tcp",
                TransportKind::Tls => "_sips._tcp",
                TransportKind::Ws | TransportKind::Wss => return None,
            };
            Some((t, format!("{prefix}.{}", domain.trim_end_matches('.'))))
        })
        .collect()
}

/// The SRV names the NAPTR records point to (§4.1): terminal "s" records whose service
/// is a transport we have (and the URI's, if it names one), by order then preference.
pub fn naptr_targets(
    records: &[Naptr],
    ours: &[TransportKind],
    named: Option<TransportKind>,
) -> Vec<(TransportKind, String)> {
    let mut usable: Vec<(&Naptr, TransportKind)> = records
        .iter()
        .filter(|r| r.flags.eq_ignore_ascii_case("s"))
        .filter_map(|r| transport_of_service(&r.services).map(|t| (r, t)))
        .filter(|(_, t)| ours.contains(t) && named.is_none_or(|n| n == *t))
        .collect();
    usable.sort_by_key(|(r, _)| (r.order, r.preference));
    usable.into_iter().map(|(r, t)| (t, r.replacement.trim_end_matches('.').to_owned())).collect()
}

/// SRV records in the order to try them (RFC 2782): by priority, and within one
/// priority by weighted random choice; `pick(total)` returns a number in `0..=total`.
pub fn order_srv(records: &[Srv], mut pick: impl FnMut(u32) -> u32) -> Vec<Srv> {
    let mut left: Vec<Srv> = records.iter().filter(|r| r.target != ".").cloned().collect();
    left.sort_by_key(|r| r.priority);
    let mut out = Vec::with_capacity(left.len());
    while let Some(first) = left.first() {
        let priority = first.priority;
        let mut group: Vec<Srv> = Vec::new();
        left.retain(|r| {
            if r.priority == priority {
                group.push(r.clone());
                false
            } else {
                true
            }
        });
        // Zero weights first, so that they have a small chance of being picked (§ "Usage").
        group.sort_by_key(|r| r.weight != 0);
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let n = pick(total).min(total);
            let mut running = 0u32;
            let index = group
                .iter()
                .position(|r| {
                    running += u32::from(r.weight);
                    running >= n
                })
                .unwrap_or(0);
            out.push(group.remove(index));
        }
    }
    out
}

/// Targets from resolved addresses, IPv4 and IPv6 as the resolver ordered them.
pub fn targets(addresses: &[IpAddr], port: u16, transport: TransportKind) -> Vec<Target> {
    addresses.iter().map(|ip| Target { transport, addr: SocketAddr::new(*ip, port) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Uri;

    fn sip(text: &str) -> SipUri {
        match Uri::parse(text).unwrap() {
            Uri::Sip(u) => u,
            other => panic!("{other:?}"),
        }
    }

    fn srv(priority: u16, weight: u16, target: &str) -> Srv {
        Srv { priority, weight, port: 5060, target: target.into() }
    }

    #[test]
    fn plans_follow_section_4() {
        assert!(matches!(
            plan(&sip("sip:1001@127.0.0.1:5070"), TransportKind::Udp),
            Plan::Direct(_)
        ));
        assert!(matches!(plan(&sip("sip:localhost"), TransportKind::Udp), Plan::Direct(_)));
        assert_eq!(
            plan(&sip("sip:1001@pbx.example.com:5080"), TransportKind::Udp),
            Plan::Addresses {
                host: "pbx.example.com".into(),
                port: 5080,
                transport: TransportKind::Udp
            }
        );
        assert_eq!(
            plan(&sip("sip:1001@example.com;transport=tcp"), TransportKind::Udp),
            Plan::Services { domain: "example.com".into(), transport: Some(TransportKind::Tcp) }
        );
        assert_eq!(
            plan(&sip("sips:1001@example.com"), TransportKind::Udp),
            Plan::Services { domain: "example.com".into(), transport: Some(TransportKind::Tls) }
        );
        // maddr wins over the host.
        assert!(matches!(
            plan(&sip("sip:1001@example.com;maddr=192.0.2.1"), TransportKind::Udp),
            Plan::Direct(Target { addr, .. }) if addr.port() == 5060
        ));
    }

    #[test]
    fn naptr_records_are_taken_by_order_and_preference_for_our_transports() {
        let r = |order, preference, services: &str, replacement: &str| Naptr {
            order,
            preference,
            flags: "s".into(),
            services: services.into(),
            replacement: replacement.into(),
        };
        let records = [
            r(20, 10, "SIP+D2U", "_sip._udp.example.com."),
            r(10, 20, "SIP+D2T", "_sip._tcp.example.com."),
            r(10, 10, "SIPS+D2T", "_sips._tcp.example.com."),
            r(5, 10, "SIP+D2S", "_sip._sctp.example.com."),
        ];
        let ours = [TransportKind::Udp, TransportKind::Tcp];
        assert_eq!(
            naptr_targets(&records, &ours, None),
            vec![
                (TransportKind::Tcp, "_sip._tcp.example.com".to_owned()),
                (TransportKind::Udp, "_sip._udp.example.com".to_owned())
            ]
        );
        assert_eq!(
            naptr_targets(&records, &ours, Some(TransportKind::Udp)),
            vec![(TransportKind::Udp, "_sip._udp.example.com".to_owned())]
        );
    }

    #[test]
    fn srv_names_without_naptr() {
        let ours = [TransportKind::Udp, TransportKind::Tcp];
        assert_eq!(
            srv_names("example.com.", &ours, None),
            vec![
                (TransportKind::Udp, "_sip._udp.example.com".to_owned()),
                (TransportKind::Tcp, "_sip._tcp.example.com".to_owned())
            ]
        );
    }

    #[test]
    fn srv_order_is_by_priority_then_weight() {
        let records = [
            srv(20, 0, "b"),
            srv(10, 60, "a1"),
            srv(10, 40, "a2"),
            srv(5, 0, "."),
            srv(30, 1, "c"),
        ];
        // Picking 0 always takes the first candidate with a running weight reaching 0.
        let names = |v: Vec<Srv>| v.into_iter().map(|r| r.target).collect::<Vec<_>>();
        assert_eq!(names(order_srv(&records, |_| 1)), ["a1", "a2", "b", "c"]);
        assert_eq!(names(order_srv(&records, |total| total)), ["a2", "a1", "b", "c"]);
        // Over many picks, weight 60 leads about 60 % of the time.
        let mut seed = 7u32;
        let mut first_a1 = 0;
        for _ in 0..1000 {
            let order = order_srv(&records, |total| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 8) % (total + 1)
            });
            first_a1 += usize::from(order[0].target == "a1");
        }
        assert!((520..680).contains(&first_a1), "{first_a1}");
    }
}
