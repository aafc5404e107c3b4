//! Earshot against the reference site (deploy/kamailio): digest-authenticated REGISTER,
//! a call between two registered agents through the proxy with Record-Route, BYE along
//! the route set, over UDP and TCP, and the failures a site produces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use earshot_sip::auth::Credential;
use earshot_sip::message::{NameAddr, Uri};
use earshot_sip::target::{Target, TransportKind};
use earshot_sip::ua::{EndReason, UaEvent};
use earshot_tests::kamailio::Site;
use earshot_tests::{Agent, answer, free_port, offer};

async fn site_agent(site: &Site, user: &str, password: &str, transport: TransportKind) -> Agent {
    let (user_s, pw, proxy) =
        (user.to_owned(), password.to_owned(), Target { transport, addr: site.addr });
    let mut a = Agent::start(user, "127.0.0.1", move |c| {
        let Ok(Uri::Sip(aor)) = Uri::parse(&format!("sip:{user_s}@earshot.test")) else {
            unreachable!()
        };
        c.aor = aor;
        c.outbound_proxy = Some(proxy.uri());
        c.default_transport = transport;
        c.credentials =
            vec![Credential { realm: Some("earshot.test".into()), username: user_s, password: pw }];
    })
    .await;
    let reg = a
        .handle
        .with(|ua, now| ua.register(Uri::parse("sip:earshot.test").unwrap(), 300, now))
        .await
        .unwrap()
        .unwrap();
    let outcome = a
        .wait_for(10, |e| match e {
            UaEvent::Registered { reg: r, expires } if *r == reg => Some(Ok(*expires)),
            UaEvent::RegistrationFailed { reg: r, status, .. } if *r == reg => Some(Err(*status)),
            _ => None,
        })
        .await;
    assert!(matches!(outcome, Some(Ok(300))), "{user} registration: {outcome:?}");
    a
}

async fn call_through_site(caller_transport: TransportKind, callee_transport: TransportKind) {
    let site = Site::start().await;
    let mut alice = site_agent(&site, "1001", "agent-1001", caller_transport).await;
    let mut bob = site_agent(&site, "1002", "agent-1002", callee_transport).await;
    let to = NameAddr::parse("<sip:1002@earshot.test>").unwrap();
    let sdp = offer("127.0.0.1", 41000);
    let call =
        alice.handle.with(move |ua, now| ua.call(&to, sdp, vec![], now)).await.unwrap().unwrap();

    let (incoming, off) = bob
        .wait_for(10, |e| match e {
            UaEvent::IncomingCall { call, offer, request, .. } => {
                Some((*call, (offer.clone(), request.clone())))
            }
            _ => None,
        })
        .await
        .expect("bob is called through the proxy");
    let (off, request) = off;
    assert!(!request.headers.record_routes().unwrap().is_empty(), "the proxy record-routes");
    assert_eq!(request.headers.from().unwrap().uri.to_string(), "sip:1001@earshot.test");
    let ans = answer(&off.unwrap(), "127.0.0.1", 41002).unwrap();
    bob.handle.with(move |ua, now| ua.answer(incoming, ans, now)).await.unwrap().unwrap();

    let est = alice
        .wait_for(10, |e| {
            matches!(e, UaEvent::Established { call: c, .. } if *c == call).then_some(())
        })
        .await;
    assert!(est.is_some(), "alice established");
    let est = bob
        .wait_for(10, |e| {
            matches!(e, UaEvent::Established { call: c, .. } if *c == incoming).then_some(())
        })
        .await;
    assert!(est.is_some(), "bob got the ACK through the proxy");
    let routes =
        alice.handle.with(move |ua, _| ua.dialog(call).map(|d| d.route_set.len())).await.unwrap();
    assert!(routes.unwrap_or(0) >= 1, "alice's dialog routes through the proxy");

    alice.handle.with(move |ua, now| ua.hangup(call, now)).await.unwrap().unwrap();
    let end = bob.wait_for(10, |e| match e {
        UaEvent::Ended { call: c, reason } if *c == incoming => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(end.await, Some(EndReason::Remote), "BYE reached bob along the route set");
    for a in [&mut alice, &mut bob] {
        a.handle.shutdown().await;
    }
}

#[tokio::test]
async fn register_and_call_through_kamailio_over_udp() {
    call_through_site(TransportKind::Udp, TransportKind::Udp).await;
}

#[tokio::test]
async fn register_and_call_through_kamailio_tcp_to_udp() {
    call_through_site(TransportKind::Tcp, TransportKind::Udp).await;
}

#[tokio::test]
async fn site_failures_are_reported() {
    let site = Site::start().await;
    // A wrong password: the site challenges again, and the agent gives up with 401.
    let (proxy, port) = (Target::udp(site.addr), free_port("127.0.0.1"));
    let _ = port;
    let mut bad = Agent::start("1003", "127.0.0.1", move |c| {
        let Ok(Uri::Sip(aor)) = Uri::parse("sip:1003@earshot.test") else { unreachable!() };
        c.aor = aor;
        c.outbound_proxy = Some(proxy.uri());
        c.credentials =
            vec![Credential { realm: None, username: "1003".into(), password: "wrong".into() }];
    })
    .await;
    bad.handle
        .with(|ua, now| ua.register(Uri::parse("sip:earshot.test").unwrap(), 300, now))
        .await
        .unwrap()
        .unwrap();
    let failed = bad
        .wait_for(10, |e| match e {
            UaEvent::RegistrationFailed { status, retry_in, .. } => Some((*status, *retry_in)),
            _ => None,
        })
        .await;
    let (status, retry) = failed.expect("registration fails");
    assert_eq!(status, 401);
    assert!(retry.is_some_and(|r| r >= Duration::from_secs(15)), "retry with back-off");

    // Calling an unregistered user: 404 from the site.
    let mut alice = site_agent(&site, "1001", "agent-1001", TransportKind::Udp).await;
    let to = NameAddr::parse("<sip:1003@earshot.test>").unwrap();
    let sdp = offer("127.0.0.1", 41004);
    let call =
        alice.handle.with(move |ua, now| ua.call(&to, sdp, vec![], now)).await.unwrap().unwrap();
    let end = alice
        .wait_for(10, |e| match e {
            UaEvent::Ended { call: c, reason } if *c == call => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert!(matches!(end, Some(EndReason::Rejected { status: 404, .. })), "{end:?}");
    // Unregistering removes the binding.
    alice.handle.shutdown().await;
    bad.handle.shutdown().await;
}
