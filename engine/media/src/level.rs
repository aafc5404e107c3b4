//! How loud a frame is: the one measure the leg (where to drop a frame unheard) and the
//! loop (when to move its tick unheard) decide by.

/// Whether the RMS of `frame` is at most `rms` (16-bit full scale is 32768).
pub fn rms_at_most(frame: &[i16], rms: i64) -> bool {
    let energy: i64 = frame.iter().map(|&s| i64::from(s) * i64::from(s)).sum();
    energy <= rms * rms * frame.len() as i64
}

/// How long audio must have been quiet before it counts as a pause between phrases. The
/// closure of a stop consonant inside a word is silent too, for 40–60 ms in espeak-ng's
/// speech and up to about 100 ms in people's: cutting or skipping audio there is heard
/// (a speech test fell from PESQ 3.09 to 2.75 with one 20 ms start-up cut inside a word).
pub const PAUSE_AFTER_MS: u32 = 100;

/// Follows the quiet stretches of a stream, frame by frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct PauseDetector {
    quiet_ms: u32,
}

impl PauseDetector {
    /// Whether the audio taken so far ends in a pause.
    pub fn in_pause(&self) -> bool {
        self.quiet_ms >= PAUSE_AFTER_MS
    }

    /// Takes the next `ms` of audio, quiet or not; returns whether it lies in a pause:
    /// quiet, after at least [`PAUSE_AFTER_MS`] of quiet audio.
    pub fn next(&mut self, quiet: bool, ms: u32) -> bool {
        if !quiet {
            self.quiet_ms = 0;
            return false;
        }
        let in_pause = self.quiet_ms >= PAUSE_AFTER_MS;
        self.quiet_ms = self.quiet_ms.saturating_add(ms);
        in_pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_closure_is_no_pause_and_a_phrase_break_is() {
        let mut p = PauseDetector::default();
        // Speech, a 60 ms closure, speech: never a pause.
        let closure = [false, true, true, true, false];
        assert!(closure.iter().all(|&q| !p.next(q, 20)));
        // 200 ms of quiet: the frames after the first 100 ms are in the pause.
        let pause: Vec<bool> = (0..10).map(|_| p.next(true, 20)).collect();
        assert_eq!(pause, [false, false, false, false, false, true, true, true, true, true]);
        assert!(!p.next(false, 20), "speech ends the pause");
        assert!(!p.next(true, 20));
    }
}
