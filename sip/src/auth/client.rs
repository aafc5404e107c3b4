//! Answering 401/407 challenges (RFC 3261 §22.2–§22.3): per-realm credentials, the
//! strongest supported algorithm, qop=auth, nonce counting, and stale nonces.

use std::collections::HashMap;

use super::algorithm::Algorithm;
use super::compute::{DigestInput, response};
use crate::message::Challenge;

/// A username and password, for one realm or (realm `None`) for any realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub realm: Option<String>,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials for realm {0:?}")]
    NoCredentials(String),
    #[error("no challenge uses a supported scheme, algorithm and qop")]
    Unsupported,
    #[error("credentials for realm {0:?} were rejected")]
    Rejected(String),
}

/// Computes Authorization values for challenges and remembers nonce counts.
#[derive(Debug, Default)]
pub struct DigestClient {
    credentials: Vec<Credential>,
    nonce_counts: HashMap<String, u32>,
}

impl DigestClient {
    pub fn new(credentials: Vec<Credential>) -> Self {
        DigestClient { credentials, nonce_counts: HashMap::new() }
    }

    fn credential_for(&self, realm: &str) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|c| c.realm.as_deref() == Some(realm))
            .or_else(|| self.credentials.iter().find(|c| c.realm.is_none()))
    }

    /// Picks, per realm, the first challenge whose algorithm and qop are supported (RFC 8760
    /// §2.4: the server lists them in its order of preference).
    pub fn usable<'a>(challenges: &[&'a Challenge]) -> Vec<&'a Challenge> {
        let mut out: Vec<&Challenge> = Vec::new();
        for c in challenges {
            let realm = c.params.get("realm").unwrap_or("");
            let supported = c.is_digest()
                && Algorithm::parse(c.params.get("algorithm")).is_some()
                && qop_choice(c.params.get("qop")).is_some();
            if supported && !out.iter().any(|o| o.params.get("realm").unwrap_or("") == realm) {
                out.push(c);
            }
        }
        out
    }

    /// The credentials value answering `challenge` for a request `method uri` with `body`.
    /// `cnonce` must be fresh and unpredictable.
    pub fn answer(
        &mut self,
        challenge: &Challenge,
        method: &str,
        uri: &str,
        body: &[u8],
        cnonce: &str,
    ) -> Result<String, AuthError> {
        if !challenge.is_digest() {
            return Err(AuthError::Unsupported);
        }
        let p = &challenge.params;
        let algorithm = Algorithm::parse(p.get("algorithm")).ok_or(AuthError::Unsupported)?;
        let qop = qop_choice(p.get("qop")).ok_or(AuthError::Unsupported)?;
        let realm = p.get("realm").unwrap_or("");
        let nonce = p.get("nonce").unwrap_or("");
        let cred = self
            .credential_for(realm)
            .ok_or_else(|| AuthError::NoCredentials(realm.to_owned()))?
            .clone();
        let count = self.nonce_counts.entry(nonce.to_owned()).or_insert(0);
        *count += 1;
        let nc = format!("{count:08x}");
        let resp = response(&DigestInput {
            algorithm,
            username: &cred.username,
            realm,
            password: &cred.password,
            nonce,
            method,
            uri,
            qop,
            nc: &nc,
            cnonce,
            body,
        });
        let mut v = format!(
            "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{resp}\", algorithm={}",
            cred.username,
            algorithm.as_str()
        );
        if let Some(q) = qop {
            v.push_str(&format!(", cnonce=\"{cnonce}\", qop={q}, nc={nc}"));
        }
        if let Some(o) = p.get("opaque") {
            v.push_str(&format!(", opaque=\"{o}\""));
        }
        Ok(v)
    }
}

/// `Some(Some(qop))` to use, `Some(None)` for no qop (RFC 2069 style), `None` if only
/// unsupported qops are offered. `auth` is preferred; `auth-int` is used when alone.
fn qop_choice(offered: Option<&str>) -> Option<Option<&'static str>> {
    let Some(list) = offered else {
        return Some(None);
    };
    let opts: Vec<&str> = list.split(',').map(str::trim).collect();
    if opts.iter().any(|o| o.eq_ignore_ascii_case("auth")) {
        Some(Some("auth"))
    } else if opts.iter().any(|o| o.eq_ignore_ascii_case("auth-int")) {
        Some(Some("auth-int"))
    } else {
        None
    }
}
