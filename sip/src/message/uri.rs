//! URIs in SIP messages: `sip:` and `sips:` (RFC 3261 §19.1, with the IPv6 references of
//! RFC 5118), `tel:` (RFC 3966), and any other absolute URI kept as text.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::ParseError;
use super::params::Params;
use super::scan::{
    is_escaped_text, is_password_char, is_uri_header_char, is_uri_param_char, is_user_char,
    unescape,
};

/// A URI as it appears in a Request-URI or a name-addr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uri {
    Sip(SipUri),
    Tel(TelUri),
    /// An absoluteURI of a scheme this stack does not interpret (RFC 3261 §19.1.6).
    Other(String),
}

/// A `sip:` or `sips:` URI. User and password are kept escaped as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipUri {
    pub secure: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: Host,
    pub port: Option<u16>,
    pub params: Params,
    /// `?name=value&…` headers, escaped as written.
    pub headers: Vec<(String, String)>,
}

/// A `tel:` URI (RFC 3966 §3): the subscriber number and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelUri {
    pub number: String,
    pub params: Params,
}

/// The host part of a URI or Via.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Domain(String),
    Ip(IpAddr),
}

impl Host {
    /// Parses `hostname / IPv4address / IPv6reference`.
    pub fn parse(s: &str) -> Result<Host, &'static str> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or("unterminated IPv6 reference")?;
            return parse_ipv6(inner).map(|a| Host::Ip(IpAddr::V6(a)));
        }
        if s.is_empty() {
            return Err("empty host");
        }
        if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && s.contains('.') {
            return s
                .parse::<Ipv4Addr>()
                .map(|a| Host::Ip(IpAddr::V4(a)))
                .map_err(|_| "malformed IPv4 address");
        }
        let valid_labels = s.trim_end_matches('.').split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        if !valid_labels {
            return Err("malformed host name");
        }
        Ok(Host::Domain(s.to_owned()))
    }

    /// Case-insensitive comparison of domains; exact comparison of addresses.
    pub fn same_as(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Domain(a), Host::Domain(b)) => a.eq_ignore_ascii_case(b),
            (Host::Ip(a), Host::Ip(b)) => a == b,
            _ => false,
        }
    }
}

/// RFC 5118 §4.10: the RFC 3261 ABNF allows a third colon before an embedded IPv4
/// address; such references are accepted and read as the two-colon form.
fn parse_ipv6(s: &str) -> Result<Ipv6Addr, &'static str> {
    s.parse::<Ipv6Addr>()
        .or_else(|_| s.replacen(":::", "::", 1).parse::<Ipv6Addr>())
        .map_err(|_| "malformed IPv6 reference")
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ip(IpAddr::V4(a)) => write!(f, "{a}"),
            Host::Ip(IpAddr::V6(a)) => write!(f, "[{a}]"),
        }
    }
}

