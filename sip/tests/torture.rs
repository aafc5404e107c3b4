//! RFC 4475 (SIP torture tests) and RFC 5118 (IPv6 torture tests) against the parser.
//! The messages live in `tests/data/` under their RFC names.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use earshot_sip::message::{
    HeaderName, Host, Message, Method, ParseError, StreamFramer, StreamItem, Uri, parse_datagram,
};

fn load(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn names(dir: &str) -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(dir);
    let mut v: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".dat").to_owned())
        .collect();
    v.sort();
    v
}

fn parse(rel: &str) -> Result<Message, ParseError> {
    parse_datagram(&load(rel))
}

/// Parses, prints, re-parses: the second parse must equal the first (printing is lossless
/// for everything the parser keeps), and the same bytes must frame identically on a stream.
fn round_trip(m: &Message) {
    let bytes = m.to_bytes();
    let again = parse_datagram(&bytes)
        .unwrap_or_else(|e| panic!("reparse failed: {e}\n{}", String::from_utf8_lossy(&bytes)));
    assert_eq!(m.body(), again.body());
    let non_cl =
        |m: &Message| m.headers().iter().filter(|h| h.name != HeaderName::ContentLength).count();
    assert_eq!(non_cl(m), non_cl(&again));
    let mut framer = StreamFramer::default();
    framer.push(&bytes);
    match framer.next_item() {
        Some(Ok(StreamItem::Message(s))) => assert_eq!(s.body(), m.body()),
        other => panic!("stream framing failed: {other:?}"),
    }
}

#[test]
fn rfc4475_valid_messages_all_parse() {
    let all = names("rfc4475/valid");
    assert_eq!(all.len(), 13, "RFC 4475 §3.1.1 has 13 valid messages");
    for name in &all {
        let m =
            parse(&format!("rfc4475/valid/{name}.dat")).unwrap_or_else(|e| panic!("{name}: {e}"));
        round_trip(&m);
    }
}

#[test]
fn rfc4475_invalid_messages_are_rejected_precisely() {
    use ParseError as E;
    let header =
        |h: &'static str| move |e: &E| matches!(e, E::Header { header, .. } if *header == h);
    type Check = Box<dyn Fn(&E) -> bool>;
    let expected: Vec<(&str, Check)> = vec![
        ("badinv01", Box::new(header("Via"))),
        ("clerr", Box::new(|e| matches!(e, E::BodyTooShort { declared: 9999, .. }))),
        ("ncl", Box::new(header("Content-Length"))),
        ("scalar02", Box::new(header("CSeq"))),
        ("scalarlg", Box::new(header("CSeq"))),
        ("quotbal", Box::new(header("To"))),
        ("ltgtruri", Box::new(|e| matches!(e, E::RequestUri(_)))),
        ("lwsruri", Box::new(|e| matches!(e, E::StartLine(_)))),
        ("lwsstart", Box::new(|e| matches!(e, E::StartLine(_)))),
        ("trws", Box::new(|e| matches!(e, E::StartLine(_)))),
        ("escruri", Box::new(|e| matches!(e, E::RequestUri(_)))),
        ("baddate", Box::new(header("Date"))),
        ("regbadct", Box::new(header("Contact"))),
        ("badaspec", Box::new(header("To"))),
        ("baddn", Box::new(header("From"))),
        (
            "badvers",
            Box::new(|e| matches!(e, E::Version(v) if v == "SIP/7.0") && e.status_code() == 505),
        ),
        ("mismatch01", Box::new(|e| matches!(e, E::CSeqMismatch { .. }))),
        ("mismatch02", Box::new(|e| matches!(e, E::CSeqMismatch { .. }))),
        ("bigcode", Box::new(|e| matches!(e, E::StatusCode))),
    ];
    assert_eq!(
        names("rfc4475/invalid").len(),
        expected.len(),
        "RFC 4475 §3.1.2 has 19 invalid messages"
    );
    for (name, check) in &expected {
        match parse(&format!("rfc4475/invalid/{name}.dat")) {
            Ok(_) => panic!("{name} was accepted"),
            Err(e) => assert!(check(&e), "{name}: unexpected error {e:?}"),
        }
    }
}

