//! How loud a frame is: the one measure the leg (where to drop a frame unheard) and the
//! loop (when to move its tick unheard) decide by.

/// Whether the RMS of `frame` is at most `rms` (16-bit full scale is 32768).
pub fn rms_at_most(frame: &[i16], rms: i64) -> bool {
    let energy: i64 = frame.iter().map(|&s| i64::from(s) * i64::from(s)).sum();
    energy <= rms * rms * frame.len() as i64
}
