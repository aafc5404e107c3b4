//! Who sent a request, as far as it can be trusted: the hop it came from (its top Via,
//! with the `received` address our transport stamped, RFC 3261 §18.2.1) and, when that hop
//! is a proxy we trust to authenticate users, the identity it asserts (P-Asserted-Identity,
//! RFC 3325 §9.1). The From header proves nothing: anyone can write it.

use earshot_sip::message::{HeaderName, Request, Uri};

/// The address the request came from (host or IP, no port).
pub fn hop(request: &Request) -> Option<String> {
    request.headers.top_via().ok().map(|v| {
        v.params.get("received").flatten().map_or_else(|| v.host.to_string(), str::to_owned)
    })
}

/// Whether `hop` is one of `trusted` (host names or addresses, compared without case).
pub fn is_trusted(hop: Option<&str>, trusted: &[String]) -> bool {
    hop.is_some_and(|h| trusted.iter().any(|t| t.eq_ignore_ascii_case(h)))
}

/// The identity a trusted proxy asserts for the sender (`sip:user@host`), or none.
pub fn asserted_identity(request: &Request, trusted_proxies: &[String]) -> Option<String> {
    if !is_trusted(hop(request).as_deref(), trusted_proxies) {
        return None;
    }
    let asserted = request.headers.addrs(&HeaderName::PAssertedIdentity).ok()?;
    asserted.iter().find_map(|a| match &a.uri {
        Uri::Sip(u) => Some(address_of_record(&Uri::Sip(u.clone()).to_string())),
        _ => None,
    })
}

/// `sip:user@host` of a SIP URI written any way (`<sip:user@host:port;params>`, with a
/// display name …), lower-cased host, for comparing identities.
pub fn address_of_record(uri: &str) -> String {
    let inner = uri.rsplit_once('<').map_or(uri, |(_, r)| r.split('>').next().unwrap_or(r));
    let inner = inner.trim();
    let (scheme, rest) = inner.split_once(':').unwrap_or(("sip", inner));
    let rest = rest.split([';', '?']).next().unwrap_or(rest);
    let (user, host) = match rest.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), rest),
    };
    // Drop a port (an IPv6 reference keeps its brackets).
    let host = match host.strip_prefix('[').and_then(|h| h.split_once(']')) {
        Some((ip, _)) => format!("[{ip}]"),
        None => host.split(':').next().unwrap_or(host).to_owned(),
    };
    format!("{}:{user}{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
}

/// Whether `identity` is on `list` (addresses of record, compared by user and host).
pub fn listed(identity: &str, list: &[String]) -> bool {
    let id = address_of_record(identity);
    list.iter().any(|l| address_of_record(l) == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_sip::message::{Message, parse_datagram};

    fn request(via: &str, extra: &str) -> Request {
        let text = format!(
            "SUBSCRIBE sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {via};branch=z9hG4bK1\r\n\
             From: <sip:2001@earshot.test>;tag=1\r\nTo: <sip:1001@earshot.test>\r\n\
             Call-ID: c1\r\nCSeq: 1 SUBSCRIBE\r\nEvent: dialog\r\n{extra}Content-Length: 0\r\n\r\n"
        );
        match parse_datagram(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    #[test]
    fn only_a_trusted_proxy_asserts_an_identity() {
        let trusted = vec!["127.0.0.1".to_owned()];
        let pai = "P-Asserted-Identity: <sip:2001@Earshot.Test>\r\n";
        let r = request("127.0.0.1:5060", pai);
        assert_eq!(asserted_identity(&r, &trusted).as_deref(), Some("sip:2001@earshot.test"));
        // The same header straight from a phone: nothing asserted.
        let r = request("127.0.0.1:5062;received=10.0.0.9", pai);
        assert_eq!(asserted_identity(&r, &trusted), None);
        // A trusted proxy that asserted nothing: nothing (From does not count).
        assert_eq!(asserted_identity(&request("127.0.0.1:5060", ""), &trusted), None);
    }

    #[test]
    fn identities_compare_by_user_and_host() {
        let list = vec!["sip:2001@earshot.test".to_owned()];
        assert!(listed("\"Sue\" <sip:2001@EARSHOT.test:5060;transport=udp>", &list));
        assert!(listed("sip:2001@earshot.test", &list));
        assert!(!listed("sip:2002@earshot.test", &list));
        assert!(!listed("sip:2001@evil.test", &list));
        assert_eq!(address_of_record("sip:[::1]:5060"), "sip:[::1]");
        assert_eq!(address_of_record("sip:bob@127.0.0.1:5062"), "sip:bob@127.0.0.1");
    }
}