impl Uri {
    /// Parses a complete URI.
    pub fn parse(s: &str) -> Result<Uri, ParseError> {
        let (scheme, rest) = s.split_once(':').ok_or(ParseError::Uri("no scheme"))?;
        if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
            SipUri::parse_parts(scheme.eq_ignore_ascii_case("sips"), rest).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("tel") {
            TelUri::parse(rest).map(Uri::Tel)
        } else {
            let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
            let rest_ok = !rest.is_empty()
                && rest.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"'));
            if scheme_ok && rest_ok {
                Ok(Uri::Other(s.to_owned()))
            } else {
                Err(ParseError::Uri("malformed absolute URI"))
            }
        }
    }

    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    pub fn as_sip_mut(&mut self) -> Option<&mut SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The scheme in lower case.
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) if u.secure => "sips",
            Uri::Sip(_) => "sip",
            Uri::Tel(_) => "tel",
            Uri::Other(s) => s.split(':').next().unwrap_or(""),
        }
    }

    /// URI equivalence (RFC 3261 §19.1.4 for SIP URIs; textual otherwise).
    pub fn equivalent(&self, other: &Uri) -> bool {
        match (self, other) {
            (Uri::Sip(a), Uri::Sip(b)) => a.equivalent(b),
            (Uri::Tel(a), Uri::Tel(b)) => a.number == b.number,
            (Uri::Other(a), Uri::Other(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

impl SipUri {
    /// A plain `sip:user@host[:port]` URI.
    pub fn new(user: Option<&str>, host: Host, port: Option<u16>) -> SipUri {
        SipUri {
            secure: false,
            user: user.map(str::to_owned),
            password: None,
            host,
            port,
            params: Params::new(),
            headers: Vec::new(),
        }
    }

    fn parse_parts(secure: bool, s: &str) -> Result<SipUri, ParseError> {
        // The user part cannot contain an unescaped '@', so the first one ends it.
        let (userinfo, hostpart) = match s.find('@') {
            Some(i) => (s.get(..i), s.get(i + 1..).unwrap_or("")),
            None => (None, s),
        };
        let (user, password) = match userinfo {
            Some(ui) => {
                let (u, p) = match ui.find(':') {
                    Some(i) => (ui.get(..i).unwrap_or(""), ui.get(i + 1..)),
                    None => (ui, None),
                };
                if u.is_empty() || !is_escaped_text(u, is_user_char) {
                    return Err(ParseError::Uri("malformed user part"));
                }
                if let Some(p) = p
                    && !is_escaped_text(p, is_password_char)
                {
                    return Err(ParseError::Uri("malformed password"));
                }
                (Some(u.to_owned()), p.map(str::to_owned))
            }
            None => (None, None),
        };
        let (before_headers, headers_part) = match hostpart.split_once('?') {
            Some((a, b)) => (a, Some(b)),
            None => (hostpart, None),
        };
        let mut pieces = before_headers.split(';');
        let hostport = pieces.next().unwrap_or("");
        let (host, port) = split_hostport(hostport)?;
        let mut params = Params::new();
        for p in pieces {
            let (name, value) = match p.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (p, None),
            };
            if name.is_empty() || !is_escaped_text(name, is_uri_param_char) {
                return Err(ParseError::Uri("malformed URI parameter"));
            }
            if let Some(v) = value
                && (v.is_empty() || !is_escaped_text(v, is_uri_param_char))
            {
                return Err(ParseError::Uri("malformed URI parameter value"));
            }
            params.push_raw(name, value);
        }
        let mut headers = Vec::new();
        if let Some(hp) = headers_part {
            for h in hp.split('&') {
                let (n, v) = h.split_once('=').ok_or(ParseError::Uri("URI header without '='"))?;
                if n.is_empty()
                    || !is_escaped_text(n, is_uri_header_char)
                    || !is_escaped_text(v, is_uri_header_char)
                {
                    return Err(ParseError::Uri("malformed URI header"));
                }
                headers.push((n.to_owned(), v.to_owned()));
            }
        }
        Ok(SipUri { secure, user, password, host, port, params, headers })
    }

    /// The user part with escapes decoded.
    pub fn user_unescaped(&self) -> Option<Vec<u8>> {
        self.user.as_deref().map(unescape)
    }

    /// The `transport` parameter, lower-cased.
    pub fn transport(&self) -> Option<String> {
        self.params.value("transport").map(str::to_ascii_lowercase)
    }

    /// URI comparison per RFC 3261 §19.1.4.
    pub fn equivalent(&self, o: &SipUri) -> bool {
        if self.secure != o.secure
            || self.user_unescaped() != o.user_unescaped()
            || self.password.as_deref().map(unescape) != o.password.as_deref().map(unescape)
            || !self.host.same_as(&o.host)
            || self.port != o.port
        {
            return false;
        }
        // user, ttl, method, maddr and transport must match when present in either URI.
        for name in ["user", "ttl", "method", "maddr", "transport"] {
            let a = self.params.value(name).map(unescape);
            let b = o.params.value(name).map(unescape);
            if !eq_ci(a.as_deref(), b.as_deref()) {
                return false;
            }
        }
        // Any other parameter present in both must match.
        for (n, v) in self.params.iter() {
            if let Some(ov) = o.params.get(n)
                && !eq_ci(v.map(unescape).as_deref(), ov.map(unescape).as_deref())
            {
                return false;
            }
        }
        // Headers must match as a set, in both directions.
        let has = |hs: &[(String, String)], (n, v): &(String, String)| {
            hs.iter().any(|(hn, hv)| hn.eq_ignore_ascii_case(n) && unescape(hv) == unescape(v))
        };
        self.headers.iter().all(|h| has(&o.headers, h))
            && o.headers.iter().all(|h| has(&self.headers, h))
    }
}

fn eq_ci(a: Option<&[u8]>, b: Option<&[u8]>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

/// Splits `host[:port]`, where host may be an IPv6 reference in brackets.
pub(crate) fn split_hostport(s: &str) -> Result<(Host, Option<u16>), ParseError> {
    let (host, port) = if s.starts_with('[') {
        let end = s.find(']').ok_or(ParseError::Uri("unterminated IPv6 reference"))?;
        let (h, rest) = s.split_at(end + 1);
        match rest {
            "" => (h, None),
            _ => (h, Some(rest.strip_prefix(':').ok_or(ParseError::Uri("junk after host"))?)),
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let host = Host::parse(host).map_err(ParseError::Uri)?;
    let port = match port {
        Some(p) => Some(parse_port(p).ok_or(ParseError::Uri("malformed port"))?),
        None => None,
    };
    Ok((host, port))
}

pub(crate) fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

impl TelUri {
    fn parse(s: &str) -> Result<TelUri, ParseError> {
        let mut pieces = s.split(';');
        let number = pieces.next().unwrap_or("");
        let digits = number.strip_prefix('+').unwrap_or(number);
        let ok = !digits.is_empty()
            && digits.bytes().all(|b| {
                b.is_ascii_hexdigit() || matches!(b, b'*' | b'#' | b'-' | b'.' | b'(' | b')')
            });
        if !ok {
            return Err(ParseError::Uri("malformed telephone number"));
        }
        let mut params = Params::new();
        for p in pieces {
            let (n, v) = match p.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (p, None),
            };
            if n.is_empty() {
                return Err(ParseError::Uri("empty tel parameter"));
            }
            params.push_raw(n, v);
        }
        Ok(TelUri { number: number.to_owned(), params })
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                write!(f, ":{p}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            write!(f, "{}{n}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => write!(f, "{u}"),
            Uri::Tel(t) => write!(f, "tel:{}{}", t.number, t.params),
            Uri::Other(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(s: &str) -> SipUri {
        match Uri::parse(s).unwrap() {
            Uri::Sip(u) => u,
            other => panic!("not sip: {other:?}"),
        }
    }

    #[test]
    fn parses_unusual_user_and_password() {
        let u = sip(
            "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
        );
        assert_eq!(u.user.as_deref(), Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"));
        assert_eq!(u.password.as_deref(), Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"));
        assert_eq!(u.host, Host::Domain("example.com".into()));
    }

    #[test]
    fn ipv6_references() {
        assert_eq!(sip("sip:[2001:db8::10]:5070").port, Some(5070));
        let amb = sip("sip:[2001:db8::10:5070]");
        assert_eq!(amb.port, None);
        assert_eq!(amb.host, Host::Ip("2001:db8::10:5070".parse().unwrap()));
        assert!(Uri::parse("sip:2001:db8::10").is_err());
        assert_eq!(
            sip("sip:user@[2001:db8:::192.0.2.1]").host,
            sip("sip:user@[2001:db8::192.0.2.1]").host
        );
    }

    #[test]
    fn params_headers_and_escapes() {
        let u =
            sip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31?Route=%3Csip:x%3E");
        assert_eq!(u.user_unescaped().unwrap(), b"caller");
        assert_eq!(u.params.get("%6C%72"), Some(None));
        assert_eq!(u.headers, vec![("Route".into(), "%3Csip:x%3E".into())]);
        assert!(Uri::parse("sip:user@example.com; lr").is_err());
        assert!(Uri::parse("sip:us%zzer@example.com").is_err());
    }

    #[test]
    fn equivalence_follows_19_1_4() {
        assert!(
            sip("sip:%61lice@atlanta.com;transport=TCP")
                .equivalent(&sip("sip:alice@AtLanTa.CoM;Transport=tcp"))
        );
        assert!(!sip("sip:alice@atlanta.com").equivalent(&sip("sip:alice@atlanta.com:5060")));
        assert!(!sip("sip:bob@biloxi.com").equivalent(&sip("sip:bob@biloxi.com;transport=udp")));
        assert!(sip("sip:carol@chicago.com").equivalent(&sip("sip:carol@chicago.com;newparam=5")));
        assert!(!sip("sip:alice@atlanta.com").equivalent(&sip("sip:ALICE@atlanta.com")));
    }

    #[test]
    fn other_schemes_round_trip() {
        for s in [
            "tel:+1-201-555-0123;phone-context=x",
            "soap.beep://192.0.2.103:3002",
            "sips:a@b.c:5061;lr",
        ] {
            assert_eq!(Uri::parse(s).unwrap().to_string(), s);
        }
        assert!(Uri::parse("<sip:user@example.com>").is_err());
    }
}
