//! SIP message parse and print rate, Earshot against `ezk-sip-types`, on a typical INVITE
//! with SDP and a 200 OK to REGISTER. Both sides do the same work: split the header
//! section into lines, parse the start line, and decode the headers a user agent needs
//! (Via, From, To, Call-ID, CSeq, Max-Forwards, Contact, Content-Type, Content-Length).
//!
//! Run: `cargo bench -p earshot-benches --bench sip_messages`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use bytesstr::BytesStr;
use earshot_benches::median_rate;
use earshot_sip::message::parse_datagram;
use ezk_sip_types::header::typed::{CSeq, CallID, Contact, ContentType, FromTo, MaxForwards, Via};
use ezk_sip_types::msg::{Line, MessageLine, PullParser};
use ezk_sip_types::parse::Parse;
use ezk_sip_types::{Headers, Name};

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com:5060;transport=udp>\r\n\
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, MESSAGE, UPDATE, PRACK, INFO\r\n\
Supported: replaces, timer, 100rel\r\n\
User-Agent: Earshot/0.1\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 248\r\n\
\r\n\
v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n\
s=-\r\n\
c=IN IP4 192.0.2.101\r\n\
t=0 0\r\n\
m=audio 49172 RTP/AVP 0 8 9 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=sendrecv\r\n";

const REGISTER_OK: &str = "SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4;rport=5060\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=2493k59kd\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4>;expires=7200\r\n\
Expires: 7200\r\n\
Content-Length: 0\r\n\
\r\n";

struct EzkMessage {
    line: MessageLine,
    headers: Headers,
    body: Bytes,
}

/// ezk's message decoding as its own stack does it: pull lines, parse the message line and
/// each header line into `Headers`, then decode the typed headers.
fn ezk_parse(bytes: &Bytes) -> EzkMessage {
    let mut parser = PullParser::new(bytes, 0);
    let first = parser.next().unwrap().unwrap();
    let line = MessageLine::parse(bytes)(std::str::from_utf8(first).unwrap()).unwrap().1;
    let mut headers = Headers::with_capacity(16);
    for l in &mut parser {
        let l = l.unwrap();
        let parsed = Line::parse(bytes, std::str::from_utf8(l).unwrap()).unwrap().1;
        headers.extend([(parsed.name, parsed.value)]);
    }
    let body_start = parser.head_end();
    let vias: Vec<Via> = headers.get_named().unwrap();
    let from: FromTo = headers.get(Name::FROM).unwrap();
    let to: FromTo = headers.get(Name::TO).unwrap();
    let call_id: CallID = headers.get_named().unwrap();
    let cseq: CSeq = headers.get_named().unwrap();
    let contact: Vec<Contact> = headers.get_named().unwrap();
    if line.is_request() {
        let mf: MaxForwards = headers.get_named().unwrap();
        black_box(mf);
    }
    let ct: Option<ContentType> = headers.try_get_named().and_then(Result::ok);
    let len: usize = headers
        .get_raw(&Name::CONTENT_LENGTH)
        .next()
        .map(|v: &BytesStr| v.trim().parse().unwrap())
        .unwrap_or(0);
    black_box((vias, from, to, call_id, cseq, contact, ct));
    EzkMessage { line, headers, body: bytes.slice(body_start..body_start + len) }
}

fn ezk_print(m: &EzkMessage) -> Vec<u8> {
    use ezk_sip_types::print::AppendCtx;
    let mut s = format!("{}\r\n{}\r\n", m.line.default_print_ctx(), m.headers);
    s.push_str(std::str::from_utf8(&m.body).unwrap());
    s.into_bytes()
}

fn earshot_parse(bytes: &[u8]) -> earshot_sip::Message {
    let m = parse_datagram(bytes).unwrap();
    let h = m.headers();
    // The same typed decoding as on the ezk side (validation already parsed each once).
    black_box((h.vias().unwrap(), h.from().unwrap(), h.to().unwrap(), h.cseq().unwrap()));
    black_box((h.contacts().unwrap(), h.content_type().unwrap(), h.max_forwards().unwrap()));
    m
}

fn main() {
    if std::env::args().any(|a| a == "--profile-parse") {
        // For `perf record`: only Earshot's INVITE parse, for a few seconds.
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(4) {
            black_box(earshot_parse(black_box(INVITE.as_bytes())));
        }
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = if quick { Duration::from_millis(600) } else { Duration::from_secs(4) };
    let rounds = if quick { 3 } else { 9 };
    println!("SIP message rate (messages/s, median of {rounds} rounds)");
    println!("{:<24} {:>14} {:>14} {:>8}", "case", "earshot", "ezk-sip-types", "ratio");
    for (name, text) in [("INVITE with SDP", INVITE), ("200 OK to REGISTER", REGISTER_OK)] {
        let raw = text.as_bytes();
        let shared = Bytes::from_static(text.as_bytes());
        // Sanity: both sides read the same message.
        let ours = earshot_parse(raw);
        let theirs = ezk_parse(&shared);
        assert_eq!(ours.body(), &theirs.body[..]);
        assert!(parse_datagram(&ours.to_bytes()).is_ok());
        assert!(ezk_parse(&Bytes::from(ezk_print(&theirs))).body == theirs.body);

        let p_ours = median_rate(rounds, budget, || {
            black_box(earshot_parse(black_box(raw)));
        });
        let p_theirs = median_rate(rounds, budget, || {
            black_box(ezk_parse(black_box(&shared)));
        });
        println!(
            "{:<24} {:>14.0} {:>14.0} {:>7.2}x",
            format!("parse {name}"),
            p_ours,
            p_theirs,
            p_ours / p_theirs
        );
        let w_ours = median_rate(rounds, budget, || {
            black_box(black_box(&ours).to_bytes());
        });
        let w_theirs = median_rate(rounds, budget, || {
            black_box(ezk_print(black_box(&theirs)));
        });
        println!(
            "{:<24} {:>14.0} {:>14.0} {:>7.2}x",
            format!("print {name}"),
            w_ours,
            w_theirs,
            w_ours / w_theirs
        );
    }
}
