//! The digest computation itself (RFC 7616 §3.4.1–§3.4.3, RFC 2617 §3.2.2.1 without qop).

use super::algorithm::Algorithm;

/// Everything that goes into one digest response.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    pub algorithm: Algorithm,
    pub username: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub nonce: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    /// `Some("auth")` or `Some("auth-int")`; `None` for the RFC 2069 form.
    pub qop: Option<&'a str>,
    /// Nonce count as 8 hex digits.
    pub nc: &'a str,
    pub cnonce: &'a str,
    /// The message body, hashed for `auth-int`.
    pub body: &'a [u8],
}

/// The `response` value.
pub fn response(i: &DigestInput<'_>) -> String {
    let h = |s: &str| i.algorithm.hex(s.as_bytes());
    let mut ha1 = h(&format!("{}:{}:{}", i.username, i.realm, i.password));
    if i.algorithm.is_sess() {
        ha1 = h(&format!("{ha1}:{}:{}", i.nonce, i.cnonce));
    }
    let ha2 = match i.qop {
        Some(q) if q.eq_ignore_ascii_case("auth-int") => {
            h(&format!("{}:{}:{}", i.method, i.uri, i.algorithm.hex(i.body)))
        }
        _ => h(&format!("{}:{}", i.method, i.uri)),
    };
    match i.qop {
        Some(q) => h(&format!("{ha1}:{}:{}:{}:{q}:{ha2}", i.nonce, i.nc, i.cnonce)),
        None => h(&format!("{ha1}:{}:{ha2}", i.nonce)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(algorithm: Algorithm) -> DigestInput<'static> {
        DigestInput {
            algorithm,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            method: "GET",
            uri: "/dir/index.html",
            qop: Some("auth"),
            nc: "00000001",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            body: b"",
        }
    }

    /// RFC 7616 §3.9.1.
    #[test]
    fn rfc7616_examples() {
        assert_eq!(response(&input(Algorithm::Md5)), "8ca523f5e9506fed4657c9700eebdbec");
        assert_eq!(
            response(&input(Algorithm::Sha256)),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    /// RFC 2617 §3.5.
    #[test]
    fn rfc2617_example() {
        let i = DigestInput {
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            cnonce: "0a4f113b",
            ..input(Algorithm::Md5)
        };
        assert_eq!(response(&i), "6629fae49393a05397450978507c4ef1");
    }
}
