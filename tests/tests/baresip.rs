//! Interop with baresip 1.0 (Debian), headless and driven over ctrl_tcp: it calls Earshot
//! and Earshot calls it, directly and through the reference Kamailio site, and MESSAGE
//! goes both ways.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use earshot_sip::auth::Credential;
use earshot_sip::message::{NameAddr, Uri};
use earshot_sip::target::Target;
use earshot_sip::ua::{CallHandle, EndReason, UaEvent};
use earshot_tests::baresip::{Baresip, BaresipAccount};
use earshot_tests::kamailio::Site;
use earshot_tests::{Agent, answer, offer};

async fn answer_next_call(agent: &mut Agent) -> CallHandle {
    let (call, off) = agent
        .wait_for(15, |e| match e {
            UaEvent::IncomingCall { call, offer, .. } => Some((*call, offer.clone())),
            _ => None,
        })
        .await
        .expect("an incoming call");
    let sdp =
        answer(&off.expect("baresip sends an offer"), "127.0.0.1", 42000).expect("a common codec");
    agent.handle.with(move |ua, now| ua.answer(call, sdp, now)).await.unwrap().unwrap();
    call
}

async fn ended(agent: &mut Agent, call: CallHandle) -> Option<EndReason> {
    agent
        .wait_for(15, |e| match e {
            UaEvent::Ended { call: c, reason } if *c == call => Some(reason.clone()),
            _ => None,
        })
        .await
}

#[tokio::test]
async fn baresip_calls_earshot_and_hangs_up() {
    let mut agent = Agent::start("earshot", "127.0.0.1", |_| {}).await;
    let mut b = Baresip::start(BaresipAccount::default()).await;
    b.command("dial", &format!("sip:earshot@127.0.0.1:{}", agent.handle.local.port())).await;
    let call = answer_next_call(&mut agent).await;
    assert!(
        b.wait_for(10, "CALL_ESTABLISHED").await.is_some(),
        "baresip established: {:?}",
        b.seen
    );
    assert!(
        agent
            .wait_for(10, |e| {
                matches!(e, UaEvent::Established { call: c, .. } if *c == call).then_some(())
            })
            .await
            .is_some()
    );
    b.command("hangup", "").await;
    assert_eq!(ended(&mut agent, call).await, Some(EndReason::Remote));
    agent.handle.shutdown().await;
}

#[tokio::test]
async fn earshot_calls_baresip_and_hangs_up() {
    let mut agent = Agent::start("earshot", "127.0.0.1", |_| {}).await;
    let mut b = Baresip::start(BaresipAccount { auto_answer: true, ..Default::default() }).await;
    let to = NameAddr::parse(&format!("<sip:baresip@{}>", b.sip)).unwrap();
    let sdp = offer("127.0.0.1", 42002);
    let call =
        agent.handle.with(move |ua, now| ua.call(&to, sdp, vec![], now)).await.unwrap().unwrap();
    let est = agent
        .wait_for(15, |e| match e {
            UaEvent::Established { call: c, sdp } if *c == call => Some(sdp.clone()),
            UaEvent::Ended { call: c, reason } if *c == call => panic!("call ended: {reason:?}"),
            _ => None,
        })
        .await;
    assert!(matches!(est, Some(Some(_))), "baresip answered with SDP");
    assert!(b.wait_for(10, "CALL_ESTABLISHED").await.is_some());
    agent.handle.with(move |ua, now| ua.hangup(call, now)).await.unwrap().unwrap();
    assert!(b.wait_for(10, "CALL_CLOSED").await.is_some(), "baresip saw our BYE: {:?}", b.seen);
    agent.handle.shutdown().await;
}

