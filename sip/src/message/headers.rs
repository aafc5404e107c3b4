//! The ordered header list of a message and typed access to the headers a user agent
//! needs. Each line keeps its text exactly as received (so unknown headers print back
//! unchanged) and its typed form, parsed at most once.

use std::cell::OnceCell;

use super::auth::Challenge;
use super::cseq::CSeq;
use super::error::ParseError;
use super::header_name::HeaderName;
use super::list::TokenList;
use super::media_type::MediaType;
use super::name_addr::NameAddr;
use super::replaces::DialogRef;
use super::scan::{split_commas, trim_lws};
use super::subscription::{Event, SubscriptionState};
use super::typed::{self, Typed};
use super::via::Via;

/// One header line.
#[derive(Debug, Clone)]
pub struct Header {
    pub name: HeaderName,
    value: String,
    typed: OnceCell<Result<Typed, ParseError>>,
}

impl PartialEq for Header {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.value == other.value
    }
}
impl Eq for Header {}

impl Header {
    fn new(name: HeaderName, value: String) -> Header {
        Header { name, value, typed: OnceCell::new() }
    }

    /// The value as received (folds included) or as set.
    pub fn value(&self) -> &str {
        &self.value
    }

    fn typed(&self) -> &Result<Typed, ParseError> {
        self.typed.get_or_init(|| typed::parse(&self.name, &self.value))
    }
}

