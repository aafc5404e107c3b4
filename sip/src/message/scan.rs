//! Character classes of the RFC 3261 §25.1 grammar and a cursor over header text that
//! treats folded line breaks as white space.

/// Character classes as bit flags in one table, so that each test is a load and a mask.
const TOKEN: u8 = 1;
const WORD: u8 = 2;
const UNRESERVED: u8 = 4;

const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let alnum = b.is_ascii_alphanumeric();
        let token = alnum
            || matches!(b, b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~');
        let word = token
            || matches!(
                b,
                b'(' | b')'
                    | b'<'
                    | b'>'
                    | b':'
                    | b'\\'
                    | b'"'
                    | b'/'
                    | b'['
                    | b']'
                    | b'?'
                    | b'{'
                    | b'}'
            );
        let unreserved =
            alnum || matches!(b, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')');
        // Indexing is in bounds by the loop condition (a const fn cannot use get_mut).
        #[allow(clippy::indexing_slicing)]
        {
            t[i] =
                ((token as u8) * TOKEN) | ((word as u8) * WORD) | ((unreserved as u8) * UNRESERVED);
        }
        i += 1;
    }
    t
}

static CLASSES: [u8; 256] = class_table();

fn class(b: u8) -> u8 {
    // A u8 always indexes a 256-entry table.
    #[allow(clippy::indexing_slicing)]
    CLASSES[usize::from(b)]
}

/// `token` characters: alphanum and `-.!%*_+` plus backquote, quote and tilde.
pub(crate) fn is_token(b: u8) -> bool {
    class(b) & TOKEN != 0
}

/// `word` characters (Call-ID): token plus `()<>:\"/[]?{}`.
pub(crate) fn is_word(b: u8) -> bool {
    class(b) & WORD != 0
}

/// `unreserved` = alphanum / mark.
pub(crate) fn is_unreserved(b: u8) -> bool {
    class(b) & UNRESERVED != 0
}

/// Characters allowed unescaped in the user part of a SIP URI.
pub(crate) fn is_user_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
}

/// Characters allowed unescaped in the password part of a SIP URI.
pub(crate) fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',')
}

/// `paramchar` without escapes: param-unreserved / unreserved.
pub(crate) fn is_uri_param_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$')
}

/// `hname`/`hvalue` characters without escapes: hnv-unreserved / unreserved.
pub(crate) fn is_uri_header_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$')
}

/// Checks that every `%` in `s` starts a two-hex-digit escape and that every other byte
/// satisfies `allowed`.
pub(crate) fn is_escaped_text(s: &str, allowed: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            match (b.get(i + 1), b.get(i + 2)) {
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => i += 3,
                _ => return false,
            }
        } else if allowed(c) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Decodes `%XX` escapes (RFC 3986 §2.1); callers have validated the text.
pub(crate) fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(hex), b.get(i + 2).and_then(hex))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

/// Linear white space as it may appear inside a stored header value: spaces, tabs and the
/// CR/LF of a folded line (a fold is always followed by a space or tab).
pub(crate) fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// A cursor over one header value.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    /// Skips linear white space; returns whether any was skipped.
    pub(crate) fn skip_lws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_lws) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Consumes `c` if it is next.
    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `c` surrounded by optional white space (the SWS c SWS separators of §25.1).
    pub(crate) fn eat_sep(&mut self, c: u8) -> bool {
        let save = self.pos;
        self.skip_lws();
        if self.eat(c) {
            self.skip_lws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Takes the longest run of bytes satisfying `pred`.
    pub(crate) fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
        // Every predicate used here accepts only ASCII, so the cut is on a char boundary.
        self.s.get(start..self.pos).unwrap_or("")
    }

    /// Takes a non-empty token.
    pub(crate) fn token(&mut self) -> Option<&'a str> {
        let t = self.take_while(is_token);
        (!t.is_empty()).then_some(t)
    }

    /// Takes a quoted-string and returns its content with quoted-pairs kept as written
    /// (backslash included), so that it prints back unchanged.
    pub(crate) fn quoted_string(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos + 1;
        let mut i = start;
        loop {
            match bytes.get(i)? {
                b'"' => break,
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                b'\\' => match bytes.get(i + 1)? {
                    b'\n' | b'\r' => return None,
                    c if *c <= 0x7f => i += 2,
                    _ => return None,
                },
                _ => i += 1,
            }
        }
        let content = self.s.get(start..i)?;
        self.pos = i + 1;
        Some(content)
    }

    /// Takes everything up to (not including) the first byte satisfying `stop` that is not
    /// inside a quoted string or angle brackets.
    pub(crate) fn take_until_unquoted(&mut self, stop: impl Fn(u8) -> bool) -> &'a str {
        let bytes = self.s.as_bytes();
        let start = self.pos;
        let mut i = self.pos;
        let mut in_quotes = false;
        let mut in_angle = false;
        while let Some(&c) = bytes.get(i) {
            if in_quotes {
                match c {
                    b'\\' => i += 1,
                    b'"' => in_quotes = false,
                    _ => {}
                }
            } else if !in_angle && stop(c) {
                break;
            } else if c == b'"' {
                in_quotes = true;
            } else if c == b'<' {
                in_angle = true;
            } else if c == b'>' {
                in_angle = false;
            }
            i += 1;
        }
        let end = i.min(self.s.len());
        self.pos = end;
        self.s.get(start..end).unwrap_or("")
    }
}

/// Splits a header value at top-level commas (outside quotes and angle brackets), for the
/// headers whose grammar is a comma-separated list (RFC 3261 §7.3.1).
pub(crate) fn split_commas(value: &str) -> impl Iterator<Item = &str> {
    let mut cur = Cursor::new(value);
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let item = cur.take_until_unquoted(|b| b == b',');
        if !cur.eat(b',') {
            done = true;
        }
        Some(item.trim_matches(|c: char| c.is_ascii() && is_lws(c as u8)))
    })
}

/// Trims linear white space (including folds) from both ends.
pub(crate) fn trim_lws(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && is_lws(c as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_split_outside_quotes_and_brackets() {
        let v: Vec<_> = split_commas("\"a, b\" <sip:x@y;p=1,2>;q=1 , <sip:z>").collect();
        assert_eq!(v, ["\"a, b\" <sip:x@y;p=1,2>;q=1", "<sip:z>"]);
    }

    #[test]
    fn escapes_are_validated_and_decoded() {
        assert!(is_escaped_text("a%20b", is_user_char));
        assert!(!is_escaped_text("a%2", is_user_char));
        assert!(!is_escaped_text("a%zz", is_user_char));
        assert_eq!(unescape("I%20have%00"), b"I have\0");
    }

    #[test]
    fn quoted_string_keeps_pairs() {
        let mut c = Cursor::new(r#""J Rosenberg \\\"" rest"#);
        assert_eq!(c.quoted_string(), Some(r#"J Rosenberg \\\""#));
        assert_eq!(c.rest(), " rest");
        assert_eq!(Cursor::new("\"open").quoted_string(), None);
    }
}