#[tokio::test]
async fn message_both_ways() {
    let mut agent = Agent::start("earshot", "127.0.0.1", |_| {}).await;
    let contact = format!("\"Earshot\" <sip:earshot@127.0.0.1:{}>", agent.handle.local.port());
    let mut b =
        Baresip::start(BaresipAccount { contact: Some(contact), ..Default::default() }).await;
    b.command("message", "hello from baresip").await;
    let got = agent
        .wait_for(10, |e| match e {
            UaEvent::MessageReceived { body, content_type, .. } => {
                Some((String::from_utf8_lossy(body).into_owned(), content_type.clone()))
            }
            _ => None,
        })
        .await;
    assert_eq!(got, Some(("hello from baresip".into(), "text/plain".into())));

    let to = NameAddr::parse(&format!("<sip:baresip@{}>", b.sip)).unwrap();
    let req = agent
        .handle
        .with(move |ua, now| {
            ua.send_message(&to, "text/plain", b"hello from earshot".to_vec(), &[], now)
        })
        .await
        .unwrap()
        .unwrap();
    let status = agent
        .wait_for(10, |e| match e {
            UaEvent::RequestResult { req: r, status, .. } if *r == req => Some(*status),
            _ => None,
        })
        .await;
    assert_eq!(status, Some(200), "baresip accepted our MESSAGE");
    agent.handle.shutdown().await;
}

#[tokio::test]
async fn calls_both_ways_through_kamailio() {
    let site_handle = Site::start().await;
    let site = site_handle.addr;
    let port = site.port();
    let mut agent = Agent::start("1001", "127.0.0.1", move |c| {
        let Ok(Uri::Sip(aor)) = Uri::parse("sip:1001@earshot.test") else { unreachable!() };
        c.aor = aor;
        c.outbound_proxy = Some(Target::udp(site).uri());
        c.credentials = vec![Credential {
            realm: None,
            username: "1001".into(),
            password: "agent-1001".into(),
        }];
    })
    .await;
    agent
        .handle
        .with(|ua, now| ua.register(Uri::parse("sip:earshot.test").unwrap(), 300, now))
        .await
        .unwrap()
        .unwrap();
    assert!(
        agent
            .wait_for(10, |e| matches!(e, UaEvent::Registered { .. }).then_some(()))
            .await
            .is_some()
    );
    let mut b = Baresip::start(BaresipAccount {
        aor: Some("1003@earshot.test".into()),
        password: Some("agent-1003".into()),
        outbound: Some(format!("127.0.0.1:{port}")),
        auto_answer: true,
        contact: None,
        audio: None,
        ..BaresipAccount::default()
    })
    .await;
    // The REGISTER_OK event may come before the control connection: ask instead.
    let mut registered = false;
    for _ in 0..20 {
        b.command("reginfo", "").await;
        if let Some(r) = b.wait_for(1, "\"response\":true").await {
            b.seen.clear();
            if r.contains("OK") && r.contains("1003@earshot.test") {
                registered = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(registered, "baresip registered at the site");

    // Earshot calls baresip through the proxy.
    let to = NameAddr::parse("<sip:1003@earshot.test>").unwrap();
    let sdp = offer("127.0.0.1", 42004);
    let call =
        agent.handle.with(move |ua, now| ua.call(&to, sdp, vec![], now)).await.unwrap().unwrap();
    let est = agent
        .wait_for(15, |e| match e {
            UaEvent::Established { call: c, .. } if *c == call => Some(true),
            UaEvent::Ended { call: c, .. } if *c == call => Some(false),
            _ => None,
        })
        .await;
    assert_eq!(est, Some(true), "baresip answered through kamailio: {:?}", b.seen);
    agent.handle.with(move |ua, now| ua.hangup(call, now)).await.unwrap().unwrap();
    assert!(b.wait_for(10, "CALL_CLOSED").await.is_some());

    // baresip calls Earshot through the proxy.
    b.command("dial", "sip:1001@earshot.test").await;
    let incoming = answer_next_call(&mut agent).await;
    assert!(
        agent
            .wait_for(10, |e| {
                matches!(e, UaEvent::Established { call: c, .. } if *c == incoming).then_some(())
            })
            .await
            .is_some()
    );
    b.command("hangup", "").await;
    assert_eq!(ended(&mut agent, incoming).await, Some(EndReason::Remote));
    agent.handle.shutdown().await;
}
