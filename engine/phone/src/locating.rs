//! Finding a site's SIP servers by DNS (RFC 3263), the driver half: asks NAPTR, SRV and
//! A/AAAA questions with hickory-resolver and hands the user agent the servers to try in
//! order (`UserAgent::set_located`), which then fails over between them. The rules —
//! which questions, in which order, how SRV weights pick — are sans-IO in
//! `earshot_sip::locate`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use earshot_sip::SipUri;
use earshot_sip::locate::{self, Naptr, Plan, Srv};
use earshot_sip::target::{Target, TransportKind};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("cannot set up DNS: {0}")]
    Setup(String),
    #[error("no SIP server found for {0} (no NAPTR, SRV or address records)")]
    NotFound(String),
}

/// Asks DNS; one per phone.
#[derive(Clone)]
pub struct Locator {
    resolver: TokioResolver,
    /// For SRV weights (RFC 2782): a small generator seeded per phone.
    seed: u64,
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Locator")
    }
}

impl Locator {
    /// A resolver asking `servers` (`IP:PORT`), or the system's (`/etc/resolv.conf`) when
    /// none are given.
    pub fn new(servers: &[SocketAddr], seed: u64) -> Result<Locator, LocateError> {
        let provider = TokioRuntimeProvider::default();
        let builder = if servers.is_empty() {
            TokioResolver::builder(provider).map_err(|e| LocateError::Setup(e.to_string()))?
        } else {
            let name_servers = servers
                .iter()
                .map(|s| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = s.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = s.port();
                    NameServerConfig::new(s.ip(), true, vec![udp, tcp])
                })
                .collect();
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(name_servers),
                provider,
            )
        };
        let mut builder = builder;
        let options = builder.options_mut();
        // An agent waits on this when a call is placed: two tries of 2 s at most.
        options.timeout = Duration::from_secs(2);
        options.attempts = 1;
        let resolver = builder.build().map_err(|e| LocateError::Setup(e.to_string()))?;
        Ok(Locator { resolver, seed: seed | 1 })
    }

    /// The servers for `uri` in the order to try them: its address, or those its name
    /// leads to through NAPTR, SRV and A/AAAA (RFC 3263 §4). `ours` are the transports
    /// the phone may use, in order of preference.
    pub async fn locate(
        &mut self,
        uri: &SipUri,
        ours: &[TransportKind],
    ) -> Result<Vec<Target>, LocateError> {
        let default = ours.first().copied().unwrap_or(TransportKind::Udp);
        match locate::plan(uri, default) {
            Plan::Direct(t) => Ok(vec![t]),
            Plan::Addresses { host, port, transport } => {
                let found = locate::targets(&self.addresses(&host).await, port, transport);
                if found.is_empty() { Err(LocateError::NotFound(host)) } else { Ok(found) }
            }
            Plan::Services { domain, transport } => {
                let mut services =
                    locate::naptr_targets(&self.naptr(&domain).await, ours, transport);
                if services.is_empty() {
                    services = locate::srv_names(&domain, ours, transport);
                }
                let mut found = Vec::new();
                for (t, name) in services {
                    let records = self.srv(&name).await;
                    let ordered = locate::order_srv(&records, |total| self.next_pick(total));
                    for r in ordered {
                        let host = r.target.trim_end_matches('.');
                        found.extend(locate::targets(&self.addresses(host).await, r.port, t));
                    }
                }
                if found.is_empty() {
                    // §4.2: no SRV records: the name's addresses on the default port.
                    let t = transport.unwrap_or(default);
                    found = locate::targets(&self.addresses(&domain).await, t.default_port(), t);
                }
                found.dedup();
                if found.is_empty() { Err(LocateError::NotFound(domain)) } else { Ok(found) }
            }
        }
    }

    fn next_pick(&mut self, total: u32) -> u32 {
        // xorshift64: no need for more than a fair spread of SRV weights.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed % (u64::from(total) + 1)) as u32
    }

    async fn naptr(&self, domain: &str) -> Vec<Naptr> {
        let Ok(lookup) = self.resolver.lookup(fqdn(domain), RecordType::NAPTR).await else {
            return Vec::new();
        };
        lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::NAPTR(n) => Some(Naptr {
                    order: n.order,
                    preference: n.preference,
                    flags: String::from_utf8_lossy(&n.flags).into_owned(),
                    services: String::from_utf8_lossy(&n.services).into_owned(),
                    replacement: n.replacement.to_utf8(),
                }),
                _ => None,
            })
            .collect()
    }

    async fn srv(&self, name: &str) -> Vec<Srv> {
        let Ok(lookup) = self.resolver.lookup(fqdn(name), RecordType::SRV).await else {
            return Vec::new();
        };
        lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::SRV(s) => Some(Srv {
                    priority: s.priority,
                    weight: s.weight,
                    port: s.port,
                    target: s.target.to_utf8(),
                }),
                _ => None,
            })
            .collect()
    }

    async fn addresses(&self, host: &str) -> Vec<IpAddr> {
        match self.resolver.lookup_ip(fqdn(host)).await {
            Ok(found) => found.iter().collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Names from SRV and NAPTR records are absolute; a configured one is taken as absolute too
/// (no search domains: a site's server is named in full).
fn fqdn(name: &str) -> String {
    if name.ends_with('.') { name.to_owned() } else { format!("{name}.") }
}
