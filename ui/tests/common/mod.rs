//! Test support for the headless scenarios: a running `earshot --headless` process driven
//! on stdin and read by its JSON events, espeak-ng speech files, and alignment of what an
//! earpiece file heard against what was said.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod modes;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use earshot_engine::media::device::write_wav;
use earshot_engine::media::resample::resample;
use earshot_tests::speech::{correlation, say};
use serde_json::Value;

/// A running `earshot --headless`, killed when dropped.
pub struct Headless {
    child: Child,
    stdin: ChildStdin,
    pub events: Receiver<(Instant, Value)>,
    /// Every event so far, with when it was read.
    pub seen: Vec<(Instant, Value)>,
    /// When the phone said it was ready (its loop, and so `--audio-out`, starts then).
    pub ready_at: Instant,
    pub uri: String,
    /// Where it listens for SIP (`IP:PORT`).
    pub listen: String,
}

impl Headless {
    pub fn start(dir: &Path, name: &str, codecs: &str, args: &[&str]) -> Headless {
        Headless::start_with(dir, name, codecs, "", args)
    }

    /// As [`Headless::start`], with more configuration (TOML appended after `[sip]`).
    pub fn start_with(dir: &Path, name: &str, codecs: &str, more: &str, args: &[&str]) -> Headless {
        let sip = format!("address = \"127.0.0.1\"\n{more}");
        Headless::start_in(None, dir, name, codecs, &sip, args)
    }

