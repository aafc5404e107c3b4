//! Content-Type and Accept media types (RFC 3261 §20.15, §20.1).

use std::fmt;

use super::params::Params;
use super::scan::{Cursor, is_lws};

/// `type/subtype;params`, with type and subtype lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    pub main: String,
    pub sub: String,
    pub params: Params,
}

impl MediaType {
    pub fn new(main: &str, sub: &str) -> Self {
        MediaType {
            main: main.to_ascii_lowercase(),
            sub: sub.to_ascii_lowercase(),
            params: Params::new(),
        }
    }

    pub fn parse(s: &str) -> Result<MediaType, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let main = cur.token().ok_or("missing type")?;
        if !cur.eat_sep(b'/') {
            return Err("missing /");
        }
        let sub = cur.token().ok_or("missing subtype")?;
        let params = Params::parse_generic(&mut cur)?;
        if !cur.rest().bytes().all(is_lws) {
            return Err("junk after media type");
        }
        Ok(MediaType { main: main.to_ascii_lowercase(), sub: sub.to_ascii_lowercase(), params })
    }

    /// Whether this is `main/sub` (case-insensitive).
    pub fn is(&self, main: &str, sub: &str) -> bool {
        self.main.eq_ignore_ascii_case(main) && self.sub.eq_ignore_ascii_case(sub)
    }

    /// Whether an Accept entry (which may use `*`) admits `other`.
    pub fn accepts(&self, other: &MediaType) -> bool {
        (self.main == "*" || self.main == other.main) && (self.sub == "*" || self.sub == other.sub)
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.main, self.sub, self.params)
    }
}
