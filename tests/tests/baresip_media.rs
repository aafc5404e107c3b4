//! Media interop with baresip 1.0 (Debian) for PCMU, G.722 and Opus: a call in which both
//! sides speak espeak-ng sentences at once, then send DTMF (RFC 4733) to each other. The
//! audio is checked where it lands — Earshot's loop output, and what baresip decoded
//! (its sndfile dump) — for level, PESQ (ITU-T P.862: narrowband for PCMU, wideband for
//! G.722 and Opus) and, for the waveform coders, correlation; the digits on both sides.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::UdpSocket;
use std::time::Duration;

use earshot_sip::message::NameAddr;
use earshot_sip::sdp::{self, Negotiated, SessionDescription};
use earshot_sip::ua::{CallHandle, UaEvent};
use earshot_tests::baresip::{Baresip, BaresipAccount, BaresipAudio};
use earshot_tests::media_call::{CallMedia, codec_caps};
use earshot_tests::phrase_align::realign_by_phrase;
use earshot_tests::speech::{level_db, pesq, pesq_by_phrase, say, windowed_correlation};
use earshot_tests::{Agent, origin};

const CUSTOMER: &str = "Hello, I would like to change the address on my last order, please.";
const AGENT: &str = "Thank you for calling. Your account number is four seven two nine. \
                     How can I help you today?";
/// What each side dials once the speech is over.
const EARSHOT_DIGITS: &str = "159#";
const BARESIP_DIGITS: &str = "47*";

struct Direction {
    sent: Vec<i16>,
    heard: Vec<i16>,
}

struct Outcome {
    to_baresip: Direction,
    to_earshot: Direction,
    earshot_got_digits: Vec<char>,
    baresip_got_digits: Vec<char>,
}

/// The `param` of every baresip event of type `kind`, in order.
fn event_params(seen: &[String], kind: &str) -> Vec<String> {
    seen.iter()
        .filter(|s| s.contains(&format!("\"type\":\"{kind}\"")))
        .filter_map(|s| s.split("\"param\":\"").nth(1)?.split('"').next().map(str::to_owned))
        .collect()
}

async fn established_call(
    agent: &mut Agent,
    b: &mut Baresip,
    caps: &sdp::AudioCapabilities,
    earshot_calls: bool,
) -> (CallHandle, Negotiated) {
    if earshot_calls {
        let our_offer = sdp::offer(caps, &origin("127.0.0.1"));
        let bytes = our_offer.to_bytes();
        let to = NameAddr::parse(&format!("<sip:baresip@{}>", b.sip)).unwrap();
        let call = agent.handle.with(move |ua, now| ua.call(&to, bytes, vec![], now)).await;
        let call = call.unwrap().unwrap();
        let answer = agent
            .wait_for(15, |e| match e {
                UaEvent::Established { call: c, sdp } if *c == call => sdp.clone(),
                _ => None,
            })
            .await
            .expect("baresip answers with SDP");
        let answer = SessionDescription::parse(&answer).unwrap();
        (call, sdp::read_answer(&our_offer, &answer, caps).expect("answer acceptable"))
    } else {
        b.command("dial", &format!("sip:earshot@127.0.0.1:{}", agent.handle.local.port())).await;
        let (call, offer) = agent
            .wait_for(15, |e| match e {
                UaEvent::IncomingCall { call, offer, .. } => Some((*call, offer.clone())),
                _ => None,
            })
            .await
            .expect("baresip calls");
        let offer = SessionDescription::parse(&offer.expect("baresip offers")).unwrap();
        let (answer, negotiated) =
            sdp::answer(&offer, caps, &origin("127.0.0.1")).expect("a common codec");
        let bytes = answer.to_bytes();
        agent.handle.with(move |ua, now| ua.answer(call, bytes, now)).await.unwrap().unwrap();
        (call, negotiated)
    }
}

