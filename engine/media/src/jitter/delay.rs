//! Estimates how much buffering the network needs: the spread between the fastest and the
//! slow tail of recent packet transit times, measured in a sliding window. It rises at
//! once when late packets appear and decays slowly when the network calms.

/// Transit spread histogram over the last `WINDOW` packets, in 1 ms bins.
const WINDOW: usize = 500;
const BINS: usize = 1000;

#[derive(Debug, Clone)]
pub struct DelayEstimator {
    /// Relative transit times (ms) of the last WINDOW packets, as a ring.
    ring: [i32; WINDOW],
    len: usize,
    head: usize,
    /// Quantile of the spread to cover (0.97 keeps late losses near 3 %).
    quantile: f32,
    histogram: [u16; BINS],
    /// Minimum transit in the window (the base against which spread is measured).
    base: i32,
}

impl DelayEstimator {
    pub fn new(quantile: f32) -> Self {
        DelayEstimator {
            ring: [0; WINDOW],
            len: 0,
            head: 0,
            quantile,
            histogram: [0; BINS],
            base: i32::MAX,
        }
    }

    /// Records a packet whose transit (arrival minus media time, in ms, any fixed offset)
    /// was `transit_ms`.
    pub fn record(&mut self, transit_ms: i32) {
        if self.len == WINDOW {
            let old = self.ring.get(self.head).copied().unwrap_or(0);
            self.bin_remove(old);
        } else {
            self.len += 1;
        }
        if let Some(slot) = self.ring.get_mut(self.head) {
            *slot = transit_ms;
        }
        self.head = (self.head + 1) % WINDOW;
        let new_base = self.ring.iter().take(self.len).copied().min().unwrap_or(transit_ms);
        if new_base != self.base {
            self.base = new_base;
            self.rebuild();
        } else {
            self.bin_add(transit_ms);
        }
    }

    fn bin(&self, transit: i32) -> usize {
        ((transit - self.base).max(0) as usize).min(BINS - 1)
    }

    fn bin_add(&mut self, transit: i32) {
        let b = self.bin(transit);
        if let Some(h) = self.histogram.get_mut(b) {
            *h = h.saturating_add(1);
        }
    }

    fn bin_remove(&mut self, transit: i32) {
        let b = self.bin(transit);
        if let Some(h) = self.histogram.get_mut(b) {
            *h = h.saturating_sub(1);
        }
    }

    fn rebuild(&mut self) {
        self.histogram = [0; BINS];
        for i in 0..self.len {
            let t = self.ring.get(i).copied().unwrap_or(0);
            self.bin_add(t);
        }
    }

    /// The spread (ms) below which `quantile` of recent packets arrived.
    pub fn spread_ms(&self) -> u32 {
        if self.len == 0 {
            return 0;
        }
        let want = ((self.len as f32) * self.quantile).ceil() as u32;
        let mut seen = 0u32;
        for (ms, &count) in self.histogram.iter().enumerate() {
            seen += u32::from(count);
            if seen >= want {
                return ms as u32;
            }
        }
        (BINS - 1) as u32
    }

    pub fn samples(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_of_spread() {
        let mut d = DelayEstimator::new(0.95);
        for i in 0..100 {
            d.record(50 + (i % 20));
        }
        assert_eq!(d.spread_ms(), 18);
        // A clean network: no spread.
        let mut c = DelayEstimator::new(0.95);
        for _ in 0..100 {
            c.record(7);
        }
        assert_eq!(c.spread_ms(), 0);
    }

    #[test]
    fn old_samples_leave_the_window() {
        let mut d = DelayEstimator::new(0.97);
        for i in 0..WINDOW as i32 {
            d.record(100 + (i * 7919) % 60);
        }
        assert!(d.spread_ms() >= 55);
        for _ in 0..WINDOW {
            d.record(100);
        }
        assert_eq!(d.spread_ms(), 0, "calm network: the spread decays to nothing");
    }
}
