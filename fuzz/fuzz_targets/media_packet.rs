//! Fuzzes what the media path reads off the network: datagrams (RTP for each codec,
//! RFC 4733 events, RTCP with XR) fed to a leg and an RTCP session at arbitrary arrival
//! times, with playout in between. Nothing may panic, and every frame played must be
//! full length.
#![no_main]

use earshot_engine::media::leg::{Leg, LegConfig};
use earshot_engine::media::rtcp::RtcpSession;
use libfuzzer_sys::fuzz_target;

const CODECS: [(&str, u8, usize); 4] =
    [("PCMU", 0, 160), ("PCMA", 8, 160), ("G722", 9, 320), ("opus", 111, 960)];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else { return };
    let (codec, pt, frame) = CODECS[usize::from(selector) % CODECS.len()];
    let Ok(mut leg) = Leg::new(LegConfig {
        codec: codec.into(),
        fmtp: None,
        payload_type: pt,
        telephone_event: Some(101),
        ptime_ms: 20,
        ssrc: 1,
        max_delay_ms: 300,
    }) else {
        return;
    };
    let mut rtcp = RtcpSession::new(1, "fuzz@127.0.0.1");
    let mut out = vec![0i16; frame];
    let mut now_us = 0u64;
    // Each datagram: one byte of arrival step (ms), two bytes of length, the bytes.
    while let [step, hi, lo, tail @ ..] = rest {
        let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(tail.len());
        let (datagram, next) = tail.split_at(len);
        rest = next;
        now_us += u64::from(*step) * 1000;
        let _ = leg.receive(datagram, now_us);
        let _ = rtcp.receive(datagram, (now_us / 1000) << 22);
        if step & 1 == 1 {
            let _ = leg.play(&mut out);
            assert_eq!(out.len(), frame);
        }
    }
    let _ = leg.stats(0.0);
});
