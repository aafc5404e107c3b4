//! Event and Subscription-State headers (RFC 6665 §8.2.1, §8.2.3).

use std::fmt;

use super::params::Params;
use super::scan::{Cursor, is_lws, is_token};

/// `Event: package[.template];id=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub package: String,
    pub params: Params,
}

impl Event {
    pub fn new(package: &str) -> Self {
        Event { package: package.to_owned(), params: Params::new() }
    }

    pub fn parse(s: &str) -> Result<Event, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let package = cur.take_while(is_token);
        if package.is_empty() {
            return Err("missing event package");
        }
        let params = Params::parse_generic(&mut cur)?;
        if !cur.rest().bytes().all(is_lws) {
            return Err("junk after event");
        }
        Ok(Event { package: package.to_owned(), params })
    }

    pub fn id(&self) -> Option<&str> {
        self.params.value("id")
    }

    /// Whether two Event headers name the same subscription (package and id match).
    pub fn matches(&self, other: &Event) -> bool {
        self.package.eq_ignore_ascii_case(&other.package) && self.id() == other.id()
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.package, self.params)
    }
}

/// `Subscription-State: active|pending|terminated;expires=…;reason=…;retry-after=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    pub state: String,
    pub params: Params,
}

impl SubscriptionState {
    pub fn parse(s: &str) -> Result<SubscriptionState, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let state = cur.token().ok_or("missing substate")?.to_ascii_lowercase();
        let params = Params::parse_generic(&mut cur)?;
        if !cur.rest().bytes().all(is_lws) {
            return Err("junk after subscription state");
        }
        Ok(SubscriptionState { state, params })
    }

    pub fn expires(&self) -> Option<u32> {
        self.params.value("expires").and_then(|v| v.parse().ok())
    }

    pub fn reason(&self) -> Option<&str> {
        self.params.value("reason")
    }

    pub fn is_terminated(&self) -> bool {
        self.state == "terminated"
    }
}

impl fmt::Display for SubscriptionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.state, self.params)
    }
}
