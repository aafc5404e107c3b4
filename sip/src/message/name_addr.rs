//! `name-addr / addr-spec` with header parameters (RFC 3261 §20.10, §25.1): the value of
//! From, To, Contact, Route, Record-Route, Refer-To, P-Asserted-Identity and others.

use std::fmt;

use super::params::Params;
use super::scan::{Cursor, is_lws, is_token, trim_lws};
use super::uri::Uri;

/// An address with optional display name and parameters (`;tag=`, `;expires=`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name as written: a quoted-string keeps its quotes and escapes.
    pub display: Option<String>,
    pub uri: Uri,
    pub params: Params,
}

impl NameAddr {
    pub fn new(uri: Uri) -> Self {
        NameAddr { display: None, uri, params: Params::new() }
    }

    /// Parses one address (not a comma-separated list).
    pub fn parse(s: &str) -> Result<NameAddr, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let mut display = None;
        let uri_text;
        if cur.peek() == Some(b'"') {
            let start = cur.rest();
            let inner = cur.quoted_string().ok_or("unterminated quoted display name")?;
            display = start.get(..inner.len() + 2).map(str::to_owned);
            cur.skip_lws();
            if cur.peek() != Some(b'<') {
                return Err("quoted display name not followed by <");
            }
            uri_text = bracketed_uri(&mut cur)?;
        } else if cur.rest().contains('<') {
            let name = cur.take_until_unquoted(|b| b == b'<');
            let name = trim_lws(name);
            if !name.bytes().all(|b| is_token(b) || is_lws(b)) {
                return Err("display name is neither tokens nor a quoted string");
            }
            if !name.is_empty() {
                display = Some(name.to_owned());
            }
            uri_text = bracketed_uri(&mut cur)?;
        } else {
            // addr-spec: a URI with ',', ';' or '?' must be in angle brackets (§20.10), so
            // the URI ends at the first ';' and may not contain '?'.
            uri_text = cur.take_while(|b| b != b';' && !is_lws(b));
            if uri_text.contains('?') || uri_text.contains(',') {
                return Err("URI with '?' or ',' must be enclosed in <>");
            }
        }
        let uri = Uri::parse(uri_text).map_err(|_| "malformed URI")?;
        let params = Params::parse_generic(&mut cur)?;
        cur.skip_lws();
        if !cur.is_empty() {
            return Err("unexpected text after address");
        }
        Ok(NameAddr { display, uri, params })
    }

    /// The display name without quotes, with quoted-pairs resolved.
    pub fn display_name(&self) -> Option<String> {
        let d = self.display.as_deref()?;
        let Some(inner) = d.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
            return Some(d.to_owned());
        };
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        Some(out)
    }

    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }
}

/// `LAQUOT addr-spec RAQUOT`: no white space is allowed just inside the brackets.
fn bracketed_uri<'a>(cur: &mut Cursor<'a>) -> Result<&'a str, &'static str> {
    if !cur.eat(b'<') {
        return Err("expected <");
    }
    let uri = cur.take_while(|b| b != b'>' && !is_lws(b));
    if !cur.eat(b'>') {
        return Err("white space or junk inside <>, or no closing >");
    }
    Ok(uri)
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "{d} ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torture_forms() {
        let a = NameAddr::parse(
            "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8",
        )
        .unwrap();
        assert_eq!(a.display_name().as_deref(), Some("J Rosenberg \\\""));
        assert_eq!(a.tag(), Some("98asjd8"));
        let b = NameAddr::parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(b.display.as_deref(), Some("caller"));
        let c =
            NameAddr::parse(" sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n").unwrap();
        assert_eq!(c.tag(), Some("1918181833n"));
        let d = NameAddr::parse("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;tag=x")
            .unwrap();
        assert_eq!(d.display.as_deref(), Some("token1~` token2'+_ token3*%!.-"));
    }

    #[test]
    fn torture_rejections() {
        assert!(NameAddr::parse("\"Watson, Thomas\" < sip:t.watson@example.org >").is_err());
        assert!(NameAddr::parse("Bell, Alexander <sip:a.g.bell@example.com>;tag=43").is_err());
        assert!(NameAddr::parse("\"Mr. J. User <sip:j.user@example.com>").is_err());
        assert!(NameAddr::parse("sip:user@example.com?Route=%3Csip:sip.example.com%3E").is_err());
        assert!(NameAddr::parse("\"Joe\" <sip:joe@example.org>;;;;").is_err());
    }

    #[test]
    fn prints_canonically() {
        let a = NameAddr::parse("Bob <sip:bob@biloxi.com>;tag=a6c85cf").unwrap();
        assert_eq!(a.to_string(), "Bob <sip:bob@biloxi.com>;tag=a6c85cf");
    }
}