#[test]
fn wsinv_fields() {
    let Message::Request(r) = parse("rfc4475/valid/wsinv.dat").unwrap() else { panic!() };
    assert_eq!(r.method, Method::Invite);
    let h = &r.headers;
    assert_eq!(h.to().unwrap().tag(), Some("1918181833n"));
    let from = h.from().unwrap();
    assert_eq!(from.display_name().as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(h.max_forwards().unwrap(), Some(68));
    assert_eq!(h.cseq().unwrap().seq, 9);
    let vias = h.vias().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[1].transport, "TCP");
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    assert_eq!(h.get(&HeaderName::Subject), Some(""));
    let contact = &h.contacts().unwrap()[0];
    assert_eq!(contact.display_name().as_deref(), Some("Quoted string \"\""));
    assert_eq!(contact.params.value("q"), Some("0.33"));
    assert_eq!(contact.params.get("secondparam"), Some(None));
    assert_eq!(r.body.len(), 150);
    // Unknown headers print back unchanged, folds included.
    let printed = String::from_utf8(r.to_bytes()).unwrap();
    assert!(
        printed.contains("NewFangledHeader: newfangled value\r\n continued newfangled value\r\n")
    );
    assert!(printed.contains("UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"));
}

#[test]
fn intmeth_and_escapes() {
    let Message::Request(r) = parse("rfc4475/valid/intmeth.dat").unwrap() else { panic!() };
    assert_eq!(r.method, Method::Extension("!interesting-Method0123456789_*+`.%indeed'~".into()));
    assert_eq!(r.headers.to().unwrap().display_name().unwrap(), "BEL:\x07 NUL:\0 DEL:\x7f");
    assert_eq!(r.headers.from().unwrap().params.value("fromParam''~+*_!.-%"), Some("работающий"));
    assert_eq!(r.headers.call_id().unwrap(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");

    let Message::Request(e) = parse("rfc4475/valid/esc01.dat").unwrap() else { panic!() };
    assert_eq!(e.uri.as_sip().unwrap().user_unescaped().unwrap(), b"sips:user@example.com");
    let Message::Request(n) = parse("rfc4475/valid/escnull.dat").unwrap() else { panic!() };
    let contacts = n.headers.contacts().unwrap();
    assert_eq!(contacts[1].uri.as_sip().unwrap().user_unescaped().unwrap(), b"\0\0");
    let Message::Request(e2) = parse("rfc4475/valid/esc02.dat").unwrap() else { panic!() };
    assert_eq!(e2.method, Method::Extension("RE%47IST%45R".into()));
    assert_eq!(e2.headers.contacts().unwrap().len(), 2, "C%6Fntact is not Contact");
}

#[test]
fn framing_cases() {
    // dblreq: octets after Content-Length in a datagram are discarded.
    let Message::Request(r) = parse("rfc4475/valid/dblreq.dat").unwrap() else { panic!() };
    assert_eq!((r.method, r.body.len()), (Method::Register, 0));
    // mpart01: a binary body framed by Content-Length.
    let m = parse("rfc4475/valid/mpart01.dat").unwrap();
    assert_eq!(m.body().len(), 553);
    assert!(m.body().contains(&0));
    // noreason and unreason.
    let Message::Response(nr) = parse("rfc4475/valid/noreason.dat").unwrap() else { panic!() };
    assert_eq!((nr.status.0, nr.reason.as_str()), (100, ""));
    let Message::Response(ur) = parse("rfc4475/valid/unreason.dat").unwrap() else { panic!() };
    assert!(ur.reason.ends_with("простое"));
}

#[test]
fn rfc4475_semantic_messages_parse_or_fail_as_the_rfc_says() {
    for name in names("rfc4475/semantic") {
        let r = parse(&format!("rfc4475/semantic/{name}.dat"));
        match name.as_str() {
            // §3.3.8 and §3.3.9: duplicated single-value headers and Content-Length are 400.
            "multi01" => assert!(matches!(r, Err(ParseError::Duplicate(_))), "{name}: {r:?}"),
            "mcl01" => assert!(
                matches!(r, Err(ParseError::Header { header: "Content-Length", .. })),
                "{name}: {r:?}"
            ),
            _ => {
                r.unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}

#[test]
fn rfc5118_ipv6() {
    let all = names("rfc5118");
    assert_eq!(all.len(), 12);
    for name in &all {
        let r = parse(&format!("rfc5118/{name}.dat"));
        if name == "ipv6-bad" {
            assert!(matches!(r, Err(ParseError::RequestUri(_))), "{name}: {r:?}");
            continue;
        }
        let m = r.unwrap_or_else(|e| panic!("{name}: {e}"));
        round_trip(&m);
    }
    let Message::Request(amb) = parse("rfc5118/port-ambiguous.dat").unwrap() else { panic!() };
    let u = amb.uri.as_sip().unwrap();
    assert_eq!((u.port, &u.host), (None, &Host::Ip("2001:db8::10:5070".parse().unwrap())));
    let Message::Request(un) = parse("rfc5118/port-unambiguous.dat").unwrap() else { panic!() };
    assert_eq!(un.uri.as_sip().unwrap().port, Some(5070));
    let Message::Request(mixed) = parse("rfc5118/mult-ip-in-header.dat").unwrap() else { panic!() };
    let vias = mixed.headers.vias().unwrap();
    assert_eq!(vias[0].port, Some(6050));
    assert_eq!(vias[2].received(), Some(Host::Ip("192.0.2.200".parse().unwrap())));
    let Message::Request(mapped) = parse("rfc5118/ipv4-mapped-ipv6.dat").unwrap() else { panic!() };
    assert!(matches!(mapped.uri, Uri::Sip(_)));
    assert_eq!(mapped.headers.top_via().unwrap().port, Some(19823));
}

/// A transferee that put the Refer-To URI's headers in its Request-URI (baresip 1.0 does
/// on every transfer): Replaces, case data and User-to-User there become the request's
/// headers, the request's own fields winning; any other header there (RFC 4475
/// §3.1.2.13's Route) is still a malformed Request-URI.
#[test]
fn transfer_headers_in_a_request_uri_become_headers() {
    let invite = |uri: &str, extra: &str| {
        format!(
            "INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n\
             Max-Forwards: 70\r\nFrom: <sip:ann@customer.example>;tag=1\r\n\
             To: <sip:1002@earshot.test>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\
             Contact: <sip:ann@127.0.0.1:5062>\r\n{extra}Content-Length: 0\r\n\r\n"
        )
    };
    let uri = "sip:1002@127.0.0.1:5061?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2\
               &X-Ticket=T-4711%20%26%20S%C3%B6hne&X-Segment=from-uri";
    let Message::Request(r) =
        parse_datagram(invite(uri, "X-Segment: gold\r\n").as_bytes()).unwrap()
    else {
        panic!()
    };
    assert!(r.uri.as_sip().unwrap().headers.is_empty(), "{}", r.uri);
    assert_eq!(r.headers.get(&HeaderName::Replaces), Some("abc@h;to-tag=1;from-tag=2"));
    assert_eq!(r.headers.get(&HeaderName::parse("X-Ticket")), Some("T-4711 & Söhne"));
    assert_eq!(r.headers.get(&HeaderName::parse("X-Segment")), Some("gold"), "its own wins");
    for bad in [
        "sip:1002@h?Route=%3Csip:evil%3E",
        "sip:1002@h?Replaces=a&Contact=%3Csip:evil%3E",
        "sip:1002@h?X-Ticket=a%0D%0AVia:%20x",
    ] {
        assert!(
            matches!(parse_datagram(invite(bad, "").as_bytes()), Err(ParseError::RequestUri(_))),
            "{bad}"
        );
    }
}
