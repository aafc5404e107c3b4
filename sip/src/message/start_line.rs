//! Request-Line and Status-Line (RFC 3261 §7.1, §7.2, §25.1) and status codes.

use std::fmt;

use super::error::ParseError;
use super::method::Method;
use super::scan::is_token;
use super::uri::Uri;

pub(crate) const SIP_VERSION: &str = "SIP/2.0";

/// A response status code, 100 to 699.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(pub u16);

impl StatusCode {
    pub fn is_provisional(self) -> bool {
        self.0 < 200
    }
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.0)
    }
    pub fn is_final(self) -> bool {
        self.0 >= 200
    }

    /// The reason phrase RFC 3261 §21 (and the extensions in use) gives the code.
    pub fn default_reason(self) -> &'static str {
        match self.0 {
            100 => "Trying",
            180 => "Ringing",
            181 => "Call Is Being Forwarded",
            182 => "Queued",
            183 => "Session Progress",
            200 => "OK",
            202 => "Accepted",
            204 => "No Notification",
            300 => "Multiple Choices",
            301 => "Moved Permanently",
            302 => "Moved Temporarily",
            305 => "Use Proxy",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            406 => "Not Acceptable",
            407 => "Proxy Authentication Required",
            408 => "Request Timeout",
            410 => "Gone",
            415 => "Unsupported Media Type",
            416 => "Unsupported URI Scheme",
            420 => "Bad Extension",
            421 => "Extension Required",
            422 => "Session Interval Too Small",
            423 => "Interval Too Brief",
            480 => "Temporarily Unavailable",
            481 => "Call/Transaction Does Not Exist",
            482 => "Loop Detected",
            483 => "Too Many Hops",
            484 => "Address Incomplete",
            486 => "Busy Here",
            487 => "Request Terminated",
            488 => "Not Acceptable Here",
            489 => "Bad Event",
            491 => "Request Pending",
            500 => "Server Internal Error",
            501 => "Not Implemented",
            503 => "Service Unavailable",
            504 => "Server Time-out",
            505 => "Version Not Supported",
            513 => "Message Too Large",
            600 => "Busy Everywhere",
            603 => "Decline",
            604 => "Does Not Exist Anywhere",
            606 => "Not Acceptable",
            _ => "Unknown",
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

pub(crate) enum StartLine {
    Request { method: Method, uri: Uri },
    Response { status: StatusCode, reason: String },
}

fn check_version(v: &str) -> Result<(), ParseError> {
    if v == SIP_VERSION {
        Ok(())
    } else if v.len() > 4 && v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("SIP/")) {
        Err(ParseError::Version(v.to_owned()))
    } else {
        Err(ParseError::StartLine("missing SIP version"))
    }
}

/// Headers that a transferee was asked to send through the Refer-To URI (RFC 3261
/// §19.1.5; RFC 3891 `Replaces`, case data as `X-` fields and RFC 7433 `User-to-User`)
/// and that some put in the Request-URI of their INVITE instead (baresip 1.0 does, on
/// every transfer): tolerated there and read as the headers they stand for (see
/// `parse::parse_head`), so that the transfer works. Any other header in a Request-URI
/// is still refused.
pub(crate) fn is_transfer_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("Replaces")
        || name.eq_ignore_ascii_case("User-to-User")
        || name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("X-"))
}

impl StartLine {
    pub(crate) fn parse(line: &str) -> Result<StartLine, ParseError> {
        if line.starts_with("SIP/") {
            let mut parts = line.splitn(3, ' ');
            let version = parts.next().unwrap_or("");
            check_version(version)?;
            let code = parts.next().unwrap_or("");
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParseError::StatusCode);
            }
            let code: u16 = code.parse().map_err(|_| ParseError::StatusCode)?;
            if !(100..700).contains(&code) {
                return Err(ParseError::StatusCode);
            }
            let reason = parts.next().unwrap_or("");
            if reason.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                return Err(ParseError::StartLine("control character in reason phrase"));
            }
            return Ok(StartLine::Response { status: StatusCode(code), reason: reason.to_owned() });
        }
        // Request-Line = Method SP Request-URI SP SIP-Version: exactly two single spaces.
        let parts: Vec<&str> = line.split(' ').collect();
        let [method, uri, version] = parts.as_slice() else {
            return Err(ParseError::StartLine(
                "request line is not 'Method SP Request-URI SP SIP-Version'",
            ));
        };
        if method.is_empty() || !method.bytes().all(is_token) {
            return Err(ParseError::StartLine("method is not a token"));
        }
        check_version(version)?;
        let uri = Uri::parse(uri).map_err(|e| match e {
            ParseError::Uri(r) => ParseError::RequestUri(r),
            other => other,
        })?;
        if let Uri::Sip(s) = &uri
            && !s.headers.iter().all(|(name, _)| is_transfer_header(name))
        {
            // RFC 3261 §19.1.1, table 1: headers are not allowed in a Request-URI (RFC 4475
            // §3.1.2.13: a Route smuggled in that way is a 400).
            return Err(ParseError::RequestUri("headers are not allowed in a Request-URI"));
        }
        Ok(StartLine::Request { method: Method::parse(method), uri })
    }
}
