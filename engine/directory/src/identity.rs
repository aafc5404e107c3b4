//! A contact's identities and their normal form, the key two identities share when they
//! name the same person: telephone numbers in E.164 (with the site's default country for
//! numbers written nationally, libphonenumber's rules through `phonenumber`), SIP URIs by
//! RFC 3261 §19.1.4, email addresses with the domain in lower case (RFC 5321 §2.4: only
//! the local part may be case-sensitive), chat identities as written.

use earshot_sip::message::{Host, NameAddr, SipUri, Uri, unescape_text};
use serde::{Deserialize, Serialize};

use crate::DirectoryError;

/// What kind of address an identity is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    #[default]
    Phone,
    Sip,
    Email,
    Chat,
}

impl IdentityKind {
    /// Its name in files and events: `phone`, `sip`, `email`, `chat`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Phone => "phone",
            IdentityKind::Sip => "sip",
            IdentityKind::Email => "email",
            IdentityKind::Chat => "chat",
        }
    }

    pub fn parse(text: &str) -> Option<IdentityKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "phone" | "tel" | "number" => Some(IdentityKind::Phone),
            "sip" => Some(IdentityKind::Sip),
            "email" | "mail" => Some(IdentityKind::Email),
            "chat" => Some(IdentityKind::Chat),
            _ => None,
        }
    }
}

/// One way to reach a contact, as written by whoever entered it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct Identity {
    pub kind: IdentityKind,
    pub value: String,
}

impl Identity {
    pub fn new(kind: IdentityKind, value: impl Into<String>) -> Identity {
        Identity { kind, value: value.into() }
    }
}

/// The site's numbering: the country a number written without its country code belongs
/// to. Makes identities' keys.
#[derive(Debug, Clone)]
pub struct Numbering {
    country: Option<phonenumber::country::Id>,
}

impl Default for Numbering {
    /// No default country: only numbers written with their country code are normalised.
    fn default() -> Self {
        Numbering { country: None }
    }
}

impl Numbering {
    /// The numbering of a site in `country` (ISO 3166 alpha-2: `GB`, `CA`, `FR`).
    pub fn new(country: &str) -> Result<Numbering, DirectoryError> {
        let id = country
            .trim()
            .to_ascii_uppercase()
            .parse::<phonenumber::country::Id>()
            .map_err(|_| DirectoryError::Country(country.to_owned()))?;
        Ok(Numbering { country: Some(id) })
    }

    /// The number in E.164 (`+442079460000`), if `text` is a valid telephone number in
    /// any format (`+44 20 7946 0000`, `020 7946 0000` in GB, `tel:+44-20-7946-0000`).
    pub fn e164(&self, text: &str) -> Option<String> {
        let text = text.trim();
        let text = text.strip_prefix("tel:").unwrap_or(text);
        // A tel URI's parameters (`;phone-context=…`, `;ext=…`) are not part of the number.
        let text = text.split(';').next().unwrap_or(text);
        if text.is_empty() || !text.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        // Only characters a written number has: digits, '+', separators, letters of a
        // vanity number are refused (they would match too much).
        let allowed = |c: char| c.is_ascii_digit() || " +-.()/".contains(c);
        if !text.chars().all(allowed) {
            return None;
        }
        let parsed = phonenumber::parse(self.country, text).ok()?;
        phonenumber::is_valid(&parsed)
            .then(|| parsed.format().mode(phonenumber::Mode::E164).to_string())
    }

    /// The key of `identity`: equal keys name the same address. `None` when it cannot be
    /// read as its kind.
    pub fn key(&self, identity: &Identity) -> Option<String> {
        let value = identity.value.trim();
        match identity.kind {
            IdentityKind::Phone => self.phone_key(value),
            IdentityKind::Sip => self.sip_key(value),
            IdentityKind::Email => email_key(value),
            IdentityKind::Chat => (!value.is_empty()).then(|| format!("chat:{value}")),
        }
    }

    /// The identity an interaction's address is (`sip:…`, `sips:…`, `tel:…`, `mailto:…`, a
    /// name-addr, a bare number or email address), with its key.
    pub fn identify(&self, address: &str) -> Option<(Identity, String)> {
        let address = address.trim();
        let lower = address.to_ascii_lowercase();
        let kind = if lower.starts_with("tel:") {
            IdentityKind::Phone
        } else if lower.starts_with("sip:") || lower.starts_with("sips:") || address.contains('<') {
            IdentityKind::Sip
        } else if lower.starts_with("mailto:") || address.contains('@') {
            IdentityKind::Email
        } else {
            IdentityKind::Phone
        };
        let identity = Identity::new(kind, address);
        let key = self.key(&identity)?;
        Some((identity, key))
    }

