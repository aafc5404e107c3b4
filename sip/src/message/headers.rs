//! The ordered header list of a message, typed access to the headers a user agent needs,
//! and the syntax check run on every known header when a message is parsed.

use super::auth::Challenge;
use super::cseq::{CSeq, parse_bounded};
use super::date;
use super::error::ParseError;
use super::header_name::HeaderName;
use super::list::TokenList;
use super::media_type::MediaType;
use super::name_addr::NameAddr;
use super::replaces::DialogRef;
use super::scan::{is_lws, is_token, is_word, split_commas, trim_lws};
use super::subscription::{Event, SubscriptionState};
use super::via::Via;

/// One header line. The value is kept exactly as received (folds included) so that
/// unknown headers print back unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: HeaderName,
    pub value: String,
}

/// Headers in message order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends a header. CR and LF in `value` are replaced by spaces so that a value can
    /// never inject a header line.
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        let mut value = value.into();
        if value.contains(['\r', '\n']) {
            value = value.replace(['\r', '\n'], " ");
        }
        self.0.push(Header { name, value });
    }

    pub(crate) fn push_raw(&mut self, name: HeaderName, value: String) {
        self.0.push(Header { name, value });
    }

    /// Inserts a header before all others (used for Via).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        let mut tmp = Headers::new();
        tmp.push(name, value);
        self.0.splice(0..0, tmp.0);
    }

    /// Replaces every header of this name by one with `value`, at the first one's place.
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let pos = self.0.iter().position(|h| h.name == name);
        self.remove(&name);
        let mut tmp = Headers::new();
        tmp.push(name, value);
        let at = pos.unwrap_or(self.0.len()).min(self.0.len());
        self.0.splice(at..at, tmp.0);
    }

    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| &h.name != name);
    }

    /// The first value of `name`, trimmed.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0
            .iter()
            .find(|h| &h.name == name)
            .map(|h| trim_lws(&h.value))
    }

    /// Every header line of `name`.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |h| &h.name == name)
            .map(|h| trim_lws(&h.value))
    }

    /// Every value of `name`, with comma-separated lines split for list headers.
    pub fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        let split = name.is_list();
        self.get_all(name).flat_map(move |v| {
            let items: Box<dyn Iterator<Item = &str>> = if split {
                Box::new(split_commas(v))
            } else {
                Box::new(std::iter::once(v))
            };
            items
        })
    }

    pub fn contains(&self, name: &HeaderName) -> bool {
        self.0.iter().any(|h| &h.name == name)
    }

    fn required(&self, name: &HeaderName, label: &'static str) -> Result<&str, ParseError> {
        self.get(name).ok_or(ParseError::Missing(label))
    }

    /// All Via entries, top first.
    pub fn vias(&self) -> Result<Vec<Via>, ParseError> {
        self.values(&HeaderName::Via)
            .map(|v| Via::parse(v).map_err(|r| ParseError::header("Via", r)))
            .collect()
    }

    pub fn top_via(&self) -> Result<Via, ParseError> {
        let v = self
            .values(&HeaderName::Via)
            .next()
            .ok_or(ParseError::Missing("Via"))?;
        Via::parse(v).map_err(|r| ParseError::header("Via", r))
    }

    pub fn from(&self) -> Result<NameAddr, ParseError> {
        NameAddr::parse(self.required(&HeaderName::From, "From")?)
            .map_err(|r| ParseError::header("From", r))
    }

    pub fn to(&self) -> Result<NameAddr, ParseError> {
        NameAddr::parse(self.required(&HeaderName::To, "To")?)
            .map_err(|r| ParseError::header("To", r))
    }

    pub fn call_id(&self) -> Result<&str, ParseError> {
        self.required(&HeaderName::CallId, "Call-ID")
    }

    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        CSeq::parse(self.required(&HeaderName::CSeq, "CSeq")?)
            .map_err(|r| ParseError::header("CSeq", r))
    }

    pub fn max_forwards(&self) -> Result<Option<u8>, ParseError> {
        self.get(&HeaderName::MaxForwards)
            .map(|v| {
                parse_bounded(v, 255)
                    .map(|n| n as u8)
                    .ok_or(ParseError::header(
                        "Max-Forwards",
                        "not a number from 0 to 255",
                    ))
            })
            .transpose()
    }

    pub fn contacts(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.name_addrs(&HeaderName::Contact, "Contact")
    }

    /// `Contact: *` (RFC 3261 §10.2.2, remove all bindings).
    pub fn contact_is_star(&self) -> bool {
        self.get(&HeaderName::Contact) == Some("*")
    }

    pub fn routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.name_addrs(&HeaderName::Route, "Route")
    }

    pub fn record_routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.name_addrs(&HeaderName::RecordRoute, "Record-Route")
    }

    /// The addresses of any name-addr list header.
    pub fn name_addrs(
        &self,
        name: &HeaderName,
        label: &'static str,
    ) -> Result<Vec<NameAddr>, ParseError> {
        self.values(name)
            .map(|v| NameAddr::parse(v).map_err(|r| ParseError::header(label, r)))
            .collect()
    }

    /// A single name-addr header such as Refer-To or Referred-By.
    pub fn name_addr(
        &self,
        name: &HeaderName,
        label: &'static str,
    ) -> Result<Option<NameAddr>, ParseError> {
        self.get(name)
            .map(|v| NameAddr::parse(v).map_err(|r| ParseError::header(label, r)))
            .transpose()
    }

    pub fn content_length(&self) -> Result<Option<usize>, ParseError> {
        let mut result = None;
        for v in self.get_all(&HeaderName::ContentLength) {
            let n = parse_content_length(v)?;
            if result.is_some_and(|r| r != n) {
                return Err(ParseError::header("Content-Length", "conflicting values"));
            }
            result = Some(n);
        }
        Ok(result)
    }

    pub fn content_type(&self) -> Result<Option<MediaType>, ParseError> {
        self.get(&HeaderName::ContentType)
            .map(|v| MediaType::parse(v).map_err(|r| ParseError::header("Content-Type", r)))
            .transpose()
    }

    pub fn accept(&self) -> Result<Vec<MediaType>, ParseError> {
        self.values(&HeaderName::Accept)
            .filter(|v| !v.is_empty())
            .map(|v| MediaType::parse(v).map_err(|r| ParseError::header("Accept", r)))
            .collect()
    }

    /// A delta-seconds header: Expires, Min-Expires, Min-SE (value only).
    pub fn seconds(
        &self,
        name: &HeaderName,
        label: &'static str,
    ) -> Result<Option<u32>, ParseError> {
        self.get(name)
            .map(|v| {
                let digits = v.split(';').next().map(trim_lws).unwrap_or("");
                parse_bounded(digits, u32::MAX)
                    .ok_or(ParseError::header(label, "not delta-seconds"))
            })
            .transpose()
    }

    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.seconds(&HeaderName::Expires, "Expires")
    }

    /// An option-tag or method list (Supported, Require, Allow…), merged over all lines.
    pub fn tokens(&self, name: &HeaderName) -> TokenList {
        TokenList(
            self.values(name)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    pub fn challenges(&self, name: &HeaderName) -> Result<Vec<Challenge>, ParseError> {
        self.get_all(name)
            .map(|v| Challenge::parse(v).map_err(|r| ParseError::header("authentication", r)))
            .collect()
    }

    pub fn event(&self) -> Result<Option<Event>, ParseError> {
        self.get(&HeaderName::Event)
            .map(|v| Event::parse(v).map_err(|r| ParseError::header("Event", r)))
            .transpose()
    }

    pub fn subscription_state(&self) -> Result<Option<SubscriptionState>, ParseError> {
        self.get(&HeaderName::SubscriptionState)
            .map(|v| {
                SubscriptionState::parse(v).map_err(|r| ParseError::header("Subscription-State", r))
            })
            .transpose()
    }

    pub fn dialog_ref(&self, name: &HeaderName) -> Result<Option<DialogRef>, ParseError> {
        self.get(name)
            .map(|v| DialogRef::parse(v).map_err(|r| ParseError::header("Replaces/Join", r)))
            .transpose()
    }

    /// Checks the syntax of every known header and the rules on single-valued headers, as
    /// the parser does for each received message.
    pub fn validate(&self) -> Result<(), ParseError> {
        for (i, h) in self.0.iter().enumerate() {
            if h.name.is_single_valued()
                && self
                    .0
                    .get(..i)
                    .is_some_and(|before| before.iter().any(|p| p.name == h.name))
            {
                return Err(ParseError::Duplicate(static_name(&h.name)));
            }
            validate_value(&h.name, trim_lws(&h.value))?;
        }
        Ok(())
    }
}

fn static_name(name: &HeaderName) -> &'static str {
    match name {
        HeaderName::From => "From",
        HeaderName::To => "To",
        HeaderName::CallId => "Call-ID",
        HeaderName::CSeq => "CSeq",
        HeaderName::MaxForwards => "Max-Forwards",
        HeaderName::ContentType => "Content-Type",
        HeaderName::Expires => "Expires",
        _ => "single-valued",
    }
}

