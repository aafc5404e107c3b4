//! Phrase-by-phrase realignment of what was heard against what was said, so that a jitter
//! buffer's delay changes in the pauses between phrases (where a listener cannot hear
//! them) are not scored as distortion, while anything inside a phrase still is.
//!
//! Why: P.862 PESQ is meant to follow delay changes between utterances, but its utterance
//! splitting misses short trailing phrases. Measured on espeak-ng speech: cutting 20 ms of
//! pure silence out of a 220 ms pause 4.25 s into a 5.3 s sentence scores 3.18 against
//! itself (4.64 uncut; the same cut in a 180 ms pause at 1.25 s scores 4.64).

/// Audio quieter than this RMS (16-bit full scale) over 10 ms counts as silence.
const QUIET_RMS: f64 = 300.0;
/// A silence at least this long separates two phrases.
const PAUSE_MS: usize = 150;
/// How far the delay may move from one phrase to the next (a jitter buffer adapts by a
/// few frames at a time).
const MAX_STEP_MS: usize = 60;
/// How far what was heard may lead what was said. The reference timeline starts when the
/// receiver's capture does; a peer that starts sending on the answer (baresip plays its
/// file from then) may be some packets ahead, which arrive together and which the jitter
/// buffer sheds in the first pause: measured 44–83 ms ahead on a loaded machine, which a
/// search of non-negative delays only scored as PESQ 2.97 instead of a shift.
const MAX_LEAD_MS: usize = 150;

/// `heard` rebuilt on `said`'s timeline: each phrase of `said` (split in the middle of
/// every pause of [`PAUSE_MS`] or more) takes the stretch of `heard` at that phrase's own
/// delay. The first phrase's delay is searched from [`MAX_LEAD_MS`] ahead to `max_delay`
/// samples late, each later one within [`MAX_STEP_MS`] of the one before. Returns the
/// rebuilt signal (as long as `said`) and the delay found for each phrase, in samples
/// (negative: heard ahead of said).
pub fn realign_by_phrase(
    said: &[i16],
    heard: &[i16],
    rate: u32,
    max_delay: usize,
) -> (Vec<i16>, Vec<isize>) {
    let per_10ms = rate as usize / 100;
    let max_step = MAX_STEP_MS * rate as usize / 1000;
    // Searched on `heard` behind `lead` samples of silence: delays stay non-negative.
    let lead = MAX_LEAD_MS * rate as usize / 1000;
    let heard = [vec![0i16; lead], heard.to_vec()].concat();
    let max_delay = max_delay + lead;
    let mut out = vec![0i16; said.len()];
    let mut delays = Vec::new();
    let mut previous: Option<usize> = None;
    for (start, end) in phrases(said, per_10ms) {
        let range = match previous {
            None => (0, max_delay),
            Some(d) => (d.saturating_sub(max_step), d + max_step),
        };
        let phrase = said.get(start..end).unwrap_or(&[]);
        let delay = best_delay(phrase, heard.get(start..).unwrap_or(&[]), range);
        for (i, o) in out.get_mut(start..end).unwrap_or(&mut []).iter_mut().enumerate() {
            *o = heard.get(start + delay + i).copied().unwrap_or(0);
        }
        delays.push(delay as isize - lead as isize);
        previous = Some(delay);
    }
    (out, delays)
}