    fn phone_key(&self, value: &str) -> Option<String> {
        if let Some(e164) = self.e164(value) {
            return Some(format!("tel:{e164}"));
        }
        // An extension or short code: its digits, as they are dialled.
        let bare = value.strip_prefix("tel:").unwrap_or(value);
        let bare = bare.split(';').next().unwrap_or(bare);
        let local = bare.chars().all(|c| c.is_ascii_digit() || " -.()".contains(c));
        let digits = crate::fold::digits(bare);
        (local && !digits.is_empty()).then(|| format!("tel:{digits}"))
    }

    /// RFC 3261 §19.1.4: scheme, user (unescaped, case-sensitive), password, host (case-
    /// insensitive), port, and the `user`, `ttl`, `method`, `maddr` and `transport`
    /// parameters compare; other parameters and headers do not make another person. A
    /// user part that is a telephone number (`user=phone`, or a `+` number) is that
    /// number's key, so `sip:+442079460000@site` and `tel:+44 20 7946 0000` are one.
    fn sip_key(&self, value: &str) -> Option<String> {
        let uri = match Uri::parse(value) {
            Ok(u) => u,
            Err(_) => NameAddr::parse(value).ok()?.uri,
        };
        let sip = match uri {
            Uri::Sip(s) => s,
            Uri::Tel(t) => return self.phone_key(&t.number),
            Uri::Other(_) => return None,
        };
        let user = sip.user_unescaped().map(|u| String::from_utf8_lossy(&u).into_owned());
        if let Some(user) = &user {
            let says_phone =
                sip.params.value("user").is_some_and(|v| v.eq_ignore_ascii_case("phone"));
            if (says_phone || user.starts_with('+'))
                && let Some(e164) = self.e164(user)
            {
                return Some(format!("tel:{e164}"));
            }
        }
        Some(canonical_sip(&sip, user.as_deref()))
    }
}

fn canonical_sip(sip: &SipUri, user: Option<&str>) -> String {
    let mut key = String::from(if sip.secure { "sips:" } else { "sip:" });
    if let Some(user) = user {
        key.push_str(&escape_key(user));
        if let Some(p) = &sip.password {
            key.push(':');
            key.push_str(&escape_key(&String::from_utf8_lossy(&unescape_text(p))));
        }
        key.push('@');
    }
    match &sip.host {
        Host::Domain(d) => key.push_str(&d.trim_end_matches('.').to_ascii_lowercase()),
        ip @ Host::Ip(_) => key.push_str(&ip.to_string()),
    }
    if let Some(port) = sip.port {
        key.push_str(&format!(":{port}"));
    }
    for name in ["maddr", "method", "transport", "ttl", "user"] {
        if let Some(v) = sip.params.value(name) {
            let v = String::from_utf8_lossy(&unescape_text(v)).to_ascii_lowercase();
            key.push_str(&format!(";{name}={}", escape_key(&v)));
        }
    }
    key
}

