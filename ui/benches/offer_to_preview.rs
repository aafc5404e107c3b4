//! Offer → preview on screen: a routed INVITE (to the `support` queue) is sent to an agent's
//! phone on loopback, and the window (egui_kittest, headless, stepped back to back) is
//! watched for the first frame that holds the preview's Accept button. The time from just
//! before the datagram is sent (it reaches the agent's socket microseconds later) to the
//! end of that frame is printed for each offer, with the median and the worst. The caller
//! then cancels (RFC 3261 §9.1) and acknowledges the 487.
//!
//! `cargo bench -p earshot-ui --bench offer_to_preview` (release build).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::net::UdpSocket;
use std::time::{Duration, Instant};

mod common;

use egui_kittest::kittest::Queryable;

const OFFERS: usize = 20;

fn request(method: &str, target: &str, local: &str, branch: &str, n: usize, sdp: bool) -> String {
    let body = if sdp {
        "v=0\r\no=customer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            .to_string()
    } else {
        String::new()
    };
    let kind = if sdp { "Content-Type: application/sdp\r\n" } else { "" };
    format!(
        "{method} sip:support@{target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={branch}\r\n\
         Max-Forwards: 70\r\nFrom: \"Customer {n}\" <sip:customer@{local}>;tag=t{n}\r\n\
         To: <sip:support@{target}>\r\nCall-ID: offer-bench-{n}@127.0.0.1\r\n\
         CSeq: 1 {method}\r\nContact: <sip:customer@{local}>\r\nX-Account-Id: A-{n}\r\n\
         {kind}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Reads datagrams until one starts with `status` (bounded: 5 s).
fn wait_status(socket: &UdpSocket, status: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        if let Ok(n) = socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.starts_with(&format!("SIP/2.0 {status}")) {
                return text;
            }
        }
    }
    panic!("no {status} within 5 s");
}

fn main() {
    let dir = std::env::temp_dir().join(format!("earshot-offer-bench-{}", std::process::id()));
    let mut harness = common::window_over_phone(&dir, "en");
    let deadline = Instant::now() + Duration::from_secs(10);
    harness.get_by_label("Ready").click();
    while harness.state().view.agent_state.as_ref().is_none_or(|s| s.state != "ready") {
        assert!(Instant::now() < deadline, "not Ready");
        harness.step();
    }
    let target = harness.state().view.uri.rsplit('@').next().unwrap().to_owned();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    socket.connect(&target).unwrap();
    let local = socket.local_addr().unwrap().to_string();
    let mut times = Vec::new();
    for n in 0..OFFERS {
        let branch = format!("z9hG4bKofferbench{n}");
        let invite = request("INVITE", &target, &local, &branch, n, true);
        let sent = Instant::now();
        socket.send(invite.as_bytes()).unwrap();
        let shown = loop {
            harness.step();
            if harness.query_by_label("Accept").is_some() {
                break sent.elapsed();
            }
            assert!(sent.elapsed() < Duration::from_secs(5), "no preview for offer {n}");
        };
        times.push(shown);
        println!("offer {n}: preview drawn {:.1} ms after the INVITE", shown.as_secs_f64() * 1e3);
        // The caller gives up: CANCEL, 200, 487, ACK; the preview goes.
        socket.send(request("CANCEL", &target, &local, &branch, n, false).as_bytes()).unwrap();
        let answer = wait_status(&socket, "487");
        let to = answer.lines().find(|l| l.starts_with("To:")).unwrap().to_owned();
        let ack = request("ACK", &target, &local, &branch, n, false)
            .replace(&format!("To: <sip:support@{target}>"), &to);
        socket.send(ack.as_bytes()).unwrap();
        let gone = Instant::now();
        while harness.query_by_label("Accept").is_some() {
            assert!(gone.elapsed() < Duration::from_secs(5), "the preview stayed");
            harness.step();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "offer → preview drawn over {OFFERS} offers: median {:.1} ms, worst {:.1} ms, best {:.1} ms",
        ms(times[OFFERS / 2]),
        ms(times[OFFERS - 1]),
        ms(times[0])
    );
    harness.state().quit();
    std::fs::remove_dir_all(&dir).ok();
}
