//! SDP parsing/printing (RFC 8866) and offer/answer (RFC 3264) scenarios.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_sip::sdp::{
    AudioCapabilities, Direction, Origin, PayloadFormat, SdpError, SessionDescription, answer,
    offer, read_answer,
};

const BARESIP_OFFER: &str = "v=0\r\n\
o=- 1234 5678 IN IP4 127.0.0.1\r\n\
s=-\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
a=tool:baresip 1.0.0\r\n\
m=audio 10000 RTP/AVP 96 9 0 8 101\r\n\
b=AS:128\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 stereo=1;sprop-stereo=1\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=rtcp-mux\r\n\
a=sendrecv\r\n\
a=label:1\r\n\
m=video 10002 RTP/AVP 97\r\n\
a=rtpmap:97 H264/90000\r\n";

fn origin(v: u64) -> Origin {
    Origin {
        username: "earshot".into(),
        session_id: "42".into(),
        session_version: v,
        address_type: "IP4".into(),
        address: "127.0.0.1".into(),
    }
}

fn caps(formats: Vec<PayloadFormat>) -> AudioCapabilities {
    AudioCapabilities {
        formats,
        telephone_event: true,
        ptime: Some(20),
        rtcp_mux: true,
        address: "127.0.0.1".parse().unwrap(),
        port: 20000,
        direction: Direction::SendRecv,
        crypto: Vec::new(),
    }
}

fn pcmu() -> PayloadFormat {
    PayloadFormat::new("PCMU", 8000, 1, Some(0), None)
}
fn g722() -> PayloadFormat {
    PayloadFormat::new("G722", 8000, 1, Some(9), None)
}
fn opus() -> PayloadFormat {
    PayloadFormat::new("opus", 48000, 2, None, Some("useinbandfec=1"))
}

#[test]
fn parses_and_prints_losslessly() {
    let sd = SessionDescription::parse(BARESIP_OFFER.as_bytes()).unwrap();
    assert_eq!(sd.media.len(), 2);
    let m = &sd.media[0];
    assert_eq!(m.rtpmap(96).unwrap().channels, 2);
    assert_eq!(m.rtpmap(0).unwrap().encoding, "PCMU");
    assert_eq!(m.fmtp(101), Some("0-15"));
    assert!(m.rtcp_mux());
    let again = SessionDescription::parse(&sd.to_bytes()).unwrap();
    assert_eq!(sd, again);
    assert!(String::from_utf8(sd.to_bytes()).unwrap().contains("b=AS:128\r\n"));
}

#[test]
fn rejects_malformed_sdp() {
    assert!(matches!(SessionDescription::parse(b"o=x"), Err(SdpError::Line { line: 1, .. })));
    assert!(matches!(SessionDescription::parse(b"v=0\r\ns=x\r\n"), Err(SdpError::Missing('o'))));
    assert!(
        SessionDescription::parse(b"v=0\r\no=- 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0\r\n").is_err()
    );
    assert!(SessionDescription::parse(b"v=0\r\no=- 1 1 IN IP4 h\r\nmm=audio\r\n").is_err());
}

/// Our answer states what we want to receive (our own Opus parameters); what we send
/// follows the offerer's (RFC 7587 §7).
#[test]
fn opus_parameters_are_each_sides_own() {
    let off = SessionDescription::parse(BARESIP_OFFER.as_bytes()).unwrap();
    let ours = PayloadFormat::new("opus", 48000, 2, None, Some("maxaveragebitrate=32000"));
    let (ans, neg) = answer(&off, &caps(vec![ours, pcmu()]), &origin(1)).unwrap();
    assert_eq!(neg.formats[0].1.fmtp.as_deref(), Some("stereo=1;sprop-stereo=1"));
    assert_eq!(ans.media[0].fmtp(96), Some("maxaveragebitrate=32000"));
    // A format we have no parameters for echoes the offer's (telephone-event's events).
    assert_eq!(ans.media[0].fmtp(101), Some("0-15"));
}

