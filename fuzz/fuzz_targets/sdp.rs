//! Fuzzes the SDP parser and the answerer: no input may panic, and whatever parses must
//! print to text that parses to the same description.
#![no_main]

use earshot_sip::sdp::{
    self, AudioCapabilities, Direction, Origin, PayloadFormat, SessionDescription,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sd) = SessionDescription::parse(data) else { return };
    let again = SessionDescription::parse(&sd.to_bytes()).expect("printed SDP parses");
    assert_eq!(sd.media.len(), again.media.len());
    let caps = AudioCapabilities {
        formats: vec![
            PayloadFormat::new("PCMU", 8000, 1, Some(0), None),
            PayloadFormat::new("opus", 48000, 2, None, Some("useinbandfec=1")),
        ],
        telephone_event: true,
        ptime: Some(20),
        rtcp_mux: true,
        address: "127.0.0.1".parse().expect("ip"),
        port: 4000,
        direction: Direction::SendRecv,
        crypto: Vec::new(),
    };
    let origin = Origin {
        username: "f".into(),
        session_id: "1".into(),
        session_version: 1,
        address_type: "IP4".into(),
        address: "127.0.0.1".into(),
    };
    if let Ok((answer, _)) = sdp::answer(&sd, &caps, &origin) {
        assert_eq!(answer.media.len(), sd.media.len(), "one answer stream per offered stream");
        let _ = sdp::read_answer(&sd, &answer, &caps);
    }
});
