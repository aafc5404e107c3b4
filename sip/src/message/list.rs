//! Comma-separated token lists: Supported, Require, Proxy-Require, Unsupported, Allow,
//! Allow-Events (RFC 3261 §20).

use std::fmt;

/// An ordered set of option tags, method names or event packages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenList(pub Vec<String>);

impl TokenList {
    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t.eq_ignore_ascii_case(token))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for TokenList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}
