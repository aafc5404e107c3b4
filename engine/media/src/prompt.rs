//! A recorded prompt played into one call (a greeting, a disclosure, a test prompt): its
//! samples at the loop's rate, mixed into what that call's leg sends, saturating, until
//! they run out. Built off the real-time thread and handed back to be freed there.

/// The samples and where playing has got to.
#[derive(Debug)]
pub struct Prompt {
    /// The owner's number for it, reported back when it ends.
    pub id: u64,
    samples: Vec<i16>,
    pos: usize,
}

impl Prompt {
    pub fn new(id: u64, samples: Vec<i16>) -> Box<Prompt> {
        Box::new(Prompt { id, samples, pos: 0 })
    }

    /// Adds the next `out.len()` samples into `out`; true once every sample has played.
    /// Runs on the media loop: no allocation.
    pub fn mix_into(&mut self, out: &mut [i16]) -> bool {
        let left = self.samples.get(self.pos..).unwrap_or(&[]);
        for (o, s) in out.iter_mut().zip(left) {
            *o = o.saturating_add(*s);
        }
        self.pos = (self.pos + out.len()).min(self.samples.len());
        self.finished()
    }

    pub fn finished(&self) -> bool {
        self.pos >= self.samples.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_saturating_until_it_runs_out() {
        let mut p = Prompt::new(7, vec![30_000, -30_000, 5, 6, 7]);
        let mut out = [10_000i16, -10_000];
        assert!(!p.mix_into(&mut out));
        assert_eq!(out, [i16::MAX, i16::MIN]);
        let mut out = [1i16, 1];
        assert!(!p.mix_into(&mut out));
        assert_eq!(out, [6, 7]);
        let mut out = [0i16, 0];
        assert!(p.mix_into(&mut out));
        assert_eq!(out, [7, 0]);
    }
}
