//! The phone keeps its calls honest with peers that misbehave or vanish (issue 12): hold
//! and resume pressed together end resumed on both sides; a peer that refuses a hold
//! leaves the call as it was, and the window says so; an offer that cannot be answered is
//! refused before anything rings; callers that vanish without a BYE do not leave calls
//! behind; a spoken audio file starts at each call's answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::{Headless, temp_dir};
use earshot_engine::media::device::{read_wav, write_wav};
use earshot_tests::{Peer, asset, free_port};
use serde_json::Value;

fn state_of(e: &Value, id: u64) -> Option<String> {
    (e["event"] == "call-state" && e["id"] == id).then(|| e["state"].as_str().unwrap().to_owned())
}

/// The last state the phone reported for call `id`, after letting events settle.
fn settled_state(p: &mut Headless, id: u64, settle: Duration) -> String {
    std::thread::sleep(settle);
    p.saw(|_| false);
    p.seen.iter().rev().find_map(|(_, e)| state_of(e, id)).expect("a call-state")
}

/// Alice calls Bob (auto-answer); both report call 1 active.
fn two_phones_talking(dir: &std::path::Path) -> (Headless, Headless) {
    let mut a = Headless::start(dir, "alice", r#"["PCMU"]"#, &[]);
    let mut b = Headless::start(dir, "bob", r#"["PCMU"]"#, &["--auto-answer"]);
    a.send(&format!("call {}", b.uri));
    a.wait_state(1, "active");
    b.wait_state(1, "active");
    (a, b)
}

#[test]
fn hold_and_resume_pressed_together_end_resumed_on_both_sides() {
    let dir = temp_dir("hold-resume-together");
    let (mut a, mut b) = two_phones_talking(&dir);
    // Four presses at once: hold, resume, hold, resume.
    a.send("hold 1");
    a.send("resume 1");
    a.send("hold 1");
    a.send("resume 1");
    let (sa, sb) = (
        settled_state(&mut a, 1, Duration::from_secs(3)),
        settled_state(&mut b, 1, Duration::ZERO),
    );
    // Any error but the test machine's missing sound card.
    let errors: Vec<&Value> = a
        .seen
        .iter()
        .map(|s| &s.1)
        .filter(|e| e["event"] == "error")
        .filter(|e| !e["message"].as_str().unwrap().contains("sound device"))
        .collect();
    assert_eq!((sa.as_str(), sb.as_str()), ("active", "active"), "both agree; errors: {errors:?}");
    assert!(errors.is_empty(), "no command refused: {errors:?}");
    // And again the other way round, ending held.
    a.send("resume 1");
    a.send("hold 1");
    let (sa, sb) = (
        settled_state(&mut a, 1, Duration::from_secs(3)),
        settled_state(&mut b, 1, Duration::ZERO),
    );
    assert_eq!((sa.as_str(), sb.as_str()), ("held", "remote-held"));
    a.send("hangup 1");
    b.wait_state(1, "ended");
    a.quit();
    b.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// SIPp running `tests/sipp/SCENARIO` on 127.0.0.1:`port` (bounded: 40 s).
fn sipp(scenario: &str, port: &str, extra: &[&str]) -> Peer {
    let scenario = asset(&format!("sipp/{scenario}"));
    let mut args = vec!["-nostdin", "-timeout", "40s", "-timeout_error", "-sf"];
    args.push(scenario.to_str().unwrap());
    args.extend_from_slice(&["-i", "127.0.0.1", "-p", port]);
    args.extend_from_slice(extra);
    Peer::spawn("sipp", "sipp", &args)
}

#[test]
fn a_hold_the_peer_refuses_is_rolled_back() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let dir = temp_dir("refused-hold");
    let mut a = Headless::start(&dir, "alice", r#"["PCMU"]"#, &[]);
    let port = free_port("127.0.0.1").to_string();
    let media_port = free_port("127.0.0.1").to_string();
    let sipp = sipp("uas_refuse_hold.xml", &port, &["-m", "1", "-mp", &media_port]);
    std::thread::sleep(Duration::from_millis(300));
    a.send(&format!("call sip:pbx@127.0.0.1:{port}"));
    a.wait_state(1, "active");
    for status in ["488", "500"] {
        a.send("hold 1");
        a.wait_state(1, "held");
        let (_, e) = a.wait_for("the refusal", |e| {
            e["event"] == "error" && e["message"].as_str().unwrap().contains("refused the hold")
        });
        assert!(e["message"].as_str().unwrap().contains(status), "{e}");
        // Rolled back: the window shows the call as it is.
        assert_eq!(settled_state(&mut a, 1, Duration::from_millis(300)), "active");
    }
    a.send("hangup 1");
    a.wait_state(1, "ended");
    let (code, out) = runtime.block_on(sipp.finish(10));
    assert_eq!(code, Some(0), "SIPp refused two holds and took the BYE:\n{out}");
    a.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_offer_without_a_codec_in_common_is_refused_before_anything_rings() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let dir = temp_dir("g729-only");
    let mut a = Headless::start(&dir, "agent", r#"["PCMU", "opus"]"#, &["--auto-answer"]);
    let target = a.listen.clone();
    let sipp = sipp("uac_g729_only.xml", "0", &["-m", "1", "-s", "agent", &target]);
    let (code, out) = runtime.block_on(sipp.finish(20));
    assert_eq!(code, Some(0), "SIPp got 488 with Warning 305 and no ringing:\n{out}");
    let (_, e) = a.wait_for("the refusal reported", |e| {
        e["event"] == "error" && e["message"].as_str().unwrap().contains("refused")
    });
    assert!(e["message"].as_str().unwrap().contains("488 (Warning 305"), "{e}");
    assert!(!a.saw(|e| e["event"] == "incoming-call"), "the agent was never offered it");
    a.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Resident memory of a process, in KiB (/proc/PID/status VmRSS).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn callers_that_vanish_leave_no_call_behind() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _enter = runtime.enter();
    let dir = temp_dir("abandoned");
    let mut a = Headless::start_with(
        &dir,
        "agent",
        r#"["PCMU"]"#,
        "[calls]\nsilence_timeout_s = 3\n",
        &["--auto-answer"],
    );
    // Warm up: one call through its whole life first, so that what the first call
    // allocates once (codec tables, sockets' buffers) is in the baseline.
    let target = a.listen.clone();
    let warm = sipp("uac_abandon.xml", "0", &["-m", "1", "-s", "agent", &target]);
    runtime.block_on(warm.finish(20));
    a.wait_for("the warm-up call ended", |e| e["event"] == "call-state" && e["state"] == "ended");
    let before = rss_kib(a.pid());
    // 60 callers at 20 a second (EARSHOT_FLOOD_CALLS for more), each abandoning its call
    // once answered.
    let calls = std::env::var("EARSHOT_FLOOD_CALLS").unwrap_or_else(|_| "60".into());
    let flood = sipp(
        "uac_abandon.xml",
        "0",
        &["-m", &calls, "-r", "20", "-l", "60", "-s", "agent", &target],
    );
    let (_, out) = runtime.block_on(flood.finish(60));
    // Every call answered is ended by the silence timeout; a ringing one waits its turn
    // (auto-answer when idle), so allow a few timeouts' worth.
    let deadline = Instant::now() + Duration::from_secs(40);
    let open = loop {
        std::thread::sleep(Duration::from_secs(1));
        a.saw(|_| false);
        let mut open = std::collections::BTreeMap::new();
        for (_, e) in &a.seen {
            if e["event"] == "call-state" {
                open.insert(e["id"].as_u64().unwrap(), e["state"].as_str().unwrap().to_owned());
            }
        }
        open.retain(|_, s| s != "ended");
        if open.is_empty() || Instant::now() > deadline {
            break open;
        }
    };
    assert!(open.is_empty(), "calls left: {open:?}\nSIPp:\n{out}");
    let answered: std::collections::BTreeSet<u64> = a
        .seen
        .iter()
        .filter(|(_, e)| e["event"] == "call-state" && e["state"] == "active")
        .map(|(_, e)| e["id"].as_u64().unwrap())
        .collect();
    let answered = answered.len();
    let silent = a
        .seen
        .iter()
        .filter(|(_, e)| e["reason"].as_str().is_some_and(|r| r.contains("nothing heard")))
        .count();
    if let Some(settle) = std::env::var("EARSHOT_FLOOD_SETTLE_S").ok().and_then(|s| s.parse().ok())
    {
        // Let transactions and ended calls age out (Timer H/I/J, 32 s) before measuring.
        std::thread::sleep(Duration::from_secs(settle));
    }
    let after = rss_kib(a.pid());
    eprintln!(
        "flood: {calls} callers, {answered} calls answered, {silent} ended for silence; \
         RSS {before} KiB before, {after} KiB after"
    );
    assert!(silent >= 2, "abandoned calls ended by the timeout");
    // Nothing kept per call: at most a few MiB of allocator slack.
    assert!(after < before + 8 * 1024, "memory grew from {before} to {after} KiB");
    a.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The power of `freq` Hz in `x` (Goertzel), relative to the signal's power.
fn share_at(x: &[i16], rate: f64, freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s = f64::from(v) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let p = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let total: f64 = x.iter().map(|&v| f64::from(v).powi(2)).sum();
    if total == 0.0 { 0.0 } else { 2.0 * p / (x.len() as f64 * total) }
}

#[test]
fn the_audio_file_is_spoken_from_its_start_at_each_answer() {
    let dir = temp_dir("audio-in-per-call");
    // One second of 1 kHz, then two seconds of silence.
    let rate = 48_000u32;
    let mut samples: Vec<i16> = (0..rate)
        .map(|n| {
            (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / f64::from(rate)).sin())
                as i16
        })
        .collect();
    samples.extend(std::iter::repeat_n(0, 2 * rate as usize));
    let file = dir.join("greeting.wav");
    write_wav(&file, rate, 1, &samples).unwrap();
    let heard = dir.join("bob-heard.wav");
    let mut a =
        Headless::start(&dir, "alice", r#"["PCMU"]"#, &["--audio-in", file.to_str().unwrap()]);
    let mut b = Headless::start(
        &dir,
        "bob",
        r#"["PCMU"]"#,
        &["--auto-answer", "--audio-out", heard.to_str().unwrap()],
    );
    // Longer than the file: from the process start, the tone would be over.
    std::thread::sleep(Duration::from_secs(4));
    let mut answers = Vec::new();
    for call in 1..=2u64 {
        a.send(&format!("call {}", b.uri));
        answers.push(b.wait_state(call, "active"));
        std::thread::sleep(Duration::from_millis(1500));
        a.send(&format!("hangup {call}"));
        b.wait_state(call, "ended");
        std::thread::sleep(Duration::from_millis(500));
    }
    let ready = b.ready_at;
    a.quit();
    b.quit();
    let got = read_wav(&heard, rate).unwrap();
    for (call, answered) in answers.iter().enumerate() {
        let from = answered.duration_since(ready).as_secs_f64();
        let start = (from * f64::from(rate)) as usize;
        let window = got.get(start..start + rate as usize).unwrap_or(&[]);
        let share = share_at(window, f64::from(rate), 1000.0);
        eprintln!(
            "call {}: 1 kHz is {share:.2} of what bob heard in the second after the answer",
            call + 1
        );
        assert!(share > 0.5, "call {}: the file's tone is heard after the answer", call + 1);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_played_into_a_call_is_heard_by_the_other_side_and_its_end_reported() {
    let dir = temp_dir("play");
    let rate = 48_000u32;
    // Half a second of 1 kHz.
    let samples: Vec<i16> = (0..rate / 2)
        .map(|n| {
            (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / f64::from(rate)).sin())
                as i16
        })
        .collect();
    let file = dir.join("prompt tone.wav");
    write_wav(&file, rate, 1, &samples).unwrap();
    let heard = dir.join("bob-heard.wav");
    let mut a = Headless::start(&dir, "alice", r#"["PCMU"]"#, &[]);
    let mut b = Headless::start(
        &dir,
        "bob",
        r#"["PCMU"]"#,
        &["--auto-answer", "--audio-out", heard.to_str().unwrap()],
    );
    a.send(&format!("call {}", b.uri));
    a.wait_state(1, "active");
    std::thread::sleep(Duration::from_secs(1));
    a.send("play 9 /nonexistent.wav");
    let (_, e) = a.wait_for("no such call", |e| e["event"] == "error" && e["command"].is_string());
    assert!(e["message"].as_str().unwrap().contains("no call 9"), "{e}");
    a.send(&format!("play 1 {}", dir.join("missing.wav").display()));
    let (_, e) = a.wait_for("no such file", |e| {
        e["event"] == "error" && e["message"].as_str().unwrap().contains("missing.wav")
    });
    eprintln!("a missing file: {}", e["message"]);
    let sent = Instant::now();
    a.send(&format!("play 1 {}", file.display()));
    let (ended, e) = a.wait_for("play-ended", |e| e["event"] == "play-ended");
    assert_eq!(e["id"], 1);
    assert_eq!(e["completed"], true, "{e}");
    assert!(e["file"].as_str().unwrap().ends_with("prompt tone.wav"));
    let took = ended.duration_since(sent).as_secs_f64();
    eprintln!("play: 0.5 s file ended {took:.2} s after the command");
    assert!((0.45..1.5).contains(&took), "{took}");
    std::thread::sleep(Duration::from_millis(500));
    a.send("hangup 1");
    b.wait_state(1, "ended");
    let ready = b.ready_at;
    a.quit();
    b.quit();
    let got = read_wav(&heard, rate).unwrap();
    // Bob's earpiece from the command on: the tone, within mouth-to-ear delay.
    let start = (sent.duration_since(ready).as_secs_f64() * f64::from(rate)) as usize;
    let window = got.get(start..start + rate as usize).unwrap_or(&[]);
    let share = share_at(window, f64::from(rate), 1000.0);
    eprintln!("play: 1 kHz is {share:.2} of what bob heard in the second after the command");
    assert!(share > 0.3, "the prompt is heard");
    // And before it, nothing of it.
    let before = got.get(start.saturating_sub(rate as usize)..start).unwrap_or(&[]);
    assert!(share_at(before, f64::from(rate), 1000.0) < 0.1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn holds_that_cross_are_resolved_by_491_and_retry_on_both_sides() {
    let dir = temp_dir("glare");
    let (mut a, mut b) = two_phones_talking(&dir);
    // Both hold at once: the re-INVITEs cross, each side answers the other's with 491
    // (RFC 3261 §14.1) and tries again after its back-off (up to 4 s).
    a.send("hold 1");
    b.send("hold 1");
    let (sa, sb) = (
        settled_state(&mut a, 1, Duration::from_secs(7)),
        settled_state(&mut b, 1, Duration::ZERO),
    );
    assert_eq!((sa.as_str(), sb.as_str()), ("held", "held"), "both held, both agreeing");
    // Both resume at once: the same again, ending talking.
    a.send("resume 1");
    b.send("resume 1");
    let (sa, sb) = (
        settled_state(&mut a, 1, Duration::from_secs(7)),
        settled_state(&mut b, 1, Duration::ZERO),
    );
    assert_eq!((sa.as_str(), sb.as_str()), ("active", "active"));
    let refused = |p: &Headless| {
        p.seen.iter().any(|(_, e)| {
            e["event"] == "error" && e["message"].as_str().unwrap().contains("refused")
        })
    };
    assert!(!refused(&a) && !refused(&b), "a 491 is retried, never reported as a refusal");
    a.send("hangup 1");
    b.wait_state(1, "ended");
    a.quit();
    b.quit();
    std::fs::remove_dir_all(&dir).unwrap();
}
