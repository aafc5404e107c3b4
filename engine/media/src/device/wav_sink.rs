//! A WAV file as the earpiece (`--audio-out FILE.wav`): the loop pushes each frame into
//! the call recorder's lock-free ring, mono, without allocating or waiting; the owner's
//! [`Recorder`] drains it into the file off the real-time thread and finalises it.

use std::path::Path;

use super::{Sink, WavError};
use crate::recording::{Recorder, RecordingRing};

/// The loop's end: a ring holding a few seconds of mono audio.
#[derive(Debug)]
pub struct WavFileSink {
    ring: RecordingRing,
    /// Samples that did not fit (the owner drained too slowly).
    pub dropped: u64,
}

impl Sink for WavFileSink {
    fn write(&mut self, frame: &[i16]) {
        self.dropped += self.ring.push_mono(frame);
    }
}

/// Creates `path` (mono, 16-bit, `sample_rate`) and the sink and its writer around a
/// ring of `seconds` of audio.
pub fn wav_file_sink(
    path: &Path,
    sample_rate: u32,
    seconds: u32,
) -> Result<(WavFileSink, Recorder), WavError> {
    let (recorder, ring) = Recorder::with_channels(path, sample_rate, 1, seconds)?;
    Ok((WavFileSink { ring, dropped: 0 }, recorder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_pushed_by_the_loop_end_up_in_the_file() {
        let path =
            std::env::temp_dir().join(format!("earshot-wav-sink-{}.wav", std::process::id()));
        let (mut sink, mut writer) = wav_file_sink(&path, 8000, 1).unwrap();
        let frame: Vec<i16> = (0..160).map(|i| i as i16 * 10).collect();
        for _ in 0..30 {
            sink.write(&frame);
            writer.drain().unwrap();
        }
        // More than the ring holds between drains is dropped and counted.
        for _ in 0..60 {
            sink.write(&frame);
        }
        assert_eq!(sink.dropped, 60 * 160 - 8000);
        assert_eq!(writer.finish().unwrap(), 30 * 160 + 8000);
        let got = crate::device::read_wav(&path, 8000).unwrap();
        assert_eq!(got.len(), 30 * 160 + 8000);
        assert_eq!(got.get(..160), Some(&frame[..]));
        std::fs::remove_file(&path).unwrap();
    }
}
