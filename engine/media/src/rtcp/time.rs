//! NTP timestamps for RTCP (RFC 3550 §4): 32.32 fixed point seconds, and the "compact"
//! middle 32 bits used by LSR, DLSR and round-trip computation.

/// Seconds since an arbitrary epoch in 32.32 fixed point.
pub type NtpTime = u64;

/// NTP time from seconds.
pub fn from_secs(s: f64) -> NtpTime {
    (s.max(0.0) * 4_294_967_296.0) as u64
}

/// The middle 32 bits (16.16 fixed point seconds).
pub fn compact(t: NtpTime) -> u32 {
    (t >> 16) as u32
}

/// A 16.16 duration in seconds.
pub fn compact_secs(c: u32) -> f64 {
    f64::from(c) / 65536.0
}
