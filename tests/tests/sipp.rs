//! Interop with SIPp (Debian package sip-tester) on loopback: SIPp calls Earshot, Earshot
//! calls SIPp, a digest challenge, and a withheld first response that only a
//! retransmission can get past.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use earshot_sip::message::NameAddr;
use earshot_sip::ua::{EndReason, UaEvent};
use earshot_tests::{Agent, Peer, answer, asset, free_port, offer};

fn sipp(args: &[&str]) -> Peer {
    let mut all =
        vec!["-nostdin", "-m", "1", "-timeout", "25s", "-timeout_error", "-max_recv_loops", "1000"];
    all.extend_from_slice(args);
    Peer::spawn("sipp", "sipp", &all)
}

/// Answers every incoming call until `want` calls have ended; returns the end reasons.
async fn auto_answer(agent: &mut Agent, want: usize) -> Vec<EndReason> {
    let mut ends = Vec::new();
    while ends.len() < want {
        let Some(e) = agent.wait_for(30, |e| Some(e.clone())).await else {
            break;
        };
        match e {
            UaEvent::IncomingCall { call, offer: Some(o), .. } => {
                let sdp = answer(&o, "127.0.0.1", 40000).expect("answerable offer");
                agent.handle.with(move |ua, now| ua.answer(call, sdp, now)).await.unwrap().unwrap();
            }
            UaEvent::Ended { reason, .. } => ends.push(reason),
            _ => {}
        }
    }
    ends
}

async fn run_uac(transport: &str) {
    let mut agent = Agent::start("earshot", "127.0.0.1", |_| {}).await;
    let target = format!("127.0.0.1:{}", agent.handle.local.port());
    let port = free_port("127.0.0.1").to_string();
    let peer = sipp(&["-sn", "uac", "-t", transport, "-i", "127.0.0.1", "-p", &port, &target]);
    let ends = auto_answer(&mut agent, 1).await;
    let (code, out) = peer.finish(30).await;
    assert_eq!(code, Some(0), "SIPp uac over {transport} failed:\n{out}");
    assert_eq!(ends, [EndReason::Remote], "SIPp hangs up with BYE");
    agent.handle.shutdown().await;
}

#[tokio::test]
async fn answers_sipp_uac_over_udp() {
    run_uac("u1").await;
}

#[tokio::test]
async fn answers_sipp_uac_over_tcp() {
    run_uac("t1").await;
}

/// Calls a SIPp UAS running `scenario`, hangs up once established, and returns SIPp's
/// exit code and output with how the call went.
async fn call_sipp(scenario: &[&str], password: &str) -> (Option<i32>, String, Option<UaEvent>) {
    let pw = password.to_owned();
    let mut agent = Agent::start("alice", "127.0.0.1", move |c| {
        c.credentials = vec![earshot_sip::auth::Credential {
            realm: None,
            username: "alice".into(),
            password: pw,
        }];
    })
    .await;
    let port = free_port("127.0.0.1");
    let port_s = port.to_string();
    let mut args = scenario.to_vec();
    args.extend_from_slice(&["-i", "127.0.0.1", "-p", &port_s]);
    let peer = sipp(&args);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let to = NameAddr::parse(&format!("<sip:uas@127.0.0.1:{port}>")).unwrap();
    let sdp = offer("127.0.0.1", 40002);
    let call =
        agent.handle.with(move |ua, now| ua.call(&to, sdp, vec![], now)).await.unwrap().unwrap();
    let outcome = agent
        .wait_for(20, |e| match e {
            UaEvent::Established { call: c, .. } | UaEvent::Ended { call: c, .. } if *c == call => {
                Some(e.clone())
            }
            _ => None,
        })
        .await;
    if matches!(outcome, Some(UaEvent::Established { .. })) {
        agent.handle.with(move |ua, now| ua.hangup(call, now)).await.unwrap().unwrap();
    }
    let (code, out) = peer.finish(30).await;
    agent.handle.shutdown().await;
    (code, out, outcome)
}

#[tokio::test]
async fn calls_sipp_uas() {
    let (code, out, outcome) = call_sipp(&["-sn", "uas"], "").await;
    assert!(matches!(outcome, Some(UaEvent::Established { sdp: Some(_), .. })), "{outcome:?}");
    assert_eq!(code, Some(0), "{out}");
}

#[tokio::test]
async fn answers_a_digest_challenge_from_sipp() {
    let xml = asset("sipp/uas_auth.xml");
    let (code, out, outcome) = call_sipp(&["-sf", xml.to_str().unwrap()], "s3cret").await;
    assert!(matches!(outcome, Some(UaEvent::Established { .. })), "{outcome:?}\n{out}");
    assert_eq!(code, Some(0), "SIPp's verifyauth must accept our credentials:\n{out}");
}

#[tokio::test]
async fn wrong_password_ends_the_call() {
    let xml = asset("sipp/uas_auth.xml");
    let (_, out, outcome) = call_sipp(&["-sf", xml.to_str().unwrap()], "wrong").await;
    assert!(
        matches!(
            &outcome,
            Some(UaEvent::Ended { reason: EndReason::Rejected { status: 403, .. }, .. })
        ),
        "{outcome:?}\n{out}"
    );
}

#[tokio::test]
async fn retransmits_an_invite_whose_first_response_is_withheld() {
    let xml = asset("sipp/uas_withhold.xml");
    let trace =
        std::env::temp_dir().join(format!("earshot-sipp-withhold-{}.log", std::process::id()));
    let (code, out, outcome) = call_sipp(
        &["-sf", xml.to_str().unwrap(), "-trace_msg", "-message_file", trace.to_str().unwrap()],
        "",
    )
    .await;
    let log = std::fs::read_to_string(&trace).unwrap_or_default();
    let _ = std::fs::remove_file(&trace);
    assert!(matches!(outcome, Some(UaEvent::Established { .. })), "{outcome:?}\n{out}");
    assert_eq!(code, Some(0), "{out}");
    let invites = log.lines().filter(|l| l.starts_with("INVITE sip:")).count();
    assert!(
        invites >= 3,
        "timer A must retransmit at 0.5 s and 1.5 s; SIPp saw {invites} INVITEs:\n{log}"
    );
}
