//! Header field names: the ones this stack types, their compact forms (RFC 3261 §7.3.3 and
//! the IANA registry), and any other name kept as written.

use std::fmt;

macro_rules! header_names {
    ($( $variant:ident => $canonical:literal $(, $compact:literal)? ; )*) => {
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

            /// Reads a header name, accepting compact forms.
            pub fn parse(name: &str) -> HeaderName {
                $(
                    if name.eq_ignore_ascii_case($canonical) $( || name.eq_ignore_ascii_case($compact) )? {
                        return HeaderName::$variant;
                    }
                )*
                HeaderName::Other(name.to_owned())
            }
        }
    };
}

header_names! {
    Via => "Via", "v";
    From => "From", "f";
    To => "To", "t";
    CallId => "Call-ID", "i";
    CSeq => "CSeq";
    MaxForwards => "Max-Forwards";
    Contact => "Contact", "m";
    Route => "Route";
    RecordRoute => "Record-Route";
    ContentLength => "Content-Length", "l";
    ContentType => "Content-Type", "c";
    ContentEncoding => "Content-Encoding", "e";
    ContentDisposition => "Content-Disposition";
    Expires => "Expires";
    MinExpires => "Min-Expires";
    Supported => "Supported", "k";
    Require => "Require";
    ProxyRequire => "Proxy-Require";
    Unsupported => "Unsupported";
    Allow => "Allow";
    Accept => "Accept";
    SessionExpires => "Session-Expires", "x";
    MinSe => "Min-SE";
    ReferTo => "Refer-To", "r";
    ReferredBy => "Referred-By", "b";
    Replaces => "Replaces";
    Join => "Join";
    Event => "Event", "o";
    AllowEvents => "Allow-Events", "u";
    SubscriptionState => "Subscription-State";
    CallInfo => "Call-Info";
    AlertInfo => "Alert-Info";
    PAssertedIdentity => "P-Asserted-Identity";
    PPreferredIdentity => "P-Preferred-Identity";
    UserAgent => "User-Agent";
    Server => "Server";
    WwwAuthenticate => "WWW-Authenticate";
    ProxyAuthenticate => "Proxy-Authenticate";
    Authorization => "Authorization";
    ProxyAuthorization => "Proxy-Authorization";
    AuthenticationInfo => "Authentication-Info";
    Date => "Date";
    Subject => "Subject", "s";
    RSeq => "RSeq";
    RAck => "RAck";
    Timestamp => "Timestamp";
    RetryAfter => "Retry-After";
    Warning => "Warning";
    Reason => "Reason";
    Path => "Path";
    ServiceRoute => "Service-Route";
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
        assert_eq!(
            HeaderName::parse("C%6Fntact"),
            HeaderName::Other("C%6Fntact".into())
        );
        assert_eq!(HeaderName::parse("l").as_str(), "Content-Length");
    }
}