#[test]
fn answer_keeps_offer_order_and_numbers_and_rejects_video() {
    let off = SessionDescription::parse(BARESIP_OFFER.as_bytes()).unwrap();
    let (ans, neg) = answer(&off, &caps(vec![pcmu(), g722(), opus()]), &origin(1)).unwrap();
    assert_eq!(ans.media.len(), 2, "one m= line per offered stream");
    assert_eq!(ans.media[1].port, 0, "video rejected with port 0");
    let formats: Vec<u8> = neg.formats.iter().map(|(pt, _)| *pt).collect();
    assert_eq!(formats, [96, 9, 0], "the offerer's order and payload numbers");
    assert_eq!(neg.telephone_event, Some(101));
    assert_eq!(neg.remote_rtp, Some("127.0.0.1:10000".parse().unwrap()));
    assert_eq!(neg.remote_rtcp, neg.remote_rtp, "rtcp-mux");
    assert_eq!(ans.media[0].formats, ["96", "9", "0", "101"]);
    // The offerer reads our answer back to the same codecs.
    let offerer_caps =
        caps(vec![opus(), g722(), pcmu(), PayloadFormat::new("PCMA", 8000, 1, Some(8), None)]);
    let back =
        read_answer(&off, &SessionDescription::parse(&ans.to_bytes()).unwrap(), &offerer_caps)
            .unwrap();
    assert_eq!(back.send_format().unwrap().0, 96);
    assert_eq!(back.remote_rtp, Some("127.0.0.1:20000".parse().unwrap()));
}

#[test]
fn hold_offers_and_answers() {
    let c = caps(vec![pcmu()]);
    let mut held = c.clone();
    held.direction = Direction::SendOnly;
    let hold_offer = offer(&held, &origin(2));
    let (ans, neg) = answer(&hold_offer, &c, &origin(7)).unwrap();
    assert_eq!(neg.direction, Direction::RecvOnly);
    assert_eq!(ans.media[0].direction(Direction::SendRecv), Direction::RecvOnly);
    assert_eq!(read_answer(&hold_offer, &ans, &held).unwrap().direction, Direction::SendOnly);

    // RFC 2543 hold: c=0.0.0.0.
    let legacy = String::from_utf8(offer(&c, &origin(3)).to_bytes())
        .unwrap()
        .replace("IN IP4 127.0.0.1\r\nt=", "IN IP4 0.0.0.0\r\nt=");
    let (_, neg) =
        answer(&SessionDescription::parse(legacy.as_bytes()).unwrap(), &c, &origin(8)).unwrap();
    assert_eq!(neg.direction, Direction::RecvOnly);
    assert_eq!(neg.remote_rtp, None);
}

#[test]
fn no_common_codec_and_bad_answers() {
    let off = SessionDescription::parse(BARESIP_OFFER.as_bytes()).unwrap();
    let gsm_only = caps(vec![PayloadFormat::new("GSM", 8000, 1, Some(3), None)]);
    assert_eq!(answer(&off, &gsm_only, &origin(1)).unwrap_err(), SdpError::NoCommonCodec);

    let ours = offer(&caps(vec![pcmu()]), &origin(1));
    let bogus = String::from_utf8(ours.to_bytes()).unwrap().replace("RTP/AVP 0 101", "RTP/AVP 8");
    let r = read_answer(
        &ours,
        &SessionDescription::parse(bogus.as_bytes()).unwrap(),
        &caps(vec![pcmu()]),
    );
    assert!(matches!(r, Err(SdpError::AnswerMismatch(_))), "{r:?}");
    let rejected =
        String::from_utf8(ours.to_bytes()).unwrap().replace("m=audio 20000", "m=audio 0");
    let r = read_answer(
        &ours,
        &SessionDescription::parse(rejected.as_bytes()).unwrap(),
        &caps(vec![pcmu()]),
    );
    assert_eq!(r.unwrap_err(), SdpError::NoCommonCodec);
}

#[test]
fn ipv6_sdp_from_rfc5118() {
    let raw =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rfc5118/ipv6-in-sdp.dat"))
            .unwrap();
    let msg = earshot_sip::message::parse_datagram(&raw).unwrap();
    let sd = SessionDescription::parse(msg.body()).unwrap();
    assert_eq!(sd.connection.unwrap().ip(), Some("2001:db8::20".parse().unwrap()));
}

/// The packet time to send is the peer's `a=ptime`, capped by its `a=maxptime`; ours when
/// it names none.
#[test]
fn packet_time_follows_the_peers_ptime_and_maxptime() {
    let with = |extra: &str| {
        let text = BARESIP_OFFER.replace("a=rtcp-mux\r\n", &format!("a=rtcp-mux\r\n{extra}"));
        let off = SessionDescription::parse(text.as_bytes()).unwrap();
        answer(&off, &caps(vec![opus(), pcmu()]), &origin(1)).unwrap().1.ptime
    };
    assert_eq!(with(""), Some(20));
    assert_eq!(with("a=ptime:40\r\n"), Some(40));
    assert_eq!(with("a=ptime:60\r\na=maxptime:40\r\n"), Some(40));
    assert_eq!(with("a=maxptime:10\r\n"), Some(10));
}
