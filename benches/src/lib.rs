//! Earshot's benchmarks: criterion benches in `benches/`, the timing helper they share,
//! and the side-by-side media benchmark against baresip (`side-by-side` binary) with its
//! parts: the JACK rig, the impairment relay, the two stacks, the signal and its scores.

pub mod jack_rig;
pub mod procstat;
pub mod relay;
pub mod signal;
pub mod stacks;

use std::time::{Duration, Instant};

/// Runs `f` in batches for about `total` and returns the median rate in calls per second
/// over `rounds` rounds, after a warm-up round.
pub fn median_rate(rounds: usize, total: Duration, mut f: impl FnMut()) -> f64 {
    let per_round = total / (rounds as u32 + 1);
    let mut rates = Vec::with_capacity(rounds);
    for round in 0..=rounds {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < per_round {
            for _ in 0..64 {
                f();
            }
            n += 64;
        }
        if round > 0 {
            rates.push(n as f64 / start.elapsed().as_secs_f64());
        }
    }
    rates.sort_by(f64::total_cmp);
    rates.get(rates.len() / 2).copied().unwrap_or(0.0)
}