async fn call(codec: &str, rate: u32, earshot_calls: bool, ptime: Option<u32>) -> Outcome {
    let lead_in = |pcm: Vec<i16>| [vec![0i16; rate as usize * 6 / 10], pcm].concat();
    let earshot_says = lead_in(say(AGENT, "en-us", rate));
    let baresip_says = lead_in(say(CUSTOMER, "en-gb", rate));
    let speech_secs = earshot_says.len().max(baresip_says.len()) as f64 / f64::from(rate) + 1.0;
    // baresip hangs up when its file ends: keep it talking (silence) through the digits.
    let call_secs = speech_secs + 6.0;
    let mut baresip_file = baresip_says.clone();
    baresip_file.resize((call_secs * f64::from(rate)) as usize, 0);
    let mut b = Baresip::start(BaresipAccount {
        auto_answer: earshot_calls,
        audio: Some(BaresipAudio { pcm: baresip_file, rate, codecs: vec![codec.into()], ptime }),
        ..Default::default()
    })
    .await;
    let mut agent = Agent::start("earshot", "127.0.0.1", |_| {}).await;
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let caps = codec_caps(codec, socket.local_addr().unwrap().port());
    let (call, negotiated) = established_call(&mut agent, &mut b, &caps, earshot_calls).await;
    assert!(
        negotiated.send_format().unwrap().1.encoding.eq_ignore_ascii_case(codec),
        "{negotiated:?}"
    );
    assert!(negotiated.telephone_event.is_some(), "telephone-event negotiated");
    assert_eq!(negotiated.ptime, Some(ptime.unwrap_or(20)), "baresip's packet time");
    let mut media =
        CallMedia::start(&negotiated, socket, earshot_says.clone(), call_secs as u32 + 2);
    media.run_for(Duration::from_secs_f64(speech_secs)).await;
    for d in EARSHOT_DIGITS.chars() {
        media.dtmf(d);
        media.run_for(Duration::from_millis(400)).await;
    }
    for d in BARESIP_DIGITS.chars() {
        b.command("sndcode", &d.to_string()).await;
        media.run_for(Duration::from_millis(400)).await;
    }
    media.run_for(Duration::from_millis(500)).await;
    let stats = media.last_stats;
    let earshot_got_digits = media.digits.clone();
    let earshot_heard = media.stop();
    agent.handle.with(move |ua, now| ua.hangup(call, now)).await.unwrap().unwrap();
    assert!(b.wait_for(10, "CALL_CLOSED").await.is_some(), "baresip ends the call");
    // sndfile closes its dump when the call's audio is torn down.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = b.wait_for(1, "never").await;
    let baresip_got_digits =
        event_params(&b.seen, "CALL_DTMF_START").iter().filter_map(|p| p.chars().next()).collect();
    let heard = b.heard(rate);
    let baresip_heard = heard.last().cloned().expect("baresip dumped what it decoded");
    if let Some(s) = stats {
        let j = s.jitter_buffer;
        eprintln!(
            "{codec}: Earshot received {} packets, lost {}, jitter buffer {} ms (target {}), \
             late {}, concealed {} ms, compressed {} ms, silence cut {} ms, stretched {}",
            s.packets_received,
            j.lost,
            j.delay_ms,
            j.target_ms,
            j.late,
            s.concealed_ms,
            s.compressed_ms,
            s.silence_cut_ms,
            j.stretched
        );
    }
    agent.handle.shutdown().await;
    Outcome {
        to_baresip: Direction { sent: earshot_says, heard: baresip_heard },
        to_earshot: Direction { sent: baresip_says, heard: earshot_heard },
        earshot_got_digits,
        baresip_got_digits,
    }
}

/// Checks both directions; `floor` is the PESQ each must reach.
async fn check(codec: &str, rate: u32, earshot_calls: bool, floor: f64, waveform: bool) {
    check_with_ptime(codec, rate, earshot_calls, floor, waveform, None).await;
}