/// Headers in message order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    pub fn with_capacity(n: usize) -> Self {
        Headers(Vec::with_capacity(n))
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
        self.0.push(Header::new(name, sanitize(value.into())));
    }

    pub(crate) fn push_raw(&mut self, name: HeaderName, value: String) {
        self.0.push(Header::new(name, value));
    }

    /// Inserts a header before all others (used for Via).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.insert(0, Header::new(name, sanitize(value.into())));
    }

    /// Replaces the value of the first line of `name`, keeping its place; appends if absent.
    pub fn replace_first(&mut self, name: &HeaderName, value: impl Into<String>) {
        let value = sanitize(value.into());
        match self.0.iter_mut().find(|h| &h.name == name) {
            Some(h) => *h = Header::new(name.clone(), value),
            None => self.0.push(Header::new(name.clone(), value)),
        }
    }

    /// Replaces every header of this name by one with `value`, at the first one's place.
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let at = self.0.iter().position(|h| h.name == name).unwrap_or(self.0.len());
        self.remove(&name);
        let at = at.min(self.0.len());
        self.0.insert(at, Header::new(name, sanitize(value.into())));
    }

    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| &h.name != name);
    }

    /// The first value of `name`, trimmed.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0.iter().find(|h| &h.name == name).map(|h| trim_lws(&h.value))
    }

    /// Every header line of `name`.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.lines(name).map(|h| trim_lws(&h.value))
    }

    fn lines<'a, 'n>(
        &'a self,
        name: &'n HeaderName,
    ) -> impl Iterator<Item = &'a Header> + use<'a, 'n> {
        self.0.iter().filter(move |h| &h.name == name)
    }

    /// Every value of `name`, with comma-separated lines split for list headers.
    pub fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        let split = name.is_list();
        self.get_all(name).flat_map(move |v| {
            let items: Box<dyn Iterator<Item = &str>> =
                if split { Box::new(split_commas(v)) } else { Box::new(std::iter::once(v)) };
            items
        })
    }

    pub fn contains(&self, name: &HeaderName) -> bool {
        self.0.iter().any(|h| &h.name == name)
    }

    /// The typed forms of every line of `name`.
    fn typed_lines<'a, 'n>(
        &'a self,
        name: &'n HeaderName,
    ) -> impl Iterator<Item = Result<&'a Typed, ParseError>> + use<'a, 'n> {
        self.lines(name).map(|h| h.typed().as_ref().map_err(Clone::clone))
    }

    /// The typed form of the first line of `name`, if any.
    fn typed_first<'a>(&'a self, name: &HeaderName) -> Option<Result<&'a Typed, ParseError>> {
        self.typed_lines(name).next()
    }

    /// All Via entries, top first.
    pub fn vias(&self) -> Result<Vec<&Via>, ParseError> {
        let mut out = Vec::new();
        for t in self.typed_lines(&HeaderName::Via) {
            if let Typed::Vias(v) = t? {
                out.extend(v.iter());
            }
        }
        Ok(out)
    }

    pub fn top_via(&self) -> Result<&Via, ParseError> {
        match self.typed_first(&HeaderName::Via) {
            Some(Ok(Typed::Vias(v))) => v.first().ok_or(ParseError::Missing("Via")),
            Some(Err(e)) => Err(e),
            _ => Err(ParseError::Missing("Via")),
        }
    }

    pub fn from(&self) -> Result<&NameAddr, ParseError> {
        self.addr(&HeaderName::From)?.ok_or(ParseError::Missing("From"))
    }

    pub fn to(&self) -> Result<&NameAddr, ParseError> {
        self.addr(&HeaderName::To)?.ok_or(ParseError::Missing("To"))
    }

    /// A single-address header such as From, To, Refer-To or Referred-By.
    pub fn addr<'a>(&'a self, name: &HeaderName) -> Result<Option<&'a NameAddr>, ParseError> {
        match self.typed_first(name) {
            Some(Ok(Typed::Addr(a))) => Ok(Some(a)),
            Some(Ok(Typed::Addrs(a))) => Ok(a.first()),
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    }

    pub fn call_id(&self) -> Result<&str, ParseError> {
        self.get(&HeaderName::CallId).ok_or(ParseError::Missing("Call-ID"))
    }

    pub fn cseq(&self) -> Result<&CSeq, ParseError> {
        match self.typed_first(&HeaderName::CSeq) {
            Some(Ok(Typed::CSeq(c))) => Ok(c),
            Some(Err(e)) => Err(e),
            _ => Err(ParseError::Missing("CSeq")),
        }
    }

    fn number(&self, name: &HeaderName) -> Result<Option<u32>, ParseError> {
        match self.typed_first(name) {
            Some(Ok(Typed::Number(n))) => Ok(Some(*n)),
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    }

    pub fn max_forwards(&self) -> Result<Option<u8>, ParseError> {
        Ok(self.number(&HeaderName::MaxForwards)?.map(|n| n.min(255) as u8))
    }

    /// Contact addresses; empty for `Contact: *` (see [`Headers::contact_is_star`]).
    pub fn contacts(&self) -> Result<Vec<&NameAddr>, ParseError> {
        self.addrs(&HeaderName::Contact)
    }

    /// `Contact: *` (RFC 3261 §10.2.2, remove all bindings).
    pub fn contact_is_star(&self) -> bool {
        matches!(self.typed_first(&HeaderName::Contact), Some(Ok(Typed::Star)))
    }

    pub fn routes(&self) -> Result<Vec<&NameAddr>, ParseError> {
        self.addrs(&HeaderName::Route)
    }

    pub fn record_routes(&self) -> Result<Vec<&NameAddr>, ParseError> {
        self.addrs(&HeaderName::RecordRoute)
    }

    /// The addresses of any name-addr list header, over all its lines.
    pub fn addrs<'a>(&'a self, name: &HeaderName) -> Result<Vec<&'a NameAddr>, ParseError> {
        let mut out = Vec::new();
        for t in self.typed_lines(name) {
            match t? {
                Typed::Addrs(a) => out.extend(a.iter()),
                Typed::Addr(a) => out.push(a),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Content-Length; several lines must agree.
    pub fn content_length(&self) -> Result<Option<usize>, ParseError> {
        let mut result = None;
        for t in self.typed_lines(&HeaderName::ContentLength) {
            let Typed::Number(n) = t? else { continue };
            let n = *n as usize;
            if result.is_some_and(|r| r != n) {
                return Err(ParseError::header("Content-Length", "conflicting values"));
            }
            result = Some(n);
        }
        Ok(result)
    }

    pub fn content_type(&self) -> Result<Option<&MediaType>, ParseError> {
        match self.typed_first(&HeaderName::ContentType) {
            Some(Ok(Typed::Media(m))) => Ok(Some(m)),
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    }

    pub fn accept(&self) -> Result<Vec<MediaType>, ParseError> {
        self.values(&HeaderName::Accept)
            .filter(|v| !v.is_empty())
            .map(|v| MediaType::parse(v).map_err(|r| ParseError::header("Accept", r)))
            .collect()
    }

    /// A delta-seconds header: Expires, Min-Expires, Session-Expires, Min-SE (value only).
    pub fn seconds(&self, name: &HeaderName) -> Result<Option<u32>, ParseError> {
        self.number(name)
    }

    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.number(&HeaderName::Expires)
    }

    /// An option-tag or method list (Supported, Require, Allow…), merged over all lines.
    pub fn tokens(&self, name: &HeaderName) -> TokenList {
        TokenList(self.values(name).filter(|t| !t.is_empty()).map(str::to_owned).collect())
    }

    pub fn challenges<'a>(&'a self, name: &HeaderName) -> Result<Vec<&'a Challenge>, ParseError> {
        self.typed_lines(name)
            .filter_map(|t| match t {
                Ok(Typed::Challenge(c)) => Some(Ok(c)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect()
    }

    pub fn event(&self) -> Result<Option<&Event>, ParseError> {
        match self.typed_first(&HeaderName::Event) {
            Some(Ok(Typed::Event(e))) => Ok(Some(e)),
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    }

    pub fn subscription_state(&self) -> Result<Option<&SubscriptionState>, ParseError> {
        match self.typed_first(&HeaderName::SubscriptionState) {
            Some(Ok(Typed::SubState(s))) => Ok(Some(s)),
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    }

    /// Replaces or Join.
    pub fn dialog_ref<'a>(
        &'a self,
        name: &HeaderName,
    ) -> Result<Option<&'a DialogRef>, ParseError> {
        match self.typed_first(name) {
            Some(Ok(Typed::DialogRef(d))) => Ok(Some(d)),
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    }

    /// Checks the syntax of every known header and the rules on single-valued headers, as
    /// the parser does for each received message.
    pub fn validate(&self) -> Result<(), ParseError> {
        for (i, h) in self.0.iter().enumerate() {
            if h.name.is_single_valued()
                && self.0.get(..i).is_some_and(|before| before.iter().any(|p| p.name == h.name))
            {
                return Err(ParseError::Duplicate(h.name.static_str()));
            }
            if let Err(e) = h.typed() {
                return Err(e.clone());
            }
        }
        Ok(())
    }
}

fn sanitize(mut value: String) -> String {
    if value.contains(['\r', '\n']) {
        value = value.replace(['\r', '\n'], " ");
    }
    value
}
