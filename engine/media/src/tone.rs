//! Call-progress and feedback tones, generated sample by sample without allocation:
//! ringback, busy, the ringtone and each channel's offer alert, the call-waiting beep, and
//! DTMF feedback (ITU-T Q.23 frequencies).

/// A tone pattern: up to two frequencies, on for `on_ms`, off for `off_ms`, repeated
/// (`off_ms` 0 = continuous), `repeat` 0 = forever.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneSpec {
    pub freqs: [f32; 2],
    pub on_ms: u32,
    pub off_ms: u32,
    pub repeat: u32,
    /// Peak amplitude of each component.
    pub level: i16,
}

impl ToneSpec {
    /// ITU-T E.180 / ETSI ringback: 425 Hz, 1 s on, 4 s off.
    pub const RINGBACK: ToneSpec =
        ToneSpec { freqs: [425.0, 0.0], on_ms: 1000, off_ms: 4000, repeat: 0, level: 4000 };
    /// Busy: 425 Hz, 0.5 s on, 0.5 s off.
    pub const BUSY: ToneSpec =
        ToneSpec { freqs: [425.0, 0.0], on_ms: 500, off_ms: 500, repeat: 0, level: 4000 };
    /// The agent's ringtone for an incoming call, on the ringing device: 440 + 480 Hz,
    /// 1 s on, 2 s off.
    pub const RINGTONE: ToneSpec =
        ToneSpec { freqs: [440.0, 480.0], on_ms: 1000, off_ms: 2000, repeat: 0, level: 6000 };
    /// A chat offered to the agent, on the ringing device: a short 880 Hz chime every
    /// 3 s (told apart from a call's ring at once).
    pub const CHAT_ALERT: ToneSpec =
        ToneSpec { freqs: [880.0, 0.0], on_ms: 150, off_ms: 2850, repeat: 0, level: 5000 };
    /// An email offered to the agent: a low 587 Hz note every 5 s.
    pub const EMAIL_ALERT: ToneSpec =
        ToneSpec { freqs: [587.0, 0.0], on_ms: 300, off_ms: 4700, repeat: 0, level: 4000 };
    /// Call waiting: two short 425 Hz beeps.
    pub const CALL_WAITING: ToneSpec =
        ToneSpec { freqs: [425.0, 0.0], on_ms: 200, off_ms: 200, repeat: 2, level: 3000 };

    /// A message in a chat the agent is not looking at, on the ringing device: one short
    /// 988 Hz note, once (the chat's row shows how many are new).
    pub const NEW_MESSAGE: ToneSpec =
        ToneSpec { freqs: [988.0, 0.0], on_ms: 120, off_ms: 80, repeat: 1, level: 4500 };

    /// An offer the agent let time out (Not Ready follows), on the ringing device: two
    /// short 523 Hz beeps, once — unlike any offer's sound, and over in half a second.
    pub const MISSED_OFFER: ToneSpec =
        ToneSpec { freqs: [523.0, 0.0], on_ms: 180, off_ms: 120, repeat: 2, level: 6000 };

    /// This sound at `percent` of its level (the agent's ring volume; 0 is silent).
    pub fn at_volume(self, percent: u8) -> ToneSpec {
        let level = i32::from(self.level) * i32::from(percent.min(100)) / 100;
        ToneSpec { level: level as i16, ..self }
    }

    /// DTMF feedback for a digit (ITU-T Q.23), 100 ms.
    pub fn dtmf(digit: char) -> Option<ToneSpec> {
        let (row, col) = match digit.to_ascii_uppercase() {
            '1' => (697.0, 1209.0),
            '2' => (697.0, 1336.0),
            '3' => (697.0, 1477.0),
            'A' => (697.0, 1633.0),
            '4' => (770.0, 1209.0),
            '5' => (770.0, 1336.0),
            '6' => (770.0, 1477.0),
            'B' => (770.0, 1633.0),
            '7' => (852.0, 1209.0),
            '8' => (852.0, 1336.0),
            '9' => (852.0, 1477.0),
            'C' => (852.0, 1633.0),
            '*' => (941.0, 1209.0),
            '0' => (941.0, 1336.0),
            '#' => (941.0, 1477.0),
            'D' => (941.0, 1633.0),
            _ => return None,
        };
        Some(ToneSpec { freqs: [row, col], on_ms: 100, off_ms: 0, repeat: 1, level: 3000 })
    }
}

/// Renders a tone at a sample rate.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    spec: ToneSpec,
    sample_rate: u32,
    /// Samples rendered so far.
    pos: u64,
    phase: [f32; 2],
}

impl ToneGenerator {
    pub fn new(spec: ToneSpec, sample_rate: u32) -> Self {
        ToneGenerator { spec, sample_rate: sample_rate.max(1), pos: 0, phase: [0.0; 2] }
    }

    /// Whether a finite pattern has played out.
    pub fn finished(&self) -> bool {
        let cycle =
            u64::from(self.spec.on_ms + self.spec.off_ms) * u64::from(self.sample_rate) / 1000;
        self.spec.repeat > 0 && self.pos >= cycle * u64::from(self.spec.repeat)
    }

    /// Adds the tone into `out` (saturating), so that it can play over other audio.
    pub fn mix_into(&mut self, out: &mut [i16]) {
        let sr = self.sample_rate as f32;
        let on = u64::from(self.spec.on_ms) * u64::from(self.sample_rate) / 1000;
        let cycle = (u64::from(self.spec.on_ms + self.spec.off_ms) * u64::from(self.sample_rate)
            / 1000)
            .max(1);
        for o in out.iter_mut() {
            if self.finished() {
                return;
            }
            let sounding = self.spec.off_ms == 0 || self.pos % cycle < on;
            let mut v = 0.0f32;
            for (f, phase) in self.spec.freqs.iter().zip(self.phase.iter_mut()) {
                if *f > 0.0 {
                    if sounding {
                        v += phase.sin() * f32::from(self.spec.level);
                    }
                    *phase = (*phase + std::f32::consts::TAU * f / sr) % std::f32::consts::TAU;
                }
            }
            *o = (i32::from(*o) + v as i32).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goertzel power of `f` in `x`.
    fn power(x: &[i16], f: f32, sr: f32) -> f32 {
        let w = std::f32::consts::TAU * f / sr;
        let c = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for &v in x {
            let s = f32::from(v) + c * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        s1 * s1 + s2 * s2 - c * s1 * s2
    }

    #[test]
    fn dtmf_has_its_two_frequencies_only() {
        let mut g = ToneGenerator::new(ToneSpec::dtmf('5').unwrap(), 8000);
        let mut buf = [0i16; 800];
        g.mix_into(&mut buf);
        let (p770, p1336, p941) =
            (power(&buf, 770.0, 8000.0), power(&buf, 1336.0, 8000.0), power(&buf, 941.0, 8000.0));
        assert!(p770 > 100.0 * p941 && p1336 > 100.0 * p941);
        assert!(g.finished());
    }

    #[test]
    fn ringback_cadence() {
        let mut g = ToneGenerator::new(ToneSpec::RINGBACK, 8000);
        let mut buf = vec![0i16; 8000 * 5];
        g.mix_into(&mut buf);
        let energy =
            |a: usize, b: usize| buf[a..b].iter().map(|v| f64::from(*v).powi(2)).sum::<f64>();
        assert!(energy(0, 8000) > 1e9, "on for the first second");
        assert_eq!(energy(8000, 40000), 0.0, "silent for four");
        assert!(!g.finished());
    }
}
