//! The CSeq header (RFC 3261 §20.16).

use std::fmt;

use super::method::Method;
use super::scan::{Cursor, is_lws};

/// Sequence number and method. The number must be below 2^31 (§8.1.1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

impl CSeq {
    pub fn parse(s: &str) -> Result<CSeq, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let digits = cur.take_while(|b| b.is_ascii_digit());
        let seq =
            parse_bounded(digits, (1 << 31) - 1).ok_or("sequence number missing or >= 2^31")?;
        if !cur.skip_lws() {
            return Err("no white space between number and method");
        }
        let method = cur.token().ok_or("missing method")?;
        if !cur.rest().bytes().all(is_lws) {
            return Err("junk after method");
        }
        Ok(CSeq { seq, method: Method::parse(method) })
    }
}

/// Parses a non-empty run of digits (leading zeros allowed) no greater than `max`.
pub(crate) fn parse_bounded(digits: &str, max: u32) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > 10 {
        return None;
    }
    let v: u64 = if trimmed.is_empty() { 0 } else { trimmed.parse().ok()? };
    (v <= u64::from(max)).then_some(v as u32)
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_and_zero_padded() {
        let c = CSeq::parse("0009\r\n  INVITE").unwrap();
        assert_eq!((c.seq, c.method), (9, Method::Invite));
        assert!(CSeq::parse("36893488147419103232 REGISTER").is_err());
        assert!(CSeq::parse("2147483648 INVITE").is_err());
        assert!(CSeq::parse("fhdjkgfhdkjhgkj").is_err());
        assert_eq!(CSeq::parse("2147483647 X").unwrap().seq, 2147483647);
    }
}
