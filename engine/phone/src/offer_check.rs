//! Whether an incoming INVITE's offer can be answered, judged before anything rings: an
//! offer that does not parse is answered 400, one with no audio stream 488 with Warning 304
//! "Media type not available", one with audio but no codec in common 488 with Warning 305
//! "Incompatible media format" (RFC 3261 §21.4.26, §20.43; RFC 3264 §6). A routed caller
//! then goes to the next agent instead of waiting on one who can never talk to them.

use earshot_sip::sdp::{self, AudioCapabilities, Origin, SdpError, SessionDescription};

/// Why an offer cannot be answered: the final status and the Warning (code, text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} (Warning {warn_code}: {text})")]
pub struct Unanswerable {
    pub status: u16,
    pub warn_code: u16,
    pub text: String,
}

/// Checks `offer` (none: an INVITE without an offer, which we answer with ours) against
/// what the phone can do.
pub fn check(offer: Option<&[u8]>, caps: &AudioCapabilities) -> Result<(), Unanswerable> {
    let Some(bytes) = offer else { return Ok(()) };
    let parsed = SessionDescription::parse(bytes).map_err(|e| Unanswerable {
        status: 400,
        warn_code: 399,
        text: format!("the offer does not parse: {e}"),
    })?;
    let origin = Origin {
        username: "-".into(),
        session_id: "0".into(),
        session_version: 0,
        address_type: "IP4".into(),
        address: "0.0.0.0".into(),
    };
    match sdp::answer(&parsed, caps, &origin) {
        Ok(_) => Ok(()),
        Err(SdpError::NoCommonCodec) => {
            let audio = parsed
                .media
                .iter()
                .any(|m| m.media.eq_ignore_ascii_case("audio") && m.proto.starts_with("RTP/"));
            Err(if audio {
                let offered: Vec<String> = parsed
                    .media
                    .iter()
                    .flat_map(|m| {
                        m.formats.iter().map(|f| {
                            f.parse::<u8>()
                                .ok()
                                .and_then(|pt| m.rtpmap(pt))
                                .map_or_else(|| f.clone(), |r| r.encoding)
                        })
                    })
                    .collect();
                Unanswerable {
                    status: 488,
                    warn_code: 305,
                    text: format!("no codec in common (offered: {})", offered.join(" ")),
                }
            } else {
                Unanswerable { status: 488, warn_code: 304, text: "no audio stream offered".into() }
            })
        }
        Err(e) => Err(Unanswerable { status: 488, warn_code: 399, text: e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn caps() -> AudioCapabilities {
        crate::media::audio_caps(
            &["PCMU".to_owned(), "opus".to_owned()],
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            4000,
            sdp::Direction::SendRecv,
        )
    }

    fn offer(m_lines: &str) -> Vec<u8> {
        format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n{m_lines}"
        )
        .into_bytes()
    }

    #[test]
    fn an_offer_with_a_codec_in_common_is_answerable() {
        assert_eq!(check(Some(&offer("m=audio 4002 RTP/AVP 18 0\r\n")), &caps()), Ok(()));
        assert_eq!(check(None, &caps()), Ok(()));
    }

    #[test]
    fn g729_alone_gets_488_with_warning_305_naming_it() {
        let e = check(Some(&offer("m=audio 4002 RTP/AVP 18\r\n")), &caps()).unwrap_err();
        assert_eq!((e.status, e.warn_code), (488, 305));
        assert!(e.text.contains("G729"), "{e}");
    }

    #[test]
    fn video_alone_gets_488_with_warning_304() {
        let e = check(Some(&offer("m=video 4002 RTP/AVP 96\r\n")), &caps()).unwrap_err();
        assert_eq!((e.status, e.warn_code), (488, 304));
    }

    #[test]
    fn an_offer_that_does_not_parse_gets_400() {
        let e = check(Some(b"v=0\r\nm=audio x\r\n"), &caps()).unwrap_err();
        assert_eq!(e.status, 400);
    }
}
