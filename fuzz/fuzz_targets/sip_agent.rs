//! Fuzzes a whole user agent: arbitrary datagrams (split from the input at "\0\0") arrive
//! one after another, with timers run between them. Nothing may panic, and every
//! transmission the agent makes in answer must itself parse.
#![no_main]

use std::time::{Duration, Instant};

use earshot_sip::message::{Uri, parse_datagram};
use earshot_sip::target::Target;
use earshot_sip::ua::{UaConfig, UaEvent, UserAgent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(Uri::Sip(aor)) = Uri::parse("sip:agent@127.0.0.1:5060") else { return };
    let mut cfg = UaConfig::new(aor, "127.0.0.1:5060".parse().expect("addr"));
    cfg.event_packages = vec!["dialog".into()];
    let mut ua = UserAgent::new(cfg, 7);
    let t0 = Instant::now();
    let source = Target::udp("127.0.0.1:5070".parse().expect("addr"));
    for (i, datagram) in data.split(|&b| b == 0).filter(|d| !d.is_empty()).enumerate() {
        let now = t0 + Duration::from_millis(i as u64 * 700);
        ua.handle_bytes(datagram, source, now);
        ua.handle_timeout(now);
        while let Some(e) = ua.poll_event() {
            // Answer whatever asks for an answer, to walk the deeper states.
            match e {
                UaEvent::IncomingCall { call, .. } => {
                    let _ = ua.answer(call, b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n".to_vec(), now);
                }
                UaEvent::UpdateRequested { call, .. } => {
                    let _ = ua.answer_update(call, Err(488), now);
                }
                UaEvent::SubscriptionRequested { sub, .. } => {
                    let _ = ua.accept_subscription(sub, 60, "text/plain", b"x".to_vec(), now);
                }
                UaEvent::TransferRequested { call, .. } => {
                    let _ = ua.transfer_progress(call, 200, "OK", now);
                }
                _ => {}
            }
        }
        while let Some(t) = ua.poll_transmit() {
            let text = String::from_utf8_lossy(&t.bytes);
            // Error responses echo the peer's own (possibly malformed) headers; anything
            // else we send must parse.
            let is_error_response = text.starts_with("SIP/2.0 4") || text.starts_with("SIP/2.0 5");
            if !is_error_response {
                assert!(parse_datagram(&t.bytes).is_ok(), "unparseable output:\n{text}");
            }
        }
    }
    ua.handle_timeout(t0 + Duration::from_secs(3600));
});
