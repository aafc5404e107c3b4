//! A response to a request that could not be parsed (RFC 3261 §8.2, §21.4.1): built from
//! the raw header lines that were readable, or nothing if the message cannot be answered.

use super::error::ParseError;

/// The bytes of a 4xx/5xx answering `raw`, if `raw` looks like a request and carries the
/// Via, From, To, Call-ID and CSeq lines a response must copy.
pub fn error_response(raw: &[u8], err: &ParseError) -> Option<Vec<u8>> {
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len().min(8192));
    let text = String::from_utf8_lossy(raw.get(..head_end)?);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let first = lines.next()?;
    if first.starts_with("SIP/") || !first.contains(' ') {
        return None;
    }
    let mut copied = Vec::new();
    let mut seen = [false; 5];
    for line in lines {
        let Some((name, _)) = line.split_once(':') else {
            continue;
        };
        let n = name.trim().to_ascii_lowercase();
        let idx = match n.as_str() {
            "via" | "v" => 0,
            "from" | "f" => 1,
            "to" | "t" => 2,
            "call-id" | "i" => 3,
            "cseq" => 4,
            _ => continue,
        };
        if line.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return None;
        }
        if let Some(s) = seen.get_mut(idx) {
            *s = true;
        }
        copied.push(line.to_owned());
    }
    if !seen.iter().all(|s| *s) {
        return None;
    }
    let code = err.status_code();
    let reason = match code {
        505 => "Version Not Supported".to_owned(),
        513 => "Message Too Large".to_owned(),
        _ => format!("Bad Request ({})", err.to_string().replace(['\r', '\n'], " ")),
    };
    let mut out = format!("SIP/2.0 {code} {reason}\r\n");
    for l in copied {
        out.push_str(&l);
        out.push_str("\r\n");
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse_datagram;

    #[test]
    fn answers_torture_rejects_it_can() {
        let raw = b"OPTIONS sip:t.watson@example.org SIP/7.0\r\nVia: SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\nFrom: A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\nTo: T. Watson <sip:t.watson@example.org>\r\nCall-ID: badvers.31417@c.example.com\r\nCSeq: 1 OPTIONS\r\n\r\n";
        let err = parse_datagram(raw).unwrap_err();
        let resp = String::from_utf8(error_response(raw, &err).unwrap()).unwrap();
        assert!(resp.starts_with("SIP/2.0 505 "), "{resp}");
        assert!(resp.contains("Call-ID: badvers.31417@c.example.com\r\n"));
        assert!(error_response(b"garbage", &err).is_none());
    }
}
