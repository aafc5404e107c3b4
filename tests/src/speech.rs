//! Speech for audio tests: sentences spoken by `espeak-ng` at any rate, and the ITU-T
//! P.862 PESQ score of what arrived against what was sent (the `pesq` Python package,
//! narrowband at 8 kHz, wideband at 16 kHz).

use std::path::{Path, PathBuf};
use std::process::Command;

use earshot_engine::media::device::{read_wav, write_wav};
use earshot_engine::media::resample::resample;

use crate::phrase_align::realign_by_phrase;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("earshot-speech-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// `text` spoken by espeak-ng (its voice `voice`), as mono PCM at `rate` Hz.
pub fn say(text: &str, voice: &str, rate: u32) -> Vec<i16> {
    let path = scratch(&format!("say-{voice}-{rate}-{}.wav", text.len()));
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .unwrap_or_else(|e| panic!("espeak-ng is missing ({e}): apt-get install espeak-ng"));
    assert!(status.success(), "espeak-ng failed: {status}");
    let pcm = read_wav(&path, rate).expect("espeak-ng WAV");
    let _ = std::fs::remove_file(&path);
    pcm
}

/// The Python with `pesq` installed: `EARSHOT_PYTHON`, else the virtual environment
/// `scripts/test` makes under `target/`, else `python3`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("EARSHOT_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pesq-venv/bin/python3");
    if venv.exists() { venv } else { "python3".into() }
}

/// PESQ MOS-LQO of `degraded` against `reference`, both at `rate` (8000 → narrowband,
/// 16000 → wideband; any other rate is resampled to 16 kHz for wideband). PESQ aligns
/// the two itself.
pub fn pesq(reference: &[i16], degraded: &[i16], rate: u32) -> f64 {
    let (reference, degraded, rate) = at_pesq_rate(reference, degraded, rate);
    pesq_at(&reference, &degraded, rate)
}

/// PESQ as [`pesq`], after `degraded` is realigned to `reference` phrase by phrase
/// ([`realign_by_phrase`], delays up to `max_delay_ms`, or heard a little ahead): a delay change in a pause between
/// phrases is not scored, one inside a phrase (time compression, a concealed frame) is.
/// Prints the delay found for each phrase.
pub fn pesq_by_phrase(reference: &[i16], degraded: &[i16], rate: u32, max_delay_ms: u32) -> f64 {
    let (reference, degraded, rate) = at_pesq_rate(reference, degraded, rate);
    let max_delay = (max_delay_ms * rate / 1000) as usize;
    let (realigned, delays) = realign_by_phrase(&reference, &degraded, rate, max_delay);
    let ms: Vec<String> =
        delays.iter().map(|&d| format!("{:.1}", d as f64 * 1000.0 / f64::from(rate))).collect();
    eprintln!("PESQ by phrase: delays {} ms", ms.join(", "));
    pesq_at(&reference, &realigned, rate)
}

/// Both signals at a rate PESQ takes: 8 and 16 kHz as they are, others at 16 kHz.
fn at_pesq_rate(reference: &[i16], degraded: &[i16], rate: u32) -> (Vec<i16>, Vec<i16>, u32) {
    match rate {
        8000 | 16000 => (reference.to_vec(), degraded.to_vec(), rate),
        _ => (
            resample(reference, rate, 16000).expect("resample"),
            resample(degraded, rate, 16000).expect("resample"),
            16000,
        ),
    }
}

