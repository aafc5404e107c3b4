//! The Via header (RFC 3261 §20.42, §18.2.1 received, RFC 3581 rport).

use std::fmt;

use super::params::Params;
use super::scan::{Cursor, is_lws, is_token};
use super::uri::{Host, parse_port};

/// The magic cookie that marks an RFC 3261 branch (§8.1.1.7).
pub const BRANCH_COOKIE: &str = "z9hG4bK";

/// One Via entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Transport token in upper case (UDP, TCP, TLS, SCTP, WS, WSS or unknown).
    pub transport: String,
    pub host: Host,
    pub port: Option<u16>,
    pub params: Params,
}

impl Via {
    pub fn new(transport: &str, host: Host, port: Option<u16>, branch: &str) -> Via {
        let mut params = Params::new();
        params.set("branch", Some(branch));
        Via { transport: transport.to_ascii_uppercase(), host, port, params }
    }

    /// Parses one via-parm (not a comma-separated list).
    pub fn parse(s: &str) -> Result<Via, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let name = cur.token().ok_or("missing protocol name")?;
        if !cur.eat_sep(b'/') {
            return Err("missing / after protocol name");
        }
        let version = cur.token().ok_or("missing protocol version")?;
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err("sent-protocol is not SIP/2.0");
        }
        if !cur.eat_sep(b'/') {
            return Err("missing / before transport");
        }
        let transport = cur.token().ok_or("missing transport")?;
        if !cur.skip_lws() {
            return Err("no white space before sent-by");
        }
        let host_text = if cur.peek() == Some(b'[') {
            let h = cur.take_while(|b| b != b']');
            if !cur.eat(b']') {
                return Err("unterminated IPv6 reference");
            }
            // Re-slice to include the closing bracket.
            let len = h.len() + 1;
            s.get(s.len() - cur.rest().len() - len..s.len() - cur.rest().len()).unwrap_or(h)
        } else {
            cur.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        };
        let host = Host::parse(host_text)?;
        let port = if cur.eat_sep(b':') {
            Some(parse_port(cur.take_while(|b| b.is_ascii_digit())).ok_or("malformed port")?)
        } else {
            None
        };
        let params = Params::parse_generic(&mut cur)?;
        if !cur.rest().bytes().all(is_lws) {
            return Err("junk after via parameters");
        }
        if let Some(Some(b)) = params.get("branch")
            && !b.bytes().all(is_token)
        {
            return Err("branch is not a token");
        }
        Ok(Via { transport: transport.to_ascii_uppercase(), host, port, params })
    }

    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// The `received` parameter, with RFC 5118 §4.5's optional brackets accepted.
    pub fn received(&self) -> Option<Host> {
        let r = self.params.value("received")?;
        Host::parse(r)
            .ok()
            .or_else(|| Host::parse(&format!("[{r}]")).ok())
            .filter(|h| matches!(h, Host::Ip(_)))
    }

    /// `rport`: `Some(None)` when requested without a value (RFC 3581 §3).
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params.get("rport").map(|v| v.and_then(parse_port))
    }

    /// Whether the transport is reliable (stream-based).
    pub fn is_reliable(&self) -> bool {
        !self.transport.eq_ignore_ascii_case("UDP")
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_torture_via() {
        let v = Via::parse("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.branch(), Some("390skdjuw"));
        let w = Via::parse(" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239")
            .unwrap();
        assert_eq!(w.branch(), Some("z9hG4bK30239"));
    }

    #[test]
    fn ipv6_and_received() {
        let v = Via::parse(
            "SIP/2.0/UDP [2001:db8::9:1]:6050;received=[2001:db8::9:255];branch=z9hG4bKas3",
        )
        .unwrap();
        assert_eq!(v.port, Some(6050));
        assert_eq!(v.received(), Some(Host::Ip("2001:db8::9:255".parse().unwrap())));
        let w =
            Via::parse("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3")
                .unwrap();
        assert_eq!(w.received(), v.received());
        assert_eq!(Via::parse("SIP/2.0/UDP h;rport").unwrap().rport(), Some(None));
    }

    #[test]
    fn rejects_malformed() {
        assert!(Via::parse("SIP/2.0/UDP 192.0.2.15;;").is_err());
        assert!(Via::parse("SIP/7.0/UDP c.example.com").is_err());
        assert!(Via::parse("SIP/2.0/UDP").is_err());
    }
}