/// The phrases of `said` as sample ranges covering all of it, split in the middle of
/// each long enough silence.
fn phrases(said: &[i16], per_10ms: usize) -> Vec<(usize, usize)> {
    let quiet: Vec<bool> = said
        .chunks(per_10ms)
        .map(|c| {
            let energy: f64 = c.iter().map(|&v| f64::from(v).powi(2)).sum();
            (energy / c.len() as f64).sqrt() < QUIET_RMS
        })
        .collect();
    let min_run = PAUSE_MS / 10;
    let mut cuts = Vec::new();
    let mut run_start = None;
    let mut seen_speech = false;
    for (i, &q) in quiet.iter().chain(std::iter::once(&false)).enumerate() {
        match (q, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                // A pause between two phrases (not the lead-in, not the tail).
                if seen_speech && i < quiet.len() && i - s >= min_run {
                    cuts.push((s + i) / 2 * per_10ms);
                }
                run_start = None;
            }
            _ => {}
        }
        seen_speech |= !q && i < quiet.len();
    }
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(said.len());
    bounds.iter().zip(bounds.iter().skip(1)).map(|(&a, &b)| (a, b)).filter(|(a, b)| b > a).collect()
}

/// The delay in `lo..=hi` samples at which `tail` (the heard signal from the phrase's
/// start on) best matches `phrase`: a coarse search on 4:1 decimated signals, refined at
/// full rate.
fn best_delay(phrase: &[i16], tail: &[i16], (lo, hi): (usize, usize)) -> usize {
    const DECIMATE: usize = 4;
    let coarse = |s: &[i16]| -> Vec<f64> {
        s.chunks(DECIMATE).map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>()).collect()
    };
    let (p, t) = (coarse(phrase), coarse(tail));
    let coarse_best = (lo / DECIMATE..=hi / DECIMATE)
        .map(|d| (score(&p, t.get(d..).unwrap_or(&[])), d))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(lo, |(_, d)| d * DECIMATE);
    let (p, t): (Vec<f64>, Vec<f64>) = (
        phrase.iter().map(|&v| f64::from(v)).collect(),
        tail.iter().map(|&v| f64::from(v)).collect(),
    );
    (coarse_best.saturating_sub(DECIMATE).max(lo)..=(coarse_best + DECIMATE).min(hi))
        .map(|d| (score(&p, t.get(d..).unwrap_or(&[])), d))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(coarse_best, |(_, d)| d)
}

/// Normalised cross-correlation of `a` with the start of `b`.
fn score(a: &[f64], b: &[f64]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 { 0.0 } else { ab / (aa * bb).sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two bursts of a tone 300 ms apart; the copy heard is 30 ms late for the first and
    /// (20 ms cut from the pause) 10 ms late for the second.
    #[test]
    fn a_delay_change_in_a_pause_is_undone_and_one_inside_a_phrase_is_not() {
        let rate = 8000;
        let burst: Vec<i16> = (0..4000)
            .map(|i| (8000.0 * (i as f64 * 0.37).sin() * (i as f64 * 0.011).cos()) as i16)
            .collect();
        let said: Vec<i16> =
            [vec![0; 800], burst.clone(), vec![0; 2400], burst.clone(), vec![0; 800]].concat();
        let heard: Vec<i16> =
            [vec![0; 1040], burst.clone(), vec![0; 2240], burst.clone(), vec![0; 800]].concat();
        let (out, delays) = realign_by_phrase(&said, &heard, rate, 800);
        assert_eq!(delays, [240, 80]);
        assert_eq!(out, said, "realigned exactly");

        // Heard 50 ms ahead (the first packets shed), then 20 ms more in the pause.
        let heard: Vec<i16> =
            [vec![0; 400], burst.clone(), vec![0; 2240], burst.clone(), vec![0; 800]].concat();
        let (out, delays) = realign_by_phrase(&said, &heard, rate, 800);
        assert_eq!(delays, [-400, -560]);
        assert_eq!(out, said, "realigned exactly");

        // 20 ms cut out of the middle of the second burst: its second half stays off.
        let mut cut = burst.clone();
        cut.drain(2000..2160);
        let heard: Vec<i16> = [vec![0; 1040], burst, vec![0; 2400], cut, vec![0; 960]].concat();
        let (out, _) = realign_by_phrase(&said, &heard, rate, 800);
        let wrong = out.iter().zip(&said).filter(|(a, b)| a != b).count();
        assert!(wrong > 1500, "{wrong} samples differ");
    }
}
