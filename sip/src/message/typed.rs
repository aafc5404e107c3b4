//! The typed form of one header line, parsed once and kept with the line: the check the
//! parser runs on every known header and the value the accessors hand out.

use super::auth::Challenge;
use super::cseq::{CSeq, parse_bounded};
use super::date;
use super::error::ParseError;
use super::header_name::HeaderName;
use super::media_type::MediaType;
use super::name_addr::NameAddr;
use super::replaces::DialogRef;
use super::scan::{is_lws, is_token, is_word, split_commas, trim_lws};
use super::subscription::{Event, SubscriptionState};
use super::via::Via;

/// What a header line holds once parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Typed {
    Vias(Vec<Via>),
    Addrs(Vec<NameAddr>),
    Addr(NameAddr),
    CSeq(CSeq),
    Number(u32),
    Media(MediaType),
    Event(Event),
    SubState(SubscriptionState),
    DialogRef(DialogRef),
    Challenge(Challenge),
    /// `Contact: *`.
    Star,
    /// Syntax checked; the value is used as text.
    Text,
}

/// Parses the value of a known header; unknown headers are text.
pub(crate) fn parse(name: &HeaderName, v: &str) -> Result<Typed, ParseError> {
    use HeaderName as H;
    let v = trim_lws(v);
    let err = |label: &'static str| move |r: &'static str| ParseError::header(label, r);
    match name {
        H::Via => split_commas(v)
            .map(|s| Via::parse(s).map_err(err("Via")))
            .collect::<Result<_, _>>()
            .map(Typed::Vias),
        H::From => NameAddr::parse(v).map(Typed::Addr).map_err(err("From")),
        H::To => NameAddr::parse(v).map(Typed::Addr).map_err(err("To")),
        H::ReferTo => NameAddr::parse(v).map(Typed::Addr).map_err(err("Refer-To")),
        H::ReferredBy => NameAddr::parse(v).map(Typed::Addr).map_err(err("Referred-By")),
        H::Contact if v == "*" => Ok(Typed::Star),
        H::Contact => addrs(v, "Contact", true),
        H::Route => addrs(v, "Route", false),
        H::RecordRoute => addrs(v, "Record-Route", false),
        H::Path => addrs(v, "Path", false),
        H::ServiceRoute => addrs(v, "Service-Route", false),
        H::PAssertedIdentity => addrs(v, "P-Asserted-Identity", false),
        H::PPreferredIdentity => addrs(v, "P-Preferred-Identity", false),
        H::CallId => {
            let ok = !v.is_empty()
                && v.split_once('@')
                    .map_or(is_all_word(v), |(a, b)| is_all_word(a) && is_all_word(b));
            if ok { Ok(Typed::Text) } else { Err(ParseError::header("Call-ID", "not word[@word]")) }
        }
        H::CSeq => CSeq::parse(v).map(Typed::CSeq).map_err(err("CSeq")),
        H::MaxForwards => number(v, 255, "Max-Forwards", "not a number from 0 to 255"),
        H::ContentLength => {
            if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParseError::header(
                    "Content-Length",
                    "not a non-negative number below 10^9",
                ));
            }
            number(v, u32::MAX, "Content-Length", "not a number")
        }
        H::ContentType => MediaType::parse(v).map(Typed::Media).map_err(err("Content-Type")),
        H::Expires => number(v, u32::MAX, "Expires", "not delta-seconds below 2^32"),
        H::MinExpires => number(v, u32::MAX, "Min-Expires", "not delta-seconds below 2^32"),
        H::RSeq => number(v, u32::MAX, "RSeq", "not a number below 2^32"),
        H::SessionExpires | H::MinSe => {
            let digits = v.split(';').next().map(trim_lws).unwrap_or("");
            number(digits, u32::MAX, "Session-Expires/Min-SE", "not delta-seconds")
        }
        H::RetryAfter => {
            let digits = v.split([';', '(']).next().map(trim_lws).unwrap_or("");
            number(digits, u32::MAX, "Retry-After", "not delta-seconds below 2^32")
        }
        H::Date => date::validate(v).map(|_| Typed::Text).map_err(err("Date")),
        H::Supported
        | H::Require
        | H::ProxyRequire
        | H::Unsupported
        | H::Allow
        | H::AllowEvents => {
            if split_commas(v).all(|t| t.bytes().all(is_token)) {
                Ok(Typed::Text)
            } else {
                Err(ParseError::header("option-tag list", "not a list of tokens"))
            }
        }
        H::Event => Event::parse(v).map(Typed::Event).map_err(err("Event")),
        H::SubscriptionState => {
            SubscriptionState::parse(v).map(Typed::SubState).map_err(err("Subscription-State"))
        }
        H::Replaces => DialogRef::parse(v).map(Typed::DialogRef).map_err(err("Replaces")),
        H::Join => DialogRef::parse(v).map(Typed::DialogRef).map_err(err("Join")),
        H::WwwAuthenticate | H::ProxyAuthenticate | H::Authorization | H::ProxyAuthorization => {
            Challenge::parse(v).map(Typed::Challenge).map_err(err("authentication"))
        }
        H::Warning => {
            let ok = split_commas(v).all(|w| {
                let code = w.split(|c: char| c.is_ascii() && is_lws(c as u8)).next().unwrap_or("");
                code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())
            });
            if ok {
                Ok(Typed::Text)
            } else {
                Err(ParseError::header("Warning", "warn-code is not three digits"))
            }
        }
        _ => Ok(Typed::Text),
    }
}

fn number(
    v: &str,
    max: u32,
    label: &'static str,
    reason: &'static str,
) -> Result<Typed, ParseError> {
    parse_bounded(v, max).map(Typed::Number).ok_or(ParseError::header(label, reason))
}

fn addrs(v: &str, label: &'static str, check_expires: bool) -> Result<Typed, ParseError> {
    split_commas(v)
        .map(|s| {
            let a = NameAddr::parse(s).map_err(|r| ParseError::header(label, r))?;
            if check_expires
                && let Some(e) = a.params.get("expires")
                && parse_bounded(e.unwrap_or(""), u32::MAX).is_none()
            {
                return Err(ParseError::header(label, "expires is not delta-seconds below 2^32"));
            }
            Ok(a)
        })
        .collect::<Result<_, _>>()
        .map(Typed::Addrs)
}

fn is_all_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_word)
}
