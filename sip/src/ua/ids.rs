//! Fresh tags, branches, Call-IDs and cnonces (RFC 3261 §19.3: globally unique and
//! cryptographically random), from an RNG the caller seeds so that tests are repeatable.

use rand::Rng;
use rand::rngs::StdRng;

use crate::message::BRANCH_COOKIE;

#[derive(Debug)]
pub(crate) struct Ids {
    rng: StdRng,
}

impl Ids {
    pub(crate) fn new(rng: StdRng) -> Self {
        Ids { rng }
    }

    fn token(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(*CHARS.get(self.rng.random_range(0..CHARS.len())).unwrap_or(&b'x')))
            .collect()
    }

    pub(crate) fn tag(&mut self) -> String {
        self.token(10)
    }

    pub(crate) fn branch(&mut self) -> String {
        format!("{BRANCH_COOKIE}{}", self.token(16))
    }

    pub(crate) fn call_id(&mut self, host: &str) -> String {
        format!("{}@{host}", self.token(20))
    }

    pub(crate) fn cnonce(&mut self) -> String {
        self.token(16)
    }

    /// A uniformly random duration in `[lo, hi)` milliseconds (glare back-off, §14.1).
    pub(crate) fn millis(&mut self, lo: u64, hi: u64) -> u64 {
        self.rng.random_range(lo..hi)
    }

    pub(crate) fn fraction(&mut self) -> f64 {
        self.rng.random_range(0.0..1.0)
    }
}
