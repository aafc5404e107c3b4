//! What the phones said and heard in the real-process tests: espeak-ng speech files,
//! parties (a headless phone speaking a file and recording its earpiece), and the
//! measures of who heard whom (correlation at the best delay, with other voices taken
//! out, per sub-window).
// Test support: a setup failure should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use earshot_engine::media::device::write_wav;
use earshot_engine::media::resample::resample;

use crate::headless::Headless;
use crate::speech::{correlation, say, stepped_correlation};

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
#[derive(Debug)]
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
#[derive(Debug)]
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
/// speaker said at that time, over delays up to 400 ms, each half second free to sit up to
/// 25 ms off the whole's delay (`speech::stepped_correlation`: a jitter buffer that steps
/// by a frame in a pause scored 0.68 with one delay). About 1 for the only voice
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
    // Half-second pieces may each sit up to 25 ms off the whole's delay: a frame's step.
    stepped_correlation(&s8, &g8, 3200, 4000, 200).0
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

/// The delay (ms) at which `speaker` best matches `listener`'s earpiece, and how well, in
/// each `step` of `secs` from `from`: a voice heard through a delay that moves shows here
/// as lags that change from one step to the next (a diagnostic for the tests' logs).
pub fn lags(
    listener: &Voice,
    speaker: &Voice,
    from: Instant,
    secs: f64,
    step: f64,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut t = 0.0;
    while t + step <= secs + 1e-9 {
        let at = from + Duration::from_secs_f64(t);
        let earpiece = earshot_engine::media::device::read_wav(&listener.heard_file, RATE).unwrap();
        let offset = |ready: Instant| {
            (at.saturating_duration_since(ready).as_secs_f64() * f64::from(RATE)) as usize
        };
        let len = (step * f64::from(RATE)) as usize;
        let lead = RATE as usize / 5;
        let said = speaker.says.get(offset(speaker.ready_at).saturating_sub(lead)..).unwrap_or(&[]);
        let said = &said[..len.min(said.len())];
        let got = earpiece.get(offset(listener.ready_at).saturating_sub(lead)..).unwrap_or(&[]);
        let got = &got[..(len + 2 * lead).min(got.len())];
        let (s8, g8) = (resample(said, RATE, 8000).unwrap(), resample(got, RATE, 8000).unwrap());
        let (c, lag) = correlation(&s8, &g8, 3200);
        out.push((lag as f64 / 8.0, c));
        t += step;
    }
    out
}