async fn check_with_ptime(
    codec: &str,
    rate: u32,
    earshot_calls: bool,
    floor: f64,
    waveform: bool,
    ptime: Option<u32>,
) {
    let o = call(codec, rate, earshot_calls, ptime).await;
    for (dir, d) in [("Earshot→baresip", &o.to_baresip), ("baresip→Earshot", &o.to_earshot)] {
        // What was said, and what was heard up to the same length plus the path's delay.
        let heard = &d.heard[..d.heard.len().min(d.sent.len() + rate as usize / 2)];
        if let Some(out) = std::env::var_os("EARSHOT_SPEECH_DUMP") {
            let p = std::path::PathBuf::from(out).join(format!("baresip-{codec}-{dir}.wav"));
            earshot_engine::media::device::write_wav(&p, rate, 1, heard).unwrap();
            let p = p.with_extension("sent.wav");
            earshot_engine::media::device::write_wav(&p, rate, 1, &d.sent).unwrap();
        }
        let level = level_db(&d.sent, heard);
        // The jitter buffer may move the delay by a frame in a pause: scored phrase by
        // phrase (PESQ's own utterance split misses short trailing phrases) and as a whole
        // (P.862's alignment follows a step inside a phrase, which one delay per phrase
        // cannot: a 20 ms step mid-phrase scored 3.29 by phrase and 3.95 as a whole); the
        // alignment that explains the audio better counts.
        let by_phrase = pesq_by_phrase(&d.sent, heard, rate, 500);
        let whole = pesq(&d.sent, heard, rate);
        let score = by_phrase.max(whole);
        eprintln!(
            "{codec} {dir}: PESQ {by_phrase:.2} by phrase, {whole:.2} as a whole, level {level:+.2} dB"
        );
        assert!(level.abs() < 1.5, "{codec} {dir}: level {level:+.2} dB");
        assert!(score >= floor, "{codec} {dir}: PESQ {score:.2} < {floor}");
        if waveform {
            // baresip may start its file before Earshot's media loop reads the socket (the
            // backlog's silence is then cut): what Earshot heard can run ahead of what was
            // said. Lined up phrase by phrase first (as for PESQ), then compared window by
            // window: a step inside a phrase still lowers the figure.
            let (aligned, delays) = realign_by_phrase(&d.sent, heard, rate, rate as usize / 2);
            let (corr, _) = windowed_correlation(&d.sent, &aligned, rate, rate as usize / 50);
            let per_ms = |s: isize| s as f64 * 1000.0 / f64::from(rate);
            let delays: Vec<String> = delays.iter().map(|&s| format!("{:.1}", per_ms(s))).collect();
            eprintln!("{codec} {dir}: correlation {corr:.4}, delays {} ms", delays.join(", "));
            assert!(corr > 0.95, "{codec} {dir}: correlation {corr:.4}");
        }
    }
    assert_eq!(o.earshot_got_digits, BARESIP_DIGITS.chars().collect::<Vec<_>>(), "{codec}");
    assert_eq!(o.baresip_got_digits, EARSHOT_DIGITS.chars().collect::<Vec<_>>(), "{codec}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcmu_speech_and_dtmf_baresip_calls_earshot() {
    check("PCMU", 8000, false, 3.8, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g722_speech_and_dtmf_earshot_calls_baresip() {
    check("G722", 16000, true, 2.8, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opus_speech_and_dtmf_earshot_calls_baresip() {
    check("opus", 48000, true, 3.5, false).await;
}

/// baresip asks for 40 ms Opus packets (`a=ptime:40`): Earshot sends 40 ms packets (baresip
/// sends the 20 ms Earshot's answer asks for; 40 ms packets in are tested on the leg).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opus_in_40_ms_packets_baresip_calls_earshot() {
    check_with_ptime("opus", 48000, false, 3.5, false, Some(40)).await;
}