fn pesq_at(reference: &[i16], degraded: &[i16], rate: u32) -> f64 {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tag = format!("{rate}-{call}");
    let (r, d) = (scratch(&format!("ref-{tag}.wav")), scratch(&format!("deg-{tag}.wav")));
    write_wav(&r, rate, 1, reference).expect("write reference");
    write_wav(&d, rate, 1, degraded).expect("write degraded");
    let mode = if rate == 8000 { "nb" } else { "wb" };
    let script = "import sys, wave, numpy as np\n\
        from pesq import pesq\n\
        def load(p):\n\
        \x20   w = wave.open(p); return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32)\n\
        print(pesq(int(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3]), sys.argv[4]))\n";
    let out = Command::new(python())
        .args(["-c", script, &rate.to_string()])
        .arg(&r)
        .arg(&d)
        .arg(mode)
        .output()
        .unwrap_or_else(|e| panic!("python3 is missing ({e})"));
    let _ = (std::fs::remove_file(&r), std::fs::remove_file(&d));
    assert!(
        out.status.success(),
        "PESQ failed (pip install pesq numpy, or run scripts/test): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("PESQ score")
}

/// Level of `got` relative to `sent` in dB, over the whole signals (alignment-free).
pub fn level_db(sent: &[i16], got: &[i16]) -> f64 {
    let energy = |s: &[i16]| s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>();
    10.0 * (energy(got).max(1.0) / energy(sent).max(1.0)).log10()
}

/// How closely `got` follows `sent` piece by piece: for every 250 ms window of `sent`
/// with speech in it, the best normalised cross-correlation over lags up to `max_lag`
/// samples; returns the mean of those and the median lag. A jitter buffer that drops or
/// inserts a frame shifts the lag for what follows without lowering this.
pub fn windowed_correlation(sent: &[i16], got: &[i16], rate: u32, max_lag: usize) -> (f64, usize) {
    let window = rate as usize / 4;
    let mut results: Vec<(f64, usize)> = Vec::new();
    for (i, w) in sent.chunks_exact(window).enumerate() {
        let rms = (w.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
        if rms < 300.0 {
            continue;
        }
        let start = i * window;
        let tail = got.get(start..).unwrap_or(&[]);
        results.push(correlation(
            w,
            tail.get(..(window + max_lag).min(tail.len())).unwrap_or(&[]),
            max_lag,
        ));
    }
    if results.is_empty() {
        return (0.0, 0);
    }
    let mean = results.iter().map(|r| r.0).sum::<f64>() / results.len() as f64;
    let mut lags: Vec<usize> = results.iter().map(|r| r.1).collect();
    lags.sort_unstable();
    (mean, lags.get(lags.len() / 2).copied().unwrap_or(0))
}

/// The correlation of `sent` with `got` when the delay may step while the speech goes on
/// (a jitter buffer that grows or sheds a frame in a pause, a loop that re-phases its
/// tick): the best delay up to `max_lag` for the whole of `sent` is found first, then each
/// `piece` of `sent` is lined up on its own within `slack` of it, and the pieces' products
/// and energies are summed into one normalised figure. About 1 for a voice heard whole
/// through a delay that moved by a frame (one delay for the whole: 0.68 with every half
/// second at 1.00), near 0 for a voice not heard. Returns the figure and the whole's delay.
pub fn stepped_correlation(
    sent: &[i16],
    got: &[i16],
    max_lag: usize,
    piece: usize,
    slack: usize,
) -> (f64, usize) {
    let (_, whole) = correlation(sent, got, max_lag);
    let (mut sg, mut ss, mut gg) = (0.0f64, 0.0f64, 0.0f64);
    for (n, s) in sent.chunks(piece.max(1)).enumerate() {
        let at = n * piece;
        let sums = |lag: usize| {
            let g = got.get(at + lag..).unwrap_or(&[]);
            let (mut a, mut b, mut c) = (0.0f64, 0.0f64, 0.0f64);
            for (&x, &y) in s.iter().zip(g) {
                a += f64::from(x) * f64::from(y);
                b += f64::from(x).powi(2);
                c += f64::from(y).powi(2);
            }
            (a, b, c)
        };
        let score = |(a, b, c): (f64, f64, f64)| {
            if b == 0.0 || c == 0.0 { 0.0 } else { a / (b * c).sqrt() }
        };
        let best = (whole.saturating_sub(slack)..=whole + slack)
            .map(sums)
            .max_by(|x, y| score(*x).total_cmp(&score(*y)))
            .unwrap_or((0.0, 0.0, 0.0));
        sg += best.0;
        ss += best.1;
        gg += best.2;
    }
    (if ss == 0.0 || gg == 0.0 { 0.0 } else { sg / (ss * gg).sqrt() }, whole)
}

/// The best normalised cross-correlation of `got` against `sent` over lags up to
/// `max_lag`, and that lag in samples.
pub fn correlation(sent: &[i16], got: &[i16], max_lag: usize) -> (f64, usize) {
    let corr = |lag: usize| {
        let g = got.get(lag..).unwrap_or(&[]);
        let (mut sg, mut ss, mut gg) = (0.0f64, 0.0f64, 0.0f64);
        for (&x, &y) in sent.iter().zip(g) {
            sg += f64::from(x) * f64::from(y);
            ss += f64::from(x).powi(2);
            gg += f64::from(y).powi(2);
        }
        if gg == 0.0 || ss == 0.0 { 0.0 } else { sg / (ss * gg).sqrt() }
    };
    (0..max_lag).map(|l| (corr(l), l)).max_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or((0.0, 0))
}
