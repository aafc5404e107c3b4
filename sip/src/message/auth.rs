//! WWW-/Proxy-Authenticate challenges and Authorization credentials (RFC 3261 §20.27,
//! §20.44, §25.1; RFC 7616 §3.3–3.4 for the Digest parameters).

use std::fmt;

use super::params::unquote;
use super::scan::{Cursor, is_lws};

/// `name=value` auth-params in order; values keep their quotes as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestParams(pub Vec<(String, String)>);

impl DigestParams {
    /// The value of `name` without quotes.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| unquote(v))
    }

    fn parse(cur: &mut Cursor<'_>) -> Result<DigestParams, &'static str> {
        let mut out = Vec::new();
        loop {
            cur.skip_lws();
            if cur.is_empty() {
                break;
            }
            let name = cur.token().ok_or("malformed auth-param name")?;
            if !cur.eat_sep(b'=') {
                return Err("auth-param without '='");
            }
            let value = if cur.peek() == Some(b'"') {
                let start = cur.rest();
                let inner = cur.quoted_string().ok_or("unterminated quoted auth-param")?;
                start.get(..inner.len() + 2).ok_or("unterminated quoted auth-param")?
            } else {
                cur.token().ok_or("malformed auth-param value")?
            };
            out.push((name.to_owned(), value.to_owned()));
            cur.skip_lws();
            if !cur.eat(b',') {
                break;
            }
        }
        if !cur.rest().bytes().all(is_lws) {
            return Err("junk after auth-params");
        }
        Ok(DigestParams(out))
    }
}

impl fmt::Display for DigestParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (n, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n}={v}")?;
        }
        Ok(())
    }
}

/// A challenge from a 401 or 407 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: DigestParams,
}

/// Credentials in an Authorization or Proxy-Authorization header.
pub type Credentials = Challenge;

impl Challenge {
    pub fn parse(s: &str) -> Result<Challenge, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let scheme = cur.token().ok_or("missing auth scheme")?.to_owned();
        if !cur.is_empty() && !cur.skip_lws() {
            return Err("no white space after auth scheme");
        }
        let params = DigestParams::parse(&mut cur)?;
        Ok(Challenge { scheme, params })
    }

    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.scheme, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_digest_challenge() {
        let c = Challenge::parse(
            "Digest realm=\"atlanta.com\",\r\n domain=\"sip:ss1.carrier.com\", qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=MD5",
        )
        .unwrap();
        assert!(c.is_digest());
        assert_eq!(c.params.get("realm"), Some("atlanta.com"));
        assert_eq!(c.params.get("qop"), Some("auth,auth-int"));
        assert_eq!(c.params.get("opaque"), Some(""));
        assert_eq!(c.params.get("ALGORITHM"), Some("MD5"));
        let other = Challenge::parse("NoOneKnowsThisScheme opaque-data=here").unwrap();
        assert!(!other.is_digest());
        assert!(Challenge::parse("Digest realm=\"x").is_err());
    }
}
