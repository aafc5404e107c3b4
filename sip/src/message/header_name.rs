//! Header field names: the ones this stack types, their compact forms (RFC 3261 §7.3.3 and
//! the IANA registry), and any other name kept as written.

use std::fmt;

macro_rules! header_names {
    ($( $variant:ident => $canonical:literal, $lower:literal $(, $compact:literal)? ; )*) => {
        /// A header field name. Known names compare case-insensitively and print in their
        /// canonical long form; any other name is kept exactly as written.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum HeaderName {
            $( $variant, )*
            Other(String),
        }

        impl HeaderName {
            /// The canonical long form (or the name as written for unknown headers).
            pub fn as_str(&self) -> &str {
                match self {
                    $( HeaderName::$variant => $canonical, )*
                    HeaderName::Other(s) => s,
                }
            }

            /// The canonical name of a known header, for error messages.
            pub fn static_str(&self) -> &'static str {
                match self {
                    $( HeaderName::$variant => $canonical, )*
                    HeaderName::Other(_) => "extension",
                }
            }

            /// Reads a header name, accepting compact forms. Names up to 32 bytes are
            /// lower-cased on the stack and matched in one decision tree.
            pub fn parse(name: &str) -> HeaderName {
                let mut buf = [0u8; 32];
                let Some(lower) = buf.get_mut(..name.len()) else {
                    return HeaderName::Other(name.to_owned());
                };
                for (d, s) in lower.iter_mut().zip(name.bytes()) {
                    *d = s.to_ascii_lowercase();
                }
                match &*lower {
                    $( $lower $( | $compact )? => HeaderName::$variant, )*
                    _ => HeaderName::Other(name.to_owned()),
                }
            }
        }
    };
}

header_names! {
    Via => "Via", b"via", b"v";
    From => "From", b"from", b"f";
    To => "To", b"to", b"t";
    CallId => "Call-ID", b"call-id", b"i";
    CSeq => "CSeq", b"cseq";
    MaxForwards => "Max-Forwards", b"max-forwards";
    Contact => "Contact", b"contact", b"m";
    Route => "Route", b"route";
    RecordRoute => "Record-Route", b"record-route";
    ContentLength => "Content-Length", b"content-length", b"l";
    ContentType => "Content-Type", b"content-type", b"c";
    ContentEncoding => "Content-Encoding", b"content-encoding", b"e";
    ContentDisposition => "Content-Disposition", b"content-disposition";
    Expires => "Expires", b"expires";
    MinExpires => "Min-Expires", b"min-expires";
    Supported => "Supported", b"supported", b"k";
    Require => "Require", b"require";
    ProxyRequire => "Proxy-Require", b"proxy-require";
    Unsupported => "Unsupported", b"unsupported";
    Allow => "Allow", b"allow";
    Accept => "Accept", b"accept";
    AcceptEncoding => "Accept-Encoding", b"accept-encoding";
    SessionExpires => "Session-Expires", b"session-expires", b"x";
    MinSe => "Min-SE", b"min-se";
    ReferTo => "Refer-To", b"refer-to", b"r";
    ReferredBy => "Referred-By", b"referred-by", b"b";
    Replaces => "Replaces", b"replaces";
    Join => "Join", b"join";
    Event => "Event", b"event", b"o";
    AllowEvents => "Allow-Events", b"allow-events", b"u";
    SubscriptionState => "Subscription-State", b"subscription-state";
    CallInfo => "Call-Info", b"call-info";
    AlertInfo => "Alert-Info", b"alert-info";
    PAssertedIdentity => "P-Asserted-Identity", b"p-asserted-identity";
    PPreferredIdentity => "P-Preferred-Identity", b"p-preferred-identity";
    UserAgent => "User-Agent", b"user-agent";
    Server => "Server", b"server";
    WwwAuthenticate => "WWW-Authenticate", b"www-authenticate";
    ProxyAuthenticate => "Proxy-Authenticate", b"proxy-authenticate";
    Authorization => "Authorization", b"authorization";
    ProxyAuthorization => "Proxy-Authorization", b"proxy-authorization";
    AuthenticationInfo => "Authentication-Info", b"authentication-info";
    Date => "Date", b"date";
    Subject => "Subject", b"subject", b"s";
    RSeq => "RSeq", b"rseq";
    RAck => "RAck", b"rack";
    Timestamp => "Timestamp", b"timestamp";
    RetryAfter => "Retry-After", b"retry-after";
    Warning => "Warning", b"warning";
    Reason => "Reason", b"reason";
    Path => "Path", b"path";
    ServiceRoute => "Service-Route", b"service-route";
    SipEtag => "SIP-ETag", b"sip-etag";
    SipIfMatch => "SIP-If-Match", b"sip-if-match";
}

impl HeaderName {
    /// Headers that may appear at most once in a message (RFC 3261 §7.3.1 and the
    /// grammar of each); a second occurrence makes the message malformed.
    pub fn is_single_valued(&self) -> bool {
        use HeaderName::*;
        matches!(
            self,
            From | To
                | CallId
                | CSeq
                | MaxForwards
                | ContentType
                | Expires
                | MinExpires
                | Date
                | SessionExpires
                | MinSe
                | Event
                | SubscriptionState
                | ReferTo
                | RSeq
                | RAck
                | Replaces
                | Join
                | SipEtag
                | SipIfMatch
        )
    }

    /// Headers whose grammar is a comma-separated list, so that several values may be
    /// combined in one line (RFC 3261 §7.3.1).
    pub fn is_list(&self) -> bool {
        use HeaderName::*;
        matches!(
            self,
            Via | Contact
                | Route
                | RecordRoute
                | Supported
                | Require
                | ProxyRequire
                | Unsupported
                | Allow
                | Accept
                | AllowEvents
                | CallInfo
                | AlertInfo
                | PAssertedIdentity
                | PPreferredIdentity
                | Path
                | ServiceRoute
                | Warning
                | ContentEncoding
        )
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_case_insensitive() {
        assert_eq!(HeaderName::parse("v"), HeaderName::Via);
        assert_eq!(HeaderName::parse("MaX-fOrWaRdS"), HeaderName::MaxForwards);
        assert_eq!(HeaderName::parse("I"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("C%6Fntact"), HeaderName::Other("C%6Fntact".into()));
        assert_eq!(HeaderName::parse("l").as_str(), "Content-Length");
    }
}