/// Escapes what would make a key ambiguous (`@`, `:`, `;`, `%`), so that keys stay one
/// per address.
fn escape_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '@' | ':' | ';' | '%' | '=' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `mailto:local@domain`: the domain in lower case, the local part as written (RFC 5321
/// §2.4); `Name <a@b>` and `mailto:` forms read too. `None` when it is not an address.
pub fn email_key(value: &str) -> Option<String> {
    let value = value.strip_prefix("mailto:").unwrap_or(value);
    let value = value.split('?').next().unwrap_or(value).trim();
    // `Name <a@b>` takes the address in brackets.
    let value = match (value.rfind('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => value.get(a + 1..b).unwrap_or(value),
        _ => value,
    };
    let (local, domain) = value.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    let ok = !local.is_empty()
        && !domain.is_empty()
        && !local.contains(char::is_whitespace)
        && domain.chars().all(|c| {
            c.is_alphanumeric() || c == '.' || c == '-' || c == '[' || c == ']' || c == ':'
        });
    ok.then(|| format!("mailto:{local}@{}", domain.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gb() -> Numbering {
        Numbering::new("GB").expect("GB")
    }

    #[test]
    fn one_number_in_every_format() {
        let n = gb();
        let key = |kind, v: &str| n.key(&Identity::new(kind, v));
        let want = Some("tel:+442079460000".to_owned());
        assert_eq!(key(IdentityKind::Phone, "+44 20 7946 0000"), want);
        assert_eq!(key(IdentityKind::Phone, "020 7946 0000"), want);
        assert_eq!(key(IdentityKind::Phone, "(020) 7946-0000"), want);
        assert_eq!(key(IdentityKind::Phone, "tel:+44-20-7946-0000"), want);
        assert_eq!(key(IdentityKind::Sip, "sip:+442079460000@site.example"), want);
        assert_eq!(key(IdentityKind::Sip, "sip:02079460000@gw;user=phone"), want);
        assert_eq!(n.identify("sip:+442079460000@site").map(|(_, k)| k), want);
        assert_eq!(n.identify("020 7946 0000").map(|(_, k)| k), want);
        assert_eq!(n.identify("tel:+442079460000").map(|(_, k)| k), want);
    }

    #[test]
    fn a_national_number_needs_the_country() {
        let none = Numbering::default();
        let key = none.key(&Identity::new(IdentityKind::Phone, "020 7946 0000"));
        assert_eq!(key.as_deref(), Some("tel:02079460000"), "kept as dialled");
        let ca = Numbering::new("ca").expect("CA");
        assert_eq!(ca.e164("(514) 555-0199").as_deref(), Some("+15145550199"));
        assert!(Numbering::new("Atlantis").is_err());
    }

    #[test]
    fn extensions_and_letters() {
        let n = gb();
        assert_eq!(n.key(&Identity::new(IdentityKind::Phone, "1001")).as_deref(), Some("tel:1001"));
        assert_eq!(n.key(&Identity::new(IdentityKind::Phone, "1-800-FLOWERS")), None);
        assert_eq!(n.key(&Identity::new(IdentityKind::Phone, "")), None);
        // A SIP extension stays a SIP address.
        assert_eq!(
            n.key(&Identity::new(IdentityKind::Sip, "sip:1001@pbx.example")).as_deref(),
            Some("sip:1001@pbx.example")
        );
    }

    #[test]
    fn sip_uris_compare_by_rfc_3261_19_1_4() {
        let n = gb();
        let key = |v: &str| n.key(&Identity::new(IdentityKind::Sip, v));
        // Host case, escapes, name-addr, other parameters: the same.
        assert_eq!(key("sip:alice@ATLANTA.com"), key("sip:alice@atlanta.com"));
        assert_eq!(key("sip:%61lice@atlanta.com"), key("sip:alice@atlanta.com"));
        assert_eq!(key("\"Alice\" <sip:alice@atlanta.com;tag=1>"), key("sip:alice@atlanta.com"));
        assert_eq!(key("sip:alice@atlanta.com;lr"), key("sip:alice@atlanta.com"));
        assert_eq!(
            key("sip:alice@atlanta.com;transport=TCP"),
            key("sip:alice@atlanta.com;transport=tcp")
        );
        // User case, port, scheme, transport: different.
        assert_ne!(key("sip:ALICE@atlanta.com"), key("sip:alice@atlanta.com"));
        assert_ne!(key("sip:alice@atlanta.com:5060"), key("sip:alice@atlanta.com"));
        assert_ne!(key("sips:alice@atlanta.com"), key("sip:alice@atlanta.com"));
        assert_ne!(key("sip:alice@atlanta.com;transport=tcp"), key("sip:alice@atlanta.com"));
        assert_eq!(key("not a uri"), None);
    }

    #[test]
    fn email_domains_fold_local_parts_do_not() {
        let n = gb();
        let key = |v: &str| n.key(&Identity::new(IdentityKind::Email, v));
        assert_eq!(
            key("Marie.Tremblay@Example.COM").as_deref(),
            Some("mailto:Marie.Tremblay@example.com")
        );
        assert_eq!(
            key("mailto:Marie.Tremblay@example.com"),
            key("Marie Tremblay <Marie.Tremblay@EXAMPLE.com>")
        );
        assert_ne!(key("marie.tremblay@example.com"), key("Marie.Tremblay@example.com"));
        assert_eq!(key("nobody"), None);
        assert_eq!(n.identify("marie@example.com").map(|(i, _)| i.kind), Some(IdentityKind::Email));
    }
}
