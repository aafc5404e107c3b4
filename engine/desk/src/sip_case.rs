//! Case data from SIP and back: every `X-` header of an incoming INVITE becomes a field
//! named after the header without `X-`; `User-to-User` (RFC 7433) is decoded; a `Call-Info`
//! with `purpose=info` (RFC 3261 §20.9) gives a link; the dialled queue and the caller are
//! fields too. On a consultation, transfer or conference the fields travel back as the
//! same headers, so a second agent's desk builds the same case.

use crate::case::{Origin, Source};

/// The sources of an incoming request: its headers (name, value) in order, the caller's
/// identity and the queue dialled (if it came by one).
pub fn sources(headers: &[(String, String)], caller: &str, queue: Option<&str>) -> Vec<Source> {
    let mut out = vec![Source::new(Origin::Caller, "caller", caller)];
    if let Some(q) = queue {
        out.push(Source::new(Origin::Queue, "queue", q));
    }
    for (name, value) in headers {
        if let Some(field) = strip_x(name) {
            out.push(Source::new(Origin::Header, field, value.trim()));
        } else if name.eq_ignore_ascii_case("User-to-User") {
            if let Some(text) = decode_uui(value) {
                out.push(Source::new(Origin::UserToUser, "User-to-User", text));
            }
        } else if name.eq_ignore_ascii_case("Call-Info") {
            for info in split_outside_quotes(value, ',') {
                if let Some(url) = info_url(info) {
                    out.push(Source::new(Origin::Header, "Call-Info", url));
                }
            }
        }
    }
    out
}

