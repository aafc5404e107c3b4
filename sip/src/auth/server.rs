//! Challenging requests and checking the answers (RFC 3261 §22.4, RFC 7616 §3.3), with
//! nonces that carry their issue time and a keyed check so that no state is kept.

use super::algorithm::Algorithm;
use super::compute::{DigestInput, response};
use crate::message::Challenge;

/// The outcome of checking credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Authenticated as this username.
    Authenticated(String),
    /// Right password, expired nonce: challenge again with `stale=true`.
    Stale,
    /// Wrong credentials, unknown user, or a nonce this server did not issue.
    Rejected,
}

/// Issues challenges for one realm and verifies credentials against them.
#[derive(Debug, Clone)]
pub struct DigestServer {
    pub realm: String,
    pub algorithm: Algorithm,
    secret: String,
    /// How long a nonce stays valid, in seconds.
    pub nonce_lifetime: u64,
}

impl DigestServer {
    /// `secret` keys the nonces; it must be unpredictable and private.
    pub fn new(realm: &str, algorithm: Algorithm, secret: &str) -> Self {
        DigestServer { realm: realm.into(), algorithm, secret: secret.into(), nonce_lifetime: 300 }
    }

    fn nonce_at(&self, issued: u64) -> String {
        let mac =
            self.algorithm.hex(format!("{issued:x}:{}:{}", self.realm, self.secret).as_bytes());
        format!("{issued:x}-{}", mac.get(..32).unwrap_or(&mac))
    }

    /// The WWW-/Proxy-Authenticate value for a new challenge; `now` is in seconds.
    pub fn challenge(&self, now: u64, stale: bool) -> String {
        let mut v = format!(
            "Digest realm=\"{}\", nonce=\"{}\", algorithm={}, qop=\"auth\"",
            self.realm,
            self.nonce_at(now),
            self.algorithm.as_str()
        );
        if stale {
            v.push_str(", stale=true");
        }
        v
    }

    /// Checks credentials for `method`; `password` looks a username up.
    pub fn verify(
        &self,
        creds: &Challenge,
        method: &str,
        body: &[u8],
        now: u64,
        password: impl Fn(&str) -> Option<String>,
    ) -> Verdict {
        let p = &creds.params;
        let field = |n| p.get(n).unwrap_or("");
        if !creds.is_digest() || field("realm") != self.realm {
            return Verdict::Rejected;
        }
        if Algorithm::parse(p.get("algorithm")) != Some(self.algorithm) {
            return Verdict::Rejected;
        }
        let nonce = field("nonce");
        let Some(issued) = nonce.split('-').next().and_then(|t| u64::from_str_radix(t, 16).ok())
        else {
            return Verdict::Rejected;
        };
        if self.nonce_at(issued) != nonce {
            return Verdict::Rejected;
        }
        let Some(pw) = password(field("username")) else {
            return Verdict::Rejected;
        };
        let expected = response(&DigestInput {
            algorithm: self.algorithm,
            username: field("username"),
            realm: &self.realm,
            password: &pw,
            nonce,
            method,
            uri: field("uri"),
            qop: p.get("qop"),
            nc: field("nc"),
            cnonce: field("cnonce"),
            body,
        });
        if expected != field("response").to_ascii_lowercase() {
            return Verdict::Rejected;
        }
        if now.saturating_sub(issued) > self.nonce_lifetime {
            return Verdict::Stale;
        }
        Verdict::Authenticated(field("username").to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Credential, DigestClient};

    #[test]
    fn client_and_server_agree_for_every_algorithm() {
        for alg in [
            Algorithm::Md5,
            Algorithm::Sha256,
            Algorithm::Sha512_256,
            Algorithm::Md5Sess,
            Algorithm::Sha512_256Sess,
        ] {
            let server = DigestServer::new("earshot.test", alg, "s3cret");
            let ch = Challenge::parse(&server.challenge(1000, false)).unwrap();
            let mut client = DigestClient::new(vec![Credential {
                realm: Some("earshot.test".into()),
                username: "alice".into(),
                password: "pw".into(),
            }]);
            let creds = client.answer(&ch, "REGISTER", "sip:earshot.test", b"", "abc123").unwrap();
            let creds = Challenge::parse(&creds).unwrap();
            let pw = |u: &str| (u == "alice").then(|| "pw".to_owned());
            assert_eq!(
                server.verify(&creds, "REGISTER", b"", 1010, pw),
                Verdict::Authenticated("alice".into()),
                "{alg:?}"
            );
            assert_eq!(server.verify(&creds, "REGISTER", b"", 1000 + 301, pw), Verdict::Stale);
            assert_eq!(server.verify(&creds, "INVITE", b"", 1010, pw), Verdict::Rejected);
            assert_eq!(
                server.verify(&creds, "REGISTER", b"", 1010, |_| Some("wrong".into())),
                Verdict::Rejected
            );
            // A second answer to the same nonce counts up.
            let again = client.answer(&ch, "REGISTER", "sip:earshot.test", b"", "abc124").unwrap();
            assert!(again.contains("nc=00000002"), "{again}");
        }
    }

    #[test]
    fn forged_nonce_is_rejected() {
        let server = DigestServer::new("r", Algorithm::Sha256, "k");
        let ch = Challenge::parse(
            "Digest realm=\"r\", nonce=\"3e8-00\", algorithm=SHA-256, qop=\"auth\"",
        )
        .unwrap();
        let mut client = DigestClient::new(vec![Credential {
            realm: None,
            username: "u".into(),
            password: "p".into(),
        }]);
        let creds =
            Challenge::parse(&client.answer(&ch, "INVITE", "sip:x", b"", "c").unwrap()).unwrap();
        assert_eq!(
            server.verify(&creds, "INVITE", b"", 1000, |_| Some("p".into())),
            Verdict::Rejected
        );
    }
}
