//! `earshot --headless` as scripts use it: real processes on loopback, driven by the
//! documented commands on stdin, read by their JSON events on stdout, and checked on the
//! audio (espeak-ng speech in with `--audio-in`, what the earpiece played out with
//! `--audio-out`): a call both ways, DTMF, hold and resume, malformed commands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use earshot_engine::media::device::{read_wav, write_wav};
use earshot_engine::media::resample::resample;
use earshot_tests::speech::{correlation, level_db, pesq, say};
use serde_json::Value;

/// A running `earshot --headless`, killed when dropped.
struct Headless {
    child: Child,
    stdin: ChildStdin,
    events: Receiver<(Instant, Value)>,
    /// Every event so far, with when it was read.
    seen: Vec<(Instant, Value)>,
    /// When the phone said it was ready (its loop, and so `--audio-out`, starts then).
    ready_at: Instant,
    pub uri: String,
}

impl Headless {
    fn start(dir: &Path, name: &str, codecs: &str, args: &[&str]) -> Headless {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!("user = \"{name}\"\ncodecs = {codecs}\n[sip]\naddress = \"127.0.0.1\"\n"),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_earshot"))
            .arg("--headless")
            .arg("--config")
            .arg(&config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("earshot runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
                assert!(v["event"].is_string(), "no event field: {line}");
                if tx.send((Instant::now(), v)).is_err() {
                    return;
                }
            }
        });
        let mut h = Headless {
            child,
            stdin,
            events,
            seen: Vec::new(),
            ready_at: Instant::now(),
            uri: String::new(),
        };
        let ready = h.wait_for("ready", |e| e["event"] == "ready");
        h.ready_at = ready.0;
        h.uri = ready.1["uri"].as_str().unwrap().to_owned();
        h
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits up to 10 s for an event matching `pick`.
    fn wait_for(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> (Instant, Value) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok((at, e)) => {
                    self.seen.push((at, e.clone()));
                    if pick(&e) {
                        return (at, e);
                    }
                }
                Err(_) => panic!(
                    "no {what} event within 10 s; saw {:?}",
                    self.seen.iter().map(|s| &s.1).collect::<Vec<_>>()
                ),
            }
        }
    }

    fn wait_state(&mut self, id: u64, state: &str) -> Instant {
        self.wait_for(&format!("call {id} {state}"), |e| {
            e["event"] == "call-state" && e["id"] == id && e["state"] == state
        })
        .0
    }

    /// Sends `quit` and waits (bounded) for the process to end.
    fn quit(mut self) {
        self.send("quit");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "earshot exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("earshot did not stop within 10 s of quit");
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("earshot-headless-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const RATE: u32 = 48_000;
const AGENT: &str = "Thank you for calling. Your account number is four seven two nine. \
                     How can I help you today? I can see your last order here on my screen.";
const CUSTOMER: &str = "Hello, I would like to change the address on my last order, please. \
                        It should go to my new flat on the other side of town.";

/// Speech at 48 kHz after `lead_s` seconds of silence, written where a phone reads it.
fn speech_file(
    dir: &Path,
    name: &str,
    text: &str,
    voice: &str,
    lead_s: f64,
) -> (PathBuf, Vec<i16>) {
    let pcm = [vec![0i16; (lead_s * f64::from(RATE)) as usize], say(text, voice, RATE)].concat();
    let path = dir.join(format!("{name}-says.wav"));
    write_wav(&path, RATE, 1, &pcm).unwrap();
    (path, pcm)
}

/// What `heard` holds of `sent`, aligned (at 8 kHz, the codec's band): the part of
/// `heard` that lines up with `sent`, found by cross-correlating the envelopes first.
fn aligned_8k(sent: &[i16], heard: &[i16]) -> (Vec<i16>, Vec<i16>) {
    let s = resample(sent, RATE, 8000).unwrap();
    // The earpiece file starts when its phone did, which may be after the other phone
    // started speaking: a second of silence in front keeps the lag positive.
    let h = [vec![0i16; 8000], resample(heard, RATE, 8000).unwrap()].concat();
    // Coarse lag from 10 ms energies, then the exact one around it.
    let env = |x: &[i16]| -> Vec<f64> {
        x.chunks(80).map(|c| c.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt()).collect()
    };
    let (es, eh) = (env(&s), env(&h));
    let best = (0..eh.len().saturating_sub(es.len() / 2))
        .max_by(|&a, &b| {
            let dot = |l: usize| es.iter().zip(&eh[l..]).map(|(x, y)| x * y).sum::<f64>();
            dot(a).total_cmp(&dot(b))
        })
        .unwrap_or(0);
    let from = (best * 80).saturating_sub(160);
    let window = h.get(from..).unwrap_or(&[]);
    let (_, fine) = correlation(&s, window, 320);
    let start = from + fine;
    let got: Vec<i16> = h.get(start..).unwrap_or(&[]).iter().copied().take(s.len()).collect();
    (s[..got.len()].to_vec(), got)
}

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

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
    for (who, sent, heard_file) in [("A→B", &a_says, &b_out), ("B→A", &b_says, &a_out)] {
        let heard = read_wav(heard_file, RATE).unwrap();
        let (s8, h8) = aligned_8k(sent, &heard);
        let level = level_db(&s8, &h8);
        let (corr, _) = correlation(&s8, &h8, 8);
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
        let heard = read_wav(file, RATE).unwrap();
        let start =
            (from.saturating_duration_since(ready).as_secs_f64() * f64::from(RATE)) as usize;
        let len = (secs * f64::from(RATE)) as usize;
        rms(heard.get(start..(start + len).min(heard.len())).unwrap_or(&[]))
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
