//! `earshot --headless` as scripts use it: real processes on loopback, driven by the
//! documented commands on stdin, read by their JSON events on stdout, and checked on the
//! audio (espeak-ng speech in with `--audio-in`, what the earpiece played out with
//! `--audio-out`): a call both ways, DTMF, hold and resume, malformed commands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{
    AGENT, CUSTOMER, Headless, RATE, aligned_8k, earpiece_window, rms, speech_file, temp_dir,
};
use earshot_engine::media::device::read_wav;
use earshot_engine::phone::history::{History, Outcome};
use earshot_tests::speech::{level_db, pesq, stepped_correlation};

/// A calls B (who answers by itself), both speak for the length of their sentences, A
/// sends digits, A hangs up: each hears the other's speech (PCMU: level within 1 dB,
/// waveform correlation, PESQ-NB), B reports the digits, both end the call.
#[test]
fn a_calls_b_they_talk_and_digits_cross() {
    let dir = temp_dir("talk");
    let (a_in, a_says) = speech_file(&dir, "alice", AGENT, "en-us", 1.0);
    let (b_in, b_says) = speech_file(&dir, "bob", CUSTOMER, "en-gb", 3.0);
    let (a_out, b_out) = (dir.join("alice-heard.wav"), dir.join("bob-heard.wav"));
    let s = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let codecs = r#"["PCMU"]"#;
    let mut b = Headless::start(
        &dir,
        "bob",
        codecs,
        &["--auto-answer", "--audio-out", &s(&b_out), "--audio-in", &s(&b_in)],
    );
    let mut a = Headless::start(
        &dir,
        "alice",
        codecs,
        &["--audio-out", &s(&a_out), "--audio-in", &s(&a_in)],
    );
    a.send(&format!("call {}", b.uri));
    a.wait_state(1, "active");
    b.wait_for("incoming call", |e| {
        e["event"] == "incoming-call"
            && e["from"].as_str().is_some_and(|f| f.starts_with("sip:alice@"))
    });
    b.wait_state(1, "active");
    let talk = Duration::from_secs_f64(a_says.len().max(b_says.len()) as f64 / f64::from(RATE));
    // Digits after the speech: RFC 4733 events take the audio's place while they last.
    std::thread::sleep(talk + Duration::from_millis(500));
    a.send("dtmf 1 159#");
    let digits: String = (0..4)
        .map(|_| {
            b.wait_for("digit", |e| e["event"] == "dtmf").1["digit"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(digits, "159#");
    a.send("hangup 1");
    a.wait_state(1, "ended");
    let (_, ended) = b.wait_for("end", |e| e["event"] == "call-state" && e["state"] == "ended");
    assert_eq!(ended["reason"], "remote");
    let quality = a.seen.iter().filter(|(_, e)| e["event"] == "quality").count();
    assert!(quality >= 3, "quality reported a few times: {quality}");
    a.quit();
    b.quit();
    // Both kept the call in their history: answered, lasting about as long as the talk.
    for (who, incoming) in [("alice", false), ("bob", true)] {
        let h = History::open(&dir.join(format!("{who}-data")).join("history.db")).unwrap();
        let calls = h.recent(10).unwrap();
        assert_eq!(calls.len(), 1, "{who}: {calls:?}");
        let c = &calls[0];
        eprintln!("{who}'s history: {c:?}");
        assert_eq!(c.incoming, incoming);
        assert_eq!(c.outcome, Outcome::Answered);
        assert!((c.duration_s() - talk.as_secs_f64()).abs() < 3.0, "{who}: {} s", c.duration_s());
        assert_eq!(c.codec.as_deref(), Some("PCMU"));
        assert!(c.mos.is_some_and(|m| m > 4.0), "{who}: {:?}", c.mos);
    }
    for (who, sent, heard_file) in [("A→B", &a_says, &b_out), ("B→A", &b_says, &a_out)] {
        let heard = read_wav(heard_file, RATE).unwrap();
        let (s8, h8) = aligned_8k(sent, &heard);
        let level = level_db(&s8, &h8);
        // Each half second may sit a frame off the start's alignment: the jitter buffer
        // may grow or shed a frame in a pause (PESQ scores such a step as nothing).
        let (corr, _) = stepped_correlation(&s8, &h8, 8, 4000, 200);
        let score = pesq(&s8, &h8, 8000);
        eprintln!(
            "{who}: {} s heard, level {level:+.2} dB, correlation {corr:.3}, PESQ-NB {score:.2}",
            h8.len() / 8000
        );
        assert!(h8.len() >= s8.len() * 9 / 10, "{who}: most of the speech arrived");
        assert!(level.abs() < 1.0, "{who}: level {level:+.2} dB");
        assert!(corr > 0.9, "{who}: correlation {corr:.3}");
        assert!(score > 3.5, "{who}: PESQ {score:.2}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// B holds A: while held neither hears the other (silence in both earpieces); after
/// resume both hear speech again. Remote hold is shown to A.
#[test]
fn hold_silences_both_ways_and_resume_brings_the_voices_back() {
    let dir = temp_dir("hold");
    let (a_in, _) = speech_file(&dir, "alice", &[AGENT, AGENT, AGENT].join(" "), "en-us", 0.0);
    let (b_in, _) =
        speech_file(&dir, "bob", &[CUSTOMER, CUSTOMER, CUSTOMER].join(" "), "en-gb", 0.0);
    let (a_out, b_out) = (dir.join("alice-heard.wav"), dir.join("bob-heard.wav"));
    let s = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let codecs = r#"["opus", "PCMU"]"#;
    let mut b =
        Headless::start(&dir, "bob", codecs, &["--audio-out", &s(&b_out), "--audio-in", &s(&b_in)]);
    let mut a = Headless::start(
        &dir,
        "alice",
        codecs,
        &["--audio-out", &s(&a_out), "--audio-in", &s(&a_in)],
    );
    a.send(&format!("call {}", b.uri));
    b.wait_for("incoming call", |e| e["event"] == "incoming-call");
    b.send("answer 1");
    a.wait_state(1, "active");
    std::thread::sleep(Duration::from_secs(3));
    b.send("hold 1");
    let held_b = b.wait_state(1, "held");
    let held_a = a.wait_state(1, "remote-held");
    std::thread::sleep(Duration::from_secs(3));
    b.send("resume 1");
    let resumed_b = b.wait_state(1, "active");
    a.wait_state(1, "active");
    std::thread::sleep(Duration::from_secs(3));
    b.send("hangup 1");
    a.wait_state(1, "ended");
    let (a_ready, b_ready) = (a.ready_at, b.ready_at);
    a.quit();
    b.quit();
    // Windows of each earpiece file by wall-clock time since that phone was ready.
    let window = |file: &Path, ready: Instant, from: Instant, secs: f64| {
        rms(&earpiece_window(file, ready, from, secs))
    };
    let settle = Duration::from_millis(500);
    for (who, file, ready) in [("A", &a_out, a_ready), ("B", &b_out, b_ready)] {
        let before = window(file, ready, held_b - Duration::from_secs(2), 1.5);
        let during = window(file, ready, held_a.max(held_b) + settle, 1.8);
        let after = window(file, ready, resumed_b + Duration::from_secs(1), 1.5);
        eprintln!(
            "{who} hears: before hold rms {before:.0}, held {during:.1}, after resume {after:.0}"
        );
        assert!(before > 500.0, "{who} heard speech before the hold: {before:.0}");
        assert!(during < 10.0, "{who} heard nothing while held: {during:.1}");
        assert!(after > 500.0, "{who} heard speech after resume: {after:.0}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Unknown and malformed commands get an error event naming the problem; the phone
/// carries on (a call still works afterwards); a call to nobody ends with a reason.
#[test]
fn malformed_commands_get_errors_and_the_phone_carries_on() {
    let dir = temp_dir("errors");
    let mut b = Headless::start(&dir, "bob", r#"["PCMU"]"#, &["--auto-answer"]);
    let mut a = Headless::start(&dir, "alice", r#"["PCMU"]"#, &[]);
    for (line, needle) in [
        ("fly me to the moon", "unknown command"),
        ("answer", "usage: answer ID"),
        ("dtmf 1 12x", "not a DTMF digit"),
        ("hangup 7", "no call 7"),
        ("call bob", "give a SIP URI"),
    ] {
        a.send(line);
        // (Errors about the sound card, absent here, come without a command.)
        let (_, e) = a.wait_for("error", |e| e["event"] == "error" && e["command"].is_string());
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(needle), "{line}: {message}");
    }
    a.send(&format!("call {}", b.uri));
    a.wait_state(1, "active");
    b.wait_state(1, "active");
    a.send("hangup 1");
    a.wait_state(1, "ended");
    b.wait_state(1, "ended");
    a.quit();
    b.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The share of `pcm`'s power at `freq` (Goertzel), 0 to 1.
fn tone_share(pcm: &[i16], freq: f64) -> f64 {
    let w = std::f64::consts::TAU * freq / f64::from(RATE);
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in pcm {
        let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let total: f64 = pcm.iter().map(|&x| f64::from(x).powi(2)).sum();
    if total == 0.0 { 0.0 } else { 2.0 * power / (total * pcm.len() as f64) }
}

/// The caller hears ringback (425 Hz, 1 s on) while the callee rings, and the callee its
/// ringtone (440 + 480 Hz); both stop at the answer; the callee, already in that call,
/// hears the call-waiting beep (and no ringtone) when a third phone calls.
#[test]
fn ringback_and_ringtone_while_ringing_and_a_beep_for_a_waiting_call() {
    let dir = temp_dir("tones");
    let (a_out, b_out) = (dir.join("alice-heard.wav"), dir.join("bob-heard.wav"));
    let s = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let mut b = Headless::start(&dir, "bob", r#"["PCMU"]"#, &["--audio-out", &s(&b_out)]);
    let mut a = Headless::start(&dir, "alice", r#"["PCMU"]"#, &["--audio-out", &s(&a_out)]);
    let mut c = Headless::start(&dir, "carol", r#"["PCMU"]"#, &[]);
    a.send(&format!("call {}", b.uri));
    let ringing = a.wait_state(1, "ringing");
    let (rings, _) = b.wait_for("the call", |e| e["event"] == "incoming-call" && e["id"] == 1);
    std::thread::sleep(Duration::from_millis(1500));
    b.send("answer 1");
    let answered = a.wait_state(1, "active");
    let b_answered = b.wait_state(1, "active");
    std::thread::sleep(Duration::from_secs(1));
    c.send(&format!("call {}", b.uri));
    let (waiting, _) =
        b.wait_for("call waiting", |e| e["event"] == "incoming-call" && e["id"] == 2);
    std::thread::sleep(Duration::from_secs(1));
    c.send("hangup 1");
    a.send("hangup 1");
    b.wait_state(1, "ended");
    let (a_ready, b_ready) = (a.ready_at, b.ready_at);
    a.quit();
    b.quit();
    c.quit();
    let window = earpiece_window;
    let ringback = window(&a_out, a_ready, ringing + Duration::from_millis(100), 0.8);
    let after = window(&a_out, a_ready, answered + Duration::from_millis(200), 0.7);
    // Inside the first 200 ms beep (the event and the file agree within a frame or two).
    let beep = window(&b_out, b_ready, waiting + Duration::from_millis(40), 0.12);
    // The callee's ringtone (no ringing device: in the earpiece), 440 + 480 Hz, until the
    // answer; none for the call that waits during a call (the beep says it).
    let ringtone = window(&b_out, b_ready, rings + Duration::from_millis(100), 0.8);
    let b_after = window(&b_out, b_ready, b_answered + Duration::from_millis(200), 0.7);
    let (t440, t480) = (tone_share(&ringtone, 440.0), tone_share(&ringtone, 480.0));
    eprintln!(
        "ringtone: rms {:.0}, 440 Hz share {t440:.2}, 480 Hz {t480:.2}; after the answer rms {:.1}; ringtone in the beep {:.2}",
        rms(&ringtone),
        rms(&b_after),
        tone_share(&beep, 440.0)
    );
    assert!(rms(&ringtone) > 1000.0 && t440 > 0.3 && t480 > 0.3, "ringtone heard");
    assert!(t440 + t480 > 0.9, "nothing but the ringtone");
    assert!(rms(&b_after) < 10.0, "the ringtone stops at the answer");
    assert!(tone_share(&beep, 440.0) < 0.1, "a call waiting beeps, it does not ring");
    let (r, q, w) = (tone_share(&ringback, 425.0), rms(&after), tone_share(&beep, 425.0));
    eprintln!(
        "ringback: rms {:.0}, 425 Hz share {r:.2}; after the answer rms {q:.1}; beep: rms {:.0}, 425 Hz share {w:.2}",
        rms(&ringback),
        rms(&beep)
    );
    assert!(rms(&ringback) > 1000.0 && r > 0.9, "ringback heard");
    assert!(q < 10.0, "ringback stops at the answer (the callee is silent)");
    assert!(rms(&beep) > 300.0 && w > 0.9, "call-waiting beep heard");
    std::fs::remove_dir_all(&dir).unwrap();
}