    /// A phone inside a test's network namespace (or not), with `sip` as everything after
    /// `[sip]` (no address given: it follows the default route).
    pub fn start_in(
        netns: Option<&earshot_tests::netns::Netns>,
        dir: &Path,
        name: &str,
        codecs: &str,
        sip: &str,
        args: &[&str],
    ) -> Headless {
        let config = dir.join(format!("{name}.toml"));
        // The history goes to the test's directory, not the user's.
        let data = dir.join(format!("{name}-data"));
        std::fs::write(
            &config,
            format!(
                "user = \"{name}\"\ncodecs = {codecs}\ndata_dir = {:?}\n[sip]\n{sip}\n",
                data.to_str().unwrap()
            ),
        )
        .unwrap();
        let earshot = env!("CARGO_BIN_EXE_earshot");
        let mut command = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(ns.prefix()).arg(earshot);
                c
            }
            None => Command::new(earshot),
        };
        let mut child = command
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
            listen: String::new(),
        };
        let ready = h.wait_for("ready", |e| e["event"] == "ready");
        h.ready_at = ready.0;
        h.uri = ready.1["uri"].as_str().unwrap().to_owned();
        h.listen = ready.1["listen"].as_str().unwrap().to_owned();
        h
    }

    /// The process id (for its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits up to 10 s for an event matching `pick`.
    pub fn wait_for(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> (Instant, Value) {
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

    /// As [`Headless::wait_for`], but an event already read (while waiting for another)
    /// counts: for events whose order between themselves is not fixed.
    /// Whether such an event has come so far (reads what is waiting; does not wait).
    pub fn saw(&mut self, pick: impl Fn(&Value) -> bool) -> bool {
        while let Ok(e) = self.events.try_recv() {
            self.seen.push(e);
        }
        self.seen.iter().any(|(_, e)| pick(e))
    }

    pub fn saw_or_wait(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> (Instant, Value) {
        if let Some(found) = self.seen.iter().find(|(_, e)| pick(e)) {
            return found.clone();
        }
        self.wait_for(what, pick)
    }

    pub fn wait_state(&mut self, id: u64, state: &str) -> Instant {
        self.wait_for(&format!("call {id} {state}"), |e| {
            e["event"] == "call-state" && e["id"] == id && e["state"] == state
        })
        .0
    }

    /// Sends `quit` and waits (bounded) for the process to end.
    pub fn quit(mut self) {
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

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("earshot-headless-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub const RATE: u32 = 48_000;
pub const AGENT: &str = "Thank you for calling. Your account number is four seven two nine. \
                     How can I help you today? I can see your last order here on my screen.";
pub const CUSTOMER: &str = "Hello, I would like to change the address on my last order, please. \
                        It should go to my new flat on the other side of town.";

/// Speech at 48 kHz after `lead_s` seconds of silence, written where a phone reads it.
pub fn speech_file(
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
pub fn aligned_8k(sent: &[i16], heard: &[i16]) -> (Vec<i16>, Vec<i16>) {
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

pub fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// A party of a multi-phone scenario: its process, what it says, its earpiece file.
pub struct Party {
    pub phone: Headless,
    pub says: Vec<i16>,
    pub heard_file: PathBuf,
}

/// Starts a phone for `name` saying `text` (repeated to fill `seconds`) in `voice`.
pub fn party(
    dir: &Path,
    name: &str,
    text: &str,
    voice: &str,
    seconds: f64,
    extra: &[&str],
) -> Party {
    party_with(dir, name, text, voice, seconds, "", extra)
}

/// As [`party`], with more configuration (TOML, e.g. an account).
pub fn party_with(
    dir: &Path,
    name: &str,
    text: &str,
    voice: &str,
    seconds: f64,
    more: &str,
    extra: &[&str],
) -> Party {
    let mut says = say(text, voice, RATE);
    let one = says.clone();
    while (says.len() as f64) < seconds * f64::from(RATE) {
        says.extend_from_slice(&one);
    }
    let input = dir.join(format!("{name}-says.wav"));
    write_wav(&input, RATE, 1, &says).unwrap();
    let heard_file = dir.join(format!("{name}-heard.wav"));
    let mut args = vec![
        "--audio-in-live".to_owned(),
        input.to_str().unwrap().to_owned(),
        "--audio-out".to_owned(),
        heard_file.to_str().unwrap().to_owned(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let phone = Headless::start_with(dir, name, r#"["PCMU"]"#, more, &args);
    Party { phone, says, heard_file }
}

/// What a party said and heard, once its phone has stopped.
pub struct Voice {
    pub says: Vec<i16>,
    pub heard_file: PathBuf,
    /// When its phone was ready: both of its files start then.
    pub ready_at: Instant,
}

impl Party {
    /// Quits the phone (bounded) and keeps what it said and heard.
    pub fn finish(self) -> Voice {
        let ready_at = self.phone.ready_at;
        self.phone.quit();
        Voice { says: self.says, heard_file: self.heard_file, ready_at }
    }
}

/// How strongly `listener` heard `speaker` over `secs` from `from` (wall clock): the
/// best normalised correlation, at 8 kHz, of the listener's earpiece against what the
/// speaker said at that time, over delays up to 400 ms. About 1 for the only voice
/// heard, about 0.6–0.7 for one of two voices mixed at like levels, near 0 for a voice
/// not heard at all (different sentences and voices correlate at 0.05 or less).
pub fn heard(listener: &Voice, speaker: &Voice, from: Instant, secs: f64) -> f64 {
    let earpiece = earshot_engine::media::device::read_wav(&listener.heard_file, RATE).unwrap();
    let at = |ready: Instant| {
        (from.saturating_duration_since(ready).as_secs_f64() * f64::from(RATE)) as usize
    };
    let len = (secs * f64::from(RATE)) as usize;
    let lead = RATE as usize / 5;
    let said = speaker.says.get(at(speaker.ready_at).saturating_sub(lead)..).unwrap_or(&[]);
    let said = &said[..len.min(said.len())];
    let got = earpiece.get(at(listener.ready_at).saturating_sub(lead)..).unwrap_or(&[]);
    let got = &got[..(len + 2 * lead).min(got.len())];
    let (s8, g8) = (resample(said, RATE, 8000).unwrap(), resample(got, RATE, 8000).unwrap());
    correlation(&s8, &g8, 3200).0
}

/// How much of `absent`'s voice is in `listener`'s earpiece over `secs` from `from`, once
/// the voices that belong there (`present`) are taken out: each present voice is found
/// at its best delay (up to 400 ms) and subtracted at its least-squares gain; what is left
/// is correlated with `absent` at every delay up to 400 ms, normalised by the energy of
/// the whole earpiece. Its square is the share of the earpiece's energy that `absent`
/// accounts for; unlike [`heard`] it does not count the chance likeness of two voices
/// (different sentences reach 0.1–0.15 over 1.5 s at some alignments) as a leak.
pub fn trace(
    listener: &Voice,
    absent: &Voice,
    present: &[&Voice],
    from: Instant,
    secs: f64,
) -> f64 {
    left_over(listener, absent, present, from, secs, false)
}

/// How strongly `listener` heard `speaker` while also hearing `others` (a conference): the
/// others are taken out as in [`trace`], and what is left is correlated with `speaker`,
/// normalised by the energy of what is left. About 1 for a voice heard, near 0 for one
/// not heard; unlike [`heard`] it does not sink when a louder voice shares the earpiece (a
/// voice of two at unlike levels, or speaking through fewer of the window's seconds than
/// the other, scored 0.35 with [`heard`] in a clean-clone run).
pub fn heard_among(
    listener: &Voice,
    speaker: &Voice,
    others: &[&Voice],
    from: Instant,
    secs: f64,
) -> f64 {
    left_over(listener, speaker, others, from, secs, true)
}

/// The correlation of `voice` with `listener`'s earpiece once `taken_out` are subtracted,
/// normalised by the whole earpiece's energy or by what is left of it.
fn left_over(
    listener: &Voice,
    absent: &Voice,
    present: &[&Voice],
    from: Instant,
    secs: f64,
    by_residual: bool,
) -> f64 {
    let earpiece = earshot_engine::media::device::read_wav(&listener.heard_file, RATE).unwrap();
    let at = |ready: Instant| {
        (from.saturating_duration_since(ready).as_secs_f64() * f64::from(RATE)) as usize
    };
    let len = (secs * f64::from(RATE)) as usize;
    let lead = RATE as usize / 5;
    let said = |v: &Voice| -> Vec<f64> {
        let s = v.says.get(at(v.ready_at).saturating_sub(lead)..).unwrap_or(&[]);
        let s8 = resample(&s[..len.min(s.len())], RATE, 8000).unwrap();
        s8.iter().map(|&x| f64::from(x)).collect()
    };
    let got = earpiece.get(at(listener.ready_at).saturating_sub(lead)..).unwrap_or(&[]);
    let got = &got[..(len + 2 * lead).min(got.len())];
    let ear: Vec<f64> = resample(got, RATE, 8000).unwrap().iter().map(|&x| f64::from(x)).collect();
    let max_lag = 3200;
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // Energy of `x[l..l + n]` for every `l` from prefix sums (the searches below would
    // otherwise sum it again at every delay).
    let window_energy = |x: &[f64], n: usize| -> Vec<f64> {
        let mut prefix = vec![0.0; x.len() + 1];
        for (i, v) in x.iter().enumerate() {
            prefix[i + 1] = prefix[i] + v * v;
        }
        (0..max_lag.min(x.len())).map(|l| prefix[x.len().min(l + n)] - prefix[l]).collect()
    };
    let mut residual = ear.clone();
    for v in present {
        let s = said(v);
        let energy = window_energy(&residual, s.len());
        let lag = (0..energy.len())
            .map(|l| (dot(&s, &residual[l..]) / energy[l].sqrt().max(1.0), l))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map_or(0, |(_, l)| l);
        let gain = dot(&residual[lag..], &s) / dot(&s, &s).max(1.0);
        for (r, x) in residual.iter_mut().skip(lag).zip(&s) {
            *r -= gain * x;
        }
    }
    let z = said(absent);
    let z_energy = dot(&z, &z).max(1.0);
    let ear_energy = window_energy(if by_residual { &residual } else { &ear }, z.len());
    ear_energy
        .iter()
        .enumerate()
        .map(|(l, e)| dot(&residual[l..], &z).abs() / (z_energy * e).sqrt().max(1.0))
        .fold(0.0, f64::max)
}

/// What an earpiece file (`--audio-out`) holds over `secs` from the wall-clock moment
/// `from`, for a phone that was ready (its file starting) at `ready`.
pub fn earpiece_window(file: &Path, ready: Instant, from: Instant, secs: f64) -> Vec<i16> {
    let heard = earshot_engine::media::device::read_wav(file, RATE).unwrap();
    let start = (from.saturating_duration_since(ready).as_secs_f64() * f64::from(RATE)) as usize;
    let len = (secs * f64::from(RATE)) as usize;
    heard.get(start..(start + len).min(heard.len())).unwrap_or(&[]).to_vec()
}