/// The headers that carry case fields to the next agent.
pub fn headers(carried: &[Source]) -> Vec<(String, String)> {
    carried
        .iter()
        .filter_map(|s| match s.origin {
            Origin::UserToUser => Some((
                "User-to-User".to_string(),
                format!("{};encoding=hex", hex(s.value.as_bytes())),
            )),
            Origin::Header if s.name.eq_ignore_ascii_case("Call-Info") => {
                Some(("Call-Info".to_string(), format!("<{}>;purpose=info", s.value)))
            }
            Origin::Header | Origin::Agent if is_token(&s.name) => {
                Some((format!("X-{}", s.name), s.value.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Characters kept as they are in a URI header value (RFC 3261 §25.1 `hnv-unreserved`
/// and `unreserved` less the marks that mean something to other parsers); every other
/// byte is %-escaped.
const URI_HEADER_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The case as headers of a URI (RFC 3261 §19.1.1 `?name=value&…`, values escaped): a
/// blind transfer's Refer-To carries them to the transfer target through the transferee,
/// which puts them in its INVITE (§19.1.5).
pub fn uri_headers(carried: &[Source]) -> Vec<(String, String)> {
    headers(carried)
        .into_iter()
        .map(|(n, v)| (n, percent_encoding::utf8_percent_encode(&v, URI_HEADER_VALUE).to_string()))
        .collect()
}

/// What a transferee takes from the headers of a Refer-To URI into its INVITE: case
/// headers only (`X-…`, `User-to-User`, `Call-Info`), unescaped. Everything else (a
/// `Via`, a `From`, a `Route` slipped in by whoever sent the REFER) is left out, as
/// §19.1.5 allows and safety requires.
pub fn from_uri_headers(uri_headers: &[(String, String)]) -> Vec<(String, String)> {
    uri_headers
        .iter()
        .filter(|(n, _)| {
            strip_x(n).is_some_and(is_token)
                || n.eq_ignore_ascii_case("User-to-User")
                || n.eq_ignore_ascii_case("Call-Info")
        })
        .map(|(n, v)| {
            let value = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
            // A value is one header line: no line breaks, however it was escaped.
            let value: String =
                value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            (n.clone(), value)
        })
        .collect()
}

fn strip_x(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("X-").or_else(|| name.strip_prefix("x-"))?;
    // Earshot's own signalling between phones and the site (`X-Earshot-…`) is not case data.
    let ours = rest.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("Earshot-"));
    (!rest.is_empty() && !ours).then_some(rest)
}

/// RFC 3261 §25.1 token characters (a header name).
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

/// RFC 7433 §4.1: `uui-data *(";" uui-param)`; `encoding=hex` means the data is
/// hexadecimal octets, otherwise it is a token or a quoted string. ISDN UUI (RFC 7434)
/// starts with a protocol discriminator octet; 0x04 (IA5 characters) is dropped. Octets
/// that are not UTF-8 text are shown as hexadecimal.
pub fn decode_uui(value: &str) -> Option<String> {
    let mut parts = split_outside_quotes(value, ';').into_iter();
    let data = parts.next()?.trim();
    let hex_encoded = parts.any(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        k.trim().eq_ignore_ascii_case("encoding") && v.trim().eq_ignore_ascii_case("hex")
    });
    if !hex_encoded {
        let unquoted = data.strip_prefix('"').and_then(|d| d.strip_suffix('"')).unwrap_or(data);
        return (!unquoted.is_empty()).then(|| unquoted.replace("\\\"", "\""));
    }
    let bytes = unhex(data)?;
    let text = match bytes.split_first() {
        Some((0x04, rest)) => rest,
        _ => bytes.as_slice(),
    };
    match std::str::from_utf8(text) {
        Ok(t) if !t.is_empty() && !t.chars().any(char::is_control) => Some(t.to_string()),
        _ if bytes.is_empty() => None,
        _ => Some(hex(&bytes)),
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// `<url>;purpose=info` → the URL.
fn info_url(entry: &str) -> Option<String> {
    let entry = entry.trim();
    let url = entry.strip_prefix('<')?;
    let (url, params) = url.split_once('>')?;
    let info = params.split(';').any(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        k.trim().eq_ignore_ascii_case("purpose")
            && v.trim().trim_matches('"').eq_ignore_ascii_case("info")
    });
    (info && !url.is_empty()).then(|| url.to_string())
}

/// Splits at `sep` outside double quotes.
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                out.push(s.get(start..i).unwrap_or(""));
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(s.get(start..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: &str, v: &str) -> (String, String) {
        (n.to_string(), v.to_string())
    }

    #[test]
    fn x_headers_uui_and_call_info_become_fields() {
        let headers = [
            h("Via", "SIP/2.0/UDP 127.0.0.1"),
            h("X-Account-Id", " A-77 "),
            h("x-Segment", "gold"),
            h("X-", "nameless"),
            h("X-Earshot-Consult", "sip:ann@site"),
            h("x-earshot-chat-event", "left"),
            h("User-to-User", "044f72646572203432;encoding=hex;purpose=isdn-uui"),
            h(
                "Call-Info",
                "<https://crm.example/c/9>;purpose=info, <https://x/icon.png>;purpose=icon",
            ),
        ];
        let s = sources(&headers, "sip:+15145550123@example.com", Some("support"));
        let got: Vec<(&str, &str)> =
            s.iter().map(|s| (s.name.as_str(), s.value.as_str())).collect();
        assert_eq!(
            got,
            [
                ("caller", "sip:+15145550123@example.com"),
                ("queue", "support"),
                ("Account-Id", "A-77"),
                ("Segment", "gold"),
                ("User-to-User", "Order 42"),
                ("Call-Info", "https://crm.example/c/9"),
            ]
        );
    }

    #[test]
    fn uui_in_its_forms() {
        assert_eq!(decode_uui("\"case 9\";purpose=x").as_deref(), Some("case 9"));
        assert_eq!(decode_uui("token123").as_deref(), Some("token123"));
        assert_eq!(decode_uui("c3a9;encoding=hex").as_deref(), Some("é"));
        // Binary octets are shown as hexadecimal rather than as garbage.
        assert_eq!(decode_uui("00ff10;encoding=hex").as_deref(), Some("00FF10"));
        assert_eq!(decode_uui("0g;encoding=hex"), None);
        assert_eq!(decode_uui("abc;encoding=hex"), None, "odd length");
        assert_eq!(decode_uui(""), None);
    }

    #[test]
    fn carried_fields_come_back_as_the_same_sources() {
        let first = sources(
            &[
                h("X-Account-Id", "A-77"),
                h("User-to-User", "\"order 42\""),
                h("Call-Info", "<https://crm.example/c/9>;purpose=info"),
            ],
            "sip:a@x",
            Some("support"),
        );
        let carried: Vec<Source> = first
            .iter()
            .filter(|s| !matches!(s.origin, Origin::Caller | Origin::Queue))
            .cloned()
            .collect();
        let again = sources(&headers(&carried), "sip:agent1@x", None);
        assert_eq!(&again[1..], carried.as_slice());
    }

    #[test]
    fn the_case_crosses_a_refer_to_uri_and_nothing_else_does() {
        let carried = vec![
            Source::new(Origin::Header, "Account-Id", "A-77 & Co?x=1"),
            Source::new(Origin::UserToUser, "User-to-User", "Order 42"),
        ];
        let escaped = uri_headers(&carried);
        assert_eq!(escaped[0], ("X-Account-Id".into(), "A-77%20%26%20Co%3Fx%3D1".into()));
        let mut arrived = escaped.clone();
        arrived.push(("Route".into(), "%3Csip:evil%3E".into()));
        arrived.push(("From".into(), "sip:someone".into()));
        arrived.push(("X-Injected".into(), "a%0D%0AVia: x".into()));
        let taken = from_uri_headers(&arrived);
        assert_eq!(taken[0], ("X-Account-Id".into(), "A-77 & Co?x=1".into()));
        assert_eq!(taken[1].0, "User-to-User");
        assert_eq!(decode_uui(&taken[1].1).as_deref(), Some("Order 42"));
        assert_eq!(taken[2], ("X-Injected".into(), "a  Via: x".into()));
        assert_eq!(taken.len(), 3, "no Route, no From: {taken:?}");
    }
}
