//! Screen pop: a URL template from the configuration filled from case data. Every value
//! is percent-encoded as a URI component (RFC 3986 §2.1: everything but the unreserved
//! characters of §2.3), so an `&`, a space or an accent cannot break the link; a field
//! the interaction lacks leaves no URL (the link is shown disabled), never a broken one.
//! Only `http` and `https` templates are opened.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::case::CaseData;

/// RFC 3986 §2.3 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~" stay as they are.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Why a template gives no URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreenPopError {
    #[error("no case field {0:?} for this interaction")]
    MissingField(String),
    #[error("unclosed {{ in the template")]
    Unclosed,
    #[error("only http and https links are opened")]
    NotWeb,
}

/// `template` with each `{field}` replaced by that case field's encoded value (`{{` and
/// `}}` stand for braces).
pub fn fill(template: &str, case: &CaseData) -> Result<String, ScreenPopError> {
    let lower = template.trim_start().to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(ScreenPopError::NotWeb);
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(rest.get(..i).unwrap_or(""));
        let tail = rest.get(i..).unwrap_or("");
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let end = after.find('}').ok_or(ScreenPopError::Unclosed)?;
            let name = after.get(..end).unwrap_or("").trim();
            let value =
                case.value(name).ok_or_else(|| ScreenPopError::MissingField(name.to_string()))?;
            out.extend(utf8_percent_encode(value, COMPONENT));
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            // A lone `}`: kept as it is.
            out.push('}');
            rest = tail.get(1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Origin, Source};

    fn case() -> CaseData {
        CaseData::build(
            &[
                Source::new(Origin::Caller, "caller", "+1 514 555-0123"),
                Source::new(Origin::Header, "Name", "Zoë & Émile"),
                Source::new(Origin::Header, "Account-Id", "A/77?x=1#y"),
            ],
            &[],
        )
    }

    #[test]
    fn values_are_encoded_as_uri_components() {
        let url =
            fill("https://crm.example/search?phone={caller}&name={Name}&a={ account-id }", &case())
                .unwrap();
        assert_eq!(
            url,
            "https://crm.example/search?phone=%2B1%20514%20555-0123&name=Zo%C3%AB%20%26%20%C3%89mile&a=A%2F77%3Fx%3D1%23y"
        );
    }

    #[test]
    fn a_missing_field_gives_no_url() {
        assert_eq!(
            fill("https://crm.example/{ticket}", &case()),
            Err(ScreenPopError::MissingField("ticket".into()))
        );
    }

    #[test]
    fn braces_and_schemes() {
        assert_eq!(
            fill("https://x/{{raw}}/{caller}", &case()).unwrap(),
            "https://x/{raw}/%2B1%20514%20555-0123"
        );
        assert_eq!(fill("https://x/{caller", &case()), Err(ScreenPopError::Unclosed));
        assert_eq!(fill("javascript:alert({caller})", &case()), Err(ScreenPopError::NotWeb));
        assert_eq!(fill("file:///etc/passwd", &case()), Err(ScreenPopError::NotWeb));
    }
}