fn parse_content_length(v: &str) -> Result<usize, ParseError> {
    let v = trim_lws(v);
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::header(
            "Content-Length",
            "not a non-negative number below 10^9",
        ));
    }
    v.parse()
        .map_err(|_| ParseError::header("Content-Length", "not a number"))
}

/// Syntax check of one known header value.
fn validate_value(name: &HeaderName, v: &str) -> Result<(), ParseError> {
    use HeaderName as H;
    let each = |label: &'static str, f: fn(&str) -> Result<(), &'static str>| {
        split_commas(v).try_for_each(|item| f(item).map_err(|r| ParseError::header(label, r)))
    };
    match name {
        H::Via => each("Via", |s| Via::parse(s).map(drop)),
        H::From => NameAddr::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("From", r)),
        H::To => NameAddr::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("To", r)),
        H::Contact if v == "*" => Ok(()),
        H::Contact => each("Contact", contact_item),
        H::Route => each("Route", |s| NameAddr::parse(s).map(drop)),
        H::RecordRoute => each("Record-Route", |s| NameAddr::parse(s).map(drop)),
        H::PAssertedIdentity => each("P-Asserted-Identity", |s| NameAddr::parse(s).map(drop)),
        H::ReferTo => NameAddr::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("Refer-To", r)),
        H::CallId => {
            let ok = !v.is_empty()
                && v.split_once('@')
                    .map_or(is_all_word(v), |(a, b)| is_all_word(a) && is_all_word(b));
            if ok {
                Ok(())
            } else {
                Err(ParseError::header("Call-ID", "not word[@word]"))
            }
        }
        H::CSeq => CSeq::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("CSeq", r)),
        H::MaxForwards => parse_bounded(v, 255).map(drop).ok_or(ParseError::header(
            "Max-Forwards",
            "not a number from 0 to 255",
        )),
        H::ContentLength => parse_content_length(v).map(drop),
        H::ContentType => MediaType::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("Content-Type", r)),
        H::Expires | H::MinExpires => {
            parse_bounded(v, u32::MAX)
                .map(drop)
                .ok_or(ParseError::header(
                    "Expires",
                    "not delta-seconds below 2^32",
                ))
        }
        H::Date => date::validate(v).map_err(|r| ParseError::header("Date", r)),
        H::Supported
        | H::Require
        | H::ProxyRequire
        | H::Unsupported
        | H::Allow
        | H::AllowEvents => {
            if split_commas(v).all(|t| t.is_empty() || t.bytes().all(is_token)) {
                Ok(())
            } else {
                Err(ParseError::header(
                    "option-tag list",
                    "not a list of tokens",
                ))
            }
        }
        H::Event => Event::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("Event", r)),
        H::SubscriptionState => SubscriptionState::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("Subscription-State", r)),
        H::Replaces | H::Join => DialogRef::parse(v)
            .map(drop)
            .map_err(|r| ParseError::header("Replaces/Join", r)),
        H::WwwAuthenticate | H::ProxyAuthenticate | H::Authorization | H::ProxyAuthorization => {
            Challenge::parse(v)
                .map(drop)
                .map_err(|r| ParseError::header("authentication", r))
        }
        H::RSeq => parse_bounded(v, u32::MAX)
            .map(drop)
            .ok_or(ParseError::header("RSeq", "not a number")),
        H::RetryAfter => {
            let digits = v.split([';', '(']).next().map(trim_lws).unwrap_or("");
            parse_bounded(digits, u32::MAX)
                .map(drop)
                .ok_or(ParseError::header(
                    "Retry-After",
                    "not delta-seconds below 2^32",
                ))
        }
        H::Warning => each("Warning", |w| {
            let code = w
                .split(|c: char| c.is_ascii() && is_lws(c as u8))
                .next()
                .unwrap_or("");
            if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                Err("warn-code is not three digits")
            }
        }),
        _ => Ok(()),
    }
}

fn contact_item(s: &str) -> Result<(), &'static str> {
    let a = NameAddr::parse(s)?;
    if let Some(e) = a.params.get("expires") {
        parse_bounded(e.unwrap_or(""), u32::MAX)
            .ok_or("expires is not delta-seconds below 2^32")?;
    }
    Ok(())
}

fn is_all_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_word)
}
