//! Replaces (RFC 3891 §6.1) and Join (RFC 3911 §7.1): a reference to an existing dialog.

use std::fmt;

use super::params::Params;
use super::scan::{Cursor, is_lws, is_word};

/// Call-ID plus both tags, naming a dialog as seen from the sender of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogRef {
    pub call_id: String,
    pub to_tag: String,
    pub from_tag: String,
    /// `early-only` (Replaces only): refuse to replace a confirmed dialog.
    pub early_only: bool,
}

impl DialogRef {
    pub fn parse(s: &str) -> Result<DialogRef, &'static str> {
        let mut cur = Cursor::new(s);
        cur.skip_lws();
        let call_id = cur.take_while(|b| (is_word(b) || b == b'@') && b != b';' && b != b',');
        if call_id.is_empty() {
            return Err("missing Call-ID");
        }
        let params = Params::parse_generic(&mut cur)?;
        if !cur.rest().bytes().all(is_lws) {
            return Err("junk after parameters");
        }
        Ok(DialogRef {
            call_id: call_id.to_owned(),
            to_tag: params.value("to-tag").ok_or("missing to-tag")?.to_owned(),
            from_tag: params.value("from-tag").ok_or("missing from-tag")?.to_owned(),
            early_only: params.contains("early-only"),
        })
    }
}

impl fmt::Display for DialogRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};to-tag={};from-tag={}", self.call_id, self.to_tag, self.from_tag)?;
        if self.early_only {
            f.write_str(";early-only")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = DialogRef::parse("425928@bobster.example.org;to-tag=7743;from-tag=6472").unwrap();
        assert_eq!(r.call_id, "425928@bobster.example.org");
        assert_eq!(r.to_string(), "425928@bobster.example.org;to-tag=7743;from-tag=6472");
        assert!(DialogRef::parse("abc;to-tag=1").is_err());
    }
}
