//! Two Earshot agents through the tokio driver on loopback, over UDP and TCP, IPv4 and
//! IPv6: a call with answer and BYE, and a MESSAGE.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use earshot_sip::target::TransportKind;
use earshot_sip::ua::{EndReason, UaEvent};
use earshot_tests::{Agent, answer, offer};

async fn call_and_message(ip: &str, transport: TransportKind) {
    let mut a = Agent::start("alice", ip, |c| c.default_transport = transport).await;
    let mut b = Agent::start("bob", ip, |c| c.default_transport = transport).await;
    let mut to = b.uri("bob");
    if transport == TransportKind::Tcp
        && let Some(u) = to.uri.as_sip_mut()
    {
        u.params.set("transport", Some("tcp"));
    }
    let sdp = offer(ip, 43000);
    let to2 = to.clone();
    let call =
        a.handle.with(move |ua, now| ua.call(&to2, sdp, vec![], now)).await.unwrap().unwrap();
    let (inc, off) = b
        .wait_for(5, |e| match e {
            UaEvent::IncomingCall { call, offer, .. } => Some((*call, offer.clone())),
            _ => None,
        })
        .await
        .expect("incoming");
    let ans = answer(&off.unwrap(), ip, 43002).unwrap();
    b.handle.with(move |ua, now| ua.answer(inc, ans, now)).await.unwrap().unwrap();
    assert!(
        a.wait_for(5, |e| matches!(e, UaEvent::Established { call: c, .. } if *c == call)
            .then_some(()))
            .await
            .is_some()
    );
    a.handle.with(move |ua, now| ua.hangup(call, now)).await.unwrap().unwrap();
    let end = b.wait_for(5, |e| match e {
        UaEvent::Ended { call: c, reason } if *c == inc => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(end.await, Some(EndReason::Remote));
    a.handle
        .with(move |ua, now| ua.send_message(&to, "text/plain", b"hi".to_vec(), &[], now))
        .await
        .unwrap()
        .unwrap();
    let got = b
        .wait_for(5, |e| {
            matches!(e, UaEvent::MessageReceived { body, .. } if body == b"hi").then_some(())
        })
        .await;
    assert!(got.is_some(), "{ip} {transport:?}");
    a.handle.shutdown().await;
    b.handle.shutdown().await;
}

#[tokio::test]
async fn udp_ipv4() {
    call_and_message("127.0.0.1", TransportKind::Udp).await;
}

#[tokio::test]
async fn tcp_ipv4() {
    call_and_message("127.0.0.1", TransportKind::Tcp).await;
}

#[tokio::test]
async fn udp_ipv6() {
    call_and_message("::1", TransportKind::Udp).await;
}

#[tokio::test]
async fn tcp_ipv6() {
    call_and_message("::1", TransportKind::Tcp).await;
}
