//! `;name=value` parameter lists: generic-param of header fields (RFC 3261 §25.1) and
//! uri-parameters of SIP URIs (§19.1.1).

use std::fmt;

use super::scan::{Cursor, is_token};

/// An ordered list of parameters. Names compare case-insensitively; values are kept as
/// written (a quoted value keeps its quotes) so that they print back unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, Option<String>)>);

impl Params {
    pub fn new() -> Self {
        Params(Vec::new())
    }

    /// `Some(value)` if the parameter is present; the inner `None` means it has no value.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_deref())
    }

    /// The parameter's value with surrounding quotes removed, if it has one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten().map(unquote)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets a parameter, replacing an existing one of the same name in place.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        match self.0.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_deref()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn push_raw(&mut self, name: &str, value: Option<&str>) {
        self.0.push((name.to_owned(), value.map(str::to_owned)));
    }

    /// Parses `*( SEMI generic-param )` from the cursor; stops before anything that is not
    /// a semicolon. Errors on an empty or malformed parameter.
    pub(crate) fn parse_generic(cur: &mut Cursor<'_>) -> Result<Params, &'static str> {
        let mut params = Params::new();
        while cur.eat_sep(b';') {
            let name = cur.token().ok_or("empty or malformed parameter name")?;
            let value = if cur.eat_sep(b'=') {
                Some(if cur.peek() == Some(b'"') {
                    let start = cur.rest();
                    let inner = cur.quoted_string().ok_or("unterminated quoted parameter")?;
                    // Keep the quotes: the value is the quoted-string as written.
                    start.get(..inner.len() + 2).ok_or("unterminated quoted parameter")?
                } else {
                    let v = cur.take_while(|b| is_token(b) || matches!(b, b':' | b'[' | b']'));
                    if v.is_empty() {
                        return Err("parameter has '=' but no value");
                    }
                    v
                })
            } else {
                None
            };
            params.push_raw(name, value);
        }
        Ok(params)
    }
}

/// Removes one pair of surrounding double quotes and resolves quoted-pairs.
pub(crate) fn unquote(v: &str) -> &str {
    v.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(v)
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in &self.0 {
            match v {
                Some(v) => write!(f, ";{n}={v}")?,
                None => write!(f, ";{n}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lws_around_separators() {
        let mut c = Cursor::new(" ;   tag    = 1918181833n ; lr;q=\"a;b\"");
        let p = Params::parse_generic(&mut c).unwrap();
        assert_eq!(p.value("TAG"), Some("1918181833n"));
        assert_eq!(p.get("lr"), Some(None));
        assert_eq!(p.value("q"), Some("a;b"));
        assert!(c.is_empty());
    }

    #[test]
    fn rejects_empty_params() {
        assert!(Params::parse_generic(&mut Cursor::new(";;")).is_err());
        assert!(Params::parse_generic(&mut Cursor::new(";a=")).is_err());
    }
}
